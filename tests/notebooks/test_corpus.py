"""Commit, diff, merge and split on real, published notebooks nobody here wrote (issue 16).

The corpus (tests/corpus_data.py) is the notebooks that Jupyter projects ship in their PyPI
sdists, in two editions of each project: IPython 5.10 -> 7.34 (examples), the classic notebook
5.7.8 -> 6.5.7 (documentation and test notebooks), nbconvert 5.6.1 / 7.0.0 -> 7.16.4 (test files),
nbsphinx 0.2.14 -> 0.9.8 (documentation). Each second edition is committed as the next version of
the first through the REST API of a real Jupyter server on PostgreSQL, and what comes back is
checked against nbformat and nbdime, computed here independently of the server's code.
"""

from __future__ import annotations

import copy
import json
from collections import Counter

import nbdime
import nbformat
import pytest
from nbdime.merging.notebooks import decide_notebook_merge, merge_notebooks

import corpus_data as corpus
from corpus_data import PAIRS, UNCHANGED, File, Pair
from tests_helpers import expected_hash

pytestmark = pytest.mark.slow

OWN = "jupyter_artifacts"

# What the chosen pairs must hold between them, so that the corpus cannot silently shrink.
# nbformat 4.3 is not here: it was the current minor of one nbformat release only (5.0.0, replaced
# by 5.0.1 with 4.4 the same day, 2020-01-06), and none of the pinned sdists holds a 4.3 file.
REQUIRED = {
    "image/png", "image/jpeg", "image/svg+xml", "HTML table", "LaTeX", "widget state", "widget view",
    "attachments", "raw cell",
    "nbformat 4.0 without ids", "nbformat 4.1 without ids", "nbformat 4.2 without ids",
    "nbformat 4.4 without ids", "nbformat 4.5 with ids",
}


def plain(value):
    return json.loads(json.dumps(value))


def nbformat_normalised(f: File) -> dict:
    """The file as nbformat reads it and would write it as 4.5 (the upgrade gives cells without an
    id a random one; writing drops transient fields such as orig_nbformat_minor; sources and
    multi-line outputs are single strings once read)."""
    nb = nbformat.reads(corpus.text(f), as_version=4)
    if nb.nbformat_minor < 5:
        nb = nbformat.v4.upgrade(nb)
    nb = nbformat.reads(nbformat.writes(nb), as_version=4)
    return plain(nb)


def has_ids(f: File) -> bool:
    cells = corpus.raw(f)["cells"]
    return bool(cells) and all(isinstance(c.get("id"), str) for c in cells)


def without_ids(nb: dict) -> dict:
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        cell.pop("id", None)
    return nb


def nbdime_diff(a: dict, b: dict) -> list:
    return plain(nbdime.diff_notebooks(nbformat.from_dict(copy.deepcopy(a)), nbformat.from_dict(copy.deepcopy(b))))


def aligned_pairs(cells_diff: list, n_old: int, n_new: int) -> list[tuple[int, int, bool]]:
    """(i, j, patched): cell i of the old list is cell j of the new one in an nbdime /cells diff."""
    out, i, j = [], 0, 0
    for e in sorted(cells_diff, key=lambda e: e["key"]):
        while i < e["key"]:
            out.append((i, j, False))
            i, j = i + 1, j + 1
        if e["op"] == "addrange":
            j += len(e["valuelist"])
        elif e["op"] == "removerange":
            i += e["length"]
        elif e["op"] == "patch":
            out.append((i, j, True))
            i, j = i + 1, j + 1
    while i < n_old and j < n_new:
        out.append((i, j, False))
        i, j = i + 1, j + 1
    return out


def cells_entry(diff: list) -> list:
    found = [e for e in diff if e["key"] == "cells"]
    assert all(e["op"] == "patch" for e in found)
    return found[0]["diff"] if found else []


