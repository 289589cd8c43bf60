"""nbclient with the outputs of chosen cells kept, merged and capped as they arrive.

Beyond a cell's cap, outputs are counted, not kept (a cell printing gigabytes cannot exhaust the
server's memory); `cap_outputs` then cuts what was kept and says how much was left out.
Consecutive streams of one name are merged and `\\r`/`\\b` applied as a front end shows them,
so a progress bar does not fill the cap with its history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import output_from_msg

from .outputs import apply_control_chars, json_size, too_deep, too_deep_notice


class CappedClient(NotebookClient):
    """`keep(cell_index)` says whose outputs are stored; the others' are discarded on arrival."""

    def __init__(self, nb, *, keep: Callable[[int], bool], cap_bytes: int, **kw):
        super().__init__(nb, **kw)
        self.keep = keep
        self.cap_bytes = cap_bytes
        self.kept_bytes: dict[int, int] = defaultdict(int)
        self.dropped_bytes: dict[int, int] = defaultdict(int)

    def _reset_sizes(self, cell_index: int) -> None:
        self.kept_bytes[cell_index] = 0
        self.dropped_bytes[cell_index] = 0

    def output(self, outs, msg, display_id, cell_index):
        if not self.keep(cell_index):
            return None  # history: not stored
        parent_id = msg["parent_header"].get("msg_id")
        if self.output_hook_stack[parent_id]:  # captured by an Output widget
            return super().output(outs, msg, display_id, cell_index)
        try:
            out = output_from_msg(msg)
        except ValueError:
            self.log.debug("unhandled iopub msg: %s", msg.get("msg_type"))
            return None
        if too_deep(out):
            out = nbformat.from_dict(too_deep_notice(out))
        if self.clear_before_next_output:
            outs[:] = []
            self.clear_display_id_mapping(cell_index)
            self.clear_before_next_output = False
            self._reset_sizes(cell_index)
        full = self.kept_bytes[cell_index] >= self.cap_bytes
        if out.output_type == "stream":
            last = outs[-1] if outs else None
            if last is not None and last.output_type == "stream" and last.name == out.name:
                if full:
                    self.dropped_bytes[cell_index] += json_size(out.text) - 2
                    return None
                head, nl, line = last.text.rpartition("\n")
                tail = apply_control_chars(line + out.text)
                before = json_size(line) - 2
                last.text = head + nl + tail
                self.kept_bytes[cell_index] += json_size(tail) - 2 - before
                return last
            out.text = apply_control_chars(out.text)
        size = json_size(out)
        if full and out.output_type != "error":
            self.dropped_bytes[cell_index] += size
            return None
        if display_id:
            self._display_id_map.setdefault(display_id, {}).setdefault(cell_index, []).append(
                len(outs)
            )
        outs.append(out)
        self.kept_bytes[cell_index] += size
        return out

    def clear_output(self, outs, msg, cell_index):
        super().clear_output(outs, msg, cell_index)
        parent_id = msg["parent_header"].get("msg_id")
        stored = self.keep(cell_index) and not self.output_hook_stack[parent_id]
        if stored and not msg["content"].get("wait"):
            self._reset_sizes(cell_index)
