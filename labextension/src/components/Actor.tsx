/** Who made a version or a step: the declared actor, and who recorded it. */
import React from 'react';

export function ActorBadge(props: {
  actorType: string | null | undefined;
  actorId: string | null | undefined;
  recordedBy: string | null | undefined;
}): JSX.Element {
  const { actorType, actorId, recordedBy } = props;
  const who = actorId ? `${actorType ?? 'unknown'} ${actorId}` : actorType ?? 'unknown';
  const by = recordedBy && recordedBy !== actorId ? ` · recorded by ${recordedBy}` : '';
  return (
    <span className="jp-Artifacts-actor" data-actor-id={actorId ?? ''} title={`${who}${by}`}>
      {who}
      {by && <span className="jp-Artifacts-recorder">{by}</span>}
    </span>
  );
}
