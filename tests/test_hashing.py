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
from jupyter_artifacts.hashing import content_hash, normalize_json

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
