"""Artifact ids and version references (API.md, Conventions)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import Invalid, quote

ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._:-]{0,199}"
_ID = re.compile(rf"^{ID_PATTERN}$")
_REF = re.compile(rf"^(?P<base>{ID_PATTERN})@v(?P<n>[0-9]{{1,9}})$")
_VERSION = re.compile(r"^v?(?P<n>[0-9]{1,9})$")


@dataclass(frozen=True)
class Ref:
    """`base` is an artifact id or a version row id; `version` is N of `@vN`, if given."""

    base: str
    version: int | None = None

    def __str__(self) -> str:
        return self.base if self.version is None else f"{self.base}@v{self.version}"


def check_id(text: str, what: str = "artifact id") -> str:
    if not isinstance(text, str) or not _ID.match(text):
        raise Invalid(f"{quote(text)} is not a valid {what}: use 1-200 letters, digits, "
                      "'.', '_', ':' or '-', starting with a letter or digit.")
    return text


def parse_ref(text: str) -> Ref:
    """`X` or `X@vN`."""
    if isinstance(text, str):
        m = _REF.match(text)
        if m:
            n = int(m.group("n"))
            if n < 1:
                raise Invalid(f"{quote(text)} names version 0; versions start at 1.")
            return Ref(m.group("base"), n)
        if _ID.match(text):
            return Ref(text)
    raise Invalid(f"{quote(text)} is not a valid artifact id or version reference "
                  "(expected <id> or <id>@v<N>).")


def parse_bare(text: str) -> Ref:
    """Write paths take a bare artifact id: `@vN` there is an error (use parent_version)."""
    ref = parse_ref(text)
    if ref.version is not None:
        raise Invalid(f"{quote(text)} pins a version, but this route writes to the artifact as a "
                      "whole: use the bare id (and parent_version to make the write conditional).")
    return ref


def parse_version_number(text: str) -> int:
    m = _VERSION.match(text or "")
    n = int(m.group("n")) if m else 0
    if n < 1:
        raise Invalid(f"{quote(text)} is not a version number (expected a positive integer).")
    return n


def version_row_id(artifact_id: str, version_number: int) -> str:
    """Row id of a version the extension writes: the artifact id for v1, `<id>@v<N>` after."""
    return artifact_id if version_number == 1 else f"{artifact_id}@v{version_number}"
