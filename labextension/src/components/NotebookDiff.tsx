/**
 * nbdime's NotebookDiffWidget over a `{base, diff, summary}` reply, shared by
 * the diff of two versions (DiffView) and the diff of a replay's outputs
 * (ReplayDiffView): a summary line, then the widget, with the long unchanged
 * runs collapsed first (collapse.ts) so the changes are interactive at once;
 * "Show all cells" renders the whole notebook.
 */
import { ReactWidget } from '@jupyterlab/apputils';
import type * as nbformat from '@jupyterlab/nbformat';
import { Panel, Widget } from '@lumino/widgets';
import { NotebookDiffModel } from 'nbdime/lib/diff/model';
import { NotebookDiffWidget } from 'nbdime/lib/diff/widget';
import React from 'react';

import type { DiffSummary, IDiffEntry } from '../api';
import { collapseUnchanged } from '../collapse';
import { describeError } from '../request';
import type { IViewServices } from '../widgets/services';

export interface INotebookDiffInput {
  /** What is compared, as text: "NB-12@v1 → v2", "NB-12@v3 stored → replayed". */
  refs: string;
  base: nbformat.INotebookContent;
  diff: IDiffEntry[];
  summary: DiffSummary;
  /** Words for the modified cells ("modified", "outputs differ"). */
  modifiedLabel?: string;
}

function Summary(props: { input: INotebookDiffInput; hidden: number; onShowAll: (() => void) | null }): JSX.Element {
  const { summary } = props.input;
  const added = summary?.added ?? [];
  const removed = summary?.removed ?? [];
  const modified = summary?.modified ?? [];
  const idx = (list: number[]) => (list.length ? ` (${list.map(i => i + 1).join(', ')})` : '');
  return (
    <div className="jp-Artifacts-diff-summary" data-added={added.length}
      data-removed={removed.length} data-modified={modified.length}>
      <span className="jp-Artifacts-diff-refs">{props.input.refs}</span>
      {(added.length > 0 || removed.length > 0 || !props.input.modifiedLabel) && (
        <>
          <span className="jp-Artifacts-diff-added">{added.length} added{idx(added)}</span>
          <span className="jp-Artifacts-diff-removed">{removed.length} removed{idx(removed)}</span>
        </>
      )}
      <span className="jp-Artifacts-diff-modified">
        {modified.length} {props.input.modifiedLabel ?? 'modified'}{idx(modified)}
      </span>
      <span>{summary?.unchanged_count ?? 0} unchanged</span>
      {props.hidden > 0 && props.onShowAll && (
        <button type="button" className="jp-Button jp-mod-styled jp-Artifacts-show-all" onClick={props.onShowAll}>
          Show all cells ({props.hidden} hidden)
        </button>
      )}
    </div>
  );
}

/** Say in `host` why it shows no diff (`data-ready="error"`: the view opener reads it). */
export function showViewError(host: Panel, error: unknown): void {
  host.addWidget(ReactWidget.create(<div className="jp-Artifacts-error" role="alert">{describeError(error)}</div>));
  host.node.dataset.ready = 'error';
}

/**
 * Replace what `host` shows with the diff; resolves once nbdime's widget is
 * interactive (`host`'s `data-ready`), rejects with a sentence when nbdime
 * cannot render it. A failure of "Show all cells" goes to `onError`.
 */
export async function showNotebookDiff(
  host: Panel,
  input: INotebookDiffInput,
  services: IViewServices,
  collapse: boolean,
  onError: (error: unknown) => void
): Promise<void> {
  host.node.dataset.ready = 'rendering';
  while (host.widgets.length) {
    host.widgets[0].dispose();
  }
  const shown = collapse ? collapseUnchanged(input.base, input.diff) : { base: input.base, diff: input.diff, hidden: 0, runs: 0 };
  const showAll =
    shown.hidden > 0 ? () => void showNotebookDiff(host, input, services, false, onError).catch(onError) : null;
  host.addWidget(ReactWidget.create(<Summary input={input} hidden={shown.hidden} onShowAll={showAll} />));
  const root = new Panel();
  root.addClass('nbdime-root');
  root.addClass('jp-Artifacts-nbdime');
  const model = new NotebookDiffModel(shown.base, shown.diff as any);
  const widget = new NotebookDiffWidget({
    model,
    rendermime: services.rendermime,
    editorFactory: services.editorServices.factoryService.newInlineEditor
  });
  // nbdime's own @lumino/widgets typings are another copy of the same (shared) package.
  root.addWidget(widget as unknown as Widget);
  host.addWidget(root);
  host.node.dataset.hidden = String(shown.hidden);
  try {
    await widget.init();
    host.node.dataset.ready = 'true';
  } catch (error) {
    // nbdime can throw on some outputs (e.g. "Both base and remote cannot be equal!").
    throw new Error(`nbdime could not render this diff: ${describeError(error)}`);
  }
}
