"""Agents in the store and `escucha agent`, as the assignment policy reads them."""

from datetime import UTC, datetime

from escucha.care.assignment import AgentLoad, agent_of, choose
from escucha.core.tenant import Tenant
from escucha.store.agents import Agents
from escucha.store.store import make_engine
from tests.test_tenants import run_group


def test_agents_added_on_the_command_line_are_assigned_by_the_policy(tmp_path):
    data = tmp_path / "data"
    tenant = ["add", "acme", "--name", "Acme", "--timezone", "Europe/Madrid",
              "--hours", "mon-fri 09:00-18:00"]  # fmt: skip
    assert run_group("tenant", tenant, data).returncode == 0
    added = run_group("agent", ["add", "--tenant", "acme", "--name", "Lucía Pérez", "--email",
                                "lucia@acme.example", "--languages", "es,en", "--capacity", "3",
                                "--shift", "mon-fri 15:00-23:00"], data)  # fmt: skip
    assert added.returncode == 0 and "added agent lucia" in added.stdout, added.stderr
    run_group("agent", ["add", "--tenant", "acme", "--name", "Jon", "--email", "jon@acme.example"],
              data)  # fmt: skip
    bad = run_group("agent", ["add", "--tenant", "acme", "--name", "X", "--email", "x@a.example",
                              "--shift", "mon-fri 18:00-09:00"], data)  # fmt: skip
    assert bad.returncode == 2 and "ends after it starts" in bad.stderr
    nobody = run_group(
        "agent", ["add", "--tenant", "nope", "--name", "X", "--email", "x@a.b"], data
    )
    assert nobody.returncode == 2 and "no tenant 'nope'" in nobody.stderr
    listing = run_group("agent", ["list", "--tenant", "acme"], data).stdout
    assert "lucia@acme.example" in listing and "business hours" in listing

    engine = make_engine(f"sqlite:///{data / 'escucha.db'}")
    team = [agent_of(record) for record in Agents(engine).of_tenant("acme")]
    engine.dispose()
    acme = Tenant(id="acme", timezone="Europe/Madrid", hours="mon-fri 09:00-18:00")
    evening = datetime(2026, 11, 30, 19, tzinfo=UTC)  # 20:00 in Madrid: only Lucía's shift
    loads = [AgentLoad(agent, 0, evening) for agent in team]
    assert choose(acme, loads, "es", evening).agent == "lucia"
    morning = datetime(2026, 11, 30, 9, tzinfo=UTC)
    assert choose(acme, [AgentLoad(a, 0, morning) for a in team], "es", morning).agent == "jon"
