"""Export a lineage graph (the JSON of the lineage API) as W3C PROV-JSON or Graphviz DOT.

Pure functions over the graph dict: no database, no I/O, and no dependency on the `prov`
package (the tests use it to prove the output valid).

PROV mapping (prefix ``ja``, :data:`NAMESPACE`):

- each version is an entity ``ja:version/<ref>``;
- each step (edge) is an activity ``ja:step/<edge id>`` that ``used`` its source version, by
  which its target ``wasGeneratedBy``, and the target ``wasDerivedFrom`` the source through it;
- the declared actor is an agent ``ja:agent/<actor_type>/<actor_id>`` (``ja:agent/unknown`` for
  an unknown actor without id; a declared ``user`` actor is ``ja:user/<id>``, the same agent as
  a recorder of that name), and the recorder (the authenticated Jupyter user) is
  ``ja:user/<name>``; the activity ``wasAssociatedWith`` both, and the recorder
  ``actedOnBehalfOf`` the declared actor for that activity.

Local parts are built from segments joined by ``/``; each segment is percent-encoded (UTF-8)
except for ASCII letters, digits, ``_`` and ``-`` (a leading ``-`` is encoded too), so
``NB-12@v3`` is ``NB-12%40v3`` and ``ns:a.b`` is ``ns%3Aa%2Eb``. Since ``%`` and ``/`` are
themselves encoded inside a segment, the mapping is injective and :func:`unescape_segment`
reverses it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from . import json_limits

NAMESPACE = "https://jupyter-artifacts.invalid/ns#"
PREFIX = "ja"

_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_QNAME_TYPE = "xsd:QName"  # how `prov` itself writes a qualified-name value in PROV-JSON


# -- qualified names -------------------------------------------------------------------------

def escape_segment(text: str) -> str:
    """Percent-encode every character of `text` but ASCII letters, digits, `_` and `-`
    (a leading `-` is encoded as well: a PROV-N local part cannot start with one)."""
    out = []
    for i, char in enumerate(str(text)):
        if char in _SAFE and not (i == 0 and char == "-"):
            out.append(char)
        else:
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass"))
    return "".join(out)


def unescape_segment(segment: str) -> str:
    """The inverse of :func:`escape_segment`."""
    from urllib.parse import unquote

    return unquote(segment, encoding="utf-8", errors="surrogatepass")


def qname(*segments: str) -> str:
    """`ja:<seg>/<seg>/...`, each segment escaped."""
    return f"{PREFIX}:" + "/".join(escape_segment(s) for s in segments)


def version_qname(ref: str) -> str:
    return qname("version", ref)


def step_qname(step_id: str) -> str:
    return qname("step", step_id)


def user_qname(name: str) -> str:
    return qname("user", name)


def actor_qname(actor_type: str | None, actor_id: str | None) -> str:
    actor_type = _text(actor_type) or "unknown"
    actor_id = _text(actor_id)
    if actor_type == "user" and actor_id:
        return user_qname(actor_id)
    return qname("agent", actor_type, actor_id) if actor_id else qname("agent", actor_type)


# -- helpers ---------------------------------------------------------------------------------

def _text(value: Any) -> str | None:
    """`value` as a non-empty string, or None."""
    if value is None:
        return None
    value = str(value)
    return value or None


def _sort_key(*values: Any) -> tuple:
    return tuple("" if v is None else str(v) for v in values)


def _qname_value(name: str) -> dict:
    return {"$": name, "type": _QNAME_TYPE}


def _time(value: Any) -> str | None:
    """An ISO 8601 timestamp as xsd:dateTime text, or None if it does not parse."""
    if isinstance(value, datetime):
        return value.isoformat()
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat()
    except ValueError:
        return None


def _nodes(graph: dict) -> list[dict]:
    """The graph's nodes plus a bare node for any edge endpoint that has none, sorted."""
    nodes: dict[str, dict] = {}
    for node in graph.get("nodes") or []:
        ref = _text(node.get("ref"))
        if ref is not None and ref not in nodes:
            nodes[ref] = node
    for edge in graph.get("edges") or []:
        for end in ("source", "target"):
            ref = _text(edge.get(end))
            if ref is not None and ref not in nodes:
                nodes[ref] = {"ref": ref}

    def key(node: dict) -> tuple:
        number = node.get("version_number")
        number = number if isinstance(number, int) and not isinstance(number, bool) else -1
        return (str(node.get("artifact_id") or node["ref"]), number, node["ref"])

    return sorted(nodes.values(), key=key)


def _step_id(edge: dict) -> str:
    step_id = _text(edge.get("id"))
    if step_id is not None:
        return step_id
    # No id (not what the API returns): derive a stable one from the edge's content.
    import hashlib

    digest = hashlib.sha256(json.dumps(edge, sort_keys=True, default=str).encode()).hexdigest()
    return f"anon-{digest[:32]}"


