/**
 * A chamber (`open-chamber`): its pinned versions with their roles, who pulled
 * each and when, and content hashes; once closed, its provenance hash with the
 * commands that verify it offline. Follows live updates (a pull made anywhere
 * appears here).
 */
import { ReactWidget } from '@jupyterlab/apputils';
import React from 'react';

import { Chamber, getChamber } from '../api';
import { ActorBadge } from '../components/Actor';
import { Hash } from '../components/Hash';
import { VersionChip } from '../components/VersionChip';
import { IChangeEvent } from '../events';
import { describeError } from '../request';
import { CommandIDs } from '../tokens';
import { IViewServices, runIfAvailable } from './services';
import { RelativeTime, When } from '../components/RelativeTime';

function Verify(props: { id: string }): JSX.Element {
  return (
    <div className="jp-Artifacts-verify">
      <span>Verify it offline:</span>
      <pre className="jp-Artifacts-text">
        {`jupyter artifacts export-chamber ${props.id} --output chamber.json\njupyter artifacts verify-chamber chamber.json`}
      </pre>
    </div>
  );
}

function ChamberBody(props: {
  chamber: Chamber;
  services: IViewServices;
}): JSX.Element {
  const { chamber: c, services } = props;
  const { commands } = services;
  const open = (ref: string) =>
    void commands.execute(CommandIDs.openVersion, { ref });
  const closed = c.closed_at !== null;
  return (
    <div className="jp-Artifacts-chamber">
      <div className="jp-Artifacts-view-header">
        <h2 className="jp-Artifacts-view-title">{c.name}</h2>
        <div className="jp-Artifacts-view-meta">
          <span className="jp-Artifacts-type">{c.purpose}</span>
          <span
            className={`jp-Artifacts-badge${closed ? ' jp-mod-older' : ''}`}
          >
            {closed ? 'closed' : 'open'}
          </span>
          {c.owner_actor_id && (
            <span>
              owner{' '}
              <ActorBadge
                actorType={c.owner_actor_type}
                actorId={c.owner_actor_id}
                recordedBy={null}
              />
            </span>
          )}
          {c.parent_session_id && (
            <button
              type="button"
              className="jp-Button jp-mod-minimal jp-Artifacts-link"
              onClick={() =>
                runIfAvailable(commands, CommandIDs.openDebate, {
                  id: c.parent_session_id
                })
              }
            >
              debate {c.parent_session_id}
            </button>
          )}
        </div>
        <dl className="jp-Artifacts-fields">
          <dt>Opened</dt>
          <dd>
            <When iso={c.created_at} />
          </dd>
          {closed && (
            <>
              <dt>Closed</dt>
              <dd>
                <When iso={c.closed_at as string} />
              </dd>
              <dt>Provenance hash</dt>
              <dd className="jp-Artifacts-provenance">
                <Hash value={c.provenance_hash} label="provenance hash" />
              </dd>
              {c.result_artifact_id && (
                <>
                  <dt>Result</dt>
                  <dd>
                    <VersionChip
                      artifactId={c.result_artifact_id}
                      versionNumber={1}
                      onOpen={open}
                    />
                  </dd>
                </>
              )}
            </>
          )}
        </dl>
        {closed && <Verify id={c.id} />}
        {/* A closed chamber is final: no action is offered rather than a disabled one. */}
        {!closed && (
          <div className="jp-Artifacts-actions">
            <button
              type="button"
              className="jp-Button jp-mod-styled jp-Artifacts-action"
              data-command={CommandIDs.pullIntoChamber}
              onClick={() =>
                void commands.execute(CommandIDs.pullIntoChamber, {
                  chamber_id: c.id,
                  choose: true
                })
              }
            >
              Pull a version…
            </button>
            <button
              type="button"
              className="jp-Button jp-mod-styled jp-mod-warn jp-Artifacts-action"
              data-command={CommandIDs.closeChamber}
              onClick={() =>
                void commands.execute(CommandIDs.closeChamber, { id: c.id })
              }
            >
              Close chamber…
            </button>
          </div>
        )}
      </div>
      <table className="jp-Artifacts-history-table jp-Artifacts-pins">
        <thead>
          <tr>
            <th>Version</th>
            <th>Title</th>
            <th>Role</th>
            <th>Pulled by</th>
            <th>When</th>
            <th>Content hash</th>
          </tr>
        </thead>
        <tbody>
          {c.artifacts.map(p => (
            <tr key={p.ref} data-ref={p.ref} data-role={p.role}>
              <td>
                <VersionChip
                  artifactId={p.artifact_id}
                  versionNumber={p.version_number}
                  onOpen={open}
                  onContextMenu={services.chipMenu}
                />
              </td>
              <td>
                <span className="jp-Artifacts-history-title">
                  {p.title ?? ''}
                </span>{' '}
                <span className="jp-Artifacts-type">
                  {p.artifact_type ?? ''}
                </span>
              </td>
              <td className="jp-Artifacts-role">{p.role}</td>
              <td>
                <ActorBadge
                  actorType={p.added_by_actor_type}
                  actorId={p.added_by_actor_id}
                  recordedBy={null}
                />
              </td>
              <td className="jp-Artifacts-date">
                <RelativeTime iso={p.added_at} />
              </td>
              <td>
                <Hash value={p.content_hash} label="content hash" />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {c.artifacts.length === 0 && (
        <div className="jp-Artifacts-empty">Nothing pinned yet.</div>
      )}
    </div>
  );
}

export class ChamberView extends ReactWidget {
  constructor(
    readonly chamberId: string,
    private _services: IViewServices
  ) {
    super();
    this.addClass('jp-Artifacts-view');
    this.addClass('jp-Artifacts-chamber-view');
    this.node.dataset.chamberId = chamberId;
    _services.live.changed.connect(this._onChange, this);
    _services.live.resync.connect(() => void this.load(), this);
    this.ready = this.load();
  }

  readonly ready: Promise<void>;

  get chamber(): Chamber | null {
    return this._chamber;
  }

  async load(): Promise<void> {
    try {
      this._chamber = await getChamber(this.chamberId);
      this._error = null;
      this.node.dataset.state = this._chamber.closed_at ? 'closed' : 'open';
      this.title.label = `Chamber ${this._chamber.name}`;
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
    if (this._error !== null) {
      return (
        <div className="jp-Artifacts-error" role="alert">
          {this._error}
        </div>
      );
    }
    if (this._chamber === null) {
      return <div className="jp-Artifacts-loading">Loading the chamber…</div>;
    }
    return <ChamberBody chamber={this._chamber} services={this._services} />;
  }

  private _onChange(_: unknown, event: IChangeEvent): void {
    if (event.kind === 'chamber' && event.chamber_id === this.chamberId) {
      void this.load();
    }
  }

  private _chamber: Chamber | null = null;
  private _error: string | null = null;
}
