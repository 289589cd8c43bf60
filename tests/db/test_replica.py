"""Reads on a streaming replica, at the store (db/replica.py, db/routing.py): a real primary and
its replica (`pg_basebackup -R`, tests/replica_cluster.py). Which server answered a read is
told by `pg_is_in_recovery()` on the connection the read was given."""

from __future__ import annotations

import asyncio

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from replica_cluster import replica_cluster, until  # noqa: F401 - the module's fixture

from jupyter_artifacts.db import routing
from jupyter_artifacts.db.listen import ChangeListener
from jupyter_artifacts.db.pool import Database
from jupyter_artifacts.db.replica import SAMPLE_EVERY_S, split_urls
from jupyter_artifacts.services.status import StatusService


def test_a_url_with_several_hosts_writes_to_the_primary_and_reads_from_a_standby():
    one = "postgresql://u@db1:5432/team"
    assert split_urls(one, None) == (one, None)
    assert split_urls(one, "postgresql://u@db2/team") == (one, "postgresql://u@db2/team")
    primary, reads = split_urls("postgresql://u@db1:5432,db2:5433/team", None)
    assert conninfo_to_dict(primary)["target_session_attrs"] == "read-write"
    assert conninfo_to_dict(reads)["target_session_attrs"] == "prefer-standby"
    assert conninfo_to_dict(reads)["host"] == "db1,db2" and conninfo_to_dict(reads)["port"] == "5432,5433"
    # The operator's own choice for writes stands.
    primary, _ = split_urls("postgresql://u@db1,db2/team?target_session_attrs=primary", None)
    assert conninfo_to_dict(primary)["target_session_attrs"] == "primary"


@pytest.fixture
def urls(replica_cluster):  # noqa: F811
    with replica_cluster.schema() as pair:
        yield pair


@pytest.fixture
def store(urls, replica_cluster, jp_asyncio_loop):  # noqa: F811
    """A store on the primary with the replica for reads; the schema migrated, a `probe`
    table, and the replica caught up with both."""
    primary, replica = urls
    db = Database(primary, read_url=replica, read_your_writes_timeout_s=0.5, max_size=4)
    jp_asyncio_loop.run_until_complete(db.run(lambda conn: conn.execute("CREATE TABLE probe (who text)")))
    replica_cluster.caught_up()
    yield db
    jp_asyncio_loop.run_until_complete(db.close())


async def read(db: Database, principal: str | None) -> tuple[bool, int]:
    """(served by the standby, rows in probe) for one read of a read request by `principal`."""
    with routing.request(principal, read_only=True):
        async with db.connection() as conn:
            cur = await conn.execute("SELECT pg_is_in_recovery() AS standby, (SELECT count(*) FROM probe) AS n")
            row = await cur.fetchone()
    return row["standby"], row["n"]


async def write(db: Database, principal: str) -> None:
    with routing.request(principal, read_only=False):
        await db.run(lambda conn: conn.execute("INSERT INTO probe VALUES (%s)", (principal,)))


@pytest.mark.slow
async def test_reads_of_a_read_request_go_to_the_replica_and_everything_else_to_the_primary(store):
    assert (await read(store, "bob"))[0] is True
    async with store.connection() as conn:  # outside a request: the command line, upkeep
        assert (await (await conn.execute("SELECT pg_is_in_recovery() AS r")).fetchone())["r"] is False
    with routing.request("bob", read_only=True):
        async with store.connection(routed=False) as conn:
            assert (await (await conn.execute("SELECT pg_is_in_recovery() AS r")).fetchone())["r"] is False
        # A transaction (a write) in a read request is the primary's too.
        assert await store.run(_standby) is False
    with routing.request("bob", read_only=False):  # a write request's checks read the primary
        async with store.connection() as conn:
            assert (await (await conn.execute("SELECT pg_is_in_recovery() AS r")).fetchone())["r"] is False


async def _standby(conn) -> bool:
    return (await (await conn.execute("SELECT pg_is_in_recovery() AS r")).fetchone())["r"]


@pytest.mark.slow
async def test_a_writer_reads_its_write_while_others_read_the_replica_as_it_is(store, replica_cluster):  # noqa: F811
    replica_cluster.pause_replay()
    await write(store, "alice")
    # Another principal reads the replica, which has not replayed the write.
    assert await read(store, "bob") == (True, 0)
    # The writer waits (boundedly) for the replica, then is served by the primary.
    assert await read(store, "alice") == (False, 1)
    assert await read(store, "alice") == (False, 1)  # straight to the primary, until it catches up
    await write(store, "alice")  # a later write cannot be replayed sooner
    assert await read(store, "alice") == (False, 2)
    replica_cluster.resume_replay()
    replica_cluster.caught_up()
    # Later reads go to the replica again once it has replayed the writes: seen here by the
    # lag sample another principal's read takes (due again after SAMPLE_EVERY_S).
    await asyncio.sleep(SAMPLE_EVERY_S)
    assert await read(store, "bob") == (True, 2)
    assert await read(store, "alice") == (True, 2)


