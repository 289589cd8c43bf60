/**
 * Commands of version tabs: back and forward in a tab (Alt+Left, Alt+Right),
 * *Keep open* for the preview tab, and *Open a copy in a new notebook*, the
 * route to change what a read-only version view shows. Also how chips open
 * versions: single click in the preview tab, double click pinned.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import { getNotebookVersion, getVersion } from './api';
import { argOrAsk, reported } from './commands';
import { formatRef, refArg } from './models';
import { setVersionOpener } from './preview';
import { CommandIDs, NOTEBOOK_METADATA_KEY } from './tokens';
import { VERSION_TAB_CLASS } from './versionTabs';
import { Views } from './views';

/** A notebook path in the server's root that no file has yet: `NB-12-v2.ipynb`, `NB-12-v2-1.ipynb`… */
async function freePath(app: JupyterFrontEnd, stem: string): Promise<string> {
  const safe = stem.replace(/[^A-Za-z0-9._-]+/g, '_');
  for (let i = 0; ; i++) {
    const path = `${safe}${i === 0 ? '' : `-${i}`}.ipynb`;
    try {
      await app.serviceManager.contents.get(path, { content: false });
    } catch {
      return path;
    }
  }
}

export function addVersionTabCommands(
  app: JupyterFrontEnd,
  views: Views
): void {
  const { commands } = app;
  const tabs = views.versionTabs;
  setVersionOpener(
    (ref, preview) =>
      void commands.execute(CommandIDs.openVersion, { ref, preview })
  );

  commands.addCommand(CommandIDs.versionBack, {
    label: 'Back to the Previous Version in This Tab',
    isEnabled: () => tabs.current !== null,
    execute: () => reported('Going back failed', () => tabs.go(-1))
  });
  commands.addCommand(CommandIDs.versionForward, {
    label: 'Forward to the Next Version in This Tab',
    isEnabled: () => tabs.current !== null,
    execute: () => reported('Going forward failed', () => tabs.go(1))
  });
  for (const [command, key] of [
    [CommandIDs.versionBack, 'Alt ArrowLeft'],
    [CommandIDs.versionForward, 'Alt ArrowRight']
  ]) {
    commands.addKeyBinding({
      command,
      keys: [key],
      selector: `.${VERSION_TAB_CLASS}`
    });
  }
  commands.addCommand(CommandIDs.keepOpen, {
    label: 'Keep the Preview Tab Open',
    caption:
      'Pin the preview tab: the next version opened with a single click goes to another tab',
    isEnabled: () => tabs.preview !== null,
    execute: () => tabs.pin(tabs.preview)
  });

  commands.addCommand(CommandIDs.openCopy, {
    label: args =>
      args.ref
        ? `Open a Copy of ${args.ref} in a New Notebook`
        : 'Open a Version as a New Notebook',
    caption:
      "A new notebook file with the version's cells and outputs, to edit and run; the version itself never changes",
    execute: (args: ReadonlyPartialJSONObject) =>
      reported('Opening a copy failed', async () => {
        const given = await argOrAsk(
          args,
          'ref',
          'Open a copy of a notebook version',
          'e.g. NB-12@v3'
        );
        if (given === null) {
          return null;
        }
        const ref = refArg(given, 'ref');
        const n =
          ref.version ?? (await getVersion(ref.artifactId)).version_number;
        const ipynb = await getNotebookVersion(ref.artifactId, n);
        // A copy of its own, linked to the version it came from: "Save as New Version" records its edits.
        const content = {
          ...ipynb,
          metadata: {
            ...ipynb.metadata,
            [NOTEBOOK_METADATA_KEY]: {
              artifact_id: ref.artifactId,
              version_number: n
            }
          }
        };
        const path = await freePath(app, `${ref.artifactId}-v${n}`);
        await app.serviceManager.contents.save(path, {
          type: 'notebook',
          format: 'json',
          content
        });
        await commands.execute('docmanager:open', {
          path,
          factory: 'Notebook'
        });
        Notification.info(
          `Opened a copy of ${formatRef(ref.artifactId, n)} as ${path}. Edit and run it there; ` +
            '"Save as New Version" records your edits as the next version.',
          { autoClose: 8000 }
        );
        return { path };
      })
  });
}
