"""docker-compose.yml and the Dockerfile agree with the `peerline` CLI and the settings it reads.

Docker does not run here, so these tests read the files. Each check is a function that returns
the problems it finds: the real files must have none, and a copy broken on purpose must have
one, which shows that every check can fail.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest
from ruamel.yaml import YAML

from service.adapters.jobqueue import ALL_QUEUES
from service.adapters.settings import REQUIRED_IN_PRODUCTION, SECRETS, SETTING_NAMES
from service.cli import main as cli

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"

# Service name -> the `peerline` command it must run.
ROLES = {"web": "web", "worker": "worker", "scheduler": "scheduler"}
REQUIRED_SERVICES = ("postgres", "redis", *ROLES)
# Given by the operator, never written into the file: compose must refuse to start without them.
OPERATOR_SECRETS = (*SECRETS, "PEERLINE_NUMBERS", "PUBLIC_BASE_URL")
PYTHON_BASES = ("python:3.11-slim", "python:3.12-slim")

# Compose interpolation: ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?err}, ${NAME?err}, $NAME.
INTERPOLATION = re.compile(r"\$(?:\{(?P<braced>\w+)(?P<op>:?[-?+])?[^}]*\}|(?P<bare>\w+))")

Compose = dict[str, Any]
Problems = list[str]


# --- reading the files ----------------------------------------------------------------------------


def load_compose(text: str) -> Compose:
    data = YAML(typ="safe", pure=True).load(text)
    assert isinstance(data, dict), "docker-compose.yml is not a mapping"
    return data


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


def dockerfile_entrypoint(text: str) -> list[str]:
    entrypoints = [args for keyword, args in dockerfile_instructions(text) if keyword == "ENTRYPOINT"]
    if not entrypoints:
        return []
    try:
        parsed = json.loads(entrypoints[-1])
    except json.JSONDecodeError:
        return ["<shell form>", entrypoints[-1]]
    return [str(part) for part in parsed] if isinstance(parsed, list) else []


def as_argv(value: Any) -> list[str]:
    """A compose command or entrypoint, given as a list or as a string."""
    if value is None:
        return []
    return shlex.split(value) if isinstance(value, str) else [str(part) for part in value]


def environment_of(service: dict[str, Any]) -> dict[str, str]:
    """A service's environment, given as a mapping or as a list of NAME=value."""
    env = service.get("environment") or {}
    if isinstance(env, dict):
        return {str(k): "" if v is None else str(v) for k, v in env.items()}
    return {name: value for name, _, value in (str(item).partition("=") for item in env)}


def app_services(compose: Compose) -> dict[str, dict[str, Any]]:
    """Services built from this repository: the ones that run `peerline`."""
    return {name: svc for name, svc in compose.get("services", {}).items() if "build" in svc}


def service_argv(service: dict[str, Any], image_entrypoint: list[str]) -> list[str]:
    entrypoint = as_argv(service["entrypoint"]) if "entrypoint" in service else image_entrypoint
    return entrypoint + as_argv(service.get("command"))


def parse_cli(args: list[str]) -> click.Context:
    """Parse `peerline ARGS` as the real CLI would, without running it; the innermost context.

    Raises click.UsageError (an unknown command or option, a bad value, no command at all).
    """
    ctx = cli.make_context("peerline", list(args), resilient_parsing=False)
    while isinstance(ctx.command, click.Group):
        rest = ctx.args
        # The group keeps its subcommand's name just before the subcommand's own arguments.
        position = len(args) - len(rest) - 1
        if position < 0 or position >= len(args):
            raise click.UsageError("no command given", ctx)
        name, command, rest = ctx.command.resolve_command(ctx, [args[position], *rest])
        assert name is not None and command is not None
        ctx = command.make_context(name, rest, parent=ctx, resilient_parsing=False)
        args = rest
    return ctx


