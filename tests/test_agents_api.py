"""Agents over the API: added by an admin, present by heartbeat, each tenant's own."""

from escucha.core import keys
from tests.security.conftest import KEY_A, KEY_B, make_api


def test_an_admin_adds_agents_and_heartbeats_make_them_present(redis_server, sqlite_url):
    for api in make_api(redis_server.url, sqlite_url):
        client = api.client
        added = client.post("/v1/agents", headers=KEY_A, json={
            "id": "lucia", "name": "Lucía", "email": "lucia@a.example", "languages": ["es", "en"],
            "capacity": 3, "shift": "mon-fri 09:00-17:00"})  # fmt: skip
        assert added.status_code == 201 and added.json() == {"id": "lucia", "created": True}
        backwards = {"id": "x", "name": "X", "email": "x@a.example", "shift": "mon 10:00-09:00"}
        bad = client.post("/v1/agents", headers=KEY_A, json=backwards)
        assert bad.status_code == 422 and "ends after it starts" in bad.json()["detail"]
        (listed,) = client.get("/v1/agents", headers=KEY_A).json()
        assert listed["present"] is False and listed["last_seen"] is None
        assert client.post("/v1/agents/lucia/presence", headers=KEY_A).status_code == 204
        (listed,) = client.get("/v1/agents", headers=KEY_A).json()
        assert listed["present"] is True and listed["languages"] == ["es", "en"]
        assert client.get("/v1/agents", headers=KEY_B).json() == []  # b sees none of a's
        assert client.post("/v1/agents/lucia/presence", headers=KEY_B).status_code == 404
        api.redis.hset(keys.agent_presence("a"), "lucia", 1.0)  # a heartbeat long ago
        assert client.get("/v1/agents", headers=KEY_A).json()[0]["present"] is False
