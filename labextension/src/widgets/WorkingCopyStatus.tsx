/**
 * The working-copy status on a registered notebook's toolbar, like `git status`:
 * `NB-12@v3 · in sync`, `2 cells changed since v3` (click: the diff), `v4 exists (behind)`
 * (click: update or merge). Cells are compared in the browser with the version the
 * metadata names (fetched once); a newer head is noticed through live `version` events.
 */
import { ReactWidget } from '@jupyterlab/apputils';
import { NotebookPanel } from '@jupyterlab/notebook';
import type { CommandRegistry } from '@lumino/commands';
import React from 'react';

import { getNotebookInfo } from '../api';
import { IChangeEvent, LiveUpdates } from '../events';
import { formatRef } from '../models';
import { INotebookLink, notebookLink } from '../notebooks';
import { describeError } from '../request';
import { workingNotebook } from '../commit';
import { CommandIDs } from '../tokens';
import { versionNotebook } from '../versionCache';
import { trailingEmptyCells } from '../registration';
import { compareCells, ICellLike, IComparison, statusText } from '../workingCopy';

const DEBOUNCE_MS = 400;

export class WorkingCopyStatus extends ReactWidget {
  constructor(
    private _panel: NotebookPanel,
    private _live: LiveUpdates,
    private _commands: CommandRegistry
  ) {
    super();
    this.addClass('jp-Artifacts-wc');
    _live.changed.connect(this._onChange, this);
    _live.resync.connect(this._onResync, this);
    void _panel.context.ready.then(() => {
      if (this.isDisposed) {
        return;
      }
      const model = _panel.model!;
      model.contentChanged.connect(this._schedule, this);
      model.metadataChanged.connect(this._schedule, this);
      this._refresh();
    });
  }

  /** The last comparison (for tests and other extensions). */
  get comparison(): IComparison | null {
    return this._comparison;
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    window.clearTimeout(this._timer);
    this._live.changed.disconnect(this._onChange, this);
    this._live.resync.disconnect(this._onResync, this);
    super.dispose();
  }

  protected render(): JSX.Element {
    const link = this._link;
    if (!link) {
      this.node.dataset.state = 'unregistered';
      return (
        <span className="jp-Artifacts-wc-hint" title="Register the notebook (the Register button, the cell menu or the palette) to version it">
          Not registered
        </span>
      );
    }
    const ref = formatRef(link.artifact_id, link.version_number);
    const t = statusText({ ref, version: link.version_number, latest: this._latest, comparison: this._comparison });
    const state = this._error ? 'error' : !this._comparison ? 'loading' : t.inSync ? 'in-sync' : t.behind ? 'behind' : 'changed';
    this.node.dataset.state = state;
    this.node.dataset.ref = ref;
    this.node.dataset.changedCells = String(this._comparison?.changedCells ?? '');
    const path = this._panel.context.path;
    return (
      <>
        <span className="jp-Artifacts-wc-ref" title={`This notebook was last saved as, or made from, ${ref}`}>{ref}</span>
        {this._error && <span className="jp-Artifacts-wc-error" title={this._error}>· status unknown</span>}
        {state === 'loading' && <span className="jp-Artifacts-wc-muted">· …</span>}
        {t.inSync && <span className="jp-Artifacts-wc-sync">· in sync</span>}
        {t.changes && (
          <>
            <span className="jp-Artifacts-wc-sep">·</span>
            <button type="button" className="jp-Artifacts-wc-changes" title={`Show the changes since ${ref}`}
              onClick={() => void this._commands.execute(CommandIDs.diffWorkingCopy, { path })}>
              {t.changes}
            </button>
          </>
        )}
        {t.behind && (
          <>
            <span className="jp-Artifacts-wc-sep">·</span>
            <button type="button" className="jp-Artifacts-wc-behind"
              title={`A newer version exists: update this notebook to it, or merge it into your edits`}
              onClick={() => void this._commands.execute(CommandIDs.updateWorkingCopy, { path, choose: true })}>
              {t.behind}
            </button>
          </>
        )}
      </>
    );
  }

  private _schedule(): void {
    window.clearTimeout(this._timer);
    this._timer = window.setTimeout(() => this._refresh(), DEBOUNCE_MS);
  }

  /** Compare again; a new link (registered, committed, appended) also re-reads the head. */
  private _refresh(): void {
    if (this.isDisposed || !this._panel.model) {
      return;
    }
    const link = notebookLink(this._panel);
    const moved = link?.artifact_id !== this._link?.artifact_id || link?.version_number !== this._link?.version_number;
    this._link = link;
    if (moved) {
      this._comparison = null;
      if (link && link.artifact_id !== this._latestOf) {
        this._latest = null;
      }
      if (link) {
        void this._fetchLatest(link);
      }
    }
    this.update();
    if (link) {
      void this._compare(link);
    }
  }

  private async _fetchLatest(link: INotebookLink): Promise<void> {
    try {
      const info = await getNotebookInfo(link.artifact_id);
      if (this._link?.artifact_id === link.artifact_id) {
        this._latestOf = link.artifact_id;
        this._latest = Math.max(this._latest ?? 0, info.latest_version);
        this.update();
      }
    } catch (error) {
      this._error = describeError(error);
      this.update();
    }
  }

  private async _compare(link: INotebookLink): Promise<void> {
    const seq = ++this._seq;
    try {
      const base = await versionNotebook(link.artifact_id, link.version_number);
      if (seq !== this._seq || this.isDisposed || !this._panel.model) {
        return;
      }
      // Trailing empty cells are not content (registration leaves them out): the blank cell
      // after the last run is no change.
      const content = (cells: ICellLike[]) => cells.slice(0, cells.length - trailingEmptyCells(cells));
      const cells = workingNotebook(this._panel).cells as unknown as ICellLike[];
      this._comparison = compareCells(content(cells), content(base.cells as unknown as ICellLike[]));
      this._error = null;
    } catch (error) {
      if (seq === this._seq) {
        this._error = describeError(error);
      }
    }
    this.update();
  }

  private _onChange(_: unknown, event: IChangeEvent): void {
    const link = this._link;
    if (event.kind === 'version' && link && event.artifact_id === link.artifact_id && event.version_number !== undefined) {
      if (this._latest === null || event.version_number > this._latest) {
        this._latest = event.version_number;
        this._latestOf = link.artifact_id;
        this.update();
      }
    }
  }

  private _onResync(): void {
    if (this._link) {
      void this._fetchLatest(this._link);
    }
  }

  private _link: INotebookLink | null = null;
  private _latest: number | null = null;
  private _latestOf: string | null = null;
  private _comparison: IComparison | null = null;
  private _error: string | null = null;
  private _timer = 0;
  private _seq = 0;
}
