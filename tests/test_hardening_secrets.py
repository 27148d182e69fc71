"""Issue 11, item 3: no channel token in any output, debug log line, stored error or config error."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rules.notify import Message, Notifier
from rules.secrets import SecretFilter, redact_url, remember_urls, scrub
from storage import Store
from tests.test_dispatch import NOW, add_matches

TOKENS = ("T1JJ3T3L2SECRETAA", "SECRETBOTTOKEN99", "99887766SECRETXX", "SECRETPASS42", "SECRETPATH42")
CHANNELS = {
    "slack": "slack://T1JJ3T3L2SECRETAA",  # malformed: apprise refuses it
    "tgram": "tgram://SECRETBOTTOKEN99",
    "discord": "discord://99887766SECRETXX",
    "hook": "json://user:SECRETPASS42@127.0.0.1:9/hook/SECRETPATH42",  # valid, but nothing listens on port 9
}


def leaks(text: str) -> list[str]:
    return [token for token in TOKENS if token in text]


def tidings(config: Path, *args: str) -> str:
    env = {**os.environ, "COLUMNS": "200", "SLACK_URL": CHANNELS["slack"]}
    done = subprocess.run([sys.executable, "-m", "crawler", "-c", str(config), "--log-level", "DEBUG", *args],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    return done.stdout + done.stderr


def test_no_token_in_any_output_log_line_or_stored_error(tmp_path: Path) -> None:
    database = tmp_path / "t.sqlite"
    channels = "".join(f'[channels.{name}]\nurl = "{url}"\n' for name, url in CHANNELS.items() if name != "slack")
    config = tmp_path / "tidings.toml"
    config.write_text(
        f'[settings]\ndatabase_url = "sqlite:///{database}"\nalert_retry_base = 1\nalert_retry_max = 2\n'
        'retries = 0\n[sources]\n[channels.slack]\nurl = "${SLACK_URL}"\n' + channels, encoding="utf-8")
    with Store.open(f"sqlite:///{database}") as store:
        (match_id,) = add_matches(store, 1, "slack")
        for channel in list(CHANNELS)[1:]:
            with store.unit_of_work() as uow:
                uow.enqueue_alert(match_id, channel, mode="instant", due_at=NOW, now=NOW)
    outputs = [tidings(config, "crawl")]
    outputs += [tidings(config, "notify", "test", channel) for channel in CHANNELS]
    outputs += [tidings(config, "alerts", "list"), tidings(config, "status")]
    with Store.open(f"sqlite:///{database}") as store:
        errors = [row.last_error or "" for row in store.list_alerts()]
    assert all(errors), errors  # every delivery failed and said why
    assert any("DEBUG" in text for text in outputs)  # the debug log really was on
    for text in [*outputs, *errors]:
        assert leaks(text) == [], text


def test_a_failed_send_reports_without_the_token() -> None:
    for url in CHANNELS.values():
        delivery = Notifier(timeout=2).send([url], Message("t", "b", "text"))
        assert not delivery.ok and delivery.error and leaks(delivery.error) == [], delivery.error


def test_redact_url_uses_the_privacy_form() -> None:
    assert redact_url("slack://T1JJ3T3L2SECRETAA") == "slack://***"
    shown = redact_url("discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js")
    assert "JHMHI8qBe7bk2ZwO5U711o3dV_js" not in shown and shown.startswith("discord://")


def test_third_party_log_records_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    remember_urls([CHANNELS["hook"]])
    logger = logging.getLogger("apprise.test")
    logger.addFilter(SecretFilter())
    with caplog.at_level(logging.DEBUG):
        logger.debug("POST to %s with %s", "http://127.0.0.1:9/hook/SECRETPATH42", "user:SECRETPASS42")
    assert leaks(caplog.text) == [] and "***" in caplog.text
    assert scrub("token SECRETPATH42 here") == "token *** here"
