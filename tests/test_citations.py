"""Citations in debate rounds: token scanning and the reference rule (jupyter_artifacts/citations.py)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jupyter_artifacts.citations import (
    Citation,
    Mention,
    candidate_ids,
    cite,
    resolve_mentions,
    scan,
)

VERSIONS = {("NB-12", 1), ("NB-12", 2), ("NB-12", 3), ("NB-1", 1), ("H-7", 1), ("x.y:z_1", 4)}
PINNED = {"NB-12": 2, "H-7": 1}


def version_exists(artifact_id, n):
    return (artifact_id, n) in VERSIONS


def pinned_version(artifact_id):
    return PINNED.get(artifact_id)


def refs(text, role="output"):
    return [(c.artifact_id, c.version_number, c.cited_at_offset_chars)
            for c in cite(text, role, version_exists=version_exists, pinned_version=pinned_version)]


def tokens(text):
    return [(m.artifact_id, m.version_number, m.offset) for m in scan(text)]


def test_ref_at_offset_zero_and_whole_text():
    assert tokens("NB-12@v3") == [("NB-12", 3, 0)]
    assert refs("NB-12@v3") == [("NB-12", 3, 0)]
    assert refs("NB-12") == [("NB-12", 2, 0)]  # bare pinned id -> the pinned version


def test_citation_fields_and_roles():
    got = cite("use NB-12@v1", "input", version_exists=version_exists, pinned_version=pinned_version)
    assert got == [Citation(artifact_id="NB-12", version_number=1, role="input", cited_at_offset_chars=4)]
    for role in ("input", "output", "evidence"):
        assert cite("H-7", role, version_exists=version_exists, pinned_version=pinned_version)[0].role == role
    with pytest.raises(ValueError, match="role"):
        cite("H-7", "quote", version_exists=version_exists, pinned_version=pinned_version)


@pytest.mark.parametrize("text,offset", [
    ("**NB-12@v3**", 2),
    ("[NB-12@v3](x)", 1),
    ("see NB-12@v3, then", 4),
    ("It is in NB-12@v3.", 9),
    ("(NB-12@v3)", 1),
    ('"NB-12@v3"', 1),
    ("'NB-12@v3'", 1),
    ("`NB-12@v3`", 1),
    ("see (-NB-12@v3)", 6),     # leading '-' of the run is skipped
    ("--NB-12@v3", 2),
    ("..NB-12@v3", 2),
    ("__NB-12@v3", 2),          # '_' cannot start a token either
    (":NB-12@v3;", 1),
    ("NB-12@v3: done", 0),
    ("NB-12@v3...", 0),
    ("<b>NB-12@v3</b>", 3),     # '/' and '<' are outside the class
    ("line\nNB-12@v3\n", 5),
    ("tab\tNB-12@v3", 4),
])
def test_version_refs_inside_punctuation_and_markdown(text, offset):
    assert refs(text) == [("NB-12", 3, offset)]


@pytest.mark.parametrize("text,token", [
    ("NB-12.", "NB-12"), ("NB-12:", "NB-12"), ("NB-12-", "NB-12"), ("NB-12.:-", "NB-12"),
    ("NB-12...", "NB-12"), ("NB-12_", "NB-12_"),  # '_' is not trimmed
    ("x.y:z_1.", "x.y:z_1"),
])
def test_trailing_trimming(text, token):
    assert tokens(text) == [(token, None, 0)]


def test_trimmed_token_is_not_followed_by_its_version():
    # `NB-12.@v3`: the token (after trimming) is `NB-12`, followed by `.@v3`, not by `@v3`: no version
    # reference; it is still a bare token, so the pinned-id rule applies.
    assert tokens("NB-12.@v3") == [("NB-12", None, 0)]
    assert refs("NB-12.@v3") == [("NB-12", 2, 0)]
    assert refs("NB-1.@v1") == []  # NB-1 not pinned
    assert refs("NB-12-@v1 NB-12:@v1") == [("NB-12", 2, 0), ("NB-12", 2, 10)]


def test_version_suffix_is_not_a_token_of_its_own():
    assert tokens("NB-12@v3") == [("NB-12", 3, 0)]  # no `v3`
    assert tokens("NB-12.@v3 x") == [("NB-12", None, 0), ("x", None, 10)]
    assert tokens("NB-12@v3@v4") == [("NB-12", 3, 0), ("v4", None, 9)]  # only one suffix per token


@pytest.mark.parametrize("text,expected", [
    ("NB-12@v3x", [("NB-12", 3, 0)]),       # digits are taken maximally; what follows doesn't matter
    ("NB-12@v3.5", [("NB-12", 3, 0)]),
    ("NB-12@v03", [("NB-12", 3, 0)]),       # leading zeros: as refs.parse_ref
    ("NB-12@v0", [("NB-12", 0, 0)]),        # scanned, but version 0 never exists
    ("NB-12@v", [("NB-12", None, 0), ("v", None, 6)]),
    ("NB-12@vx", [("NB-12", None, 0), ("vx", None, 6)]),
    ("NB-12@V3", [("NB-12", None, 0), ("V3", None, 6)]),   # `@v` is lowercase
    ("NB-12 @v3", [("NB-12", None, 0), ("v3", None, 7)]),  # must follow immediately
    ("NB-12@v١", [("NB-12", None, 0), ("v", None, 6)]),    # ASCII digits only
])
def test_version_suffix_forms(text, expected):
    assert tokens(text) == expected


def test_too_many_version_digits_is_skipped_not_bare():
    assert tokens("NB-12@v1234567890 H-7") == [("H-7", None, 18)]
    assert tokens("NB-12@v" + "9" * 5000) == []  # no int() blow-up on huge digit runs
    assert tokens("NB-12@v999999999") == [("NB-12", 999999999, 0)]
    assert tokens("NB-12.@v1234567890") == [("NB-12", None, 0)]  # not a version suffix of NB-12 at all


def test_unknown_ids_and_unknown_versions_are_ignored():
    assert refs("see ZZ-1 and ZZ-1@v1") == []
    assert refs("NB-1") == []             # exists, but not pinned
    assert refs("NB-1@v1") == [("NB-1", 1, 0)]
    # @v99 does not exist: ignored, and it does NOT fall back to the pinned version.
    assert refs("NB-12@v99") == []
    assert refs("NB-12@v99 NB-12") == [("NB-12", 2, 10)]


def test_ids_that_are_prefixes_of_others():
    assert tokens("NB-12") == [("NB-12", None, 0)]
    assert refs("NB-12@v1") == [("NB-12", 1, 0)]
    assert refs("NB-123@v1 NB-12x NB-1.2") == []  # neither NB-1 nor NB-12 inside longer tokens
    assert refs("NB-1@v1 NB-12@v1") == [("NB-1", 1, 0), ("NB-12", 1, 8)]


@pytest.mark.parametrize("text,offset", [
    ("αβγ NB-12@v3", 4),
    ("🔗 NB-12@v3", 2),       # an astral-plane emoji is ONE Python character
    ("🔗NB-12@v3", 1),
    ("👩‍🔬 NB-12@v3", 4),      # ZWJ sequence: three code points
    ("日本語NB-12@v3", 3),
    ("éNB-12@v3", 1),         # non-ASCII letters are outside the class and never part of a token
    ("NB-12@v3", 0),
])
def test_offsets_are_code_points(text, offset):
    assert refs(text) == [("NB-12", 3, offset)]
    assert text[offset:offset + 5] == "NB-12"


def test_emails_and_at_signs_are_not_version_refs():
    assert tokens("a@b.com") == [("a", None, 0), ("b.com", None, 2)]
    assert tokens("x@v") == [("x", None, 0), ("v", None, 2)]
    assert refs("mail NB-12@example.org or x@v") == [("NB-12", 2, 5)]  # bare NB-12 (pinned), no version
    assert refs("me@v.example.com") == []


def test_hyphenated_words_and_plain_prose():
    assert tokens("a well-known state-of-the-art H-7-based idea.") == [
        ("a", None, 0), ("well-known", None, 2), ("state-of-the-art", None, 13), ("H-7-based", None, 30),
        ("idea", None, 40)]
    assert refs("a well-known H-7-based idea -- H-7 -- re-run") == [("H-7", 1, 31)]


def test_long_tokens_are_skipped():
    long_id = "a" * 200
    assert tokens(long_id) == [(long_id, None, 0)]
    assert tokens("a" * 201 + " H-7") == [("H-7", None, 202)]
    assert tokens("a" * 201 + "@v1 H-7") == [("H-7", None, 205)]
    assert tokens("a" * 200 + "...") == [(long_id, None, 0)]  # length counted after trimming


def test_empty_and_token_free_texts():
    assert scan("") == []
    assert scan("  ... --- ::: ___ !? 🔗 ") == []


def test_scan_returns_mentions_in_order_and_candidate_ids():
    ms = scan("NB-12@v1 then H-7, NB-12 and NB-12@v3")
    assert ms == [Mention("NB-12", 1, 0), Mention("then", None, 9), Mention("H-7", None, 14),
                  Mention("NB-12", None, 19), Mention("and", None, 25), Mention("NB-12", 3, 29)]
    assert candidate_ids(ms) == {"NB-12", "then", "H-7", "and"}
    got = resolve_mentions(ms, "evidence", version_exists=version_exists, pinned_version=pinned_version)
    assert [(c.artifact_id, c.version_number, c.cited_at_offset_chars) for c in got] == [
        ("NB-12", 1, 0), ("H-7", 1, 14), ("NB-12", 2, 19), ("NB-12", 3, 29)]


def test_callbacks_are_only_asked_about_the_kind_of_mention_they_answer():
    asked_versions, asked_pins = [], []

    def ve(a, n):
        asked_versions.append((a, n))
        return True

    def pv(a):
        asked_pins.append(a)

    resolve_mentions(scan("A@v1 B C@v2"), "output", version_exists=ve, pinned_version=pv)
    assert asked_versions == [("A", 1), ("C", 2)] and asked_pins == ["B"]


def test_one_megabyte_of_prose():
    # Correctness on a large text; its speed is a figure of benchmarks/citations.py, not a test.
    chunk = "In **NB-12@v3**, see (H-7) and a@b.com -- état 🔗 NB-1@v1. "
    text = chunk * (1_000_000 // len(chunk) + 1)
    assert len(text) >= 1_000_000
    got = cite(text, "output", version_exists=version_exists, pinned_version=pinned_version)
    assert len(got) == 3 * (len(text) // len(chunk))
    assert [(c.artifact_id, c.version_number, c.cited_at_offset_chars) for c in got[-3:]] == [
        ("NB-12", 3, len(text) - len(chunk) + chunk.index("NB-12")),
        ("H-7", 1, len(text) - len(chunk) + chunk.index("H-7")),
        ("NB-1", 1, len(text) - len(chunk) + chunk.index("NB-1@v1"))]


@pytest.mark.parametrize("text, expected", [
    ("a" * 1_000_000 + "@v1", []),  # one run over 200 characters: never an id
    ("-" * 1_000_000 + "NB-12", [("NB-12", None, 1_000_000)]),
    ("a." * 500_000 + "@v1", []),
    ("NB-12@v" + "1" * 1_000_000, []),  # more than 9 digits never names a version
    ("a" * 1_000_000 + "@v1" + "b" * 1_000_000, []),
])
def test_one_megabyte_pathological_runs(text, expected):
    # The regex's worst cases (huge runs, runs that cannot start a token, trimming) give the
    # rule's answer; benchmarks/citations.py shows they scan in linear time (a backtracking
    # regex would take hours here, and the suite's timeout would stop it).
    assert tokens(text) == expected


def test_densest_megabyte():
    n = 500_000
    got = scan("a@" * n)
    assert len(got) == n
    assert got[0] == Mention("a", None, 0) and got[-1] == Mention("a", None, 2 * (n - 1))


# --- property: ids inserted at known offsets are found at exactly those offsets ---------------------

IDS = ["NB-12", "NB-1", "NB-123", "H-7", "x.y:z_1", "a3c1e0f2-0000-4000-8000-000000000002", "Z", "9"]
# Characters outside the token class (and not '@'), including non-ASCII letters and astral emoji.
SEPARATOR_CHARS = " \t\n,;!?()[]{}<>*\"'`/\\|#=+~%&^$éßαβ日本🔗👩\u200d🔬"
words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8).filter(lambda w: w not in IDS)
mentions_st = st.tuples(st.sampled_from(IDS), st.one_of(st.none(), st.integers(0, 999_999_999)))
fragments = st.lists(st.one_of(mentions_st, words), min_size=1, max_size=20)


@st.composite
def texts(draw):
    parts, expected = [], []
    pos = 0
    for frag in draw(fragments):
        # Before a token: separator chars, then maybe characters that cannot start a token.
        sep = draw(st.text(alphabet=SEPARATOR_CHARS, min_size=1, max_size=4))
        sep += draw(st.text(alphabet="._:-", max_size=3))
        parts.append(sep)
        pos += len(sep)
        if isinstance(frag, str):
            expected.append((frag, None, pos))
            piece = frag
        else:
            artifact_id, n = frag
            expected.append((artifact_id, n, pos))
            piece = artifact_id if n is None else f"{artifact_id}@v{n}"
        if frag is not None and (isinstance(frag, str) or frag[1] is None):
            piece += draw(st.text(alphabet=".:-", max_size=3))  # trimmed trailing punctuation
        parts.append(piece)
        pos += len(piece)
    parts.append(draw(st.text(alphabet=SEPARATOR_CHARS, max_size=3)))
    return "".join(parts), expected


@settings(max_examples=300, deadline=None)
@given(texts())
def test_property_inserted_ids_found_at_their_offsets(case):
    text, expected = case
    assert tokens(text) == expected
    for artifact_id, _, offset in expected:
        assert text[offset:offset + len(artifact_id)] == artifact_id


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_property_any_text(text):
    for m in scan(text):
        assert 1 <= len(m.artifact_id) <= 200
        assert text.startswith(m.artifact_id, m.offset)
        assert m.artifact_id[0].isascii() and m.artifact_id[0].isalnum()
        assert m.artifact_id[-1] not in ".:-"
        if m.version_number is not None:
            assert text.startswith(f"{m.artifact_id}@v", m.offset)
    offsets = [m.offset for m in scan(text)]
    assert offsets == sorted(set(offsets))