def _edges(graph: dict) -> list[dict]:
    return sorted(graph.get("edges") or [], key=lambda e: _sort_key(
        e.get("created_at"), _step_id(e), e.get("source"), e.get("target")))


# -- PROV-JSON -------------------------------------------------------------------------------

def to_prov_json(graph: dict) -> dict:
    """The graph as a W3C PROV-JSON document: versions as entities, steps as activities with
    used (activity used its source version) / wasGeneratedBy (target generated by the activity),
    wasDerivedFrom (target from source, naming the activity), declared actors and recorders as agents,
    wasAssociatedWith (activity, declared actor; and the recorder), actedOnBehalfOf (the recorder,
    i.e. the authenticated Jupyter user who made the call, acted on behalf of the declared actor)."""
    entities: dict[str, dict] = {}
    activities: dict[str, dict] = {}
    agents: dict[str, dict] = {}
    relations: dict[str, dict[str, dict]] = {
        kind: {} for kind in ("used", "wasGeneratedBy", "wasDerivedFrom",
                              "wasAssociatedWith", "actedOnBehalfOf")}
    counter = 0

    def relation(kind: str, attrs: dict) -> None:
        nonlocal counter
        counter += 1
        relations[kind][f"_:id{counter}"] = attrs

    root = _text(graph.get("root"))
    for node in _nodes(graph):
        ref = node["ref"]
        attrs: dict[str, Any] = {}
        artifact_type = _text(node.get("artifact_type"))
        if artifact_type:
            attrs["prov:type"] = _qname_value(qname(artifact_type))
            attrs[f"{PREFIX}:artifact_type"] = artifact_type
        title = _text(node.get("title"))
        attrs["prov:label"] = title or ref
        attrs[f"{PREFIX}:ref"] = ref
        if _text(node.get("artifact_id")):
            attrs[f"{PREFIX}:artifact_id"] = str(node["artifact_id"])
        if isinstance(node.get("version_number"), int) and not isinstance(node["version_number"], bool):
            attrs[f"{PREFIX}:version_number"] = node["version_number"]
        if title:
            attrs[f"{PREFIX}:title"] = title
        if _text(node.get("content_hash")):
            attrs[f"{PREFIX}:content_hash"] = str(node["content_hash"])
        if isinstance(node.get("is_latest"), bool):
            attrs[f"{PREFIX}:is_latest"] = node["is_latest"]
        if root is not None and node.get("artifact_id") == root:
            attrs[f"{PREFIX}:is_root"] = True
        entities[version_qname(ref)] = attrs

    for edge in _edges(graph):
        step = step_qname(_step_id(edge))
        source = _text(edge.get("source"))
        target = _text(edge.get("target"))
        step_type = _text(edge.get("step_type"))
        when = _time(edge.get("created_at"))

        attrs = {}
        if when:
            # The API records a step once it is done: an instant, as far as we know.
            attrs["prov:startTime"] = when
            attrs["prov:endTime"] = when
        if step_type:
            attrs["prov:type"] = _qname_value(qname(step_type))
            attrs["prov:label"] = step_type
            attrs[f"{PREFIX}:step_type"] = step_type
        attrs[f"{PREFIX}:step_id"] = _step_id(edge)
        for key in ("method", "chamber_id", "actor_type", "actor_id", "recorded_by"):
            if _text(edge.get(key)):
                attrs[f"{PREFIX}:{key}"] = str(edge[key])
        if edge.get("parameters") is not None:
            attrs[f"{PREFIX}:parameters"] = json_limits.dumps(
                edge["parameters"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        if step in activities:  # a repeated edge id: keep the first (they are sorted)
            continue
        activities[step] = attrs

        if source:
            relation("used", {"prov:activity": step, "prov:entity": version_qname(source),
                              **({"prov:time": when} if when else {})})
        if target:
            relation("wasGeneratedBy", {"prov:entity": version_qname(target), "prov:activity": step,
                                        **({"prov:time": when} if when else {})})
        if source and target:
            relation("wasDerivedFrom", {"prov:generatedEntity": version_qname(target),
                                        "prov:usedEntity": version_qname(source),
                                        "prov:activity": step})

        actor_type = _text(edge.get("actor_type")) or "unknown"
        actor_id = _text(edge.get("actor_id"))
        actor = actor_qname(actor_type, actor_id)
        if actor not in agents:
            agents[actor] = _actor_attrs(actor_type, actor_id)
        relation("wasAssociatedWith", {"prov:activity": step, "prov:agent": actor,
                                       "prov:role": _qname_value(qname("role", "declared_actor"))})

        recorder = _text(edge.get("recorded_by"))
        if recorder:
            user = user_qname(recorder)
            if user not in agents:
                agents[user] = {"prov:type": _qname_value("prov:Person"), "prov:label": recorder,
                                f"{PREFIX}:username": recorder}
            if user != actor:
                relation("wasAssociatedWith", {"prov:activity": step, "prov:agent": user,
                                               "prov:role": _qname_value(qname("role", "recorder"))})
                relation("actedOnBehalfOf", {"prov:delegate": user, "prov:responsible": actor,
                                             "prov:activity": step})

    doc: dict[str, Any] = {"prefix": {PREFIX: NAMESPACE}}
    for kind, records in (("entity", entities), ("activity", activities), ("agent", agents)):
        if records:
            doc[kind] = {key: records[key] for key in sorted(records)}
    for kind, records in relations.items():
        if records:
            doc[kind] = records
    return doc


def _actor_attrs(actor_type: str, actor_id: str | None) -> dict:
    attrs: dict[str, Any] = {}
    if actor_type in ("agent", "persona"):
        attrs["prov:type"] = _qname_value("prov:SoftwareAgent")
    elif actor_type == "user":
        attrs["prov:type"] = _qname_value("prov:Person")
    attrs["prov:label"] = f"{actor_type} {actor_id}" if actor_id else f"{actor_type} actor"
    attrs[f"{PREFIX}:actor_type"] = actor_type
    if actor_id:
        attrs[f"{PREFIX}:actor_id"] = actor_id
    return attrs


# -- DOT -------------------------------------------------------------------------------------

def dot_string(text: str) -> str:
    """`text` as a double-quoted DOT string whose label rendering is `text` itself.

    Backslashes and quotes are escaped, line breaks become the `\\n` label escape (a lone
    CR is folded into it), and other control characters become spaces, so no input can
    close the string, start a line continuation or inject an escString like `\\N` or `\\G`."""
    text = str(text).replace("\r\n", "\n").replace("\r", "\n")
    out = ['"']
    for char in text:
        if char == "\\":
            out.append("\\\\")
        elif char == '"':
            out.append('\\"')
        elif char == "\n":
            out.append("\\n")
        elif ord(char) < 32 or ord(char) == 127 or 0xD800 <= ord(char) <= 0xDFFF:
            out.append(" ")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _attrs(attrs: dict[str, str]) -> str:
    return ", ".join(f"{key}={dot_string(value)}" for key, value in attrs.items())


def _shorten(text: str, limit: int | None) -> str:
    if limit is None or len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + "\u2026"


def to_dot(graph: dict, *, max_title: int | None = 80) -> str:
    """Graphviz DOT: versions as nodes (label: ref + title), steps as edges labelled with step_type,
    actor and method. Every string properly escaped (titles may contain quotes, backslashes, newlines,
    `<`, `>`, `{`, `}`); valid DOT even for hostile titles.

    Titles longer than `max_title` characters are shortened with an ellipsis (None: never)."""
    root = _text(graph.get("root"))
    lines = [
        "digraph lineage {",
        '  graph [rankdir="LR", charset="UTF-8"];',
        '  node [shape="box", style="rounded", fontname="Helvetica"];',
        '  edge [fontname="Helvetica", fontsize="10"];',
    ]
    for node in _nodes(graph):
        ref = node["ref"]
        title = _text(node.get("title"))
        label = f"{ref}\n{_shorten(title, max_title)}" if title else ref
        attrs = {"label": label}
        tooltip = [ref]
        if _text(node.get("artifact_type")):
            tooltip.append(str(node["artifact_type"]))
        if _text(node.get("content_hash")):
            tooltip.append(str(node["content_hash"]))
        attrs["tooltip"] = "\n".join(tooltip)
        if root is not None and node.get("artifact_id") == root:
            attrs["penwidth"] = "2"
        if node.get("is_latest") is False:
            attrs["color"] = "gray50"
        lines.append(f"  {dot_string(ref)} [{_attrs(attrs)}];")
    for edge in _edges(graph):
        source, target = _text(edge.get("source")), _text(edge.get("target"))
        if not source or not target:
            continue
        actor_type = _text(edge.get("actor_type")) or "unknown"
        actor_id = _text(edge.get("actor_id"))
        label = [_text(edge.get("step_type")) or "step",
                 f"{actor_type} {actor_id}" if actor_id else actor_type]
        if _text(edge.get("method")):
            label.append(str(edge["method"]))
        attrs = {"label": "\n".join(label)}
        recorder = _text(edge.get("recorded_by"))
        tooltip = [label[0], f"recorded by {recorder}" if recorder else "recorder unknown"]
        if _text(edge.get("created_at")):
            tooltip.append(str(edge["created_at"]))
        attrs["tooltip"] = "\n".join(tooltip)
        lines.append(f"  {dot_string(source)} -> {dot_string(target)} [{_attrs(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