def summary_of(diff: list, n_old: int, n_new: int) -> dict:
    """The cell summary an nbdime diff implies: added/modified as indices of the new notebook,
    removed as indices of the old one."""
    added, removed, modified = [], [], []
    i = j = 0
    for e in sorted(cells_entry(diff), key=lambda e: e["key"]):
        j += e["key"] - i
        i = e["key"]
        if e["op"] == "addrange":
            added += range(j, j + len(e["valuelist"]))
            j += len(e["valuelist"])
        elif e["op"] == "removerange":
            removed += range(i, i + e["length"])
            i += e["length"]
        else:
            modified.append(j)
            i, j = i + 1, j + 1
    assert j + (n_old - i) == n_new
    return {"added": added, "removed": removed, "modified": modified,
            "unchanged_count": n_old - len(removed) - len(modified)}


async def version(api, nb_id: str, n: int) -> dict:
    """A stored version read back as JSON, without the metadata the server adds to say which it is."""
    r = await api("GET", f"api/notebooks/{nb_id}/versions/{n}", params={"format": "json"})
    assert r.status == 200, r
    nb = r.json
    own = nb["metadata"].pop(OWN)
    assert (own["artifact_id"], own["version_number"]) == (nb_id, n)
    v = (await api("GET", f"api/artifacts/{nb_id}@v{n}")).json
    assert v["content"] == nb and own["content_hash"] == v["content_hash"] == expected_hash(v)
    nbformat.validate(nbformat.from_dict(copy.deepcopy(nb)), version=4)
    return nb


def assert_reads_back_as_the_file(stored: dict, f: File) -> None:
    """Equal to the file as nbformat normalises it; the file's own cell ids kept, and where it had
    none, ids that are unique."""
    expected = nbformat_normalised(f)
    ids = [c["id"] for c in stored["cells"]]
    assert len(set(ids)) == len(ids), f"{f}: duplicate cell ids"
    assert stored["nbformat"] == 4 and stored["nbformat_minor"] == 5
    if not has_ids(f):
        assert len(stored["cells"]) == len(expected["cells"]), f
        for mine, theirs in zip(expected["cells"], stored["cells"]):
            mine["id"] = theirs["id"]
    if stored != expected:  # name the first difference rather than dump two notebooks
        for k in expected:
            assert stored.get(k) == expected[k] or k == "cells", f"{f}: {k} differs"
        for i, (a, b) in enumerate(zip(expected["cells"], stored["cells"])):
            assert b == a, f"{f}: cell {i} differs in {[k for k in a if a[k] != b.get(k)]}"
    assert stored == expected, f


# -- the corpus ---------------------------------------------------------------------------------


def test_the_corpus_covers_every_feature():
    counts: Counter = Counter()
    for pair in PAIRS:
        for f in (pair.old, pair.new):
            counts.update(corpus.features(corpus.raw(f)))
    missing = REQUIRED - set(counts)
    assert not missing, f"the corpus lost {sorted(missing)}; it holds {dict(counts)}"
    assert len(PAIRS) >= 20 and len({p.key for p in PAIRS + UNCHANGED}) == len(PAIRS + UNCHANGED)
    for pair in PAIRS:  # editions that really differ, once read
        assert without_ids(nbformat_normalised(pair.old)) != without_ids(nbformat_normalised(pair.new)), pair.key
    for pair in UNCHANGED:
        assert without_ids(nbformat_normalised(pair.old)) == without_ids(nbformat_normalised(pair.new)), pair.key


def test_a_file_that_is_not_the_pinned_one_fails_loudly(tmp_path, monkeypatch):
    monkeypatch.setenv(corpus.ENV_CACHE, str(tmp_path / "cache"))
    published = tmp_path / "index" / "pkg-1.0.tar.gz"
    published.parent.mkdir()
    published.write_bytes(b"not the pinned bytes")
    monkeypatch.setitem(corpus.SDISTS, "pkg-1.0", (published.as_uri(), "0" * 64))
    fetch = corpus.sdist.__wrapped__  # without the per-process cache
    with pytest.raises(corpus.CorpusError, match="not the pinned"):  # downloaded
        fetch("pkg-1.0")
    assert not list((tmp_path / "cache").iterdir())  # nothing left behind
    (tmp_path / "cache" / "pkg-1.0.tar.gz").write_bytes(b"changed in the cache")
    with pytest.raises(corpus.CorpusError, match="not the pinned"):  # cached
        fetch("pkg-1.0")
    import hashlib

    good = hashlib.sha256(published.read_bytes()).hexdigest()
    monkeypatch.setitem(corpus.SDISTS, "pkg-1.0", (published.as_uri(), good))
    (tmp_path / "cache" / "pkg-1.0.tar.gz").unlink()
    assert fetch("pkg-1.0").read_bytes() == published.read_bytes()


