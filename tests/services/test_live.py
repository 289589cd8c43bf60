"""Coalescing of live updates (services/live.py), without a server: what a burst becomes."""

from __future__ import annotations

import asyncio
import json

from jupyter_artifacts.services.live import LiveUpdates


def version(artifact: str, n: int) -> str:
    return json.dumps({"kind": "version", "action": "created", "artifact_id": artifact, "version_number": n,
                       "ref": f"{artifact}@v{n}"})


def run(feed) -> list[dict]:
    sent: list[dict] = []

    async def go():
        live = LiveUpdates(sent.append, window_s=0.02)
        await feed(live)
        await asyncio.sleep(0.1)
        live.close()

    asyncio.run(go())
    return sent


def test_a_burst_on_one_notebook_is_one_event_per_window_with_the_highest_version():
    async def feed(live):
        for n in range(2, 1002):
            live.deliver(version("NB-1", n))
        live.deliver(version("NB-1", 500))  # announcements may arrive out of order: never go back

    assert run(feed) == [{"kind": "version", "action": "created", "artifact_id": "NB-1", "version_number": 1001,
                          "ref": "NB-1@v1001"}]


def test_distinct_keys_each_arrive_in_first_arrival_order():
    async def feed(live):
        live.deliver(version("B", 1))
        live.deliver(json.dumps({"kind": "chamber", "action": "pulled", "chamber_id": "c1"}))
        live.deliver(version("A", 1))
        live.deliver(json.dumps({"kind": "chamber", "action": "pulled", "chamber_id": "c1"}))
        live.deliver(json.dumps({"kind": "chamber", "action": "closed", "chamber_id": "c1"}))
        live.deliver(json.dumps({"kind": "tag", "action": "set", "artifact_id": "A", "tag": "x"}))
        live.deliver(json.dumps({"kind": "tag", "action": "moved", "artifact_id": "A", "tag": "x"}))

    sent = run(feed)
    assert [(e["kind"], e["action"], e.get("artifact_id") or e.get("chamber_id")) for e in sent] == [
        ("version", "created", "B"), ("chamber", "pulled", "c1"), ("version", "created", "A"),
        ("chamber", "closed", "c1"), ("tag", "moved", "A")]


def test_a_busy_window_makes_the_next_one_longer():
    sent: list[dict] = []

    async def go():
        live = LiveUpdates(sent.append, window_s=0.02, busy_window_s=0.2, busy_after=3)
        for a in "ABC":  # a busy window: three keys
            live.deliver(version(a, 1))
        await asyncio.sleep(0.05)
        assert len(sent) == 3
        for n in range(2, 6):  # still busy: gathered for 0.2 s, not 0.02
            live.deliver(version("A", n))
            await asyncio.sleep(0.03)
        assert len(sent) == 3
        await asyncio.sleep(0.2)
        assert [e["version_number"] for e in sent[3:]] == [5]
        live.deliver(version("B", 2))  # the last window was quiet: back to 0.02 s
        await asyncio.sleep(0.05)
        assert sent[-1]["ref"] == "B@v2"
        live.close()

    asyncio.run(go())


def test_windows_follow_each_other():
    async def feed(live):
        live.deliver(version("A", 1))
        await asyncio.sleep(0.06)
        live.deliver(version("A", 2))

    assert [e["version_number"] for e in run(feed)] == [1, 2]


def test_resync_supersedes_what_was_pending_and_junk_is_ignored():
    async def feed(live):
        live.deliver(version("A", 1))
        live.deliver("not json")
        live.deliver(json.dumps({"kind": "version"}))  # no action
        live.deliver(json.dumps({"kind": "step", "action": "derive", "artifact_id": "A", "title": "secret"}))
        live.resync("reconnected")

    assert run(feed) == [{"kind": "resync", "action": "reconnected"}]


def test_only_contract_fields_are_relayed():
    async def feed(live):
        live.deliver(json.dumps({"kind": "step", "action": "derive", "artifact_id": "A", "version_number": 2,
                                 "content": {"big": "x" * 100}, "password": "p"}))

    assert run(feed) == [{"kind": "step", "action": "derive", "artifact_id": "A", "version_number": 2}]


def test_a_bulk_notice_in_a_window_is_the_only_event_sent():
    async def feed(live):
        live.deliver(version("A", 1))
        live.deliver(json.dumps({"kind": "resync", "action": "bulk"}))
        live.deliver(version("B", 1))
        live.deliver(json.dumps({"kind": "resync", "action": "bulk"}))

    assert run(feed) == [{"kind": "resync", "action": "bulk"}]