async def _on_replica(db, principal):
    found = await read(db, principal)
    return found if found[0] else None


@pytest.mark.slow
async def test_a_write_the_replica_replays_in_time_is_read_there(store, replica_cluster):  # noqa: F811
    await write(store, "alice")
    _, n = await read(store, "alice")
    assert n == 1  # wherever it was served: never stale for its writer
    replica_cluster.caught_up()
    assert await until(lambda: _on_replica(store, "alice")) == (True, 1)


@pytest.mark.slow
async def test_a_lagging_replica_is_left_for_the_primary_and_status_reports_the_lag(urls, replica_cluster):  # noqa: F811
    primary, replica = urls
    db = Database(primary, read_url=replica, replica_max_lag_s=0.3, max_size=4)
    try:
        await db.run(lambda conn: conn.execute("CREATE TABLE probe (who text)"))
        replica_cluster.caught_up()
        status = await StatusService(db).status()
        assert status.replica.ok and status.replica.lag_seconds == 0
        replica_cluster.pause_replay()
        await write(db, "alice")
        first = (await StatusService(db).status()).replica
        assert first.ok and first.lag_seconds > 0
        await asyncio.sleep(0.5)
        second = (await StatusService(db).status()).replica
        assert second.lag_seconds > first.lag_seconds  # grows while replay is paused
        # Beyond the bound, even other principals' reads leave the replica (and see the write).
        assert await until(lambda: _on_primary(db, "bob")) == (False, 1)
        replica_cluster.resume_replay()
        replica_cluster.caught_up()
        assert await until(lambda: _on_replica(db, "bob")) == (True, 1)
        assert (await StatusService(db).status()).replica.lag_seconds == 0
    finally:
        await db.close()


@pytest.mark.slow
async def test_status_waits_briefly_for_a_write_just_made_before_it_reports_lag(urls, replica_cluster):  # noqa: F811
    """WAL written just before `status` (the CLI's own start-up, autovacuum) is not lag: the
    status waits for the replica to replay the primary's position. (Once it reported the age of
    the last transaction replayed: seconds, on a replica that was a moment behind.)"""
    primary, replica = urls
    db = Database(primary, read_url=replica, max_size=4)
    try:
        await db.run(lambda conn: conn.execute("CREATE TABLE probe (who text)"))
        replica_cluster.caught_up()
        replica_cluster.pause_replay()
        await write(db, "alice")
        asked = asyncio.ensure_future(StatusService(db).status())
        await asyncio.sleep(0.3)
        assert not asked.done()  # waiting for the replay
        await asyncio.to_thread(replica_cluster.resume_replay)
        status = await asked
        assert status.replica.ok and status.replica.lag_seconds == 0
    finally:
        replica_cluster.resume_replay_if_paused()
        await db.close()


async def _on_primary(db, principal):
    found = await read(db, principal)
    return found if not found[0] else None


@pytest.mark.slow
async def test_a_stopped_replica_degrades_to_the_primary_and_is_used_again_when_back(store, replica_cluster):  # noqa: F811
    await write(store, "alice")
    replica_cluster.caught_up()
    replica_cluster.stop("replica")
    try:
        assert await read(store, "bob") == (False, 1)
        assert store.replica.down
        assert await read(store, "bob") == (False, 1)  # no probe: straight to the primary
        status = await StatusService(store).status()
        assert status.database.ok and status.replica.ok is False and "unreachable" in status.replica.error
    finally:
        replica_cluster.start("replica")
    replica_cluster.wait_streaming()
    assert await until(lambda: _on_replica(store, "bob")) == (True, 1)
    assert (await StatusService(store).status()).replica.ok


