import pytest

from jupyter_artifacts.errors import Invalid
from jupyter_artifacts.refs import Ref, parse_bare, parse_ref, parse_version_number, version_row_id


@pytest.mark.parametrize("text,ref", [
    ("NB-12", Ref("NB-12")), ("NB-12@v3", Ref("NB-12", 3)), ("a3c1e0f2-0000-4000-8000-000000000002",
                                                              Ref("a3c1e0f2-0000-4000-8000-000000000002")),
    ("x.y:z_1", Ref("x.y:z_1")), ("a" * 200, Ref("a" * 200)),
])
def test_valid_refs(text, ref):
    assert parse_ref(text) == ref and str(ref) == text


@pytest.mark.parametrize("text", ["", "../x", "a/b", "a'b", '"a"', "a" * 201, "@v1", "a@v", "a@vx", "a@v0",
                                  "-a", ".a", "a b", "a@v1@v2", "ü"])
def test_invalid_refs(text):
    with pytest.raises(Invalid) as e:
        parse_ref(text)
    assert e.value.message.endswith(".") or e.value.message.endswith(")")


def test_write_paths_refuse_pinned_versions():
    assert parse_bare("H-1") == Ref("H-1")
    with pytest.raises(Invalid, match="parent_version"):
        parse_bare("H-1@v2")


def test_version_numbers_and_row_ids():
    assert parse_version_number("3") == 3 and parse_version_number("v3") == 3
    for bad in ("0", "-1", "x", "", "1.5"):
        with pytest.raises(Invalid):
            parse_version_number(bad)
    assert version_row_id("H", 1) == "H" and version_row_id("H", 2) == "H@v2"
