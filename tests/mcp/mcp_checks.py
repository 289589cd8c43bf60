"""What both transports' tests check through the MCP SDK's client: the tools, the seed's
demonstration run through them, and refusals as tool errors."""

from __future__ import annotations

import json

from jupyter_server.auth.authorizer import Authorizer

TOOL_NAMES = {
    "search_artifacts", "get_version", "list_versions", "diff_versions", "create_artifact", "new_version",
    "append_cell", "get_lineage", "create_chamber", "pull_into_chamber", "close_chamber", "open_debate",
    "post_round", "close_debate", "debate_artifacts", "commit_notebook", "fork_artifact", "merge_notebook",
    "split_notebook",
}
EMPTY_NOTEBOOK = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}


class ReadOnlyAuthorizer(Authorizer):
    """A principal allowed to read only (a server imports it from here by name)."""

    def is_authorized(self, handler, user, action, resource):
        return action == "read"


def tool_json(result) -> dict:
    """A successful tool result's reply (its structured content, which the text repeats)."""
    assert not result.is_error, result.content[0].text
    reply = json.loads(result.content[0].text)
    assert result.structured_content == reply
    return reply


async def check_tools(client, operation_texts) -> None:
    """Every tool listed, each described by its operation's OpenAPI text."""
    from jupyter_artifacts.mcp_tools.catalog import TOOLS

    tools = {t.name: t for t in (await client.list_tools()).tools}
    assert TOOL_NAMES <= set(tools)
    for spec in TOOLS:
        tool = tools[spec.name]
        assert tool.description and tool.description == operation_texts[(spec.method, spec.template)], spec.name
        assert tool.input_schema["type"] == "object"
        for arg, _ in spec.path_args:
            assert arg in tool.input_schema["required"], (spec.name, arg)
    assert "q" in tools["search_artifacts"].input_schema["properties"]
    assert {"notebook_id", "source", "execute"} <= set(tools["append_cell"].input_schema["properties"])


async def run_demonstration(client, tag: str) -> None:
    """The seed's demonstration through tools: a hypothesis, a notebook with an appended cell, a
    debate on it whose round cites a version, closed, and what the debate pinned."""
    hyp = tool_json(await client.call_tool("create_artifact", {
        "id": f"H-{tag}", "artifact_type": "hypothesis", "title": "TREM2 loss raises plaque load",
        "content": {"statement": "TREM2 loss raises plaque load"}, "agent_id": "ed-lein"}))
    assert hyp["ref"] == f"H-{tag}@v1"
    found = tool_json(await client.call_tool("search_artifacts", {"q": "TREM2", "type": "hypothesis"}))
    assert f"H-{tag}" in [x["artifact_id"] for x in found["items"]]
    nb = tool_json(await client.call_tool("register_notebook", {
        "id": f"NB-{tag}", "title": "Plaque counts", "notebook": EMPTY_NOTEBOOK}))
    assert nb["version_number"] == 1
    cell = tool_json(await client.call_tool("append_cell", {
        "notebook_id": f"NB-{tag}", "source": "plaques = [3, 5, 8]\nprint(sum(plaques))", "execute": False,
        "agent_id": "ed-lein", "rationale": "count the plaques"}))
    assert cell["version_number"] == 2
    debate = tool_json(await client.call_tool("open_debate", {
        "target_artifact_id": f"H-{tag}", "topic": "Does TREM2 loss raise plaque load?", "agent_id": "ed-lein"}))
    sid = debate["id"]
    rnd = tool_json(await client.call_tool("post_round", {
        "session_id": sid, "actor_type": "agent", "actor_id": "ed-lein",
        "content": f"The counts in NB-{tag}@v2 support H-{tag}@v1."}))
    cited = {(x["artifact_id"], x["version_number"]) for x in rnd["referenced_artifacts"]}
    assert (f"NB-{tag}", 2) in cited
    closed = tool_json(await client.call_tool("close_debate", {"session_id": sid, "verdict": "supported"}))
    assert closed["closed_at"] and closed["chamber_provenance_hash"].startswith("sha256:")
    session = tool_json(await client.call_tool("get_debate", {"session_id": sid}))
    assert [r["content"] for r in session["rounds"]] == [rnd["content"]]
    chamber = tool_json(await client.call_tool("get_chamber", {"chamber_id": debate["chamber_id"]}))
    assert chamber["provenance_hash"] == closed["chamber_provenance_hash"]
    pins = tool_json(await client.call_tool("debate_artifacts", {"session_id": sid}))
    refs = {x["ref"] for x in pins["artifacts"]}
    assert {f"NB-{tag}@v2", f"H-{tag}@v1"} <= refs
    history = tool_json(await client.call_tool("list_versions", {"ref": f"NB-{tag}"}))
    assert [v["ref"] for v in history["versions"]] == [f"NB-{tag}@v1", f"NB-{tag}@v2"]
    lineage = tool_json(await client.call_tool("get_lineage", {"ref": f"NB-{tag}@v2"}))
    assert lineage["edges"]


