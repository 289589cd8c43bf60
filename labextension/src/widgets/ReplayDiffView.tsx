/**
 * What a replay came out with (`open-replay-diff`, tab `Replay NB-12@v3`): the
 * verdict and the cells that differed or raised, each with its reason, then
 * nbdime's diff of the stored notebook against the same notebook with the
 * replayed outputs (GET api/replays/{id}/diff without what the comparison
 * ignores, replayDiff.ts; rendered as DiffView renders a version diff:
 * components/NotebookDiff.tsx).
 */
import { ReactWidget } from '@jupyterlab/apputils';
import { Panel } from '@lumino/widgets';
import React from 'react';

import { getReplay, getReplayDiff, Replay } from '../api';
import { ActorBadge } from '../components/Actor';
import { Hash } from '../components/Hash';
import { showNotebookDiff, showViewError } from '../components/NotebookDiff';
import { ReplayBadge } from '../components/ReplayBadge';
import { When } from '../components/RelativeTime';
import { outputChanges } from '../replayDiff';
import { languageLabel, seconds } from '../replayText';
import { IViewServices } from './services';

function Verdict(props: { replay: Replay }): JSX.Element {
  const r = props.replay;
  const notable = r.cells.filter(c => c.verdict === 'differs' || c.verdict === 'error');
  return (
    <div className="jp-Artifacts-view-header jp-Artifacts-replay-header">
      <h2 className="jp-Artifacts-view-title">Replay of {r.ref}</h2>
      <div className="jp-Artifacts-view-meta">
        <ReplayBadge replay={r} />
      </div>
      <dl className="jp-Artifacts-fields">
        <dt>Replayed</dt>
        <dd>
          <When iso={r.finished_at ?? r.created_at} />
          {typeof r.duration_ms === 'number' && `, in ${seconds(r.duration_ms)}`}
          {r.created_by && (
            <>
              {' '}by{' '}
              <ActorBadge actorType={r.created_by.actor_type} actorId={r.created_by.actor_id}
                recordedBy={r.created_by.recorded_by ?? null} />
            </>
          )}
        </dd>
        <dt>Kernel</dt>
        <dd>{[r.kernel?.name, languageLabel(r)].filter(Boolean).join(' · ') || 'unknown'}</dd>
        {r.environment?.packages_hash && (
          <>
            <dt>Packages</dt>
            <dd>
              <Hash value={r.environment.packages_hash} label="packages hash" />{' '}
              <span className="jp-Artifacts-muted">
                {r.environment.packages?.length ?? 0} installed ({r.environment.source ?? 'kernel'})
              </span>
            </dd>
          </>
        )}
      </dl>
      {r.message && <p className="jp-Artifacts-replay-message">{r.message}</p>}
      {notable.length > 0 && (
        <ul className="jp-Artifacts-replay-cells">
          {notable.map(c => (
            <li key={c.index} data-cell-index={c.index} data-verdict={c.verdict}>
              <span className="jp-Artifacts-replay-cell">cell {c.index + 1}</span>:{' '}
              {c.detail || (c.verdict === 'error' ? 'raised an error' : 'outputs differ')}
            </li>
          ))}
        </ul>
      )}
      <p className="jp-Artifacts-muted">
        Left: the outputs stored with the version. Right: the outputs of the replay. Execution counts and
        output metadata are left out, as the comparison ignores them; differences the normalisers mask
        (times, addresses, ids, images equal within tolerance) still show here.
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
      const changes = outputChanges(diff.diff, diff.summary, diff.base.cells?.length ?? 0);
      await showNotebookDiff(
        this._body,
        { refs: `${diff.ref} stored → replayed`, base: diff.base, ...changes, modifiedLabel: 'with other outputs' },
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