@pytest.mark.slow
async def test_a_read_the_replica_fails_halfway_is_a_replica_lost(store, replica_cluster):  # noqa: F811
    """The handler runs such a read again on the primary (tests/handlers/test_replica_reads.py)."""
    with routing.request("bob", read_only=True):
        with pytest.raises(routing.ReplicaLost):
            async with store.connection() as conn:
                await conn.execute("INSERT INTO probe VALUES ('bob')")  # a standby refuses writes
        with pytest.raises(routing.ReplicaLost):
            async with store.connection() as conn:  # as while it replays a migration
                await conn.execute("SELECT * FROM probe_of_a_later_migration")
        with pytest.raises(routing.ReplicaLost):
            async with store.connection() as conn:
                pid = (await (await conn.execute("SELECT pg_backend_pid() AS p")).fetchone())["p"]
                replica_cluster.sql("replica", "SELECT pg_terminate_backend(%s)", (pid,))
                await conn.execute("SELECT 1")
    assert await until(lambda: _on_replica(store, "bob")) == (True, 0)


@pytest.mark.slow
async def test_live_updates_listen_on_the_primary(store, replica_cluster):  # noqa: F811
    got: list[str] = []
    listener = ChangeListener(store, got.append, lambda reason: None)
    listener.start()
    try:
        await asyncio.wait_for(listener.connected.wait(), 15)
        assert listener._conn.info.port == replica_cluster.primary_port
        await store.run(lambda conn: conn.execute("SELECT pg_notify(jupyter_artifacts_channel(), 'hello')"))
        await until(lambda: _async(got), timeout=10)
        assert got == ["hello"]
    finally:
        await listener.stop()


async def _async(value):
    return value


@pytest.mark.slow
async def test_a_multi_host_url_writes_to_the_primary_and_reads_from_the_standby(urls, replica_cluster):  # noqa: F811
    params = conninfo_to_dict(urls[0])
    # The standby first: writes must still find the primary.
    params.update(host="127.0.0.1,127.0.0.1", port=f"{replica_cluster.replica_port},{replica_cluster.primary_port}")
    primary, reads = split_urls(make_conninfo(**params), None)
    db = Database(primary, read_url=reads, max_size=4)
    try:
        await db.run(lambda conn: conn.execute("CREATE TABLE probe (who text)"))
        replica_cluster.caught_up()
        assert await read(db, "bob") == (True, 0)
        replica_cluster.pause_replay()
        await write(db, "alice")
        assert await read(db, "bob") == (True, 0)
        assert await read(db, "alice") == (False, 1)
        replica_cluster.resume_replay()
        replica_cluster.caught_up()
        assert await until(lambda: _on_replica(db, "bob")) == (True, 1)
        # No standby answers: prefer-standby reads from the primary; back, the standby again.
        replica_cluster.stop("replica")
        try:
            assert await read(db, "bob") == (False, 1)
            await write(db, "alice")
            assert await read(db, "bob") == (False, 2)
        finally:
            replica_cluster.start("replica")
        replica_cluster.wait_streaming()
        replica_cluster.caught_up()
        assert await until(lambda: _on_replica(db, "bob")) == (True, 2)
    finally:
        await db.close()


def test_no_replica_configured_changes_nothing(database_url, jp_asyncio_loop):
    """Without a read URL every read is the primary's, in a read request too."""
    db = Database(database_url, max_size=2)
    assert db.replica is None

    async def go():
        with routing.request("bob", read_only=True):
            async with db.connection() as conn:
                return await _standby(conn)

    try:
        assert jp_asyncio_loop.run_until_complete(go()) is False
    finally:
        jp_asyncio_loop.run_until_complete(db.close())


def test_psycopg_libpq_knows_prefer_standby():
    assert psycopg.pq.version() >= 140000  # target_session_attrs=prefer-standby came in libpq 14


@pytest.mark.slow
def test_the_status_command_reports_the_replica(urls, replica_cluster, tmp_path):  # noqa: F811
    """`jupyter artifacts status`, the replica named by its environment variable."""
    from tests_helpers import run_cli

    primary, replica = urls
    assert run_cli(tmp_path, "migrate", url=primary).returncode == 0
    replica_cluster.caught_up()
    done = run_cli(tmp_path, "status", url=primary, extra_env={"JUPYTER_ARTIFACTS_READ_DATABASE_URL": replica})
    assert done.returncode == 0, done.stderr
    assert "replica: ok, lag 0.000 s" in done.stdout, done.stdout
    replica_cluster.stop("replica")
    try:
        done = run_cli(tmp_path, "status", url=primary, extra_env={"JUPYTER_ARTIFACTS_READ_DATABASE_URL": replica})
    finally:
        replica_cluster.start("replica")
    assert done.returncode == 0, done.stderr  # the primary answers: a lost replica is not a failure
    assert "replica: not ok (The read replica is unreachable" in done.stdout, done.stdout
    assert "replica" not in run_cli(tmp_path, "status", url=primary).stdout  # none configured