def parsed_commands(compose: Compose, dockerfile: str) -> tuple[dict[str, click.Context], Problems]:
    """Every app service's command, parsed by the real CLI; and the ones that do not parse."""
    entrypoint = dockerfile_entrypoint(dockerfile)
    parsed: dict[str, click.Context] = {}
    problems: Problems = []
    for name, service in app_services(compose).items():
        argv = service_argv(service, entrypoint)
        if not argv or argv[0] != "peerline":
            problems.append(f"{name}: runs {argv!r}, not `peerline ...`")
            continue
        try:
            parsed[name] = parse_cli(argv[1:])
        except click.ClickException as error:
            problems.append(f"{name}: `{shlex.join(argv)}` does not parse: {error.format_message()}")
    return parsed, problems


# --- the checks -------------------------------------------------------------------------------------


def service_problems(compose: Compose, dockerfile: str) -> Problems:
    services = compose.get("services", {})
    problems = [f"no {name!r} service" for name in REQUIRED_SERVICES if name not in services]
    problems += [
        f"{name}: not built from this repository"
        for name in ROLES
        if "build" not in services.get(name, {"build": 1})
    ]
    return problems


def command_problems(compose: Compose, dockerfile: str) -> Problems:
    parsed, problems = parsed_commands(compose, dockerfile)
    for name, role in ROLES.items():
        if name in parsed and parsed[name].command.name != role:
            problems.append(f"{name}: runs `peerline {parsed[name].command.name}`, not `peerline {role}`")
    served: set[str] = set()
    for name, ctx in parsed.items():
        if ctx.command.name == "worker":
            queues = [q.strip() for q in ctx.params["queues"].split(",") if q.strip()]
            problems += [f"{name}: serves unknown queue {q!r}" for q in queues if q not in ALL_QUEUES]
            served.update(queues)
    problems += [f"no worker serves the {q!r} queue" for q in ALL_QUEUES if q not in served]
    return problems


def environment_problems(compose: Compose, dockerfile: str) -> Problems:
    problems: Problems = []
    for name, service in app_services(compose).items():
        if "env_file" in service:
            problems.append(f"{name}: env_file hides settings from this check; use environment")
        unknown = sorted(set(environment_of(service)) - set(SETTING_NAMES))
        problems += [f"{name}: {var} is not a PeerLine setting" for var in unknown]
    return problems


def secret_problems(compose: Compose, dockerfile: str) -> Problems:
    """Production settings: secrets required from the operator, nothing defaulted that must be given."""
    problems: Problems = []
    postgres = environment_of(compose.get("services", {}).get("postgres", {}))
    checked = {"postgres": {"POSTGRES_PASSWORD": postgres.get("POSTGRES_PASSWORD", "")}}
    checked |= {name: environment_of(svc) for name, svc in app_services(compose).items()}
    for name, env in checked.items():
        for var in REQUIRED_IN_PRODUCTION if name != "postgres" else ("POSTGRES_PASSWORD",):
            value = env.get(var, "")
            if not value:
                problems.append(f"{name}: {var} is not set")
            for match in INTERPOLATION.finditer(value):
                if match["bare"] or match["op"] not in (":?", "?"):
                    problems.append(f"{name}: {var} uses {match[0]!r}; require it with ${{NAME:?message}}")
        for var in OPERATOR_SECRETS if name != "postgres" else ("POSTGRES_PASSWORD",):
            if not re.fullmatch(rf"\$\{{{var}:\?[^}}]*\}}", env.get(var, "")):
                problems.append(f"{name}: {var} must be exactly ${{{var}:?message}}, not {env.get(var)!r}")
        if name != "postgres":
            if env.get("PEERLINE_ENV") != "production":
                problems.append(f"{name}: PEERLINE_ENV is {env.get('PEERLINE_ENV')!r}, not 'production'")
            if not env.get("DATABASE_URL", "").startswith("postgresql+psycopg://"):
                problems.append(f"{name}: DATABASE_URL is not postgresql+psycopg://...")
    return problems


def redis_problems(compose: Compose, dockerfile: str) -> Problems:
    argv = as_argv(compose.get("services", {}).get("redis", {}).get("command"))
    pairs = set(itertools.pairwise(argv))
    wanted = [("--appendonly", "yes"), ("--maxmemory-policy", "noeviction")]
    return [f"redis: command lacks {' '.join(pair)}" for pair in wanted if pair not in pairs]


