/**
 * A working copy (an open registered notebook) and the versions of its notebook: commit
 * it as the next version, merge a newer head into it (nbdime, through `merge-preview`),
 * or replace it by the head. The notebook's `metadata.jupyter_artifacts` names the
 * version the copy was made from; every commit is conditional on it (`parent_version`).
 */
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import type * as nbformat from '@jupyterlab/nbformat';
import { NotebookPanel } from '@jupyterlab/notebook';

import { commitNotebook, Committed, getNotebookInfo, mergePreview } from './api';
import { mergeTitle } from './mergeNav';
import { formatRef, parseRef } from './models';
import { requireLink, setLink } from './notebooks';
import { ArtifactsAPIError } from './request';
import { NOTEBOOK_METADATA_KEY } from './tokens';
import { versionNotebook } from './versionCache';
import { sourceText } from './workingCopy';
import type { Views } from './views';

export interface ICommitChoices {
  method?: string;
  rationale?: string;
}

/** What a commit did (also the command's result). */
export interface ICommitOutcome {
  /** `created`: a new version; `unchanged`: the copy equals its version; `merging`: a merge tab is open. */
  status: 'created' | 'unchanged' | 'merging' | 'cancelled';
  ref: string;
  summary?: Committed['summary'];
}


/** The notebook as it is now, without the link (the server strips it too). */
export function workingNotebook(panel: NotebookPanel): nbformat.INotebookContent {
  const nb = panel.model!.toJSON() as nbformat.INotebookContent;
  const metadata = { ...nb.metadata };
  delete metadata[NOTEBOOK_METADATA_KEY];
  return { ...nb, metadata };
}

/** Put a notebook (a merge's result, the head) into the working copy: its cells (ids kept) and metadata. */
export function applyNotebook(panel: NotebookPanel, nb: nbformat.INotebookContent): void {
  const shared = panel.model!.sharedModel;
  const link = panel.model!.getMetadata(NOTEBOOK_METADATA_KEY);
  shared.transact(() => {
    shared.deleteCellRange(0, shared.cells.length);
    shared.insertCells(0, nb.cells.map(cell => ({ ...cell, source: sourceText(cell.source) })) as any);
    const metadata: Record<string, unknown> = { ...nb.metadata };
    if (link !== undefined) {
      metadata[NOTEBOOK_METADATA_KEY] = link;
    }
    shared.setMetadata(metadata as nbformat.INotebookMetadata);
  });
}

/**
 * Record the working copy (saved first) as the next version of its notebook, on the version
 * its metadata names (or `parentVersion`); the metadata follows the new version. A stale
 * parent rejects with the server's `stale_parent` error.
 */
export async function commitWorkingCopy(
  panel: NotebookPanel,
  choices: ICommitChoices,
  parentVersion?: number
): Promise<ICommitOutcome> {
  const link = requireLink(panel);
  if (panel.context.model.dirty) {
    await panel.context.save();
  }
  const parent = parentVersion ?? link.version_number;
  const reply = await commitNotebook(link.artifact_id, {
    notebook: workingNotebook(panel),
    parent_version: parent,
    method: choices.method,
    rationale: choices.rationale
  });
  const v = reply.version;
  const ref = formatRef(v.artifact_id, v.version_number);
  if (!reply.created) {
    if (v.version_number !== link.version_number) {
      await setLink(panel, { artifact_id: v.artifact_id, version_number: v.version_number });
    }
    return { status: 'unchanged', ref, summary: v.summary };
  }
  await setLink(panel, { artifact_id: v.artifact_id, version_number: v.version_number });
  return { status: 'created', ref, summary: v.summary };
}

export interface IMergeIntoOptions {
  views: Views;
  /** Commit the result as the next version (else it stays a working copy on the head). */
  commit: boolean;
  choices: ICommitChoices;
  open: (ref: string) => void;
}

/** One sentence about a commit's outcome, with an action to open it. */
export function announce(outcome: ICommitOutcome, open: (ref: string) => void, prefix = ''): void {
  if (outcome.status === 'created') {
    const s = outcome.summary;
    const what = s ? ` (${s.added.length} added, ${s.modified.length} modified, ${s.removed.length} removed)` : '';
    Notification.success(`${prefix}Saved as ${outcome.ref}${what}.`, {
      autoClose: 10000,
      actions: [{ label: `Open ${outcome.ref}`, callback: () => open(outcome.ref) }]
    });
  } else if (outcome.status === 'unchanged') {
    Notification.info(`${prefix}Nothing to save: this notebook equals ${outcome.ref}. No version was created.`, {
      autoClose: 8000
    });
  }
}

