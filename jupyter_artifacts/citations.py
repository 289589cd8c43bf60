"""Citations in debate rounds (API.md, debate rounds): find artifact references in free text.

The contract: a round's `prompt` (role `input`) and `content` (role `output`) are scanned for tokens:
a token is a maximal run of `[A-Za-z0-9._:-]` starting with a letter or digit, with trailing `.`, `:`
and `-` dropped. A token followed by `@v<digits>` that names an existing version is a reference to it;
a token equal to the id of an artifact pinned in the debate's chamber is a reference to the pinned
version; anything else is ignored. The offset is the token's character (not byte) offset in that text.

This module is pure: `scan` finds the tokens, `resolve_mentions` applies the rule with the lookups
injected as plain callables (the caller pre-fetches `candidate_ids(mentions)` in one query).

Reading of the rule, decided here (each has a test in tests/test_citations.py):

* Leading characters of a run that cannot start a token (`.`, `_`, `:`, `-`) are skipped: the token
  starts at the first letter or digit of the run and extends to the run's end. So `(-NB-12@v3)`,
  `--NB-12@v3`, `_NB-12` and `..NB-12` all yield `NB-12`, at the offset of its `N`. (The other
  reading, "such a run is no token at all", would lose `--NB-12@v3`.) Only ASCII letters and digits
  count: `éNB-12` yields `NB-12` (é ends nothing, it just is not part of any run).
* Trailing `.`, `:` and `-` are dropped repeatedly (`NB-12.:-` -> `NB-12`); `_` is kept.
* `@v<digits>` (ASCII digits, taken maximally) must follow the token exactly as written, i.e. the run
  must end right before the `@` with nothing trimmed. `NB-12@v3.` is version 3 of `NB-12`;
  `NB-12.@v3` is the bare token `NB-12` (the token is followed by `.@v3`, not by `@v3`).
* What follows the digits does not matter: `NB-12@v3x` and `NB-12@v3.5` are version 3. The whole
  `@v<digits>...` suffix (up to the end of its run) is part of the reference and is not scanned for
  tokens of its own, so `NB-12@v3` does not also yield a token `v3`. That holds for `NB-12.@v3` too.
* `@v` without digits is no version suffix: `x@v` yields the bare tokens `x` and `v`; an email
  `a@b.com` yields the bare tokens `a` and `b.com` (ignored unless such ids are pinned).
* Leading zeros are allowed (`@v03` is version 3, as in refs.parse_ref); `@v0` is scanned as version 0
  (which never exists). More than 9 digits can never name a version (refs.py caps version numbers at
  9 digits), so such a mention is skipped entirely, like a token over 200 characters.
* A version mention whose version does not exist is ignored: it does NOT fall back to the bare-id
  (pinned) rule -- "a token followed by @v<digits> that names an existing version" is the only way it
  can count, anything else is ignored.
* Ids that are prefixes of others never match inside them: runs are maximal, so `NB-12` is one token
  and `NB-1` is not found in it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

ROLES = ("input", "output", "evidence")
MAX_ID_LENGTH = 200
MAX_VERSION_DIGITS = 9

# A run that starts at its first letter or digit (skipping the run's leading `._:-`, which the regex
# search passes over since they cannot match the first class), then an optional `@v<digits>` suffix
# with the rest of its run. `@` is outside the run class, so the greedy run cannot backtrack into it:
# matching is linear in the text.
_TOKEN = re.compile(
    r"([A-Za-z0-9][A-Za-z0-9._:-]*)"  # group 1: the run, from its first letter or digit
    r"(?:@v([0-9]+)[A-Za-z0-9._:-]*)?"  # group 2: the digits of `@v<digits>`, if the run is followed by it
)
_TRAILING = ".:-"


@dataclass(frozen=True)
class Mention:
    artifact_id: str
    version_number: int | None  # N of @vN, or None for a bare id
    offset: int  # character offset of the token in the text


@dataclass(frozen=True)
class Citation:
    artifact_id: str
    version_number: int
    role: str  # "input" | "output" | "evidence"
    cited_at_offset_chars: int


def scan(text: str) -> list[Mention]:
    """Every token of `text` (with its @vN when one follows), in order of appearance. Tokens that can
    never be artifact ids (over 200 chars) are skipped."""
    mentions: list[Mention] = []
    append = mentions.append
    for m in _TOKEN.finditer(text):
        run, digits = m.groups()
        token = run.rstrip(_TRAILING)
        if digits is None or len(token) != len(run):
            version = None  # bare; or `NB-12.@v3`, where the trimmed token is not followed by `@v3`
        elif len(digits) > MAX_VERSION_DIGITS:
            continue  # can never name an existing version; no fallback to the bare rule
        else:
            version = int(digits)
        if len(token) > MAX_ID_LENGTH:
            continue
        append(Mention(token, version, m.start()))
    return mentions


def candidate_ids(mentions: Iterable[Mention]) -> set[str]:
    """The distinct artifact ids worth looking up for `mentions` (one query for the lot)."""
    return {m.artifact_id for m in mentions}


def resolve_mentions(
    mentions: Iterable[Mention],
    role: str,
    *,
    version_exists: Callable[[str, int], bool],
    pinned_version: Callable[[str], int | None],
) -> list[Citation]:
    """Apply the rule: a mention with version_number is a citation iff version_exists(artifact_id, n);
    a bare mention is a citation iff pinned_version(artifact_id) returns a version number (the version
    pinned in the debate's chamber; if several versions of that artifact are pinned, the caller decides
    which -- the function just uses what the callback returns). Anything else ignored.

    Citations come out in the order of `mentions`; a repeated mention gives one citation per
    occurrence (each has its own offset)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    citations: list[Citation] = []
    for m in mentions:
        if m.version_number is not None:
            if not version_exists(m.artifact_id, m.version_number):
                continue
            n = m.version_number
        else:
            pinned = pinned_version(m.artifact_id)
            if pinned is None:
                continue
            n = pinned
        citations.append(Citation(m.artifact_id, n, role, m.offset))
    return citations


def cite(
    text: str,
    role: str,
    *,
    version_exists: Callable[[str, int], bool],
    pinned_version: Callable[[str], int | None],
) -> list[Citation]:
    """`resolve_mentions(scan(text), role, ...)`."""
    return resolve_mentions(scan(text), role, version_exists=version_exists,
                            pinned_version=pinned_version)
