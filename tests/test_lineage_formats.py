"""PROV-JSON and DOT exports of a lineage graph (jupyter_artifacts.lineage_formats)."""

from __future__ import annotations

import copy
import itertools
import json
import re
import shutil
import subprocess

import pytest

from jupyter_artifacts.lineage_formats import (
    NAMESPACE,
    dot_string,
    escape_segment,
    to_dot,
    to_prov_json,
    unescape_segment,
    version_qname,
)

prov_model = pytest.importorskip("prov.model")

RELATIONS = ("used", "wasGeneratedBy", "wasDerivedFrom", "wasAssociatedWith", "actedOnBehalfOf")
CHAMBER = "5f0c7a36-2d4b-4c8e-9f51-6a0e3b1d2c47"


def node(ref, artifact_type, title, latest=True, hash_="sha256:" + "ab" * 32):
    artifact_id, n = ref.rsplit("@v", 1)
    return {"ref": ref, "artifact_id": artifact_id, "version_number": int(n),
            "artifact_type": artifact_type, "title": title, "content_hash": hash_, "is_latest": latest}


def edge(id_, source, target, step_type, actor_type, actor_id, recorded_by, created_at,
         method=None, parameters=None, chamber_id=None):
    return {"id": id_, "source": source, "target": target, "step_type": step_type,
            "actor_type": actor_type, "actor_id": actor_id, "recorded_by": recorded_by,
            "method": method, "parameters": parameters if parameters is not None else {},
            "chamber_id": chamber_id, "created_at": created_at}


NESTED = {"fdr": 0.05, "nested": {"a": [1, 2]}, "genes": ["TP53", "BRCA1"], "note": "ünïcode \"q\""}


@pytest.fixture
def graph():
    return {
        "root": "NB-12", "direction": "both",
        "nodes": [
            node("NB-12@v1", "notebook", "DE analysis", latest=False),
            node("NB-12@v2", "notebook", "DE analysis (fork)", latest=False),
            node("NB-12@v3", "notebook", "DE analysis + volcano plot"),
            node("PAP-7@v1", "paper", "Smith et al. 2025"),
            node("HYP-3@v1", "hypothesis", None, hash_=None),
        ],
        "edges": [
            edge("11111111-1111-4111-8111-111111111111", "NB-12@v1", "NB-12@v2", "fork",
                 "unknown", None, None, "2026-11-24T09:00:00Z"),
            edge("22222222-2222-4222-8222-222222222222", "NB-12@v2", "NB-12@v3", "cell_append",
                 "agent", "ed-lein", "alice", "2026-11-25T10:00:00Z",
                 method="differential-expression", parameters=NESTED, chamber_id=CHAMBER),
            edge("33333333-3333-4333-8333-333333333333", "PAP-7@v1", "HYP-3@v1", "cite",
                 "user", "bob", "bob", "2026-11-25T11:30:00+00:00"),
        ],
        "depth_reached": 2, "truncated": False,
    }


def round_trip(doc: dict):
    """Parse with `prov` (warnings are errors here), re-serialise, and parse that again."""
    parsed = prov_model.ProvDocument.deserialize(content=json.dumps(doc), format="json")
    again = json.loads(parsed.serialize(format="json"))
    # PROV-N too: proves every qualified name is a legal PROV-N name, not just a JSON key.
    provn = prov_model.ProvDocument.deserialize(content=parsed.get_provn(), format="provn")
    assert provn == parsed
    return parsed, again


def records(parsed, cls):
    return list(parsed.get_records(cls))


def ident(record) -> str:
    return str(record.identifier)


def pairs(parsed, cls, first, second):
    out = []
    for rec in records(parsed, cls):
        attrs = dict(rec.formal_attributes)
        a, b = attrs[prov_model.PROV[first]], attrs.get(prov_model.PROV[second])
        out.append((str(a), str(b) if b is not None else None))
    return sorted(out)


def same_records(doc: dict, again: dict):
    for kind in ("entity", "activity", "agent"):
        assert sorted(doc.get(kind, {})) == sorted(again.get(kind, {})), kind
    for kind in RELATIONS:
        assert len(doc.get(kind, {})) == len(again.get(kind, {})), kind


# -- PROV ------------------------------------------------------------------------------------

