/**
 * Notebook versions beyond append (issue 16): commit an edit, fork, three-way merge
 * (nbdime), split; and the working copy's diff and update. Called with their documented
 * arguments they open no dialog and reject with the server's reason on a refusal; from
 * a menu, a button (`choose: true`) or the palette they may ask.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import { diffNotebookCopy, forkArtifact, getNotebookInfo, MergeOutcome, mergeNotebook, splitNotebook } from './api';
import { panelFor, reported } from './commands';
import {
  announce, commitWorkingCopy, ICommitChoices, ICommitOutcome, mergeIntoWorkingCopy, offerMerge, replaceWithVersion,
  workingNotebook
} from './commit';
import { requireLink } from './notebooks';
import { commitVersionIcon, forkIcon, mergeIcon, splitIcon } from './icons';
import { mergeTitle } from './mergeNav';
import { ArgumentError, formatRef, intListArg, parseRef, refArg, stringArg } from './models';
import { notebookLink } from './notebooks';
import { ArtifactsAPIError } from './request';
import { CommandIDs } from './tokens';
import { versionNotebook } from './versionCache';
import type { Views } from './views';
import { askFields } from './widgets/BranchDialogs';
import { askCommit } from './widgets/CommitDialog';
import { compareCells, hasChanges, ICellLike, versionIndices } from './workingCopy';

type Args = ReadonlyPartialJSONObject;

export interface IBranchCommandOptions {
  app: JupyterFrontEnd;
  tracker: INotebookTracker;
  views: Views;
}

/** Whether any of a command's documented arguments was given (toolbars and menus add their own). */
function given(args: Args, names: string[]): boolean {
  return names.some(name => args[name] !== undefined);
}

const refText = (text: string, name: string) => {
  const ref = refArg({ [name]: text }, name);
  return ref.version === undefined ? ref.artifactId : formatRef(ref.artifactId, ref.version);
};

