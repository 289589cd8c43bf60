/**
 * Command registration (shared/UI.md: the plugin's public API). Each command
 * takes its documented arguments (checked, with a sentence when wrong),
 * opens no dialog when called with arguments, and resolves once its view is
 * shown or its write is done. Failures show as one notification and reject
 * (failures.ts: a click's or the palette's run leaves no unhandled rejection).
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { InputDialog, Notification } from '@jupyterlab/apputils';
import type * as nbformat from '@jupyterlab/nbformat';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { MessageLoop } from '@lumino/messaging';

import { getNotebookVersion, LineageDirection } from './api';
import { LiveUpdates } from './events';
import { appendVersionIcon, artifactsIcon } from './icons';
import { ArgumentError, boolArg, formatRef, intArg, objectArg, refArg, stringArg } from './models';
import { append, appendCaption, INotebookLink, notebookLink, register, registeredMessage } from './notebooks';
import { report } from './failures';
import { CommandIDs, ISettings, SIDEBAR_ID } from './tokens';
import { Views } from './views';
import { versionNotebook } from './versionCache';
import { askAppend, IAppendCell, IAppendValues } from './widgets/AppendDialog';
import { compareCells, firstLine, ICellLike } from './workingCopy';

type Args = ReadonlyPartialJSONObject;

/** `append-cell`'s documented arguments (shared/UI.md). */
const APPEND_ARGS = ['path', 'cell_index', 'execute', 'method', 'parameters', 'rationale', 'chamber_id'];

/**
 * Run `work`; on failure, say so in one notification (none more if a command it
 * ran said it already) and reject with the same error.
 */
export async function reported<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw report(what, error);
  }
}

/**
 * A required argument, asked for in a dialog when the command was run with no
 * arguments at all (palette, menu); null when the dialog was cancelled.
 */
export async function argOrAsk(args: Args, name: string, title: string, placeholder: string): Promise<Args | null> {
  if (Object.keys(args).length > 0) {
    return args;
  }
  const answer = await InputDialog.getText({ title, placeholder, label: placeholder });
  if (!answer.button.accept || !answer.value?.trim()) {
    return null;
  }
  return { [name]: answer.value.trim() };
}

/**
 * Focus the sidebar's search box (rendered by React: it may take a moment to appear), again
 * until the box has kept it for a few checks in case something else hands focus back. The
 * first key or pointer press ends that: from then on focus goes where the user sends it.
 */
async function focusSearch(): Promise<void> {
  let userActed = false;
  const acted = (): void => {
    userActed = true;
  };
  document.addEventListener('keydown', acted, true);
  document.addEventListener('pointerdown', acted, true);
  try {
    let kept = 0;
    for (let tries = 0; tries < 60 && kept < 3 && !userActed; tries++) {
      const input = document.querySelector<HTMLInputElement>(`#${SIDEBAR_ID} .jp-Artifacts-search-input`);
      if (input !== null && input.offsetParent !== null) {
        if (document.activeElement === input) {
          kept++;
        } else {
          input.focus();
          input.select();
          kept = 0;
        }
      }
      await new Promise(resolve => window.setTimeout(resolve, 50));
    }
  } finally {
    document.removeEventListener('keydown', acted, true);
    document.removeEventListener('pointerdown', acted, true);
  }
}

export function addSidebarCommands(app: JupyterFrontEnd, live: LiveUpdates): void {
  app.commands.addCommand(CommandIDs.openSidebar, {
    label: 'Show Artifacts',
    caption: 'Open the Artifacts sidebar',
    icon: artifactsIcon,
    execute: async () => {
      app.shell.activateById(SIDEBAR_ID);
      // Run from the palette, the palette's closing re-activates the main area's current widget
      // once this returns (a posted activate-request, which a busy page may process much later
      // and which then takes focus from wherever the user went): process it first, then focus.
      await Promise.resolve();
      MessageLoop.flush();
      await focusSearch();
    }
  });
  app.commands.addCommand(CommandIDs.refresh, {
    label: 'Refresh Artifacts',
    caption: 'Reload what the open artifact views show',
    execute: () => reported('Refreshing failed', async () => live.refreshAll())
  });
}