def test_prov_round_trip_of_a_realistic_graph(graph):
    doc = to_prov_json(graph)
    assert doc["prefix"] == {"ja": NAMESPACE}
    parsed, again = round_trip(doc)
    same_records(doc, again)

    assert len(records(parsed, prov_model.ProvEntity)) == 5
    assert len(records(parsed, prov_model.ProvActivity)) == 3
    # ed-lein, the unknown actor, alice, and bob (declared user and recorder: one agent).
    agents = sorted(ident(a) for a in records(parsed, prov_model.ProvAgent))
    assert agents == ["ja:agent/agent/ed-lein", "ja:agent/unknown", "ja:user/alice", "ja:user/bob"]

    steps = {e["id"]: e for e in graph["edges"]}
    step = {f"ja:step/{i}": e for i, e in steps.items()}
    assert pairs(parsed, prov_model.ProvUsage, "activity", "entity") == sorted(
        (s, version_qname(e["source"])) for s, e in step.items())
    assert pairs(parsed, prov_model.ProvGeneration, "entity", "activity") == sorted(
        (version_qname(e["target"]), s) for s, e in step.items())
    derivations = [dict(r.formal_attributes) for r in records(parsed, prov_model.ProvDerivation)]
    assert sorted((str(d[prov_model.PROV["generatedEntity"]]),
                   str(d[prov_model.PROV["usedEntity"]]),
                   str(d[prov_model.PROV["activity"]])) for d in derivations) == sorted(
        (version_qname(e["target"]), version_qname(e["source"]), s) for s, e in step.items())

    # Declared actor for each step; the recorder as well where it is someone else.
    assert pairs(parsed, prov_model.ProvAssociation, "activity", "agent") == sorted([
        ("ja:step/11111111-1111-4111-8111-111111111111", "ja:agent/unknown"),
        ("ja:step/22222222-2222-4222-8222-222222222222", "ja:agent/agent/ed-lein"),
        ("ja:step/22222222-2222-4222-8222-222222222222", "ja:user/alice"),
        ("ja:step/33333333-3333-4333-8333-333333333333", "ja:user/bob"),
    ])
    delegations = [dict(r.formal_attributes) for r in records(parsed, prov_model.ProvDelegation)]
    assert [(str(d[prov_model.PROV["delegate"]]),
             str(d[prov_model.PROV["responsible"]]),
             str(d[prov_model.PROV["activity"]])) for d in delegations] == [
        ("ja:user/alice", "ja:agent/agent/ed-lein", "ja:step/22222222-2222-4222-8222-222222222222")]

    # Agent kinds.
    by_id = {ident(a): a for a in records(parsed, prov_model.ProvAgent)}
    assert set(by_id["ja:agent/agent/ed-lein"].get_asserted_types()) == {prov_model.PROV["SoftwareAgent"]}
    assert set(by_id["ja:user/alice"].get_asserted_types()) == {prov_model.PROV["Person"]}
    assert not by_id["ja:agent/unknown"].get_asserted_types()

    # Activity attributes: parameters decode back; method, chamber, time, type.
    (append,) = parsed.get_record("ja:step/22222222-2222-4222-8222-222222222222")
    attrs = {str(k): v for k, v in append.attributes}
    assert json.loads(attrs["ja:parameters"]) == NESTED
    assert attrs["ja:method"] == "differential-expression"
    assert attrs["ja:chamber_id"] == CHAMBER
    assert str(attrs["prov:type"]) == "ja:cell_append"
    assert append.get_startTime().isoformat() == "2026-11-25T10:00:00+00:00"
    assert append.get_endTime() == append.get_startTime()
    (fork,) = parsed.get_record("ja:step/11111111-1111-4111-8111-111111111111")
    assert "ja:chamber_id" not in {str(k) for k, _ in fork.attributes}

    # Entity attributes.
    (v3,) = parsed.get_record("ja:version/NB-12%40v3")
    attrs = {str(k): v for k, v in v3.attributes}
    assert attrs["prov:label"] == "DE analysis + volcano plot"
    assert attrs["ja:version_number"] == 3 and attrs["ja:is_latest"] is True
    assert attrs["ja:artifact_id"] == "NB-12" and attrs["ja:content_hash"] == "sha256:" + "ab" * 32
    assert str(attrs["prov:type"]) == "ja:notebook"
    (hyp,) = parsed.get_record("ja:version/HYP-3%40v1")
    assert "ja:content_hash" not in {str(k) for k, _ in hyp.attributes}


