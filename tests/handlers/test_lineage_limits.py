"""A lineage reply is bounded: past `lineage_max_edges` it is cut and says so."""

from __future__ import annotations

import pytest
from test_lineage import lineage, link, make


@pytest.fixture
def artifacts_config():
    return {"lineage_max_edges": 3}


async def test_large_neighbourhoods_are_truncated(api):
    await make(api, "HUB")
    for i in range(8):
        await make(api, f"S{i}", kind="paper")
        await link(api, "HUB", f"S{i}")
    g = await lineage(api, "HUB", direction="ancestors")
    assert len(g["edges"]) == 3 and g["truncated"] is True