# -- commit and diff ----------------------------------------------------------------------------


@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: p.key)
async def test_second_edition_committed_on_the_first(api, sql, pair: Pair):
    nb_id = f"corpus-{pair.key}"
    r = await api("POST", "api/notebooks", {"id": nb_id, "notebook": corpus.raw(pair.old)})
    assert r.status == 201, r
    r = await api("POST", f"api/notebooks/{nb_id}/versions",
                  {"notebook": corpus.raw(pair.new), "parent_version": 1, "rationale": f"{pair.new.sdist}"})
    assert r.status == 201, r
    committed = r.json
    assert (committed["version_number"], committed["parent_ref"]) == (2, f"{nb_id}@v1")

    v1, v2 = await version(api, nb_id, 1), await version(api, nb_id, 2)
    assert committed["content_hash"] == expected_hash((await api("GET", f"api/artifacts/{nb_id}@v2")).json)
    assert_reads_back_as_the_file(v1, pair.old)
    assert_reads_back_as_the_file(v2, pair.new)

    # Cell identity across the editions: where the files carry no ids, a cell of the second
    # edition that nbdime aligns with one of the first (unchanged, or edited in place) is that cell.
    if not has_ids(pair.new):
        file_diff = nbdime_diff(without_ids(nbformat_normalised(pair.old)), without_ids(nbformat_normalised(pair.new)))
        pairs = aligned_pairs(cells_entry(file_diff), len(v1["cells"]), len(v2["cells"]))
        assert pairs, pair.key
        for i, j, _ in pairs:
            assert v2["cells"][j]["id"] == v1["cells"][i]["id"], (pair.key, i, j)
        new_ids = {c["id"] for c in v2["cells"]} - {v1["cells"][i]["id"] for i, _, _ in pairs}
        assert not new_ids & {c["id"] for c in v1["cells"]}, "a new cell took the id of a removed one"

    # The stored diff is nbdime's, and its summary is what that diff says.
    r = await api("GET", f"api/notebooks/{nb_id}/diff", params={"from": 1, "to": 2})
    assert r.status == 200, r
    d = r.json
    expected = nbdime_diff(v1, v2)
    assert d["diff"] == expected
    assert d["base"] == v1 and (d["from"], d["to"]) == (1, 2)
    summary = summary_of(expected, len(v1["cells"]), len(v2["cells"]))
    assert d["summary"] == summary == committed["summary"]
    assert summary["added"] or summary["removed"] or summary["modified"] or any(e["key"] != "cells" for e in expected)

    # Committing the same edition again creates nothing.
    r = await api("POST", f"api/notebooks/{nb_id}/versions", {"notebook": corpus.raw(pair.new), "parent_version": 2})
    assert (r.status, r.json["ref"]) == (200, f"{nb_id}@v2"), r
    assert sql("SELECT count(*) AS n FROM artifacts WHERE artifact_id = %s", (nb_id,))[0]["n"] == 2


@pytest.mark.parametrize("pair", UNCHANGED, ids=lambda p: p.key)
async def test_an_unchanged_edition_creates_nothing(api, sql, pair: Pair):
    nb_id = f"corpus-{pair.key}"
    r = await api("POST", "api/notebooks", {"id": nb_id, "notebook": corpus.raw(pair.old)})
    assert r.status == 201, r
    r = await api("POST", f"api/notebooks/{nb_id}/versions", {"notebook": corpus.raw(pair.new), "parent_version": 1})
    assert (r.status, r.json["ref"]) == (200, f"{nb_id}@v1"), r
    n = len(nbformat_normalised(pair.new)["cells"])
    assert r.json["summary"] == {"added": [], "removed": [], "modified": [], "unchanged_count": n}
    assert_reads_back_as_the_file(await version(api, nb_id, 1), pair.new)
    assert (await api("GET", f"api/notebooks/{nb_id}/versions/2", params={"format": "json"})).status == 404
    assert sql("SELECT count(*) AS n FROM artifacts WHERE artifact_id = %s", (nb_id,))[0]["n"] == 1


