"""content_hash covers values exactly as PostgreSQL's jsonb stores and returns them."""

from __future__ import annotations

import hashlib
import json

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.types.json import Jsonb

from jupyter_artifacts.errors import Invalid
from jupyter_artifacts.hashing import NotebookHasher, canonical_text, content_hash, normalize_json, notebook_hash

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(st.characters(exclude_categories=["Cs"],
                                                                               exclude_characters="\x00")),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=8),
        children, max_size=4),
    max_leaves=20)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=json_values)
def test_normalised_value_is_what_jsonb_returns(database_url, value):
    with psycopg.connect(database_url) as conn:
        back = conn.execute("SELECT %s::jsonb AS v", (Jsonb(value),)).fetchone()[0]
    norm = normalize_json(value)
    dump = lambda v: json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)  # noqa: E731
    assert dump(norm) == dump(back)


def test_hash_formula():
    payload = {"artifact_type": "paper", "title": "Ü", "metadata": {"b": 1, "a": [1.5]}, "content": None}
    text = '{"artifact_type":"paper","content":null,"metadata":{"a":[1.5],"b":1},"title":"Ü"}'
    assert content_hash(**payload) == "sha256:" + hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "a\x00b", "\ud800", {1: "x"}, {"k": object()}])
def test_values_jsonb_cannot_hold_are_refused(bad):
    with pytest.raises(Invalid):
        normalize_json({"v": bad} if not isinstance(bad, dict) else bad)


cell_texts = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=30)


@settings(max_examples=200, deadline=None)
@given(title=cell_texts, metadata=st.dictionaries(cell_texts, json_values, max_size=3),
       nb_metadata=st.dictionaries(cell_texts, json_values, max_size=3),
       sources=st.lists(cell_texts, max_size=6), start=st.integers(min_value=0, max_value=6))
def test_notebook_hasher_appends_give_the_hash_of_the_whole(title, metadata, nb_metadata, sources, start):
    """A version's hash built cell by cell from an earlier version's state (as an append does)
    is content_hash of the whole notebook, byte for byte, at every step."""
    metadata, nb_metadata = normalize_json(metadata), normalize_json(nb_metadata)
    cells = [{"id": f"c{i}", "cell_type": "code", "metadata": {"n": i}, "source": s, "outputs": [],
              "execution_count": None} for i, s in enumerate(sources)]
    skeleton = {"nbformat": 4, "nbformat_minor": 5, "metadata": nb_metadata}
    first = min(start, len(cells))
    hasher = NotebookHasher(title, metadata, skeleton, ",".join(canonical_text(c) for c in cells[:first]))
    assert hasher.digest == content_hash("notebook", title, metadata, {**skeleton, "cells": cells[:first]})
    for i in range(first, len(cells)):
        before = hasher.digest
        hasher = hasher.plus(canonical_text(cells[i]))
        assert hasher.digest == content_hash("notebook", title, metadata, {**skeleton, "cells": cells[:i + 1]})
        assert notebook_hash(title, metadata, skeleton, ",".join(canonical_text(c) for c in cells[:i + 1])) \
            == hasher.digest != before