def test_prov_output_is_deterministic(graph):
    first = json.dumps(to_prov_json(graph))
    shuffled = copy.deepcopy(graph)
    shuffled["nodes"].reverse()
    shuffled["edges"].reverse()
    assert json.dumps(to_prov_json(shuffled)) == first
    assert json.dumps(to_prov_json(copy.deepcopy(graph))) == first
    assert to_dot(shuffled) == to_dot(graph)


def test_relations_are_anonymous_and_unique(graph):
    doc = to_prov_json(graph)
    ids = [key for kind in RELATIONS for key in doc.get(kind, {})]
    assert len(ids) == len(set(ids)) and all(key.startswith("_:") for key in ids)


HOSTILE_TITLE = 'He said "hi" \\ <script>alert(1)</script>\n{record|field} \\N \\G\r\nend\\'
HOSTILE_IDS = ["ns:a.b", "x.y:z_1", "a%40v1", "a-", "0.:.", "A" * 200]


@pytest.fixture
def hostile():
    nodes = [node(f"{i}@v1", "data:set", HOSTILE_TITLE + i) for i in HOSTILE_IDS]
    edges = [edge(f"e{n}", f"{a}@v1", f"{b}@v1", 'step "quoted" <x>', "persona", "p:1.2", 'u"ser\\',
                  "2026-01-01T00:00:00Z", method="m\n{x}", parameters={"k": HOSTILE_TITLE})
             for n, (a, b) in enumerate(itertools.pairwise(HOSTILE_IDS))]
    return {"root": HOSTILE_IDS[0], "nodes": nodes, "edges": edges}


def test_hostile_strings_still_give_valid_prov(hostile):
    doc = to_prov_json(hostile)
    parsed, again = round_trip(doc)
    same_records(doc, again)
    assert len(records(parsed, prov_model.ProvEntity)) == len(HOSTILE_IDS)
    for i in HOSTILE_IDS:
        (entity,) = parsed.get_record(version_qname(f"{i}@v1"))
        attrs = {str(k): v for k, v in entity.attributes}
        assert attrs["prov:label"] == HOSTILE_TITLE + i and attrs["ja:ref"] == f"{i}@v1"
    # `a%40v1` and `a@v1` must not collide.
    assert version_qname("a%40v1@v1") != version_qname("a@v1@v1")
    step = next(iter(records(parsed, prov_model.ProvActivity)))
    assert json.loads({str(k): v for k, v in step.attributes}["ja:parameters"]) == {"k": HOSTILE_TITLE}


@pytest.mark.parametrize("text", ["NB-12@v3", "ns:a.b@v1", "a%b/c", "-lead", "", "ü€😀", "a b\tc"])
def test_segment_escaping_is_reversible_and_qname_safe(text):
    escaped = escape_segment(text)
    assert re.fullmatch(r"(?:[A-Za-z0-9_]|%[0-9A-F]{2})(?:[A-Za-z0-9_-]|%[0-9A-F]{2})*|", escaped)
    assert unescape_segment(escaped) == text


def test_empty_graph_gives_valid_empty_documents():
    for graph in ({"root": "NB-1", "nodes": [], "edges": []}, {}):
        doc = to_prov_json(graph)
        assert doc == {"prefix": {"ja": NAMESPACE}}
        parsed, _ = round_trip(doc)
        assert not parsed.get_records()
        tokens = parse_dot(to_dot(graph))
        assert tokens == {"nodes": {}, "edges": []}


# -- DOT -------------------------------------------------------------------------------------

def unescape_label(raw: str) -> str:
    """What Graphviz renders for an escString label (the escapes we emit)."""
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), raw, flags=re.DOTALL)


_TOKEN = re.compile(r'\s+|(?P<q>"(?:[^"\\\n]|\\["\\n])*")|(?P<p>->|[\[\]{};,=])|(?P<w>[A-Za-z_][A-Za-z0-9_]*)')


def tokenize(text: str) -> list[tuple[str, str]]:
    """DOT tokens. Quoted strings are accepted only if they use nothing but the escapes \\" \\\\
    and \\n and contain no raw line break: stricter than Graphviz, so what passes is valid."""
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        assert m and m.end() > pos, f"bad DOT at {pos}: {text[pos:pos + 40]!r}"
        pos = m.end()
        if m.lastgroup:
            out.append((m.lastgroup, m.group(m.lastgroup)))
    return out