# -- merge --------------------------------------------------------------------------------------


def pair(key: str) -> Pair:
    return next(p for p in PAIRS + UNCHANGED if p.key == key)


def cell_from(f: File, index: int, new_id: str) -> dict:
    """A real cell from elsewhere in the corpus, as pasted into another notebook (a new id)."""
    cell = nbformat_normalised(f)["cells"][index]
    cell["id"] = new_id
    return cell


def append_cell(f: File, index: int):
    def edit(nb: dict) -> dict:
        nb["cells"].append(cell_from(f, index, "pasted-cell"))
        return nb
    return edit


def delete_cell(index: int):
    def edit(nb: dict) -> dict:
        del nb["cells"][index]
        return nb
    return edit


def take_source(index: int, f: File, other: int):
    """Cell `index` gets the source of another real cell (an edit of that cell)."""
    def edit(nb: dict) -> dict:
        nb["cells"][index]["source"] = nbformat_normalised(f)["cells"][other]["source"]
        return nb
    return edit


def clear_outputs(after: int):
    """The outputs of the first code cell with outputs from `after` on, cleared."""
    def edit(nb: dict) -> dict:
        cell = next(c for c in nb["cells"][after:] if c["cell_type"] == "code" and c["outputs"])
        cell["outputs"] = []
        cell["execution_count"] = None
        return nb
    return edit


SVG = pair("nbconvert-svg").new
MERGES = [
    # (pair, the fork's edit, whether nbdime finds conflicts)
    ("ipython-rich-output", append_cell(SVG, 0), False),
    ("notebook-markdown-cells", delete_cell(15), False),
    ("nbconvert-widget-list", clear_outputs(30), False),
    ("nbsphinx-raw-cells", take_source(12, pair("nbsphinx-markdown-cells").new, 2), True),
    ("nbconvert-inject", take_source(13, pair("nbconvert-unexecuted-widget").new, 0), True),
    ("ipython-custom-display", append_cell(pair("notebook-confined-output").new, 4), False),
]