def web_problems(compose: Compose, dockerfile: str) -> Problems:
    parsed, _ = parsed_commands(compose, dockerfile)
    if "web" not in parsed:
        return ["web: no parsable `peerline web` command"]
    host, _, port = parsed["web"].params["bind"].rpartition(":")
    problems = []
    if host in ("127.0.0.1", "localhost", "[::1]"):
        problems.append(f"web: binds {host}, which nothing outside the container can reach")
    healthcheck = compose["services"]["web"].get("healthcheck") or {}
    test = " ".join(as_argv(healthcheck.get("test")))
    if healthcheck.get("disable") or f":{port}/healthz" not in test:
        problems.append(f"web: no healthcheck on port {port} /healthz (test: {test!r})")
    return problems


def scaling_problems(compose: Compose, dockerfile: str) -> Problems:
    worker = compose.get("services", {}).get("worker", {})
    problems = ["worker: container_name stops it from scaling"] if "container_name" in worker else []
    if worker.get("ports"):
        problems.append("worker: published ports stop it from scaling")
    return problems


def dockerfile_problems(compose: Compose, dockerfile: str) -> Problems:
    instructions = dockerfile_instructions(dockerfile)
    problems: Problems = []
    if dockerfile_entrypoint(dockerfile) != ["peerline"]:
        problems.append(f'ENTRYPOINT is {dockerfile_entrypoint(dockerfile)!r}, not ["peerline"]')
    bases = [args.split()[0] for keyword, args in instructions if keyword == "FROM"]
    problems += [f"FROM {base}: not one of {PYTHON_BASES}" for base in bases if base not in PYTHON_BASES]
    copied = " ".join(args for keyword, args in instructions if keyword in ("COPY", "ADD"))
    if "constraints.txt" not in copied.split():
        problems.append("constraints.txt is not copied into the image")
    installs = [
        command
        for keyword, args in instructions
        if keyword == "RUN"
        for command in re.split(r"&&|;|\|\|", args)
        if re.search(r"\bpip3? install\b", command)
    ]
    project = [
        c for c in installs if "." in shlex.split(c) or any(a.startswith(".[") for a in shlex.split(c))
    ]
    if not any(re.search(r"(-c|--constraint)[ =]constraints\.txt", c) for c in project):
        problems.append(f"no `pip install -c constraints.txt .` (installs: {installs!r})")
    problems += [
        f"installs dev extras or in editable mode: {c.strip()!r}"
        for c in installs
        if "[dev]" in c or " -e " in c
    ]
    users = [args.split(":")[0] for keyword, args in instructions if keyword == "USER"]
    if not users or users[-1] in ("root", "0"):
        problems.append("the image runs as root: add a USER")
    return problems


CHECKS = [
    service_problems,
    command_problems,
    environment_problems,
    secret_problems,
    redis_problems,
    web_problems,
    scaling_problems,
    dockerfile_problems,
]


