"""`Ref`: a version reference (`NB-12@v3`) or a bare artifact id (`NB-12`), as a string."""

from __future__ import annotations

import re
from typing import Any

from ..refs import ID_PATTERN

_REF = re.compile(rf"^(?P<base>{ID_PATTERN})(?:@v(?P<n>[1-9][0-9]{{0,8}}))?$")


class Ref(str):
    """A string the API takes wherever a ref is accepted, with its parts at hand.

    >>> r = Ref("NB-12@v3")
    >>> r.artifact_id, r.version
    ('NB-12', 3)
    >>> Ref.of("NB-12", 4)
    'NB-12@v4'
    """

    __slots__ = ()

    def __new__(cls, value: str):  # -> Ref
        if isinstance(value, Ref):
            return value
        if not isinstance(value, str) or not _REF.match(value):
            raise ValueError(f"{value!r} is not an artifact id or a version reference (<id> or <id>@v<N>)")
        return super().__new__(cls, value)

    @classmethod
    def of(cls, artifact_id: str, version: int | None = None) -> Ref:
        """`Ref.of("NB-12", 3)` is `NB-12@v3`; without a version, the artifact as a whole."""
        return cls(artifact_id if version is None else f"{artifact_id}@v{int(version)}")

    @property
    def artifact_id(self) -> str:
        """The artifact id (or, for an adopted database, the version's row id) before `@v`."""
        return _REF.match(self).group("base")

    @property
    def version(self) -> int | None:
        """N of `@vN`, or None for a bare id (the latest where one version is needed)."""
        n = _REF.match(self).group("n")
        return int(n) if n else None

    @property
    def bare(self) -> Ref:
        return Ref(self.artifact_id)

    def __repr__(self) -> str:
        return f"Ref({str.__repr__(self)})"


def ref_text(value: Any) -> str:
    """What a method was given as a ref, as the path or body text: a `Ref` or string as is, a
    reply that names a version (a `Version`, an `Appended`, a lineage node) by its `ref`."""
    if isinstance(value, str):
        return value
    ref = getattr(value, "ref", None)
    if isinstance(ref, str):
        return ref
    raise TypeError(f"expected a ref (str, Ref, or a reply with a `ref`), got {type(value).__name__}")


# Reply fields that hold a version reference: replies carry them as `Ref`s.
REF_FIELDS = frozenset({"ref", "parent_ref", "new_ref", "current_ref", "from_ref", "to_ref", "base_ref",
                        "local_ref", "remote_ref", "source", "target"})


def wrap_refs(value: Any) -> Any:
    """Turn the ref fields of a parsed reply (and of the models it holds) into `Ref`s, in place."""
    from pydantic import BaseModel

    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            item = getattr(value, name, None)
            if name in REF_FIELDS and isinstance(item, str) and not isinstance(item, Ref):
                try:
                    object.__setattr__(value, name, Ref(item))
                except ValueError:  # e.g. an adopted row id that no ref pattern fits: leave it a str
                    pass
            elif isinstance(item, (BaseModel, list)):
                wrap_refs(item)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, BaseModel):
                wrap_refs(item)
    return value
