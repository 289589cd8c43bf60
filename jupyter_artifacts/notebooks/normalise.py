"""What a replay ignores when it compares a cell's outputs with the stored ones.

Text (streams, text/* data, error values) goes through the built-in normalisers below, in this
order, then the notebook's declared ones (`declared_normalisers`). Each built-in masks what
changes from run to run while meaning the same: the mask keeps the kind ("<TIMESTAMP>") so a
date printed where a number was still differs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_DECLARED = 50
MAX_PATTERN_CHARS = 1000

_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|Jun(?:e)?|Jul(?:y)?|"
          r"Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")  # fmt: skip
_DAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?"
_CLOCK = r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s?[AaPp][Mm])?"
_ZONE = r"(?:\s?(?:Z|UTC|GMT|[+-]\d{2}:?\d{2}|[A-Z]{3,4}(?=\s\d{4})))?"
_UNITS = (r"(?:ns|nsec|µs|μs|us|usec|ms|msec|s|sec|secs|seconds?|min|mins|minutes?|h|hrs?|hours?|"
          r"days?)")  # fmt: skip


@dataclass(frozen=True)
class Normaliser:
    name: str  # as the README lists it
    pattern: re.Pattern
    replace: str


def _n(name: str, pattern: str, replace: str, flags: int = 0) -> Normaliser:
    return Normaliser(name, re.compile(pattern, flags), replace)


BUILTIN: tuple[Normaliser, ...] = (
    # CSI sequences (colours, cursor moves) and OSC sequences (hyperlinks, titles).
    _n("ANSI escapes", r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]", ""),
    _n("UUIDs", r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", "<UUID>", re.IGNORECASE),
    # 2026-12-06T03:14:50.123456+00:00, 2026-12-06 03:14:50
    _n("ISO timestamps", r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
       r"(?:Z|[+-]\d{2}:?\d{2})?", "<TIMESTAMP>"),
    # datetime.datetime(2026, 12, 6, 3, 14, 50, 123456) / datetime.date(2026, 12, 6) reprs
    _n("datetime reprs", r"\b(datetime\.)?(datetime|date|time)\((?:\d+, ){1,6}\d+"
       r"(?:, tzinfo=[^)]*\)?)?\)", "<TIMESTAMP>"),
    # Sun Dec  6 03:14:50 UTC 2026 (date(1), time.ctime), Sun, 06 Dec 2026 03:14:50 GMT (HTTP)
    _n("textual timestamps", rf"\b(?:{_DAY}\s+)?(?:{_MONTH}\s+\d{{1,2}},?|\d{{1,2}}\s+{_MONTH})"
       rf"(?:\s+\d{{4}})?\s+{_CLOCK}{_ZONE}(?:\s+\d{{4}})?", "<TIMESTAMP>"),
    _n("dates", rf"\b\d{{4}}-\d{{2}}-\d{{2}}\b|\b\d{{4}}/\d{{1,2}}/\d{{1,2}}\b|"
       rf"\b\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{4}}\b|\b(?:{_DAY}\s+)?{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b|"
       rf"\b(?:{_DAY}\s+)?\d{{1,2}}\s+{_MONTH}\.?,?\s+\d{{4}}\b", "<DATE>"),
    _n("times of day", rf"\b{_CLOCK}\b", "<TIME>"),
    # 1.23 s, 12ms, 3.4 µs ± 5 ns per loop, 0:00:01.234567 (timedelta)
    _n("durations", rf"(?<![\w.])\d+(?:\.\d+)?(?:e[+-]?\d+)?\s?{_UNITS}(?![\w])|"
       r"\b\d+:\d{2}:\d{2}\.\d+\b", "<DURATION>"),
    _n("memory addresses", r"\b0x[0-9a-f]{6,16}\b", "0x<ADDRESS>", re.IGNORECASE),
    # /tmp/tmpab12cd/x.csv, /var/folders/..., C:\Users\me\AppData\Local\Temp\...
    _n("temporary paths", r"(?:/private)?/(?:tmp|var/tmp|var/folders|dev/shm)(?:/[^\s'\"<>:,;)\]]*)?|"
       r"[A-Za-z]:\\+Users\\+[^\\\s]+\\+AppData\\+Local\\+Temp(?:\\+[^\s'\"<>:,;)\]]*)?", "<TMPPATH>"),
    # Text tables: column widths follow their contents; rules follow the widths.
    _n("table rules", r"(?<=[\s|+:])[-=─━]{3,}(?=[\s|+:]|$)", "---", re.MULTILINE),
    _n("runs of blanks", r"[ \t\xa0]+", " "),
    _n("blanks at line ends", r" ?(\r?\n) ?", r"\1"),
)


# Markup only (image/svg+xml, text/html): matplotlib names an SVG's clip paths and markers with a
# salted hash ("p3c1b2a4f5e", "m9170149d4a") that changes from run to run.
MARKUP = _n("SVG element ids", r"(?<=[\"#])([pm])[0-9a-f]{10}(?=[\")])", r"\1<ID>")
MARKUP_MIMES = frozenset({"image/svg+xml", "text/html"})


def normalise_text(text: str, declared: tuple[Normaliser, ...] | list[Normaliser] = (), *,
                   markup: bool = False) -> str:  # fmt: skip
    """`text` with every built-in normaliser applied in order (MARKUP first when `markup`), then
    the declared ones."""
    if markup:
        text = MARKUP.pattern.sub(MARKUP.replace, text)
    for n in BUILTIN:
        text = n.pattern.sub(n.replace, text)
    for n in declared:
        text = n.pattern.sub(n.replace, text)
    return text.strip()


def compile_declared(items) -> tuple[Normaliser, ...]:
    """Validated [{"pattern", "replace"}] as Normalisers; ValueError with a sentence otherwise."""
    if items is None:
        return ()
    if not isinstance(items, list | tuple):
        raise ValueError("replay.normalisers must be a list of {pattern, replace} objects")  # noqa: TRY004 - a caller's data
    if len(items) > MAX_DECLARED:
        raise ValueError(f"At most {MAX_DECLARED} replay normalisers may be declared ({len(items)} given)")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or set(item) - {"pattern", "replace"} or "pattern" not in item:
            raise ValueError(f"replay normaliser {i} must be an object with 'pattern' and 'replace' only")
        pattern, replace = item["pattern"], item.get("replace", "")
        if not isinstance(pattern, str) or not pattern or not isinstance(replace, str):
            raise ValueError(f"replay normaliser {i}: 'pattern' must be a non-empty string and "
                             "'replace' a string")  # fmt: skip
        if len(pattern) > MAX_PATTERN_CHARS or len(replace) > MAX_PATTERN_CHARS:
            raise ValueError(f"replay normaliser {i}: pattern and replace are at most "
                             f"{MAX_PATTERN_CHARS} characters")  # fmt: skip
        try:
            compiled = re.compile(pattern)
            compiled.sub(replace, "")  # a bad group reference fails here, not mid-replay
        except (re.error, IndexError) as e:
            raise ValueError(f"replay normaliser {i}: {pattern!r} is not a valid regular "
                             f"expression ({e})") from None  # fmt: skip
        out.append(Normaliser(f"declared {i}", compiled, replace))
    return tuple(out)


def declared_in(metadata) -> list[dict]:
    """The `replay.normalisers` of a metadata dict, validated, as plain dicts."""
    if not isinstance(metadata, dict) or "replay" not in metadata:
        return []
    replay = metadata["replay"]
    if not isinstance(replay, dict):
        raise ValueError("metadata 'replay' must be an object such as {\"normalisers\": [...]}")  # noqa: TRY004 - a caller's data
    items = replay.get("normalisers") or []
    compile_declared(items)
    return [{"pattern": x["pattern"], "replace": x.get("replace", "")} for x in items]


# ---- nbval's cell markers (https://nbval.readthedocs.io): a tag, or a comment on the first line.

_MARKERS = {"skip": ("nbval-skip", "NBVAL_SKIP"),
            "ignore": ("nbval-ignore-output", "NBVAL_IGNORE_OUTPUT")}  # fmt: skip


def nbval_marker(cell: dict) -> str | None:
    """"skip" (not executed), "ignore" (outputs not compared) or None, as nbval reads a cell."""
    tags = (cell.get("metadata") or {}).get("tags") or []
    source = cell.get("source") or ""
    if isinstance(source, list):
        source = "".join(source)
    first = source.lstrip().split("\n", 1)[0].strip()
    comment = first[1:].strip() if first.startswith("#") else ""
    for kind, (tag, word) in _MARKERS.items():
        if (isinstance(tags, list) and tag in tags) or comment == word:
            return kind
    return None
