"""`recorded_by` names the authenticated principal, one stable name per principal (API.md, "Actors")."""

from __future__ import annotations

import pytest
from jupyter_server.auth.identity import IdentityProvider, User

from jupyter_artifacts.services.actors import default_owner


async def recorders(api) -> list[str]:
    """Write through several routes; return every recorded_by the database holds for them."""
    a = await api("POST", "api/artifacts", {"artifact_type": "paper", "title": "one"})
    b = await api("POST", "api/artifacts", {"artifact_type": "paper", "title": "two", "agent_id": "ed-lein"})
    assert a.status == b.status == 201, (a, b)
    v2 = await api("POST", f"api/artifacts/{a.json['artifact_id']}/versions", {"title": "one, revised"})
    tag = await api("POST", f"api/artifacts/{a.json['artifact_id']}/versions/2/tags", {"tag": "reviewed"})
    link = await api("POST", "api/artifact-links", {"source": b.json["ref"], "target": v2.json["ref"],
                                                   "link_type": "cites"})
    assert v2.status == tag.status == link.status == 201, (v2, tag, link)
    lineage = await api("GET", f"api/artifacts/{a.json['artifact_id']}/lineage")
    return [a.json["created_by"]["recorded_by"], b.json["created_by"]["recorded_by"],
            v2.json["created_by"]["recorded_by"], *(e["recorded_by"] for e in lineage.json["edges"])]


async def test_shared_token_records_the_server_owner(api, sql):
    names = await recorders(api)
    assert len(names) == 5
    assert set(names) == {default_owner()}, names
    assert {r["recorded_by"] for r in sql("SELECT recorded_by FROM artifact_tags")} == {default_owner()}
    # Chambers (a debate's too) and their pins name who opened and pinned them.
    target = await api("POST", "api/artifacts", {"artifact_type": "hypothesis", "title": "h"})
    chamber = await api("POST", "api/chambers", {"name": "c", "purpose": "experiment_design"})
    debate = await api("POST", "api/debates", {"target_artifact_id": target.json["ref"], "topic": "t"})
    assert target.status == chamber.status == debate.status == 201, (target, chamber, debate)
    pulled = await api("POST", f"api/chambers/{chamber.json['id']}/pull", [{"artifact_id": target.json["ref"]}])
    assert pulled.status == 200, pulled
    assert [r["recorded_by"] for r in sql("SELECT recorded_by FROM chambers")] == [default_owner()] * 2
    assert [r["recorded_by"] for r in sql("SELECT recorded_by FROM chamber_artifacts")] == [default_owner()] * 2
    # The declared actor is kept beside it, never in its place.
    assert sql("SELECT created_by_actor_id FROM artifacts WHERE title = 'two'")[0]["created_by_actor_id"] == "ed-lein"


class TestConfiguredOwner:
    @pytest.fixture
    def artifacts_config(self):
        return {"owner": "lab-owner"}

    async def test_owner_trait_names_the_token_holder(self, api):
        assert set(await recorders(api)) == {"lab-owner"}


class TeamIdentityProvider(IdentityProvider):
    """An identity provider with real users, as JupyterHub's is: each user's API token names
    them (here a header stands in for the Hub's token check)."""

    def get_user(self, handler):
        name = handler.request.headers.get("X-Team-User")
        if not name:
            return None
        handler._token_authenticated = True  # an API token, as the Hub's: no XSRF cookie needed
        return User(username=name, name=name.title())


class TestProviderWithUsers:
    @pytest.fixture
    def jp_server_config(self, jp_server_config):
        return {**jp_server_config, "ServerApp": {**jp_server_config["ServerApp"],
                                                  "identity_provider_class": TeamIdentityProvider}}

    async def test_each_user_records_their_own_username(self, api):
        async def as_user(name):
            async def call(method, path, body=None, **kw):
                return await api(method, path, body, headers={"X-Team-User": name}, **kw)
            return await recorders(call)

        assert set(await as_user("alice")) == {"alice"}
        assert set(await as_user("bob")) == {"bob"}
        anonymous = await api("GET", "api/artifacts")
        assert anonymous.status == 401