export function addViewCommands(app: JupyterFrontEnd, views: Views): void {
  const { commands } = app;
  commands.addCommand(CommandIDs.openVersion, {
    label: args => (args.ref ? `Open ${args.ref}` : 'Open Artifact Version'),
    caption: 'A read-only view of exactly one version',
    execute: (args: Args) => reported('Opening the version failed', async () => {
      const given = await argOrAsk(args, 'ref', 'Open an artifact version', 'e.g. NB-12@v3 (an id for its latest)');
      if (given !== null) {
        // `preview`: in the one preview tab (a single click on a chip, a row, a node).
        await views.openVersion(refArg(given, 'ref'), { preview: boolArg(args, 'preview') ?? false });
      }
    })
  });
  commands.addCommand(CommandIDs.showHistory, {
    label: args => (args.id ? `History of ${args.id}` : 'Show Artifact History'),
    caption: 'Every version of an artifact, newest first; compare any two',
    execute: (args: Args) => reported('Opening the history failed', async () => {
      const given = await argOrAsk(args, 'id', 'Show the history of an artifact', 'e.g. NB-12');
      if (given !== null) {
        await views.openHistory(refArg(given, 'id').artifactId);
      }
    })
  });
  commands.addCommand(CommandIDs.openDiff, {
    label: 'Compare Artifact Versions',
    caption: "The visual diff of two versions (notebooks: nbdime's)",
    execute: (args: Args) => reported('Opening the diff failed', async () => {
      const id = refArg(args, 'id').artifactId;
      const from = intArg(args, 'from', { min: 1 });
      const to = intArg(args, 'to', { min: 1 });
      await views.openDiff(id, from, to);
    })
  });
  commands.addCommand(CommandIDs.openLineage, {
    label: args => (args.ref ? `Lineage of ${args.ref}` : 'Open Lineage'),
    caption: 'Where a version came from and what came of it: the processing steps between exact versions',
    execute: (args: Args) => reported('Opening the lineage failed', async () => {
      const given = await argOrAsk(args, 'ref', 'Open the lineage of a version', 'e.g. NB-12@v3');
      if (given === null) {
        return;
      }
      const ref = refArg(given, 'ref');
      const direction = stringArg(given, 'direction');
      if (direction !== undefined && !['ancestors', 'descendants', 'both'].includes(direction)) {
        throw new ArgumentError('The argument "direction" must be ancestors, descendants or both.');
      }
      await views.openLineage(ref.version === undefined ? ref.artifactId : formatRef(ref.artifactId, ref.version), {
        direction: direction as LineageDirection | undefined,
        maxDepth: intArg(given, 'max_depth', { min: 1, max: 50 })
      });
    })
  });
  commands.addCommand(CommandIDs.downloadVersion, {
    label: 'Download Version as .ipynb',
    caption: 'Download a notebook version as an .ipynb file',
    execute: (args: Args) => reported('The download failed', async () => {
      const ref = refArg(args, 'ref');
      const n = ref.version ?? (await views.openVersion(ref)).content.version?.version_number;
      const nb = await getNotebookVersion(ref.artifactId, n as number);
      const blob = new Blob([JSON.stringify(nb, null, 1)], { type: 'application/x-ipynb+json' });
      const link = document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = `${ref.artifactId}-v${n}.ipynb`;
      document.body.appendChild(link);
      link.click();
      link.remove();
      window.setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    })
  });
}

export interface INotebookCommandOptions {
  app: JupyterFrontEnd;
  tracker: INotebookTracker;
  settings: () => ISettings;
  openVersion: (ref: string) => void;
}

/** The notebook panel a command is about: `path` (opened if need be), else the active one. */
export async function panelFor(o: Pick<INotebookCommandOptions, 'app' | 'tracker'>, path: string | undefined): Promise<NotebookPanel> {
  let panel: NotebookPanel | null | undefined = path
    ? o.tracker.find(p => p.context.path === path)
    : o.tracker.currentWidget;
  if (!panel && path) {
    panel = (await o.app.commands.execute('docmanager:open', { path, factory: 'Notebook' })) as NotebookPanel;
  }
  if (!panel) {
    throw new Error('Open a notebook first (or give its path).');
  }
  await panel.context.ready;
  return panel;
}

