/**
 * What a replay came out with (`open-replay-diff`, tab `Replay NB-12@v3`): the
 * verdict and the cells that differed or raised, each with its reason, then
 * nbdime's diff of the stored notebook against the same notebook with the
 * replayed outputs (GET api/replays/{id}/diff, rendered as DiffView renders a
 * version diff: components/NotebookDiff.tsx).
 */
import { ReactWidget } from '@jupyterlab/apputils';
import { Panel } from '@lumino/widgets';
import React from 'react';

import { getReplay, getReplayDiff, Replay } from '../api';
import { showNotebookDiff, showViewError } from '../components/NotebookDiff';
import { ReplayBadge } from '../components/ReplayBadge';
import { IViewServices } from './services';

function Verdict(props: { replay: Replay }): JSX.Element {
  const r = props.replay;
  const notable = r.cells.filter(c => c.verdict === 'differs' || c.verdict === 'error');
  return (
    <div className="jp-Artifacts-view-header jp-Artifacts-replay-header">
      <h2 className="jp-Artifacts-view-title">Replay of {r.ref}</h2>
      <div className="jp-Artifacts-view-meta">
        <ReplayBadge replay={r} />
        {r.kernel?.name && <span className="jp-Artifacts-type">kernel {r.kernel.name}</span>}
      </div>
      {r.message && <p className="jp-Artifacts-replay-message">{r.message}</p>}
      {notable.length > 0 && (
        <ul className="jp-Artifacts-replay-cells">
          {notable.map(c => (
            <li key={c.index} data-cell-index={c.index} data-verdict={c.verdict}>
              <span className="jp-Artifacts-replay-cell">cell {c.index + 1}</span>{' '}
              {c.detail || (c.verdict === 'error' ? 'raised an error' : 'outputs differ')}
            </li>
          ))}
        </ul>
      )}
      <p className="jp-Artifacts-muted">
        Left: the outputs stored with the version. Right: the outputs of the replay. Differences the
        normalisers mask (times, addresses, ids, image rendering within tolerance) still show here.
      </p>
    </div>
  );
}

export class ReplayDiffView extends Panel {
  constructor(readonly replayId: string, private _services: IViewServices) {
    super();
    this.addClass('jp-Artifacts-view');
    this.addClass('jp-Artifacts-replay-diff-view');
    this.node.dataset.replayId = replayId;
    this.addWidget(this._header);
    this.addWidget(this._body);
    this.ready = this._load();
  }

  /** Resolves once the diff is interactive (nbdime's widget initialised), or its error shown. */
  readonly ready: Promise<void>;

  /** `Replay NB-12@v3` once known. */
  label = '';

  private async _load(): Promise<void> {
    try {
      const [replay, diff] = await Promise.all([getReplay(this.replayId), getReplayDiff(this.replayId)]);
      this.label = `Replay ${diff.ref}`;
      this.node.dataset.ref = diff.ref;
      this.node.dataset.status = replay.status;
      this._header.dispose();
      this._header = ReactWidget.create(<Verdict replay={replay} />);
      this.insertWidget(0, this._header);
      await showNotebookDiff(
        this._body,
        { refs: `${diff.ref} stored → replayed`, base: diff.base, diff: diff.diff, summary: diff.summary,
          modifiedLabel: 'with other outputs' },
        this._services,
        true,
        e => this._showError(e)
      );
      this.node.dataset.ready = 'true';
    } catch (error) {
      this._showError(error);
    }
  }

  private _showError(error: unknown): void {
    showViewError(this, error);
  }

  private _header: ReactWidget = ReactWidget.create(<div className="jp-Artifacts-loading">Loading the replay…</div>);
  private _body = new Panel();
}
