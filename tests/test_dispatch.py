"""Delivery through the outbox, with real receivers: a JSON webhook, an SMTP server (aiosmtpd), the MQTT broker."""

from __future__ import annotations

import email
import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import Message as EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from crawler.config import Config, load_config
from crawler.drivers.dispatch import Dispatcher
from rules.notify import Notifier
from storage import ArticleRecord, MatchRecord, Store

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


class Receiver:
    """A JSON webhook on 127.0.0.1 that can be stopped and started again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.bodies: list[dict[str, Any]] = []
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.bodies.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.port}/hook"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    yield running
    running.stop()


def config_with(tmp_path: Path, channels: str, settings: str = "") -> Config:
    path = tmp_path / "tidings.toml"
    path.write_text(
        f"[settings]\nalert_retry_base = 10\nalert_max_attempts = 3\n{settings}\n{channels}", encoding="utf-8"
    )
    return load_config(path)


def add_matches(store: Store, count: int, channel: str, *, mode: str = "instant", text: str = "") -> list[int]:
    """Store `count` entries, each with one match and one alert to `channel`."""
    store.ensure_source("cna", kind="cna", settings_hash="x")
    match_ids = []
    for index in range(count):
        body = text or f"Taiwan and Japan deepen AI cooperation, story {index}."
        record = ArticleRecord(
            source_id="cna",
            url=f"https://www.cna.com.tw/news/ait/2026060100{index:02d}.aspx",
            canonical_url=f"https://www.cna.com.tw/news/ait/2026060100{index:02d}.aspx",
            title=f"AI story {index}",
            text=f"AI story {index}\n2026-06-01\n{body}\n",
            language="zh-Hant",
            published="2026-06-01",
            fetched_at=NOW,
        )
        with store.unit_of_work() as uow:
            outcome = uow.save_article(record, now=NOW)
            assert outcome.version_id is not None
            start = body.index("AI")
            evidence = [{"term": "AI", "group": "ai", "field": "body", "start": start, "end": start + 2, "text": "AI"}]
            match_id = uow.add_match(MatchRecord(outcome.entry_id, outcome.version_id, "ai", "new", evidence), now=NOW)
            assert match_id is not None
            uow.enqueue_alert(match_id, channel, mode=mode, due_at=NOW, now=NOW)
        match_ids.append(match_id)
    return match_ids


def dispatcher(store: Store, config: Config) -> Dispatcher:
    return Dispatcher(store, config, Notifier(timeout=5), owner="test", jitter=lambda: 0.0)


async def test_a_json_webhook_gets_one_message_per_match(store: Store, tmp_path: Path, receiver: Receiver) -> None:
    config = config_with(tmp_path, f'[channels.hook]\nurl = "{receiver.url}"\n')
    add_matches(store, 3, "hook")
    report = await dispatcher(store, config).run_once(NOW)
    assert (report.sent, report.failed) == (3, 0)
    assert sorted(body["title"] for body in receiver.bodies) == [f"AI story {i}" for i in range(3)]
    assert "«AI»" in receiver.bodies[0]["message"] and "https://www.cna.com.tw/" in receiver.bodies[0]["message"]
    body = receiver.bodies[0]
    assert body["rules"] == ["ai"] and body["kind"] == "new" and body["follow_up_of"] is None
    assert body["source"] == "cna" and body["language"] == "zh-Hant" and body["published"] == "2026-06-01"
    assert body["terms"][0]["field"] == "body" and body["text"] == body["message"] and len(body["alert_id"]) == 36
    assert await dispatcher(store, config).run_once(NOW) == type(report)()  # nothing sent twice
    assert store.alert_counts()["sent"] == 3


async def test_alerts_wait_while_the_receiver_is_down_and_arrive_once_it_is_back(
    store: Store, tmp_path: Path, receiver: Receiver
) -> None:
    config = config_with(tmp_path, f'[channels.hook]\nurl = "{receiver.url}"\n')
    add_matches(store, 4, "hook")
    receiver.stop()
    failed = await dispatcher(store, config).run_once(NOW)
    assert (failed.sent, failed.failed, failed.dead) == (0, 4, 0)
    pending = store.list_alerts(status="pending")
    assert len(pending) == 4 and all(alert.next_attempt_at and alert.next_attempt_at > NOW for alert in pending)
    assert "Connection" in (pending[0].last_error or "")
    assert (await dispatcher(store, config).run_once(NOW)).sent == 0  # not due yet: backoff

    receiver.start()
    later = NOW + timedelta(minutes=5)
    delivered = await dispatcher(store, config).run_once(later)
    assert delivered.sent == 4 and len(receiver.bodies) == 4
    assert len({body["title"] for body in receiver.bodies}) == 4


async def test_alerts_are_dead_after_the_last_attempt_and_retry_requeues_them(
    store: Store, tmp_path: Path, receiver: Receiver
) -> None:
    config = config_with(tmp_path, f'[channels.hook]\nurl = "{receiver.url}"\n')
    add_matches(store, 1, "hook")
    receiver.stop()
    moment = NOW
    for _ in range(3):
        await dispatcher(store, config).run_once(moment)
        moment += timedelta(hours=1)
    assert [alert.status for alert in store.list_alerts()] == ["dead"]
    receiver.start()
    assert store.retry_alerts(now=moment) == 1
    assert (await dispatcher(store, config).run_once(moment)).sent == 1
    assert len(receiver.bodies) == 1


async def test_digest_alerts_of_a_channel_go_out_as_one_message(
    store: Store, tmp_path: Path, receiver: Receiver
) -> None:
    config = config_with(tmp_path, f'[channels.hook]\nurl = "{receiver.url}"\n')
    add_matches(store, 5, "hook", mode="digest")
    report = await dispatcher(store, config).run_once(NOW)
    assert (report.sent, report.messages) == (5, 1)
    assert len(receiver.bodies) == 1 and "5 matches" in receiver.bodies[0]["title"]
    assert all(f"AI story {i}" in receiver.bodies[0]["message"] for i in range(5))


async def test_a_health_alert_never_joins_a_digest_and_says_which_source_fails(
    store: Store, tmp_path: Path, receiver: Receiver
) -> None:
    config = config_with(tmp_path, f'[channels.hook]\nurl = "{receiver.url}"\n')
    add_matches(store, 2, "hook", mode="digest")
    store.enqueue_health_alert(source_id="cna", channel="hook", state="failing", error="DNS failure", now=NOW)
    report = await dispatcher(store, config).run_once(NOW)
    assert (report.sent, report.messages) == (3, 2)
    messages = {body["title"]: body["message"] for body in receiver.bodies}
    assert "DNS failure" in messages.pop("[tidings] source cna is failing")
    [digest] = messages
    assert "2 matches" in digest


async def test_an_alert_for_a_removed_channel_is_dead_with_the_reason(store: Store, tmp_path: Path) -> None:
    add_matches(store, 1, "gone")
    report = await dispatcher(store, config_with(tmp_path, "")).run_once(NOW)
    assert report.dead == 1
    assert "not configured" in (store.list_alerts()[0].last_error or "")


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[int, Mailbox]]:
    from aiosmtpd.controller import Controller

    mailbox, port = Mailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, mailbox
    controller.stop()


async def test_email_reaches_a_real_smtp_server_with_page_text_escaped(
    store: Store, tmp_path: Path, smtp: tuple[int, Mailbox]
) -> None:
    port, mailbox = smtp
    url = f"mailto://127.0.0.1:{port}?from=tidings@example.org&to=analyst@example.org&mode=insecure"
    config = config_with(tmp_path, f'[channels.mail]\nurl = "{url}"\n')
    add_matches(store, 1, "mail", text="Taiwan's AI plan <script>alert(1)</script> & more.")
    assert (await dispatcher(store, config).run_once(NOW)).sent == 1
    assert len(mailbox.messages) == 1
    message = mailbox.messages[0]
    assert message["To"] == "analyst@example.org" and "AI story 0" in message["Subject"]
    html = next(part for part in message.walk() if part.get_content_type() == "text/html")
    html_text = html.get_payload(decode=True).decode()
    assert "<script>" not in html_text and "&lt;script&gt;alert(1)&lt;/script&gt;" in html_text
    assert "<mark>AI</mark>" in html_text


def mqtt_broker_running() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 1883), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not mqtt_broker_running(), reason="no MQTT broker answers on 127.0.0.1:1883")
async def test_mqtt_through_the_local_broker(store: Store, tmp_path: Path) -> None:
    import paho.mqtt.client as mqtt

    topic = f"tidings/test/{time.time_ns()}"
    received: list[bytes] = []
    subscribed = threading.Event()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    client.on_subscribe = lambda *args: subscribed.set()
    client.on_message = lambda _client, _userdata, message: received.append(message.payload)
    client.connect("127.0.0.1", 1883)
    client.subscribe(topic, qos=1)
    client.loop_start()
    try:
        assert subscribed.wait(5)
        config = config_with(tmp_path, f'[channels.mqtt]\nurl = "mqtt://127.0.0.1:1883/{topic}"\n')
        add_matches(store, 2, "mqtt")
        assert (await dispatcher(store, config).run_once(NOW)).sent == 2
        deadline = time.monotonic() + 5
        while len(received) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        client.loop_stop()
        client.disconnect()
    assert len(received) == 2 and all(b"AI story" in payload for payload in received)


def test_the_lazy_notifier_keeps_the_notifiers_default_time_limit() -> None:
    """`crawler.drivers.sending.SEND_TIMEOUT` stands in for `Notifier`'s default (which it cannot import lazily)."""
    import inspect

    from crawler.drivers.sending import LazyNotifier

    assert LazyNotifier().timeout == inspect.signature(Notifier).parameters["timeout"].default