async def check_refusals(client, tag: str) -> None:
    """A refused call is a tool error carrying the REST reason and message."""
    missing = await client.call_tool("get_version", {"ref": f"nothing-{tag}@v1"})
    assert missing.is_error and "not_found" in missing.content[0].text, missing.content[0].text
    typo = await client.call_tool("create_artifact", {"artifact_type": "hypothesis", "title": "x", "agentid": "a"})
    assert typo.is_error and "invalid" in typo.content[0].text and "agentid" in typo.content[0].text
    once = {"artifact_type": "note", "title": f"once {tag}", "idempotency_key": f"note-{tag}"}
    first, again = [tool_json(await client.call_tool("create_artifact", once)) for _ in range(2)]
    assert again["ref"] == first["ref"] == f"{first['artifact_id']}@v1"
    other = await client.call_tool("create_artifact", {**once, "title": "another"})
    assert other.is_error and "idempotency_mismatch (422)" in other.content[0].text, other.content[0].text
    stale = await client.call_tool("append_cell", {"notebook_id": f"NB-{tag}", "source": "1", "parent_version": 1})
    assert stale.is_error and "stale_parent" in stale.content[0].text and f"NB-{tag}@v" in stale.content[0].text


async def run_other_tools(client, tag: str) -> None:
    """Chambers, versions and diffs, commit, fork, split and merge, each through its tool."""
    chamber = tool_json(await client.call_tool("create_chamber", {
        "name": f"review {tag}", "purpose": "experiment_design", "agent_id": "ed-lein"}))
    pulled = tool_json(await client.call_tool("pull_into_chamber", {
        "chamber_id": chamber["id"], "entries": [{"artifact_id": f"H-{tag}", "role": "input"}]}))
    assert [p["ref"] for p in pulled["artifacts"]] == [f"H-{tag}@v1"]
    closed = tool_json(await client.call_tool("close_chamber", {"chamber_id": chamber["id"]}))
    assert closed["provenance_hash"].startswith("sha256:")
    again = await client.call_tool("pull_into_chamber", {"chamber_id": chamber["id"],
                                                         "entries": [{"artifact_id": f"H-{tag}"}]})
    assert again.is_error and "closed" in again.content[0].text

    v2 = tool_json(await client.call_tool("new_version", {
        "ref": f"H-{tag}", "content": {"statement": "TREM2 loss raises plaque load in 5xFAD mice"},
        "changelog": "narrowed to 5xFAD"}))
    assert v2["ref"] == f"H-{tag}@v2" and v2["parent_ref"] == f"H-{tag}@v1"
    diff = tool_json(await client.call_tool("diff_versions", {"ref": f"H-{tag}", "from": 1, "to": 2}))
    assert diff["content_changed"] and diff["from"] == 1 and diff["to"] == 2

    notebook = tool_json(await client.call_tool("get_version", {"ref": f"NB-{tag}"}))["content"]
    notebook["cells"].append({"cell_type": "markdown", "id": "note", "metadata": {}, "source": "Counts look high."})
    committed = tool_json(await client.call_tool("commit_notebook", {
        "notebook_id": f"NB-{tag}", "notebook": notebook, "rationale": "a note"}))
    assert committed["ref"] == f"NB-{tag}@v3"
    fork = tool_json(await client.call_tool("fork_artifact", {"ref": f"NB-{tag}@v3", "new_id": f"NB-{tag}-fork"}))
    assert fork["ref"] == f"NB-{tag}-fork@v1"
    split = tool_json(await client.call_tool("split_notebook", {
        "notebook_id": f"NB-{tag}", "cells": [1], "new_id": f"NB-{tag}-note"}))
    assert split["ref"] == f"NB-{tag}-note@v1"
    fork_cell = tool_json(await client.call_tool("append_cell", {"notebook_id": f"NB-{tag}-fork", "source": "x = 1"}))
    assert fork_cell["version_number"] == 2
    merged = tool_json(await client.call_tool("merge_notebook", {
        "notebook_id": f"NB-{tag}", "other": f"NB-{tag}-fork@v2"}))
    assert merged["ref"] == f"NB-{tag}@v4"