def parse_dot(text: str) -> dict:
    """A small parser for the subset of DOT `to_dot` writes; returns decoded nodes and edges."""
    toks = tokenize(text)
    assert toks[:3] == [("w", "digraph"), ("w", "lineage"), ("p", "{")] and toks[-1] == ("p", "}")
    toks, i = toks[3:-1], 0
    nodes, edges = {}, []

    def attr_list(i):
        assert toks[i] == ("p", "["), toks[i]
        i += 1
        attrs = {}
        while toks[i] != ("p", "]"):
            assert toks[i][0] == "w" and toks[i + 1] == ("p", "=") and toks[i + 2][0] == "q", toks[i:i + 3]
            attrs[toks[i][1]] = unescape_label(toks[i + 2][1][1:-1])
            i += 3
            if toks[i] == ("p", ","):
                i += 1
        return attrs, i + 1

    while i < len(toks):
        kind, value = toks[i]
        if kind == "w":
            assert value in ("graph", "node", "edge"), value
            _, i = attr_list(i + 1)
        else:
            assert kind == "q", toks[i]
            name = unescape_label(value[1:-1])
            if toks[i + 1] == ("p", "->"):
                assert toks[i + 2][0] == "q"
                target = unescape_label(toks[i + 2][1][1:-1])
                attrs, i = attr_list(i + 3)
                edges.append((name, target, attrs))
            else:
                attrs, i = attr_list(i + 1)
                assert name not in nodes
                nodes[name] = attrs
        assert toks[i] == ("p", ";"), toks[i]
        i += 1
    return {"nodes": nodes, "edges": edges}


def run_dot(text: str) -> None:
    dot = shutil.which("dot")
    if dot:
        result = subprocess.run([dot, "-Tsvg"], check=False, input=text.encode(), capture_output=True, timeout=60)
        assert result.returncode == 0 and not result.stderr, result.stderr
    try:
        import pydot
    except ImportError:
        return
    (parsed,) = pydot.graph_from_dot_data(text)
    assert parsed.get_name() == "lineage"


def test_dot_of_a_realistic_graph(graph):
    text = to_dot(graph)
    run_dot(text)
    parsed = parse_dot(text)
    assert sorted(parsed["nodes"]) == sorted(n["ref"] for n in graph["nodes"])
    assert parsed["nodes"]["NB-12@v3"]["label"] == "NB-12@v3\nDE analysis + volcano plot"
    assert parsed["nodes"]["HYP-3@v1"]["label"] == "HYP-3@v1"
    labels = {(s, t): a["label"] for s, t, a in parsed["edges"]}
    assert labels == {
        ("NB-12@v1", "NB-12@v2"): "fork\nunknown",
        ("NB-12@v2", "NB-12@v3"): "cell_append\nagent ed-lein\ndifferential-expression",
        ("PAP-7@v1", "HYP-3@v1"): "cite\nuser bob",
    }


def test_dot_survives_hostile_strings(hostile):
    text = to_dot(hostile, max_title=None)
    run_dot(text)
    parsed = parse_dot(text)
    assert sorted(parsed["nodes"]) == sorted(f"{i}@v1" for i in HOSTILE_IDS)
    for i in HOSTILE_IDS:
        # CR LF is folded into one line break; nothing else is lost.
        assert parsed["nodes"][f"{i}@v1"]["label"] == f"{i}@v1\n" + (HOSTILE_TITLE + i).replace("\r\n", "\n")
    assert len(parsed["edges"]) == len(HOSTILE_IDS) - 1
    for _, _, attrs in parsed["edges"]:
        assert attrs["label"] == 'step "quoted" <x>\npersona p:1.2\nm\n{x}'
    # Every quoted string is closed on its own line: one statement per line.
    body = text.splitlines()
    assert body[-1] == "}" and all(line.endswith((";", "{")) for line in body[:-1])


def test_dot_string_escapes():
    assert dot_string('a"b') == r'"a\"b"'
    assert dot_string("a\\b") == r'"a\\b"'
    assert dot_string("a\nb\r\nc\rd") == r'"a\nb\nc\nd"'
    assert dot_string("\\") == r'"\\"'
    assert dot_string("x\x00y\x1b") == '"x y "'
    assert dot_string("<b>{x}</b>") == '"<b>{x}</b>"'


def test_long_titles_are_shortened_in_dot_only(graph):
    graph["nodes"][0]["title"] = "t" * 500
    label = parse_dot(to_dot(graph))["nodes"]["NB-12@v1"]["label"]
    assert label == "NB-12@v1\n" + "t" * 79 + "\u2026"
    assert to_prov_json(graph)["entity"]["ja:version/NB-12%40v1"]["prov:label"] == "t" * 500
