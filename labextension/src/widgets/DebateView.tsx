/**
 * A debate's transcript (`open-debate`): the pinned target version and its hash,
 * the rounds with each cited version as a `🔗 <id>@v<N>` chip in place (opening
 * exactly that version, even when a later one exists), evidence under its round,
 * the chamber's provenance hash once closed, and "what was this debate looking
 * at?": the union of every version it pinned, pulled or cited. A notebook
 * version's chip says its latest replay verdict in its tooltip. Round text is
 * rendered as text. Follows live updates (a round posted anywhere appears).
 */
import { ReactWidget } from '@jupyterlab/apputils';
import React from 'react';

import {
  DebateArtifact,
  DebateArtifacts,
  getDebate,
  getDebateArtifacts,
  Reference,
  Round,
  Session
} from '../api';
import { placeChips } from '../chips';
import { ActorBadge } from '../components/Actor';
import { Hash } from '../components/Hash';
import { ChamberLink } from '../components/ChamberLink';
import { ReplayVersionChip } from '../components/ReplayBadge';
import { ReplayStore } from '../replays';
import { IChangeEvent } from '../events';
import { describeError } from '../request';
import { CommandIDs } from '../tokens';
import { IViewServices } from './services';
import { RelativeTime } from '../components/RelativeTime';

/** The replays of an artifact's versions, for a chip's tooltip (null: not a notebook). */
type ReplaysFor = (artifactId: string) => ReplayStore | null;

function Cited(props: {
  text: string;
  refs: Reference[];
  services: IViewServices;
  replaysFor: ReplaysFor;
}): JSX.Element {
  const open = (ref: string) =>
    void props.services.commands.execute(CommandIDs.openVersion, { ref });
  return (
    <div className="jp-Artifacts-round-text">
      {placeChips(props.text, props.refs).map((s, i) =>
        s.kind === 'text' ? (
          <React.Fragment key={i}>{s.text}</React.Fragment>
        ) : (
          <ReplayVersionChip
            key={i}
            replays={props.replaysFor(s.artifactId)}
            artifactId={s.artifactId}
            versionNumber={s.versionNumber}
            prefix="🔗 "
            className="jp-Artifacts-cite"
            onOpen={open}
            onContextMenu={props.services.chipMenu}
          />
        )
      )}
    </div>
  );
}

function RoundView(props: {
  round: Round;
  services: IViewServices;
  replaysFor: ReplaysFor;
}): JSX.Element {
  const r = props.round;
  const refs = r.referenced_artifacts ?? [];
  const open = (ref: string) =>
    void props.services.commands.execute(CommandIDs.openVersion, { ref });
  const evidence = refs.filter(x => x.role === 'evidence');
  return (
    <li className="jp-Artifacts-round" data-round={r.round_number}>
      <div className="jp-Artifacts-round-head">
        <span className="jp-Artifacts-round-number">
          Round {r.round_number}
        </span>
        <ActorBadge
          actorType={r.actor_type}
          actorId={r.actor_id}
          recordedBy={null}
        />
        <RelativeTime iso={r.created_at} className="jp-Artifacts-date" />
      </div>
      {r.prompt && (
        <div className="jp-Artifacts-round-prompt">
          <span className="jp-Artifacts-muted">Prompt</span>
          <Cited
            text={r.prompt}
            refs={refs.filter(x => x.role === 'input')}
            services={props.services}
            replaysFor={props.replaysFor}
          />
        </div>
      )}
      <Cited
        text={r.content ?? ''}
        refs={refs.filter(x => x.role === 'output')}
        services={props.services}
        replaysFor={props.replaysFor}
      />
      {evidence.length > 0 && (
        <div className="jp-Artifacts-evidence">
          <span className="jp-Artifacts-muted">Evidence</span>
          {evidence.map(e => (
            <ReplayVersionChip
              key={`${e.artifact_id}@v${e.version_number}`}
              replays={props.replaysFor(e.artifact_id)}
              artifactId={e.artifact_id}
              versionNumber={e.version_number}
              prefix="🔗 "
              onOpen={open}
              onContextMenu={props.services.chipMenu}
            />
          ))}
        </div>
      )}
    </li>
  );
}

