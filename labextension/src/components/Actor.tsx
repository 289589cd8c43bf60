/** Who made a version or a step: the declared actor, and who recorded it. */
import React from 'react';

import { actorLabel } from '../scent';

export function ActorBadge(props: {
  actorType: string | null | undefined;
  actorId: string | null | undefined;
  recordedBy: string | null | undefined;
  /** Lists: the actor's id alone ("ed-lein"), the recorder as "via …" when another. */
  compact?: boolean;
}): JSX.Element {
  const { actorType, actorId, recordedBy } = props;
  const label = actorLabel({
    actor_type: actorType ?? 'unknown',
    actor_id: actorId ?? null,
    recorded_by: recordedBy ?? null
  });
  if (props.compact) {
    return (
      <span
        className="jp-Artifacts-actor jp-Artifacts-actor-compact"
        data-actor-id={actorId ?? ''}
        title={label.full}
      >
        <span className="jp-Artifacts-actor-name">{label.short}</span>
        {label.recorder && (
          <span className="jp-Artifacts-recorder">via {label.recorder}</span>
        )}
      </span>
    );
  }
  const who = actorId
    ? `${actorType ?? 'unknown'} ${actorId}`
    : (actorType ?? 'unknown');
  const by = label.recorder ? ` · recorded by ${label.recorder}` : '';
  return (
    <span
      className="jp-Artifacts-actor"
      data-actor-id={actorId ?? ''}
      title={`${who}${by}`}
    >
      {who}
      {by && <span className="jp-Artifacts-recorder">{by}</span>}
    </span>
  );
}