@pytest.mark.parametrize("key,edit,conflicts", MERGES, ids=[m[0] for m in MERGES])
async def test_merge_of_a_fork(api, sql, key, edit, conflicts):
    p = pair(key)
    nb_id, fork_id = f"corpus-{key}", f"corpus-{key}-fork"
    assert (await api("POST", "api/notebooks", {"id": nb_id, "notebook": corpus.raw(p.old)})).status == 201
    r = await api("POST", f"api/artifacts/{nb_id}/fork", {"new_id": fork_id})
    assert r.status == 201, r
    r = await api("POST", f"api/notebooks/{nb_id}/versions", {"notebook": corpus.raw(p.new), "parent_version": 1})
    assert r.status == 201, r
    fork_v1 = await version(api, fork_id, 1)
    r = await api("POST", f"api/notebooks/{fork_id}/versions", {"notebook": edit(copy.deepcopy(fork_v1)),
                                                                "parent_version": 1})
    assert r.status == 201, r
    base, local, remote = await version(api, nb_id, 1), await version(api, nb_id, 2), await version(api, fork_id, 2)
    assert base == fork_v1

    decisions = plain(decide_notebook_merge(*(nbformat.from_dict(copy.deepcopy(x)) for x in (base, local, remote))))
    assert any(d.get("conflict") for d in decisions) == conflicts, "the case is not the one meant"
    before = sql("SELECT count(*) AS n FROM artifacts")[0]["n"]
    r = await api("POST", f"api/notebooks/{nb_id}/merge", {"other": fork_id, "parent_version": 2})
    if conflicts:
        assert r.status == 409, r
        c = r.json
        assert c["reason"] == "merge_conflict"
        assert (c["base_ref"], c["local_ref"], c["remote_ref"]) == (f"{nb_id}@v1", f"{nb_id}@v2", f"{fork_id}@v2")
        assert (c["base"], c["local"], c["remote"]) == (base, local, remote)
        assert c["merge_decisions"] == decisions
        assert c["conflicts"] == sum(1 for d in decisions if d.get("conflict"))
        assert sql("SELECT count(*) AS n FROM artifacts")[0]["n"] == before
        assert (await api("GET", f"api/notebooks/{nb_id}/versions/3", params={"format": "json"})).status == 404
        return
    assert r.status == 201, r
    assert r.json["ref"] == f"{nb_id}@v3"
    merged = plain(merge_notebooks(*(nbformat.from_dict(copy.deepcopy(x)) for x in (base, local, remote)))[0])
    stored = await version(api, nb_id, 3)
    assert all(isinstance(c.get("id"), str) for c in merged["cells"]), "nbdime left a cell without an id"
    assert stored == merged
    assert r.json["summary"] == summary_of(nbdime_diff(local, stored), len(local["cells"]), len(stored["cells"]))
    # Both sides' edits are in it.
    assert nbdime_diff(local, stored) and nbdime_diff(remote, stored)
    steps = sql("SELECT source_artifact_id AS a, step_type FROM processing_steps WHERE target_artifact_id = %s "
                "AND target_version_number = 3 ORDER BY 1", (nb_id,))
    assert [(s["a"], s["step_type"]) for s in steps] == [(nb_id, "merge"), (fork_id, "merge")]


# -- split --------------------------------------------------------------------------------------


def attachment_cells(nb: dict) -> list[int]:
    return [i for i, c in enumerate(nb["cells"]) if c.get("attachments")]


def widget_cells(nb: dict) -> list[int]:
    return [i for i, c in enumerate(nb["cells"])
            if any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in c.get("outputs", []))]


def raw_cells(nb: dict) -> list[int]:
    return [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "raw"]


SPLITS = [
    ("notebook-markdown-cells", attachment_cells),
    ("nbsphinx-markdown-cells", lambda nb: attachment_cells(nb) + raw_cells(nb)),
    ("nbconvert-inject", lambda nb: raw_cells(nb) + widget_cells(nb)),
    ("nbconvert-widget-list", lambda nb: widget_cells(nb)[:5]),
]


@pytest.mark.parametrize("key,choose", SPLITS, ids=[s[0] for s in SPLITS])
async def test_split_of_a_real_notebook(api, sql, key, choose):
    p = pair(key)
    nb_id, part_id = f"corpus-{key}", f"corpus-{key}-part"
    assert (await api("POST", "api/notebooks", {"id": nb_id, "notebook": corpus.raw(p.new)})).status == 201
    source = await version(api, nb_id, 1)
    chosen = choose(source)
    assert chosen, "the case is not the one meant"
    # In an order of their own, with the last cell first and the first cell added.
    cells = sorted(set(chosen), reverse=True) + ([0] if 0 not in chosen else [])
    r = await api("POST", f"api/notebooks/{nb_id}/split", {"cells": cells, "new_id": part_id})
    assert r.status == 201, r
    part = await version(api, part_id, 1)
    assert part["cells"] == [source["cells"][i] for i in cells]  # ids, outputs, attachments kept
    assert part["metadata"] == source["metadata"]
    assert (part["nbformat"], part["nbformat_minor"]) == (source["nbformat"], source["nbformat_minor"])
    if "widget" in key or "inject" in key:
        assert part["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    if "markdown" in key:
        assert any(c.get("attachments") for c in part["cells"])
    step = sql("SELECT step_type, source_artifact_id, parameters FROM processing_steps WHERE target_artifact_id = %s",
               (part_id,))
    assert [(s["step_type"], s["source_artifact_id"], s["parameters"]["cells"]) for s in step] == [
        ("split", nb_id, cells)]