@pytest.fixture(scope="module")
def compose() -> Compose:
    return load_compose(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return DOCKERFILE.read_text()


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
def test_deployment_files_pass(
    check: Callable[[Compose, str], Problems], compose: Compose, dockerfile: str
) -> None:
    assert check(compose, dockerfile) == []


# --- each check can fail: the same files, broken one way each --------------------------------------


def _without(compose: Compose, service: str) -> None:
    del compose["services"][service]


def _set(service: str, key: str, value: Any) -> Callable[[Compose], None]:
    return lambda compose: compose["services"][service].__setitem__(key, value)


def _set_env(service: str, var: str, value: str) -> Callable[[Compose], None]:
    def change(compose: Compose) -> None:
        service_def = compose["services"][service]
        service_def["environment"] = {**environment_of(service_def), var: value}

    return change


COMPOSE_BREAKS: list[tuple[Callable[[Compose, str], Problems], Callable[[Compose], None]]] = [
    (service_problems, lambda c: _without(c, "scheduler")),
    (service_problems, lambda c: _without(c, "postgres")),
    (command_problems, _set("worker", "command", ["worker", "--queue", "inbound"])),
    (command_problems, _set("web", "command", ["serve", "--bind", "0.0.0.0:8000"])),
    (command_problems, _set("web", "command", ["web", "--workers", "two"])),
    (command_problems, _set("scheduler", "command", [])),
    (command_problems, _set("scheduler", "command", ["worker"])),
    (command_problems, _set("scheduler", "entrypoint", ["python", "-m", "workers.main"])),
    (command_problems, _set("worker", "command", "worker --queues inbound,defualt")),
    (environment_problems, _set_env("worker", "PEERLINE_REDIS_URL", "redis://redis:6379/0")),
    (environment_problems, _set_env("scheduler", "PROMETHEUS_MULTIPROC_DIR", "/tmp/metrics")),
    (environment_problems, _set("web", "env_file", [".env"])),
    (secret_problems, _set_env("web", "TWILIO_AUTH_TOKEN", "${TWILIO_AUTH_TOKEN:-changeme}")),
    (secret_problems, _set_env("worker", "PEERLINE_DATA_KEY", "hard-coded-key")),
    (secret_problems, _set_env("scheduler", "PUBLIC_BASE_URL", "$PUBLIC_BASE_URL")),
    (secret_problems, _set_env("web", "PEERLINE_ENV", "dev")),
    (secret_problems, _set_env("worker", "DATABASE_URL", "sqlite:////app/var/peerline.db")),
    (
        secret_problems,
        _set_env("web", "DATABASE_URL", "postgresql+psycopg://p:${POSTGRES_PASSWORD:-pw}@db/p"),
    ),
    (secret_problems, _set_env("postgres", "POSTGRES_PASSWORD", "${POSTGRES_PASSWORD:-postgres}")),
    (redis_problems, _set("redis", "command", ["redis-server", "--appendonly", "no"])),
    (
        redis_problems,
        _set("redis", "command", "redis-server --appendonly yes --maxmemory-policy allkeys-lru"),
    ),
    (web_problems, lambda c: c["services"]["web"].pop("healthcheck")),
    (web_problems, _set("web", "healthcheck", {"test": ["CMD", "true"]})),
    (web_problems, _set("web", "command", ["web", "--bind", "127.0.0.1:8000"])),
    (web_problems, _set("web", "command", ["web", "--bind", "0.0.0.0:9000"])),
    (scaling_problems, _set("worker", "container_name", "peerline-worker")),
]


@pytest.mark.parametrize(
    ("check", "breakage"),
    COMPOSE_BREAKS,
    ids=[f"{check.__name__}-{i}" for i, (check, _) in enumerate(COMPOSE_BREAKS)],
)
def test_each_compose_check_fails_on_a_broken_file(
    check: Callable[[Compose, str], Problems],
    breakage: Callable[[Compose], None],
    compose: Compose,
    dockerfile: str,
) -> None:
    broken = copy.deepcopy(compose)
    breakage(broken)
    assert check(broken, dockerfile) != []


DOCKERFILE_BREAKS = [
    ('ENTRYPOINT ["peerline"]', 'ENTRYPOINT ["python", "-m", "service.cli"]'),
    ('ENTRYPOINT ["peerline"]', "ENTRYPOINT peerline"),
    ("pip install -c constraints.txt .", "pip install ."),
    ("pip install -c constraints.txt .", "pip install -c constraints.txt '.[dev]'"),
    ("USER peerline:peerline", "USER root"),
    ("FROM python:3.11-slim AS runtime", "FROM python:3.11 AS runtime"),
]


@pytest.mark.parametrize(("old", "new"), DOCKERFILE_BREAKS)
def test_the_dockerfile_check_fails_on_a_broken_file(
    old: str, new: str, compose: Compose, dockerfile: str
) -> None:
    assert old in dockerfile, f"the Dockerfile no longer contains {old!r}: update this test"
    assert dockerfile_problems(compose, dockerfile.replace(old, new)) != []


def test_the_cli_parser_used_here_rejects_what_click_rejects() -> None:
    assert parse_cli(["worker", "--queues", "outbound"]).params["queues"] == "outbound"
    assert parse_cli(["web", "--bind", "0.0.0.0:8000", "--workers", "3"]).params["workers"] == 3
    for bad in (["worker", "--burst", "--nope"], ["wrok"], [], ["web", "extra-argument"]):
        with pytest.raises(click.UsageError):
            parse_cli(bad)
