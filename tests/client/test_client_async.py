"""The async client: the same methods awaited, async page iteration, typed errors and jobs."""

from __future__ import annotations

import asyncio

import pytest
from tests_helpers import notebook

from jupyter_artifacts.client import NotFound, Ref, StaleParent
from jupyter_artifacts.models.notebooks import Appended

pytestmark = pytest.mark.slow


def test_async_round_trip(async_client_factory):
    async def main():
        async with async_client_factory() as api:
            assert (await api.status()).database.ok
            hyp = await api.create_artifact(artifact_type="hypothesis", title="Async hypothesis")
            v2 = await api.new_version(hyp, title="Async hypothesis, narrowed")
            assert v2.parent_ref == hyp.ref and isinstance(v2.ref, Ref)
            with pytest.raises(StaleParent) as stale:
                await api.new_version(hyp, title="from a stale parent")
            assert stale.value.current_ref == v2.ref and stale.value.current_version == 2
            with pytest.raises(NotFound):
                await api.get_version(Ref.of(hyp.artifact_id, 9))

            reg = await api.register_notebook(notebook("x = 20"), title="Async notebook")
            ran = await api.append_cell(reg.notebook_id, "print(x + 1)", execute=True)
            assert isinstance(ran, Appended) and ran.outputs[0]["text"] == "21\n"
            debate = await api.open_debate(v2.ref, "Async?")
            await api.post_round(debate.id, f"{reg.notebook_id}@v2 prints 21.", actor_id="ed-lein")
            closed = await api.close_debate(debate.id)
            refs = {a.ref for a in (await api.debate_artifacts(debate.id)).artifacts}
            assert refs == {v2.ref, Ref.of(reg.notebook_id, 2)} and closed.chamber_provenance_hash

    asyncio.run(main())


def test_async_iteration_across_pages(async_client_factory):
    gets = []

    async def count(request):
        if request.method == "GET":
            gets.append(request.url.params.get("cursor"))

    async def main():
        async with async_client_factory(event_hooks={"request": [count]}) as api:
            made = {(await api.create_artifact(artifact_type="asyncpaged", title=f"Paged {i}")).ref
                    for i in range(5)}
            gets.clear()
            seen = [v.ref async for v in api.iter_artifacts(type="asyncpaged", limit=2)]
            return made, seen

    made, seen = asyncio.run(main())
    assert sorted(seen) == sorted(made) and len(seen) == 5
    assert len(gets) == 3 and gets[0] is None and all(gets[1:])  # three pages, each after the last cursor
