"""docker-compose.yml names only modules, queues and commands that exist."""

import importlib
import shlex
from pathlib import Path

import typer.main
import yaml

from escucha.cli.app import app as cli
from workers.queues import QUEUES

ROOT = Path(__file__).resolve().parents[1]
CELERY_COMMANDS = {"worker", "beat", "flower"}


def services():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def commands():
    for name, service in services().items():
        command = service.get("command")
        if command:
            yield name, command if isinstance(command, list) else shlex.split(command)


def test_redis_is_durable_and_never_evicts():
    command = services()["redis"]["command"]
    assert "appendonly" in " ".join(command) and "noeviction" in command


def test_every_celery_command_names_a_real_app_and_real_queues():
    queue_names = {q.name for q in QUEUES}
    seen = set()
    for name, command in commands():
        if command[0] != "celery":
            continue
        app_module = command[command.index("-A") + 1]
        assert hasattr(importlib.import_module(app_module), "app"), name
        subcommand = command[command.index("-A") + 2]
        assert subcommand in CELERY_COMMANDS, name
        seen.add(subcommand)
        if "-Q" in command:
            queues = set(command[command.index("-Q") + 1].split(","))
            assert queues <= queue_names, f"{name}: unknown queues {queues - queue_names}"
            seen |= queues
    assert {"worker", "beat", "flower"} <= seen
    assert queue_names <= seen, "a queue no worker consumes"


def test_every_escucha_command_exists():
    group = typer.main.get_command(cli)
    for name, command in commands():
        if command[0] != "escucha":
            continue
        node = group
        for word in command[1:]:
            if word.startswith("-"):
                break
            node = node.commands[word]  # type: ignore[attr-defined]
        assert node is not None, name


def test_compose_runs_one_worker_per_group_of_the_stage_registry_in_both_topologies():
    """Adding a stage or regrouping the queues means changing compose too; this says so."""
    from escucha.pipeline.stages import TOPOLOGIES, default_groups

    workers = {}
    for name, command in commands():
        if command[0] == "celery" and "worker" in command:
            workers[name] = set(command[command.index("-Q") + 1].split(","))
    expected = {
        f"worker-{g.name}": set(g.queues.split(","))
        for topology in TOPOLOGIES
        for g in default_groups(topology=topology)
    }
    assert workers == expected


def test_compose_runs_the_default_topology_and_gates_the_other_behind_its_profile():
    from config.settings import Pipeline
    from escucha.pipeline.stages import TOPOLOGIES, stage_group

    default = Pipeline.model_fields["topology"].default
    assert (
        services()["migrate"]["environment"]["ESCUCHA_TOPOLOGY"]
        == f"${{ESCUCHA_TOPOLOGY:-{default}}}"
    )
    for topology in TOPOLOGIES:
        service = services()[f"worker-{stage_group(2, topology).name}"]
        assert service.get("profiles", []) == ([] if topology == default else [topology])
