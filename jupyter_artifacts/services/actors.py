"""Who a write acts for (declared) and who made it (authenticated)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..errors import Invalid


@dataclass(frozen=True)
class Actor:
    actor_type: str
    actor_id: str | None
    recorded_by: str

    def as_dict(self) -> dict:
        return asdict(self)


def resolve_actor(body, username: str) -> Actor:
    """`agent_id`, or `actor_type` + `actor_id`; with neither, the user acts for themself.

    `recorded_by` is the authenticated username, whatever the body says."""
    agent_id = getattr(body, "agent_id", None)
    actor_type = getattr(body, "actor_type", None)
    actor_id = getattr(body, "actor_id", None)
    if agent_id is not None:
        if actor_type not in (None, "agent") or actor_id not in (None, agent_id):
            raise Invalid("Give either agent_id or actor_type + actor_id, not both with different values.")
        return Actor("agent", agent_id, username)
    if (actor_type is None) != (actor_id is None):
        raise Invalid("actor_type and actor_id go together: give both or neither.")
    if actor_type is not None:
        return Actor(actor_type, actor_id, username)
    return Actor("user", username, username)
