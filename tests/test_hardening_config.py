"""Issue 11, items 5 and 13 (and the config part of 3): every number has a range, refused in one line naming the
key; `[settings] interval` is read; a bad or driverless database URL is one line; `${...}` values never echoed."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import crawler.settings
from crawler.cli import main
from crawler.config import load_config
from crawler.errors import ConfigError

BAD_SETTINGS = [
    ("interval = -60", "settings.interval"),
    ("interval = 0", "settings.interval"),
    ("interval = 0.001", "settings.interval"),
    ("per_host_delay = inf", "settings.per_host_delay"),
    ("per_host_delay = nan", "settings.per_host_delay"),
    ("per_host_concurrency = 0", "settings.per_host_concurrency"),
    ("request_timeout = -1", "settings.request_timeout"),
    ("request_timeout = 0", "settings.request_timeout"),
    ('user_agent = "tidings\\r\\nX-Injected: 1"', "settings.user_agent"),
    ('user_agent = ""', "settings.user_agent"),
    ("lease = -5", "settings.lease"),
    ('recheck_after = ["-1d"]', "settings.recheck_after.0"),
    ("recheck_budget = -1", "settings.recheck_budget"),
    ("retries = 1000000000", "settings.retries"),
    ("alert_retry_base = inf", "settings.alert_retry_base"),
    ("alert_retry_max = 0", "settings.alert_retry_max"),
    ("alert_max_attempts = 0", "settings.alert_max_attempts"),
    ("max_body_bytes = 0", "settings.max_body_bytes"),
    ("max_articles_per_run = 0", "settings.max_articles_per_run"),
    ("failure_alert_after = 0", "settings.failure_alert_after"),
    ("health_port = 70000", "settings.health_port"),
    ("source_backoff_max = -1", "settings.source_backoff_max"),
    ("run_timeout = 0", "settings.run_timeout"),
    ("dispatch_interval = 0", "settings.dispatch_interval"),
    ('database_url = "garbage"', "settings.database_url"),
]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tidings.toml"
    path.write_text(text, encoding="utf-8")
    return path


def one_line_error(tmp_path: Path, text: str, *args: str) -> str:
    result = CliRunner().invoke(main, ["-c", str(write(tmp_path, text)), *(args or ("sources", "list"))])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


@pytest.mark.parametrize(("line", "key"), BAD_SETTINGS)
def test_a_setting_out_of_range_is_one_line_naming_the_key(tmp_path: Path, line: str, key: str) -> None:
    message = one_line_error(tmp_path, f"[settings]\n{line}\n")
    assert message.startswith("error: ") and f": {key}: " in message


@pytest.mark.parametrize(
    ("table", "key"),
    [("interval = 0", "interval"), ("interval = -1", "interval"), ("delay = inf", "delay"),
     ("max_articles = 0", "max_articles"), ('allow_hosts = ["127.0.0.1:0"]', "allow_hosts")],
)
def test_a_source_value_out_of_range_is_one_line_naming_the_key(tmp_path: Path, table: str, key: str) -> None:
    message = one_line_error(tmp_path, f"[sources.cna]\n{table}\n")
    assert f": sources.cna.{key}: " in message


def test_a_digest_window_out_of_range_is_refused(tmp_path: Path) -> None:
    message = one_line_error(tmp_path, '[rules.x]\nquery = "ai"\nmode = "digest"\ndigest_window = -5\n')
    assert ": rules.x.digest_window: " in message


def test_settings_interval_is_the_default_interval_of_every_source(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[settings]\ninterval = "2h"\n[sources.cna]\n[sources.mofa-en]\n'
                                         'interval = "5m"\n'))
    assert (config.sources["cna"].interval, config.sources["mofa-en"].interval) == (7200.0, 300.0)
    assert load_config(write(tmp_path, "[sources.cna]\n")).sources["cna"].interval == 600.0  # the profile's


def test_a_postgres_url_without_its_driver_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = crawler.settings.importlib.util.find_spec
    monkeypatch.setattr(crawler.settings.importlib.util, "find_spec",
                        lambda name, *args: None if name.startswith("psycopg") else real(name, *args))
    message = one_line_error(tmp_path, '[settings]\ndatabase_url = "postgresql+psycopg://u@127.0.0.1/db"\n')
    assert "pip install 'tidings[postgres]'" in message and "settings.database_url" in message


def test_an_mqtt_channel_works_after_a_plain_install() -> None:
    """paho-mqtt is a main dependency (pyproject), so apprise knows mqtt:// URLs."""
    import apprise

    assert apprise.Apprise().add("mqtt://127.0.0.1:1883/tidings")


def test_a_config_error_never_echoes_a_value_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "xoxb-1234567890-SECRETTOKEN"
    monkeypatch.setenv("SLACK_TOKEN", token)
    for text in ('[rules.x]\nquery = "ai"\nchannels = ["${SLACK_TOKEN}"]\n',
                 '[settings]\nadmin_channels = ["${SLACK_TOKEN}"]\n',
                 '[settings]\ndatabase_url = "${SLACK_TOKEN}"\n',
                 '[settings]\ninterval = "${SLACK_TOKEN}"\n',
                 '[channels.c]\nurl = "slack://x"\nformat = "${SLACK_TOKEN}"\n'):
        with pytest.raises(ConfigError) as caught:
            load_config(write(tmp_path, text))
        assert token not in str(caught.value) and "SECRETTOKEN" not in str(caught.value)


def test_entries_list_of_an_unknown_source_exits_2(tmp_path: Path) -> None:
    text = f'[settings]\ndatabase_url = "sqlite:///{tmp_path / "t.sqlite"}"\n[sources.cna]\n'
    message = one_line_error(tmp_path, text, "entries", "list", "--source", "nosuch")
    assert "no such source" in message and "'nosuch'" in message
    ok = CliRunner().invoke(main, ["-c", str(tmp_path / "tidings.toml"), "entries", "list", "--source", "cna"])
    assert ok.exit_code == 0, ok.output