/**
 * Merge the notebook's head into the working copy, over the version the copy was made
 * from. No conflict: the merged notebook replaces the copy, the metadata names the head,
 * and (`commit`) it is saved as the next version. Conflicts: a merge tab opens, whose
 * commit does the same with the resolution.
 */
export async function mergeIntoWorkingCopy(panel: NotebookPanel, o: IMergeIntoOptions): Promise<ICommitOutcome> {
  const link = requireLink(panel);
  const baseRef = formatRef(link.artifact_id, link.version_number);
  if (panel.context.model.dirty) {
    await panel.context.save();
  }
  const preview = await mergePreview(link.artifact_id, { notebook: workingNotebook(panel), base: baseRef });
  const head = parseRef(preview.local_ref)?.version ?? link.version_number;
  const finish = async (merged: nbformat.INotebookContent, prefix: string, choices = o.choices): Promise<ICommitOutcome> => {
    applyNotebook(panel, merged);
    await setLink(panel, { artifact_id: link.artifact_id, version_number: head });
    if (!o.commit) {
      Notification.success(`${prefix} The working copy is now based on ${preview.local_ref}; save it as a new version when ready.`,
        { autoClose: 10000 });
      return { status: 'unchanged', ref: preview.local_ref };
    }
    const outcome = await commitWorkingCopy(panel, choices, head);
    announce(outcome, o.open, `${prefix} `);
    return outcome;
  };
  if (preview.conflicts === 0 && preview.merged) {
    return finish(preview.merged, `Merged ${preview.local_ref} into your edits (no conflicts).`);
  }
  await o.views.openMerge({
    title: mergeTitle(link.artifact_id, `working copy ${panel.context.path.split('/').pop()}`),
    outcome: preview,
    remoteLabel: `the working copy ${panel.context.path} (edited from ${baseRef})`,
    commitLabel: o.commit ? `Apply to the working copy and save as v${head + 1}` : 'Apply to the working copy',
    rationale: o.choices.rationale,
    commit: async (resolved, rationale) => {
      const prefix = `Merged ${preview.local_ref} into your edits (conflicts resolved).`;
      const outcome = await finish(resolved, prefix, { ...o.choices, rationale: rationale ?? o.choices.rationale });
      if (outcome.status === 'created') {
        o.open(outcome.ref);
      }
    }
  });
  return { status: 'merging', ref: preview.local_ref };
}

/** Replace the working copy by version `n` of its notebook (nothing of the copy is kept). */
export async function replaceWithVersion(panel: NotebookPanel, n: number): Promise<void> {
  const link = requireLink(panel);
  applyNotebook(panel, await versionNotebook(link.artifact_id, n));
  await setLink(panel, { artifact_id: link.artifact_id, version_number: n });
}

/** After a `stale_parent`: offer to merge the head into the working copy and save the result. */
export async function offerMerge(
  panel: NotebookPanel,
  error: ArtifactsAPIError,
  o: IMergeIntoOptions
): Promise<ICommitOutcome> {
  const link = requireLink(panel);
  const body = (error.body ?? {}) as { current_version?: number };
  const latest = body.current_version ?? (await getNotebookInfo(link.artifact_id)).latest_version;
  const answer = await showDialog({
    title: `${link.artifact_id} has a newer version`,
    body:
      `${formatRef(link.artifact_id, latest)} was saved since this notebook's ${formatRef(link.artifact_id, link.version_number)}. ` +
      `Merge ${formatRef(link.artifact_id, latest)} into your edits and save the result as v${latest + 1}? ` +
      'Conflicts, if any, open in a merge tab first.',
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: `Merge v${latest} and save` })]
  });
  if (!answer.button.accept) {
    return { status: 'cancelled', ref: formatRef(link.artifact_id, link.version_number) };
  }
  return mergeIntoWorkingCopy(panel, { ...o, commit: true });
}
