"""services/search.py's snippet helpers, on ts_headline's output as PostgreSQL returns it."""

from __future__ import annotations

from jupyter_artifacts.db.search_match import START, STOP
from jupyter_artifacts.services.search import from_headline


def test_the_marked_words_become_code_point_ranges_of_the_stored_text():
    headline = f"{START}TREM2{STOP} loss raises {START}plaque{STOP} load"
    assert from_headline(headline, None) == ("TREM2 loss raises plaque load", [[0, 5], [18, 24]])
    # The stored stretch (separators kept) under the same ranges, after the words before it.
    assert from_headline(headline, "TREM2-loss raises plaque load", "Summary: ") == (
        "Summary: TREM2-loss raises plaque load", [[9, 14], [27, 33]])
    # An empty mark, a stop without a start, code points beyond the BMP: no range, no shift.
    assert from_headline(f"{START}{STOP}a{STOP} 🧠 {START}b{STOP}", None) == ("a 🧠 b", [[4, 5]])
    # A stored text of another length: the searched one, as it is.
    assert from_headline(f"{START}x{STOP}y", "xyz") == ("xy", [[0, 1]])