/** The cell an append would send, and whether the version the notebook names already holds it. */
async function describeCell(panel: NotebookPanel, link: INotebookLink, index: number): Promise<IAppendCell> {
  const model = panel.content.widgets[index]?.model;
  const cell: IAppendCell = { index, cellType: model?.type ?? 'code', firstLine: firstLine(model?.sharedModel.getSource() ?? ''),
    editedIn: null, unchangedIn: null };
  try {
    const version = await versionNotebook(link.artifact_id, link.version_number);
    const working = (panel.model!.toJSON() as unknown as nbformat.INotebookContent).cells as unknown as ICellLike[];
    const c = compareCells(working, version.cells as unknown as ICellLike[]);
    const pair = c.pairs[index];
    if (pair !== null && pair !== undefined) {
      const where = `${formatRef(link.artifact_id, link.version_number)} (cell ${pair + 1})`;
      if (c.modified.includes(index)) {
        cell.editedIn = where;
      } else {
        cell.unchangedIn = where;
      }
    }
  } catch (error) {
    console.warn('jupyter_artifacts: could not compare the cell with its version', error);
  }
  return cell;
}

export function addNotebookCommands(o: INotebookCommandOptions): void {
  const { commands } = o.app;
  const current = () => o.tracker.currentWidget;
  // Toolbar buttons and menus follow whether the current notebook is registered.
  const changed = () => {
    commands.notifyCommandChanged(CommandIDs.appendCell);
    commands.notifyCommandChanged(CommandIDs.registerNotebook);
  };
  o.tracker.currentChanged.connect(changed);
  o.tracker.widgetAdded.connect((_, panel) => {
    void panel.context.ready.then(() => {
      panel.model?.metadataChanged.connect(changed);
      changed();
    });
  });
  commands.addCommand(CommandIDs.registerNotebook, {
    label: 'Register Notebook as Artifact',
    caption: 'Make this notebook a versioned artifact (version 1), so its cells can be appended as versions',
    icon: artifactsIcon,
    isEnabled: () => !!current() && !notebookLink(current() as NotebookPanel),
    // The toolbar's Register button shows only on unregistered notebooks (schema/plugin.json).
    isVisible: args => !args.toolbar || (!!current() && !notebookLink(current() as NotebookPanel)),
    execute: (args: Args) => reported('Registering the notebook failed', async () => {
      const panel = await panelFor(o, stringArg(args, 'path'));
      const reply = await register(panel);
      Notification.success(registeredMessage(reply), { autoClose: 8000 });
      return reply;
    })
  });
  commands.addCommand(CommandIDs.appendCell, {
    label: 'Append Cell as New Version',
    // Says why it is disabled on an unregistered notebook.
    caption: () => appendCaption(current() ?? null),
    icon: appendVersionIcon,
    isEnabled: () => !!current() && !!notebookLink(current() as NotebookPanel),
    execute: (args: Args) => reported('The append failed', async () => {
      const panel = await panelFor(o, stringArg(args, 'path'));
      const link = notebookLink(panel);
      const cellIndex = intArg(args, 'cell_index', { min: 0 }) ?? panel.content.activeCellIndex;
      const settings = o.settings();
      const given = {
        execute: boolArg(args, 'execute'),
        method: stringArg(args, 'method'),
        parameters: objectArg(args, 'parameters'),
        rationale: stringArg(args, 'rationale'),
        chamberId: stringArg(args, 'chamber_id')
      };
      // Toolbars and menus pass args of their own (`toolbar: true`): only documented ones count.
      const withArgs = APPEND_ARGS.some(name => args[name] !== undefined);
      let choice: IAppendValues = {
        execute: given.execute ?? settings.executeOnAppend,
        method: given.method ?? (settings.defaultMethod || undefined),
        parameters: given.parameters ?? {},
        rationale: given.rationale,
        chamberId: given.chamberId
      };
      if (!withArgs) {
        if (!link) {
          throw new Error('This notebook is not registered as an artifact yet: run "Register Notebook as Artifact" first.');
        }
        const asked = await askAppend(
          formatRef(link.artifact_id, link.version_number + 1),
          await describeCell(panel, link, cellIndex),
          {
            method: choice.method ?? '',
            parametersText: '',
            rationale: '',
            execute: choice.execute,
            chamberId: ''
          }
        );
        if (asked === 'commit') {
          return commands.execute(CommandIDs.commitNotebook);
        }
        if (asked === null) {
          return null;
        }
        choice = asked;
      }
      return await append(panel, { cellIndex, ...choice, open: o.openVersion });
    })
  });
}
