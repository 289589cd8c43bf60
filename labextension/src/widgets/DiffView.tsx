/**
 * The diff of two versions (`open-diff`). Notebooks: nbdime's own
 * NotebookDiffWidget built from the server's `{base, diff}` reply
 * (components/NotebookDiff.tsx, unchanged runs collapsed first). Other
 * artifacts: a field diff by key path, the changed words marked inside texts
 * (components/FieldDiff.tsx).
 */
import { ReactWidget } from '@jupyterlab/apputils';
import type * as nbformat from '@jupyterlab/nbformat';
import { Panel } from '@lumino/widgets';
import React from 'react';

import { diffArtifact, diffNotebook, diffNotebookCopy, getVersion, NotebookDiff } from '../api';
import { FieldDiffList } from '../components/FieldDiff';
import { showNotebookDiff, showViewError } from '../components/NotebookDiff';
import { IViewServices } from './services';

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
    showViewError(this, error);
  }

  private _showNotebook(diff: NotebookDiff, collapse: boolean): Promise<void> {
    const refs = `${diff.notebook_id}@v${diff.from} → ${diff.to === null ? 'working copy' : `v${diff.to}`}`;
    return showNotebookDiff(this, { refs, base: diff.base, diff: diff.diff, summary: diff.summary }, this._services,
      collapse, e => this._showError(e));
  }
}