export function addBranchCommands(o: IBranchCommandOptions): void {
  const { commands } = o.app;
  const current = () => o.tracker.currentWidget;
  // Through the command: a failed open is reported once, never an unhandled rejection.
  const open = (ref: string) => void commands.execute(CommandIDs.openVersion, { ref });
  const registered = () => !!current() && !!notebookLink(current() as NotebookPanel);
  const refresh = () => {
    for (const id of [CommandIDs.commitNotebook, CommandIDs.splitNotebook]) {
      commands.notifyCommandChanged(id);
    }
  };
  o.tracker.currentChanged.connect(refresh);
  o.tracker.widgetAdded.connect((_, panel) => void panel.context.ready.then(() => {
    panel.model?.metadataChanged.connect(refresh);
    refresh();
  }));

  commands.addCommand(CommandIDs.commitNotebook, {
    label: 'Save as New Version',
    caption: 'Record the notebook as it is now as its next version (shows the diff first)',
    icon: commitVersionIcon,
    isEnabled: registered,
    execute: (args: Args) => reported('Saving the version failed', async (): Promise<ICommitOutcome> => {
      const panel = await panelFor(o, stringArg(args, 'path'));
      const link = requireLink(panel);
      let choices: ICommitChoices = { method: stringArg(args, 'method'), rationale: stringArg(args, 'rationale') };
      const interactive = !given(args, ['path', 'method', 'rationale']);
      const baseRef = formatRef(link.artifact_id, link.version_number);
      if (interactive) {
        if (panel.context.model.dirty) {
          await panel.context.save();
        }
        const [diff, info] = await Promise.all([
          diffNotebookCopy(link.artifact_id, workingNotebook(panel), link.version_number),
          getNotebookInfo(link.artifact_id)
        ]);
        if (diff.diff.length === 0) {
          Notification.info(`Nothing to save: this notebook equals ${baseRef}. No version was created.`, { autoClose: 8000 });
          return { status: 'unchanged', ref: baseRef };
        }
        const newer = info.latest_version > link.version_number ? info.latest_version : null;
        const asked = await askCommit({
          diff, baseRef, newerHead: newer, services: o.views.services,
          targetRef: formatRef(link.artifact_id, (newer ?? link.version_number) + 1),
          initial: { method: 'manual-edit', rationale: '' }
        });
        if (asked === null) {
          return { status: 'cancelled', ref: baseRef };
        }
        choices = asked;
      }
      try {
        const outcome = await commitWorkingCopy(panel, choices);
        announce(outcome, open);
        return outcome;
      } catch (error) {
        if (interactive && error instanceof ArtifactsAPIError && error.reason === 'stale_parent') {
          return offerMerge(panel, error, { views: o.views, commit: true, choices, open });
        }
        throw error;
      }
    })
  });

  commands.addCommand(CommandIDs.forkArtifact, {
    label: args => (args.ref ? `Fork ${args.ref}…` : 'Fork Artifact Version…'),
    caption: 'Fork exactly this version into a new artifact (its version 1) and open it',
    icon: forkIcon,
    execute: (args: Args) => reported('The fork failed', async () => {
      let ref = args.ref === undefined && Object.keys(args).length === 0 ? '' : refText(stringArg(args, 'ref', true)!, 'ref');
      let body: { new_id?: string; title?: string; rationale?: string } = { new_id: stringArg(args, 'new_id') };
      if (args.choose === true || Object.keys(args).length === 0) {
        const asked = await askFields({
          title: ref ? `Fork ${ref}` : 'Fork an artifact version', okLabel: 'Fork',
          note: 'The new artifact starts as version 1 with exactly this content; its lineage records the fork.',
          fields: [
            { name: 'ref', label: 'Version to fork', value: ref, placeholder: 'e.g. NB-12@v3', required: true },
            { name: 'new_id', label: 'New id (optional)', value: body.new_id ?? '', placeholder: 'generated when empty' },
            { name: 'title', label: 'Title (optional)', placeholder: 'the source title with " (fork)"' },
            { name: 'rationale', label: 'Rationale (optional)', long: true }
          ]
        });
        if (asked === null) {
          return null;
        }
        ref = refText(asked.ref, 'ref');
        body = { new_id: asked.new_id, title: asked.title, rationale: asked.rationale };
      }
      const v = await forkArtifact(ref, body);
      await o.views.openVersion({ artifactId: v.artifact_id, version: v.version_number });
      Notification.success(`Forked ${ref} as ${v.ref}.`, { autoClose: 6000 });
      return { ref: v.ref, artifact_id: v.artifact_id };
    })
  });

  commands.addCommand(CommandIDs.mergeNotebook, {
    label: args => (args.other && args.id ? `Merge ${args.other} into ${args.id}…` : 'Merge Notebook Versions…'),
    caption: "Three-way merge of another version (e.g. a fork's) into a notebook's head, with nbdime",
    icon: mergeIcon,
    execute: (args: Args) => reported('The merge failed', async () => {
      let id = stringArg(args, 'id');
      let other = stringArg(args, 'other');
      let base = stringArg(args, 'base');
      if (args.choose === true || !given(args, ['id', 'other', 'base'])) {
        const asked = await askFields({
          title: 'Merge notebook versions', okLabel: 'Merge',
          note: "The other version's changes are merged into the notebook's latest version, over their common " +
            'ancestor. Conflicts open in a merge tab to resolve.',
          fields: [
            { name: 'id', label: 'Notebook to merge into', value: id ?? '', placeholder: 'e.g. NB-12', required: true },
            { name: 'other', label: 'Version to merge in', value: other ?? '', placeholder: 'e.g. NB-12-fork@v2', required: true },
            { name: 'base', label: 'Common ancestor (optional)', value: base ?? '', placeholder: 'found from the lineage when empty' }
          ]
        });
        if (asked === null) {
          return null;
        }
        ({ id, other, base } = asked);
      }
      const target = refArg({ id }, 'id').artifactId;
      other = refText(other ?? '', 'other');
      base = base ? refText(base, 'base') : undefined;
      try {
        const reply = await mergeNotebook(target, { other, base });
        const v = reply.version;
        await o.views.openVersion({ artifactId: v.artifact_id, version: v.version_number });
        if (!reply.created) {
          Notification.info(`${v.ref} already holds ${other}: nothing to merge, no version was created.`, { autoClose: 8000 });
        }
        return { status: reply.created ? 'created' : 'unchanged', ref: v.ref };
      } catch (error) {
        if (!(error instanceof ArtifactsAPIError) || error.reason !== 'merge_conflict') {
          throw error;
        }
        const outcome = error.body as MergeOutcome;
        const head = parseRef(outcome.local_ref)?.version ?? 1;
        const remote = outcome.remote_ref ?? other;
        await o.views.openMerge({
          title: mergeTitle(target, other), outcome, remoteLabel: remote,
          commitLabel: `Commit the merge as v${head + 1}`,
          commit: async (resolved, rationale) => {
            const r = await mergeNotebook(target, { other: remote, base: outcome.base_ref, parent_version: head, resolved, rationale });
            announce({ status: 'created', ref: r.version.ref, summary: r.version.summary }, open, `Merged ${remote}. `);
            open(r.version.ref);
          }
        });
        return { status: 'conflicts', ref: outcome.local_ref, conflicts: outcome.conflicts };
      }
    })
  });

  commands.addCommand(CommandIDs.splitNotebook, {
    label: 'Split Selected Cells into a New Notebook…',
    caption: 'The selected cells of the version this notebook names become version 1 of a new notebook',
    icon: splitIcon,
    isEnabled: registered,
    execute: (args: Args) => reported('The split failed', async () => {
      const panel = await panelFor(o, stringArg(args, 'path'));
      const link = requireLink(panel);
      const from = formatRef(link.artifact_id, link.version_number);
      let cells = intListArg(args, 'cells');
      let body: { new_id?: string; title?: string; rationale?: string } = { new_id: stringArg(args, 'new_id') };
      if (cells === undefined) {
        const chosen = panel.content.widgets.map((c, i) => [c, i] as const)
          .filter(([c]) => panel.content.isSelectedOrActive(c)).map(([, i]) => i);
        const version = await versionNotebook(link.artifact_id, link.version_number);
        const mapped = versionIndices(chosen, compareCells(cellsOf(panel), version.cells as unknown as ICellLike[]), from);
        if (!mapped.ok) {
          throw new ArgumentError(mapped.error);
        }
        cells = mapped.cells;
      }
      if (!given(args, ['path', 'cells', 'new_id'])) {
        const list = cells.map(i => i + 1).join(', ');
        const asked = await askFields({
          title: `Split ${cells.length} cell${cells.length === 1 ? '' : 's'} of ${from}`, okLabel: 'Split',
          note: `Cell${cells.length === 1 ? '' : 's'} ${list} of ${from} (ids and outputs kept) become version 1 of a new notebook.`,
          fields: [
            { name: 'new_id', label: 'New id (optional)', placeholder: 'generated when empty' },
            { name: 'title', label: 'Title (optional)', placeholder: 'the source title with " (split)"' },
            { name: 'rationale', label: 'Rationale (optional)', long: true }
          ]
        });
        if (asked === null) {
          return null;
        }
        body = asked;
      }
      const v = await splitNotebook(link.artifact_id, { cells, from, ...body });
      await o.views.openVersion({ artifactId: v.artifact_id, version: v.version_number });
      Notification.success(`Split ${cells.length} cell${cells.length === 1 ? '' : 's'} of ${from} into ${v.ref}.`, { autoClose: 6000 });
      return { ref: v.ref, artifact_id: v.artifact_id, cells };
    })
  });

  commands.addCommand(CommandIDs.diffWorkingCopy, {
    label: 'Show Changes Since the Saved Version',
    caption: "nbdime's diff of the notebook as it is now against the version its metadata names",
    execute: (args: Args) => reported('Showing the changes failed', async () => {
      const panel = await panelFor(o, stringArg(args, 'path'));
      const link = requireLink(panel);
      await o.views.openCopyDiff(link.artifact_id, link.version_number, workingNotebook(panel), panel.context.path);
    })
  });

  commands.addCommand(CommandIDs.updateWorkingCopy, {
    label: 'Update Notebook to the Latest Version…',
    caption: 'Replace an unchanged notebook by the latest version, or merge the latest version into your edits',
    execute: (args: Args) => reported('The update failed', async () => {
      const panel = await panelFor(o, stringArg(args, 'path'));
      const link = requireLink(panel);
      const latest = (await getNotebookInfo(link.artifact_id)).latest_version;
      const head = formatRef(link.artifact_id, latest);
      if (latest <= link.version_number) {
        Notification.info(`This notebook is already on the latest version, ${head}.`, { autoClose: 5000 });
        return { status: 'unchanged', ref: head };
      }
      const version = await versionNotebook(link.artifact_id, link.version_number);
      const changed = hasChanges(compareCells(cellsOf(panel), version.cells as unknown as ICellLike[]));
      const commit = args.commit === true;
      if (args.choose === true || Object.keys(args).length === 0) {
        const mine = formatRef(link.artifact_id, link.version_number);
        const answer = await showDialog({
          title: `${head} exists`,
          body: changed
            ? `This notebook has changes since ${mine}. Merge ${head} into them (conflicts open in a merge tab)?`
            : `This notebook is ${mine}, unchanged. Replace it by ${head}?`,
          buttons: changed
            ? [Dialog.cancelButton(), Dialog.okButton({ label: `Merge v${latest} in` }),
              Dialog.okButton({ label: `Merge and save as v${latest + 1}`, actions: ['commit'] })]
            : [Dialog.cancelButton(), Dialog.okButton({ label: `Update to v${latest}` })]
        });
        if (!answer.button.accept) {
          return null;
        }
        if (changed) {
          return mergeIntoWorkingCopy(panel, { views: o.views, commit: answer.button.actions.includes('commit'), choices: {}, open });
        }
      } else if (changed) {
        return mergeIntoWorkingCopy(panel, { views: o.views, commit, choices: {}, open });
      }
      await replaceWithVersion(panel, latest);
      Notification.success(`Updated this notebook to ${head}.`, { autoClose: 6000 });
      return { status: 'updated', ref: head };
    })
  });
}

/** The open notebook's cells, as the comparison reads them. */
function cellsOf(panel: NotebookPanel): ICellLike[] {
  return workingNotebook(panel).cells as unknown as ICellLike[];
}
