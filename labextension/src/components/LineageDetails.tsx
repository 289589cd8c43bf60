/**
 * The details panel of the lineage view: the selected version (with its actions) or the
 * selected step (what it did, its rationale as text, ends, actor, recorder, method, the
 * chamber by name as a link, time, and its parameters as a key/value table). Server
 * strings are React text, never markup.
 */
import React from 'react';

import * as G from '../graph';
import { CommandIDs } from '../tokens';
import type { IViewServices } from '../widgets/services';
import { ActorBadge } from './Actor';
import { Hash } from './Hash';
import { ChamberLink } from './ChamberLink';
import { VersionChip } from './VersionChip';
import { When } from './RelativeTime';

/** Run a command if some plugin provides it; a failure is the command's to report (no unhandled rejection). */
function run(services: IViewServices, id: string, args: Record<string, unknown>): void {
  if (services.commands.hasCommand(id)) {
    services.commands.execute(id, args as any).catch(() => undefined);
  }
}

export type Selection =
  | { kind: 'node'; node: G.IPositionedNode }
  | { kind: 'edge'; edge: G.IPositionedEdge };

export function Details(props: {
  item: Selection | null;
  services: IViewServices;
  onClose: () => void;
}): JSX.Element {
  const { item, services } = props;
  const { commands } = services;
  const action = (
    label: string,
    id: string,
    args: Record<string, unknown>,
    cls = 'jp-Artifacts-action'
  ) => (
    <button
      type="button"
      className={`jp-Button jp-mod-styled ${cls}`}
      data-command={id}
      disabled={!commands.hasCommand(id)}
      onClick={() => run(services, id, args)}
    >
      {label}
    </button>
  );
  const chip = (text: string) => {
    const ref = G.splitRef(text);
    return ref === null ? (
      <code>{text}</code>
    ) : (
      <VersionChip
        artifactId={ref.artifactId}
        versionNumber={ref.version}
        onOpen={r =>
          run(services, CommandIDs.openVersion, { ref: r })
        }
      />
    );
  };
  const fields = (rows: [string, React.ReactNode][]) => (
    <dl className="jp-Artifacts-fields">
      {rows.map(([name, value]) => (
        <React.Fragment key={name}>
          <dt>{name}</dt>
          <dd>{value}</dd>
        </React.Fragment>
      ))}
    </dl>
  );
  if (item === null) {
    return (
      <p className="jp-Artifacts-muted">
        Select a step (an arrow) to see who made it, how and when. Activate a
        version to open it; right-click it (or Shift+F10) for its actions.
      </p>
    );
  }
  const close = (
    <button
      type="button"
      className="jp-Button jp-mod-minimal jp-Artifacts-dag-close"
      aria-label="Close the details"
      title="Close the details"
      onClick={props.onClose}
    >
      ×
    </button>
  );
  if (item.kind === 'node') {
    const n = item.node;
    return (
      <div data-ref={n.ref}>
        <h3>Version {close}</h3>
        {chip(n.ref)}
        {fields([
          [
            'Title',
            n.title ?? (
              <span className="jp-Artifacts-muted">
                not loaded (truncated reply)
              </span>
            )
          ],
          ['Type', n.artifactType ?? '—'],
          ['Content hash', <Hash value={n.contentHash} label="content hash" />],
          [
            'State',
            [
              n.isLatest ? 'latest' : 'not the latest',
              n.isRoot ? 'lineage root' : ''
            ]
              .filter(Boolean)
              .join(', ')
          ]
        ])}
        <div className="jp-Artifacts-actions">
          {action('Open', CommandIDs.openVersion, { ref: n.ref })}
          {action(
            'Pull into chamber',
            CommandIDs.pullIntoChamber,
            { ref: n.ref },
            'jp-Artifacts-action jp-Artifacts-dag-pull'
          )}
          {action('Lineage from here', CommandIDs.openLineage, { ref: n.ref })}
          {action('History', CommandIDs.showHistory, { id: n.artifactId })}
        </div>
      </div>
    );
  }
  const s = item.edge.step;
  const rationale = G.rationaleOf(s.parameters);
  const parameters = G.parameterRows(s.parameters);
  return (
    <div data-step-id={item.edge.id}>
      <h3>Step {close}</h3>
      <p className="jp-Artifacts-dag-step-summary">{G.stepText(s)}</p>
      {rationale !== null && (
        <section className="jp-Artifacts-dag-rationale" aria-label="Rationale">
          <h4>Rationale</h4>
          <p>{rationale}</p>
        </section>
      )}
      {fields([
        ['Type', <span className="jp-Artifacts-step-type">{s.step_type}</span>],
        ['From', chip(s.source)],
        ['To', chip(s.target)],
        [
          'Actor',
          <ActorBadge
            actorType={s.actor_type}
            actorId={s.actor_id}
            recordedBy={null}
          />
        ],
        ['Recorded by', s.recorded_by ?? '—'],
        [
          'Method',
          s.method ? (
            <span className="jp-Artifacts-step-method">{s.method}</span>
          ) : (
            '—'
          )
        ],
        [
          'Chamber',
          s.chamber_id ? (
            <ChamberLink key={s.chamber_id} id={s.chamber_id} services={services} />
          ) : (
            '—'
          )
        ],
        ['Time', <When iso={s.created_at} />],
        ['Step id', <code>{s.id}</code>]
      ])}
      <h4>Parameters</h4>
      {parameters.length === 0 ? (
        <p className="jp-Artifacts-muted">none</p>
      ) : (
        <table className="jp-Artifacts-dag-params">
          <tbody>
            {parameters.map(([key, value]) => (
              <tr key={key} data-key={key}>
                <th scope="row">{key}</th>
                <td>{value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
