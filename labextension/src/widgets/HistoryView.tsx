/**
 * The history of an artifact (`show-history`): every version, newest first,
 * with its creator, the step that made it (method, rationale), tags,
 * lifecycle and (notebooks) its latest replay verdict; pick any two and
 * compare them. A click on a row opens its version in the preview tab, a
 * double click pins it. Follows live updates.
 */
import { ReactWidget } from '@jupyterlab/apputils';
import React, { useState } from 'react';

import { getLineage, LineageEdge, listVersions, Version } from '../api';
import { edgeLabel } from '../graph';
import { ActorBadge } from '../components/Actor';
import { LatestReplayBadge } from '../components/ReplayBadge';
import { Tags } from '../components/Tags';
import { VersionChip } from '../components/VersionChip';
import { IChangeEvent } from '../events';
import { clickOpens, openAsChip } from '../preview';
import { describeError } from '../request';
import { CommandIDs } from '../tokens';
import { IViewServices } from './services';
import { RelativeTime } from '../components/RelativeTime';

/** Whether a click on a row was meant for one of its controls (a chip, a checkbox, Fork…), not for the row. */
function onControl(event: React.MouseEvent): boolean {
  return (event.target as HTMLElement).closest('button, input, a, select, textarea, label') !== null;
}

interface IState {
  versions: Version[] | null;
  /** The steps that made each version (a merge: two, one per parent). */
  steps: Map<string, LineageEdge[]>;
  error: string | null;
}

