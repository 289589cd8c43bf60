/**
 * What the main-area views need from the application, in one object, and the
 * little helpers they share (opening commands only when they exist).
 */
import type { IEditorServices } from '@jupyterlab/codeeditor';
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { CommandRegistry } from '@lumino/commands';

import type { ChipMenu } from '../chipmenu';
import type { LiveUpdates } from '../events';
import type { ReplayStore } from '../replays';

export interface IViewServices {
  commands: CommandRegistry;
  rendermime: IRenderMimeRegistry;
  editorServices: IEditorServices;
  live: LiveUpdates;
  /** The context menu of version chips. */
  chipMenu: ChipMenu;
  /** The latest replay of each version, kept current. */
  replays: ReplayStore;
}

/** Run a command if some plugin provides it (e.g. lineage, chambers). */
export function runIfAvailable(
  commands: CommandRegistry,
  id: string,
  args: Record<string, unknown>
): void {
  if (commands.hasCommand(id)) {
    void commands.execute(id, args as any);
  }
}
