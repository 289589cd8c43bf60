/**
 * The diff of two versions (`open-diff`). Notebooks: nbdime's own
 * NotebookDiffWidget built from the server's `{base, diff}` reply, with the
 * long unchanged runs collapsed first (collapse.ts) so the changes are
 * interactive at once; "Show all cells" renders the whole notebook. Other
 * artifacts: a field diff by key path, the changed words marked inside texts
 * (components/FieldDiff.tsx).
 */
import { ReactWidget } from '@jupyterlab/apputils';
import type * as nbformat from '@jupyterlab/nbformat';
import { Panel, Widget } from '@lumino/widgets';
import { NotebookDiffModel } from 'nbdime/lib/diff/model';
import { NotebookDiffWidget } from 'nbdime/lib/diff/widget';
import React from 'react';

import { diffArtifact, diffNotebook, diffNotebookCopy, getVersion, NotebookDiff } from '../api';
import { collapseUnchanged } from '../collapse';
import { FieldDiffList } from '../components/FieldDiff';
import { describeError } from '../request';
import { IViewServices } from './services';

function Summary(props: {
  diff: NotebookDiff;
  hidden: number;
  onShowAll: (() => void) | null;
}): JSX.Element {
  const { summary } = props.diff;
  const idx = (list: number[]) => (list.length ? ` (${list.map(i => i + 1).join(', ')})` : '');
  return (
    <div className="jp-Artifacts-diff-summary" data-added={summary.added.length}
      data-removed={summary.removed.length} data-modified={summary.modified.length}>
      <span className="jp-Artifacts-diff-refs">
        {props.diff.notebook_id}@v{props.diff.from} → {props.diff.to === null ? 'working copy' : `v${props.diff.to}`}
      </span>
      <span className="jp-Artifacts-diff-added">{summary.added.length} added{idx(summary.added)}</span>
      <span className="jp-Artifacts-diff-removed">{summary.removed.length} removed{idx(summary.removed)}</span>
      <span className="jp-Artifacts-diff-modified">{summary.modified.length} modified{idx(summary.modified)}</span>
      <span>{summary.unchanged_count} unchanged</span>
      {props.hidden > 0 && props.onShowAll && (
        <button type="button" className="jp-Button jp-mod-styled jp-Artifacts-show-all" onClick={props.onShowAll}>
          Show all cells ({props.hidden} hidden)
        </button>
      )}
    </div>
  );
}

export class DiffView extends Panel {
  constructor(
    readonly artifactId: string,
    private _from: number | undefined,
    private _to: number | undefined,
    private _services: IViewServices,
    /** An unsaved copy to compare with version `from` (the working copy), instead of version `to`. */
    private _copy: nbformat.INotebookContent | null = null
  ) {
    super();
    this.addClass('jp-Artifacts-view');
    this.addClass('jp-Artifacts-diff-view');
    this.node.dataset.copy = String(_copy !== null);
    this.node.dataset.artifactId = artifactId;
    this.ready = this._load();
  }

  /** Resolves once the diff is interactive (nbdime's widget initialised), or its error shown. */
  readonly ready: Promise<void>;

  /** "X vA → vB" once known. */
  label = '';

  private async _load(): Promise<void> {
    try {
      if (this._copy !== null) {
        const diff = await diffNotebookCopy(this.artifactId, this._copy, this._from);
        this.label = `${diff.notebook_id} v${diff.from} → working copy`;
        await this._showNotebook(diff, true);
        this.node.dataset.ready = 'true';
        return;
      }
      const latest = await getVersion(this.artifactId);
      if (latest.artifact_type === 'notebook') {
        const diff = await diffNotebook(this.artifactId, this._from, this._to);
        this.label = `${diff.notebook_id} v${diff.from} → v${diff.to}`;
        await this._showNotebook(diff, true);
      } else {
        const diff = await diffArtifact(this.artifactId, this._from, this._to);
        this.label = `${diff.artifact_id} v${diff.from} → v${diff.to}`;
        this.addWidget(ReactWidget.create(<FieldDiffList diff={diff} />));
      }
      this.node.dataset.ready = 'true';
    } catch (error) {
      this._showError(error);
    }
  }

  private _showError(error: unknown): void {
    this.addWidget(
      ReactWidget.create(<div className="jp-Artifacts-error" role="alert">{describeError(error)}</div>)
    );
    this.node.dataset.ready = 'error';
  }

  private async _showNotebook(diff: NotebookDiff, collapse: boolean): Promise<void> {
    this.node.dataset.ready = 'rendering';
    while (this.widgets.length) {
      this.widgets[0].dispose();
    }
    const shown = collapse ? collapseUnchanged(diff.base, diff.diff) : { base: diff.base, diff: diff.diff, hidden: 0, runs: 0 };
    const showAll =
      shown.hidden > 0 ? () => void this._showNotebook(diff, false).catch(e => this._showError(e)) : null;
    this.addWidget(ReactWidget.create(<Summary diff={diff} hidden={shown.hidden} onShowAll={showAll} />));
    const root = new Panel();
    root.addClass('nbdime-root');
    root.addClass('jp-Artifacts-nbdime');
    const model = new NotebookDiffModel(shown.base, shown.diff as any);
    const widget = new NotebookDiffWidget({
      model,
      rendermime: this._services.rendermime,
      editorFactory: this._services.editorServices.factoryService.newInlineEditor
    });
    // nbdime's own @lumino/widgets typings are another copy of the same (shared) package.
    root.addWidget(widget as unknown as Widget);
    this.addWidget(root);
    this.node.dataset.hidden = String(shown.hidden);
    try {
      await widget.init();
      this.node.dataset.ready = 'true';
    } catch (error) {
      // nbdime can throw on some outputs (e.g. "Both base and remote cannot be equal!").
      throw new Error(`nbdime could not render this diff: ${describeError(error)}`);
    }
  }
}
