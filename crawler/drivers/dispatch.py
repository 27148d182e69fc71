"""Deliver due alerts from the outbox: claim, render, send through apprise (or print), record the outcome.

A row is claimed before it is sent and marked sent right after, so a crash loses nothing: a claimed row whose
claim expired is claimed again. Failures retry with exponential backoff and jitter, then the row is dead
(`tidings alerts list --status dead`, `tidings alerts retry`). Digest rows of one channel go out as one message.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TextIO

from crawler.config import CONSOLE, Config
from rules.notify import Delivery, Notifier, default_format
from rules.render import AlertView, Format, Message, render_alert, render_digest, render_health, render_template
from storage import HealthAlert, MatchAlert, PendingAlert, Store

CLAIM_BATCH = 100
CLAIM_LEASE_SECONDS = 300.0


@dataclass(frozen=True)
class DispatchReport:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    messages: int = 0

    def __add__(self, other: DispatchReport) -> DispatchReport:
        return DispatchReport(
            self.sent + other.sent, self.failed + other.failed, self.dead + other.dead, self.messages + other.messages
        )


@dataclass(frozen=True)
class Dispatcher:
    """Everything delivery needs; `console` is where the built-in console channel prints."""

    store: Store
    config: Config
    notifier: Notifier
    owner: str = "tidings"
    console: TextIO | None = None
    jitter: Callable[[], float] = random.random
    claim_lease: float = CLAIM_LEASE_SECONDS  # a process killed mid-send leaves its rows to others after this
    claim_batch: int = CLAIM_BATCH  # small enough that sending a batch fits in the lease

    async def run_once(self, now: datetime | None = None) -> DispatchReport:
        """Send every alert that is due (now, or at `now`); return the counts."""
        report = DispatchReport()
        while True:
            moment = now or datetime.now(UTC)
            claimed = self.store.claim_alerts(
                self.owner, now=moment, limit=self.claim_batch, lease_seconds=self.claim_lease
            )
            if not claimed:
                return report
            for group in _groups(claimed):
                report = report + await self._deliver(group, moment)

    async def _deliver(self, group: Sequence[PendingAlert], now: datetime) -> DispatchReport:
        channel = group[0].channel
        if channel != CONSOLE and channel not in self.config.channels:
            gone = Delivery(False, f"channel {channel!r} is not configured any more")
            return self._record(group, gone, now, final=True)
        message = _message(group, self._format(channel), self._template(channel))
        delivery = await asyncio.to_thread(self._send, channel, message, idempotency_key(group))
        return self._record(group, delivery, now, final=False)

    def _format(self, channel: str) -> Format:
        if channel == CONSOLE:
            return "text"
        settings = self.config.channels[channel]
        return settings.format or default_format(settings.urls)

    def _template(self, channel: str) -> str | None:
        return None if channel == CONSOLE else self.config.channels[channel].template

    def _send(self, channel: str, message: Message, key: str) -> Delivery:
        if channel == CONSOLE:
            stream = self.console or sys.stdout
            stream.write(f"\n{message.title}\n{message.body}\n")
            stream.flush()
            return Delivery(True)
        return self.notifier.send(self.config.channels[channel].urls, message, key=key)

    def _record(
        self, group: Sequence[PendingAlert], delivery: Delivery, now: datetime, *, final: bool
    ) -> DispatchReport:
        if delivery.ok:
            for alert in group:
                self.store.mark_sent(alert.alert_id, now=now)
            return DispatchReport(sent=len(group), messages=1)
        dead = 0
        for alert in group:
            next_attempt = None if final else self._next_attempt(alert.attempts, now)
            dead += next_attempt is None
            error = delivery.error or "failed"
            self.store.mark_failed(alert.alert_id, error=error, now=now, next_attempt_at=next_attempt)
        return DispatchReport(failed=len(group), dead=dead)

    def _next_attempt(self, attempts: int, now: datetime) -> datetime | None:
        """Exponential backoff with full jitter; None once the attempts are used up (the row is dead)."""
        settings = self.config.settings
        if attempts >= settings.alert_max_attempts:
            return None
        ceiling = min(settings.alert_retry_max, settings.alert_retry_base * 2 ** (attempts - 1))
        return now + timedelta(seconds=ceiling * (0.5 + self.jitter() / 2))


def idempotency_key(group: Sequence[PendingAlert]) -> str:
    """The same key every time this message is (re)sent, so a receiver can drop a repeat.

    Delivery is at least once: a process killed after a channel accepted a message but before it was marked
    sent sends it again. Webhook receivers see the key as the `X-Tidings-Alert-Id` header.

    >>> from datetime import datetime, UTC
    >>> alert = HealthAlert(alert_id=7, channel="hook", mode="instant", attempts=1, created_at=datetime.now(UTC),
    ...                     source_id="cna", state="failing", error="DNS")
    >>> idempotency_key([alert])
    'tidings-alert-7'
    """
    ids = sorted(alert.alert_id for alert in group)
    if len(ids) == 1:
        return f"tidings-alert-{ids[0]}"
    return "tidings-digest-" + hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:16]


def _groups(alerts: Sequence[PendingAlert]) -> list[list[PendingAlert]]:
    """Instant alerts one by one; a channel's digest alerts together."""
    groups: list[list[PendingAlert]] = []
    digests: dict[str, list[PendingAlert]] = {}
    for alert in alerts:
        if isinstance(alert, MatchAlert) and alert.mode == "digest":
            digests.setdefault(alert.channel, []).append(alert)
        else:
            groups.append([alert])
    return groups + list(digests.values())


def _message(group: Sequence[PendingAlert], fmt: Format, template: str | None) -> Message:
    """A health alert alone, one match alert, or a channel's digest (only match alerts are grouped)."""
    first = group[0]
    if isinstance(first, HealthAlert):
        return render_health(first.source_id, first.state, first.error, fmt)
    views = [alert_view(alert) for alert in group if isinstance(alert, MatchAlert)]
    if first.mode == "digest":
        return render_digest(views, fmt)
    return render_template(template, views[0], fmt) if template else render_alert(views[0], fmt)


def alert_view(alert: MatchAlert) -> AlertView:
    """The message's view of a stored match: the body is the stored text without its title and date lines."""
    return AlertView(
        rule=alert.rule,
        kind=alert.kind,
        title=alert.title or alert.url or "(untitled)",
        url=alert.url,
        source=alert.source_id,
        language=alert.language,
        published=alert.published,
        body=body_of(alert.text, alert.title, alert.published),
        evidence=tuple(alert.evidence),
    )


def body_of(text: str, title: str | None, published: str | None) -> str:
    """Strip the seed schema's title and date lines, leaving the body the matcher saw.

    >>> body_of("T\\n2026-01-02\\nA\\nB\\n", "T", "2026-01-02")
    'A\\nB'
    """
    lines = text.rstrip("\n").split("\n")
    if title and lines and lines[0] == title:
        lines = lines[1:]
    if published and lines and lines[0] == published:
        lines = lines[1:]
    return "\n".join(lines)
