"""A database out of connections (max_connections, or the role's CONNECTION LIMIT) is a fast 503
that says so, not "unreachable": the operator's cue to size connections (docs/team.md)."""

from __future__ import annotations

import asyncio

import psycopg
import pytest
from psycopg import sql
from tests_helpers import MemberRole

from jupyter_artifacts.db.pool import Database
from jupyter_artifacts.errors import Unavailable


async def test_a_full_database_says_so(database_url):
    role = MemberRole(database_url, prefix="ja_full")
    try:
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(sql.SQL("ALTER ROLE {} CONNECTION LIMIT 1").format(sql.Identifier(role.name)))
        db = Database(role.url, min_size=0, max_size=2, pool_timeout_s=5, auto_migrate=False)
        with psycopg.connect(role.url):  # the role's one connection, taken
            with pytest.raises(Unavailable) as full:
                async with db.connection():
                    pass
            assert "refuses new connections" in full.value.message and "connection limit" in full.value.message
        # Once a connection is free again, the server recovers by itself.
        for _ in range(50):
            try:
                async with db.connection() as conn:
                    await conn.execute("SELECT 1")
                break
            except Unavailable:
                await asyncio.sleep(0.2)
        else:
            pytest.fail("the pool never recovered")
        await db.close()
    finally:
        role.drop()
