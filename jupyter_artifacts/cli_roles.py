"""`jupyter artifacts grant ROLE` and `revoke ROLE` (API.md, "Team deployment"): run by the owner,
with the server's configuration; the SQL is db/roles.py's."""

from __future__ import annotations

import psycopg

from .cli import _Command
from .errors import Invalid


class _RoleCommand(_Command):
    verb = ""

    def _role_arg(self) -> str:
        if len(self.extra_args) != 1 or not self.extra_args[0]:
            raise Invalid(f"Give one role name, e.g. `jupyter artifacts {self.name} alice`.")
        return self.extra_args[0]

    async def work(self, ext, db):
        from .db import roles
        from .db.pool import translate_errors

        role = self._role_arg()
        async with db.connection() as conn:
            try:
                with translate_errors():
                    await getattr(roles, self.name)(conn, role)
            except psycopg.errors.InsufficientPrivilege as e:
                # e.g. the owner of the tables does not own the schema (someone else grants USAGE).
                raise Invalid(f"PostgreSQL refused: {str(e).strip().splitlines()[0]}.") from e
        print(self.done.format(role=role))
        return 0


class GrantCommand(_RoleCommand):
    name = "grant"
    description = ("Give an existing login role what a single-user server needs (run by the owner): "
                   "grant ROLE.")
    done = ("Granted {role} what a single-user server needs; its writes are recorded as {role}. "
            "Connect its server as {role}.")


class RevokeCommand(_RoleCommand):
    name = "revoke"
    description = "Take back what `grant` gave a role (run by the owner): revoke ROLE."
    done = "Revoked what {role} was granted; it can no longer read or write the artifacts schema."
