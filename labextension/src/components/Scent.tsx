/**
 * One line of information scent for a version: "cell append · differential-expression
 * · ed-lein · 2 h ago" (step kind, method, who, when). Items wrap as wholes when the
 * sidebar is narrow, a long one ends in an ellipsis; the separators are decoration,
 * hidden from screen readers.
 */
import React from 'react';

import type { Version } from '../api';
import { stepLabels } from '../scent';
import { ActorBadge } from './Actor';
import { RelativeTime } from './RelativeTime';

export function VersionScent(props: {
  version: Version;
  className?: string;
}): JSX.Element {
  const v = props.version;
  const [kind, method] = stepLabels(v.step);
  const items: JSX.Element[] = [];
  if (kind) {
    items.push(
      <span
        key="kind"
        className="jp-Artifacts-step-kind"
        data-step-type={v.step?.step_type ?? 'registered'}
      >
        {kind}
      </span>
    );
  }
  if (method) {
    items.push(
      <span
        key="method"
        className="jp-Artifacts-method"
        title={`method: ${method}`}
      >
        {method}
      </span>
    );
  }
  items.push(
    <ActorBadge
      key="actor"
      compact
      actorType={v.created_by?.actor_type}
      actorId={v.created_by?.actor_id}
      recordedBy={v.created_by?.recorded_by}
    />
  );
  items.push(<RelativeTime key="time" iso={v.created_at} />);
  return <ScentLine items={items} className={props.className} />;
}

/** Items in a line, "·" after each but the last: a wrapped line never starts with one. */
export function ScentLine(props: {
  items: JSX.Element[];
  className?: string;
}): JSX.Element {
  const last = props.items.length - 1;
  return (
    <span
      className={`jp-Artifacts-scent${props.className ? ` ${props.className}` : ''}`}
    >
      {props.items.map((item, i) => (
        <span key={item.key ?? i} className="jp-Artifacts-scent-item">
          {item}
          {i < last && (
            <span className="jp-Artifacts-sep" aria-hidden="true">
              ·
            </span>
          )}
        </span>
      ))}
    </span>
  );
}