function Union(props: {
  union: DebateArtifacts;
  services: IViewServices;
}): JSX.Element {
  const open = (ref: string) =>
    void props.services.commands.execute(CommandIDs.openVersion, { ref });
  return (
    <table className="jp-Artifacts-history-table jp-Artifacts-union">
      <thead>
        <tr>
          <th>Version</th>
          <th>Title</th>
          <th>Role</th>
          <th>Where it came from</th>
          <th>Content hash</th>
        </tr>
      </thead>
      <tbody>
        {props.union.artifacts.map(a => (
          <tr key={a.ref} data-ref={a.ref}>
            <td>
              <ReplayVersionChip
                replays={a.artifact_type === 'notebook' ? props.services.replays : null}
                artifactId={a.artifact_id}
                versionNumber={a.version_number}
                onOpen={open}
                onContextMenu={props.services.chipMenu}
              />
            </td>
            <td>
              {a.title ?? ''}{' '}
              <span className="jp-Artifacts-type">{a.artifact_type ?? ''}</span>
            </td>
            <td>{a.role}</td>
            <td>{a.sources.join(', ')}</td>
            <td>
              <Hash value={a.content_hash} label="content hash" />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function notebookIds(artifacts: DebateArtifact[]): Set<string> {
  return new Set(artifacts.filter(a => a.artifact_type === 'notebook').map(a => a.artifact_id));
}

export class DebateView extends ReactWidget {
  constructor(
    readonly sessionId: string,
    private _services: IViewServices
  ) {
    super();
    this.addClass('jp-Artifacts-view');
    this.addClass('jp-Artifacts-debate-view');
    this.node.dataset.sessionId = sessionId;
    this.title.label = `Debate ${sessionId}`;
    _services.live.changed.connect(this._onChange, this);
    _services.live.resync.connect(() => void this.load(), this);
    this.ready = this.load();
  }

  readonly ready: Promise<void>;

  async load(): Promise<void> {
    try {
      // The union says which versions are notebooks' (their chips' tooltips carry the replay verdict).
      const [session, union] = await Promise.all([
        getDebate(this.sessionId),
        getDebateArtifacts(this.sessionId).catch(() => null)
      ]);
      this._session = session;
      this._error = null;
      this._notebooks = notebookIds(union?.artifacts ?? []);
      if (this._union !== null && union !== null) {
        this._union = union;
      }
      this.node.dataset.rounds = String(this._session.rounds?.length ?? 0);
    } catch (error) {
      this._error = describeError(error);
    }
    this.update();
  }

  /** "What was this debate looking at?" */
  async showUnion(): Promise<void> {
    try {
      this._union = await getDebateArtifacts(this.sessionId);
    } catch (error) {
      this._error = describeError(error);
    }
    this.update();
  }

  dispose(): void {
    this._services.live.changed.disconnect(this._onChange, this);
    super.dispose();
  }

  protected render(): JSX.Element {
    const s = this._session;
    if (this._error !== null) {
      return (
        <div className="jp-Artifacts-error" role="alert">
          {this._error}
        </div>
      );
    }
    if (s === null) {
      return <div className="jp-Artifacts-loading">Loading the debate…</div>;
    }
    const services = this._services;
    const notebooks = this._notebooks;
    const replaysFor = (id: string) => (notebooks.has(id) ? services.replays : null);
    const open = (ref: string) =>
      void services.commands.execute(CommandIDs.openVersion, { ref });
    return (
      <div className="jp-Artifacts-debate">
        <div className="jp-Artifacts-view-header">
          <h2 className="jp-Artifacts-view-title">{s.topic ?? s.id}</h2>
          <div className="jp-Artifacts-view-meta">
            <span className="jp-Artifacts-ref">{s.id}</span>
            {s.debate_type && (
              <span className="jp-Artifacts-type">{s.debate_type}</span>
            )}
            <span
              className={`jp-Artifacts-badge${s.closed_at ? ' jp-mod-older' : ''}`}
            >
              {s.closed_at ? 'closed' : 'open'}
            </span>
          </div>
          <dl className="jp-Artifacts-fields">
            <dt>Target</dt>
            <dd className="jp-Artifacts-target">
              {s.target_artifact_id && s.target_artifact_version !== null ? (
                <>
                  <ReplayVersionChip
                    replays={replaysFor(s.target_artifact_id)}
                    artifactId={s.target_artifact_id}
                    versionNumber={s.target_artifact_version}
                    onOpen={open}
                    onContextMenu={services.chipMenu}
                  />{' '}
                  <Hash
                    value={s.target_content_hash}
                    label="target content hash"
                  />
                </>
              ) : (
                <span className="jp-Artifacts-muted">
                  {s.target_artifact_id ?? 'none'} (not pinned)
                </span>
              )}
              {s.pinning_note && (
                <div className="jp-Artifacts-muted">{s.pinning_note}</div>
              )}
            </dd>
            {s.chamber_id && (
              <>
                <dt>Chamber</dt>
                <dd>
                  <ChamberLink id={s.chamber_id} services={services} />
                </dd>
              </>
            )}
            {s.closed_at && (
              <>
                <dt>Provenance hash</dt>
                <dd className="jp-Artifacts-provenance">
                  <Hash
                    value={s.chamber_provenance_hash}
                    label="provenance hash"
                  />
                </dd>
                {s.verdict && (
                  <>
                    <dt>Verdict</dt>
                    <dd>{s.verdict}</dd>
                  </>
                )}
              </>
            )}
          </dl>
          <div className="jp-Artifacts-actions">
            <button
              type="button"
              className="jp-Button jp-mod-styled jp-Artifacts-action jp-Artifacts-looking-at"
              onClick={() => void this.showUnion()}
            >
              What was this debate looking at?
            </button>
          </div>
        </div>
        {this._union !== null && (
          <div className="jp-Artifacts-union-section">
            <h3>Every version this debate pinned, pulled or cited</h3>
            <Union union={this._union} services={services} />
          </div>
        )}
        <ol className="jp-Artifacts-rounds">
          {(s.rounds ?? []).map(r => (
            <RoundView key={r.round_number} round={r} services={services} replaysFor={replaysFor} />
          ))}
        </ol>
        {(s.rounds ?? []).length === 0 && (
          <div className="jp-Artifacts-empty">No rounds yet.</div>
        )}
      </div>
    );
  }

  private _onChange(_: unknown, event: IChangeEvent): void {
    if (
      (event.kind === 'debate' && event.session_id === this.sessionId) ||
      (event.kind === 'chamber' &&
        event.chamber_id === this._session?.chamber_id)
    ) {
      void this.load();
    }
  }

  private _session: Session | null = null;
  private _union: DebateArtifacts | null = null;
  private _notebooks: ReadonlySet<string> = new Set();
  private _error: string | null = null;
}