function HistoryTable(props: {
  artifactId: string;
  state: IState;
  services: IViewServices;
}): JSX.Element {
  const { state, services, artifactId } = props;
  const [picked, setPicked] = useState<number[]>([]);
  if (state.error !== null) {
    return <div className="jp-Artifacts-error" role="alert">{state.error}</div>;
  }
  if (state.versions === null) {
    return <div className="jp-Artifacts-loading">Loading the history…</div>;
  }
  const versions = [...state.versions].reverse();
  const pick = (n: number) =>
    setPicked(old => (old.includes(n) ? old.filter(x => x !== n) : [...old, n].slice(-2)));
  const [a, b] = [...picked].sort((x, y) => x - y);
  const open = (ref: string) => void services.commands.execute(CommandIDs.openVersion, { ref });
  // Notebooks can be replayed: each version's latest verdict.
  const replays = versions.some(v => v.artifact_type === 'notebook');
  return (
    <div className="jp-Artifacts-history">
      <div className="jp-Artifacts-history-bar">
        <span>
          {versions.length} version{versions.length === 1 ? '' : 's'}, newest first. Pick two to compare.
        </span>
        <button
          type="button"
          className="jp-Button jp-mod-styled jp-mod-accept jp-Artifacts-compare"
          disabled={picked.length !== 2}
          onClick={() => void services.commands.execute(CommandIDs.openDiff, { id: artifactId, from: a, to: b })}
        >
          {picked.length === 2 ? `Compare v${a} → v${b}` : 'Compare'}
        </button>
      </div>
      <table className="jp-Artifacts-history-table">
        <thead>
          <tr>
            <th aria-label="Pick" />
            <th>Version</th>
            <th>Title</th>
            <th>Created by</th>
            <th>Step</th>
            <th>Tags</th>
            <th>Lifecycle</th>
            {replays && <th>Replay</th>}
            <th>Created</th>
            <th aria-label="Actions" />
          </tr>
        </thead>
        <tbody>
          {versions.map(v => {
            const made = state.steps.get(v.ref) ?? [];
            const step = made[0];
            const rationale = typeof step?.parameters?.rationale === 'string' ? step.parameters.rationale : '';
            return (
              <tr
                key={v.id}
                data-ref={v.ref}
                className="jp-Artifacts-history-row"
                title={`Click: open ${v.ref} in the preview tab; double-click: in a tab of its own`}
                onClick={event => !onControl(event) && clickOpens(event.detail) && openAsChip(v.ref, true, open)}
                onDoubleClick={event => !onControl(event) && openAsChip(v.ref, false, open)}
              >
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Pick ${v.ref} to compare`}
                    checked={picked.includes(v.version_number)}
                    onChange={() => pick(v.version_number)}
                  />
                </td>
                <td>
                  <VersionChip
                    artifactId={v.artifact_id}
                    versionNumber={v.version_number}
                    short
                    latest={v.is_latest}
                    lifecycle={v.lifecycle_state}
                    onOpen={open}
                    onContextMenu={services.chipMenu}
                  />
                </td>
                <td className="jp-Artifacts-history-title">{v.title}</td>
                <td>
                  <ActorBadge
                    actorType={v.created_by.actor_type}
                    actorId={v.created_by.actor_id}
                    recordedBy={v.created_by.recorded_by}
                  />
                </td>
                <td>
                  {step ? (
                    <span className="jp-Artifacts-step" data-step-type={step.step_type}>
                      <span className="jp-Artifacts-step-kind">{edgeLabel(step)}</span>
                      <span className="jp-Artifacts-step-sources">
                        from {made.filter(e => e.step_type === step.step_type).map(e => e.source).join(' + ')}
                      </span>
                      {rationale && <span className="jp-Artifacts-step-rationale">“{rationale}”</span>}
                    </span>
                  ) : (
                    <span className="jp-Artifacts-muted">{v.version_number === 1 ? 'registered' : '—'}</span>
                  )}
                </td>
                <td>
                  <Tags tags={v.tags ?? []} />
                </td>
                <td>{v.lifecycle_state ?? ''}</td>
                {replays && (
                  <td className="jp-Artifacts-history-replay">
                    <LatestReplayBadge artifactId={v.artifact_id} versionNumber={v.version_number} services={services} />
                  </td>
                )}
                <td className="jp-Artifacts-date">
                  <RelativeTime iso={v.created_at} />
                </td>
                <td>
                  <button type="button" className="jp-Button jp-mod-styled jp-Artifacts-action jp-Artifacts-history-fork"
                    title={`Fork ${v.ref} into a new artifact`} disabled={!services.commands.hasCommand(CommandIDs.forkArtifact)}
                    onClick={() => void services.commands.execute(CommandIDs.forkArtifact, { ref: v.ref, choose: true })}>
                    Fork…
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export class HistoryView extends ReactWidget {
  constructor(readonly artifactId: string, private _services: IViewServices) {
    super();
    this.addClass('jp-Artifacts-view');
    this.addClass('jp-Artifacts-history-view');
    this.node.dataset.artifactId = artifactId;
    _services.live.changed.connect(this._onChange, this);
    _services.live.resync.connect(() => void this.load(), this);
    this.ready = this.load();
  }

  readonly ready: Promise<void>;

  async load(): Promise<void> {
    try {
      const [list, lineage] = await Promise.all([
        listVersions(this.artifactId),
        getLineage(this.artifactId, { direction: 'ancestors', max_depth: 1 }).catch(() => null)
      ]);
      const steps = new Map<string, LineageEdge[]>();
      for (const edge of lineage?.edges ?? []) {
        // The steps that made a version: every edge into it, its own parent's first.
        const into = steps.get(edge.target) ?? [];
        const own = edge.source.startsWith(`${this.artifactId}@`);
        steps.set(edge.target, own ? [edge, ...into] : [...into, edge]);
      }
      this._state = { versions: list.versions, steps, error: null };
    } catch (error) {
      this._state = { ...this._state, error: describeError(error) };
    }
    this.update();
  }

  dispose(): void {
    this._services.live.changed.disconnect(this._onChange, this);
    super.dispose();
  }

  protected render(): JSX.Element {
    return <HistoryTable artifactId={this.artifactId} state={this._state} services={this._services} />;
  }

  private _onChange(_: unknown, event: IChangeEvent): void {
    if (event.artifact_id === this.artifactId && ['version', 'tag', 'lifecycle', 'step'].includes(event.kind)) {
      window.clearTimeout(this._timer);
      this._timer = window.setTimeout(() => void this.load(), 200);
    }
  }

  private _state: IState = { versions: null, steps: new Map(), error: null };
  private _timer = 0;
}
