"""Who a write acts for (declared) and who made it (authenticated)."""

from __future__ import annotations

import getpass
from dataclasses import asdict, dataclass

from ..errors import Invalid


@dataclass(frozen=True)
class Actor:
    actor_type: str
    actor_id: str | None
    recorded_by: str

    def as_dict(self) -> dict:
        return asdict(self)


# jupyter_server's own identity providers know no users: whoever holds the server's token
# or password is "the" user, and they give each token request a fresh random anonymous
# name. Any other provider (JupyterHub's, an operator's own) has real users.
SHARED_SECRET_PROVIDERS = frozenset({
    "jupyter_server.auth.identity.IdentityProvider",
    "jupyter_server.auth.identity.PasswordIdentityProvider",
    "jupyter_server.auth.identity.LegacyIdentityProvider",
})


def default_owner() -> str:
    """The OS user running the server: the one principal behind a shared token."""
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry (some containers)
        import os

        return f"uid-{os.getuid()}"


def principal_name(identity_provider, user, owner: str) -> str:
    """The stable name `recorded_by` gives an authenticated request (API.md, "Actors"):
    the server's owner for jupyter_server's shared token or password, else the username."""
    cls = type(identity_provider)
    if f"{cls.__module__}.{cls.__qualname__}" in SHARED_SECRET_PROVIDERS:
        return owner
    return getattr(user, "username", None) or str(user)


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
