"""Matches and the outbox: rule matches on versions, and the alert rows the dispatcher claims, sends and marks."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Select, delete, func, or_, select, update
from sqlalchemy.engine import RowMapping

from storage.engine import Database, checked, from_json, to_json
from storage.errors import UnknownRowError
from storage.health import health_alert
from storage.prepared import dialect_insert, driver_once
from storage.records import (
    ALERT_MODES,
    ALERT_STATUSES,
    MARKER_CLASSES,
    MATCH_KINDS,
    AlertItem,
    AlertMode,
    AlertRow,
    AlertStatus,
    MatchAlert,
    MatchRecord,
    PendingAlert,
)
from storage.schema import alert, alert_match, entry, match, version
from storage.threads import ThreadWrites, story_members

_insert_match = driver_once(  # once per matched rule of a stored page: on the driver's cursor
    lambda name: dialect_insert(name, match)
    .on_conflict_do_nothing(index_elements=["version_id", "rule"])
    .returning(match.c.id),
    ("entry_id", "version_id", "rule", "kind", "evidence", "created_at"),
)


def _alert_select() -> Select[Any]:
    """Outbox rows with their first match's rule and entry (None for health alerts)."""
    return (
        select(alert, match.c.rule, match.c.entry_id, entry.c.title)
        .outerjoin(match, match.c.id == alert.c.match_id)
        .outerjoin(entry, entry.c.id == match.c.entry_id)
    )


def _item_select(alert_ids: Sequence[int]) -> Select[Any]:
    """Every match the given alerts carry, with its entry, matched text and edit analysis, in the order they were
    attached; the entry's current text too, for a removal or a files edit (matched on a marker without text)."""
    current = version.alias("current_version")
    return (
        select(
            alert_match.c.alert_id, match.c.id.label("match_id"), match.c.rule, match.c.kind, match.c.evidence,
            match.c.entry_id, entry.c.title, entry.c.url, entry.c.source_id, entry.c.language, entry.c.published,
            entry.c.first_seen, version.c.text, version.c.analysis, version.c.change_class,
            current.c.text.label("current_text"),
        )
        .join(match, match.c.id == alert_match.c.match_id)
        .join(entry, entry.c.id == match.c.entry_id)
        .join(version, version.c.id == match.c.version_id)
        .outerjoin(current, current.c.id == entry.c.current_version_id)
        .where(alert_match.c.alert_id.in_(list(alert_ids)))
        .order_by(alert_match.c.alert_id, match.c.id)
    )


def _alert_row(row: RowMapping) -> AlertRow:
    fields = {name: row[name] for name in AlertRow.__dataclass_fields__}
    fields["payload"] = from_json(row["payload"])
    return AlertRow(**fields)


def _item(row: RowMapping) -> AlertItem:
    fields = {name: row[name] for name in AlertItem.__dataclass_fields__}
    fields["evidence"] = from_json(row["evidence"])
    fields["analysis"] = from_json(row["analysis"])
    if row["kind"] == "removed" or row["change_class"] in MARKER_CLASSES:  # a marker has no text: quote the last
        fields["text"] = row["current_text"] or ""
    return AlertItem(**fields)


class MatchWrites(ThreadWrites):
    """The unit of work's part of this aggregate: a match and its outbox rows, in the article's transaction."""

    _conn: Connection

    def add_match(self, rec: MatchRecord, *, now: datetime) -> int | None:
        """Record a rule match; None when this (version, rule) was already recorded."""
        kind = checked("match kind", rec.kind, MATCH_KINDS)
        values = {"entry_id": rec.entry_id, "version_id": rec.version_id, "rule": rec.rule, "kind": kind,
                  "evidence": to_json(rec.evidence), "created_at": now}
        match_id: int | None = _insert_match(self._conn).scalar(self._conn, values)
        return match_id

    def enqueue_alert(
        self, match_id: int, channel: str, *, mode: AlertMode, due_at: datetime, now: datetime,
        thread: str | None = None, story_id: int | None = None, hold: float = 0.0,
    ) -> bool:
        """Send match ``match_id`` to ``channel``; False when it already goes there.

        Without ``thread``, the match gets an outbox row of its own. With one (``"story:12"``), the match joins
        the thread's first message on that channel while it is unsent, else an unsent follow-up under it, else
        a new follow-up: due when the first message's ``hold`` (seconds) ends, or at ``due_at`` after it.
        """
        mode = checked("alert mode", mode, ALERT_MODES)
        if self._carried(match_id, channel):
            return False
        if thread is None:
            alert_id = self._insert(match_id, channel, mode, due_at, now, story_id=story_id)
        else:
            alert_id = self._threaded(match_id, channel, mode, due_at, now, thread, story_id, hold)
        if alert_id is None:
            return False
        self._conn.execute(alert_match.insert().values(alert_id=alert_id, match_id=match_id, channel=channel))
        return True


class OutboxRepository(Database):
    """Claiming due alerts (each by one dispatcher), recording deliveries, listing and retrying."""

    def claim_alerts(
        self, owner: str, *, now: datetime, limit: int, lease_seconds: float, skip_channels: Collection[str] = ()
    ) -> list[PendingAlert]:
        """Claim up to ``limit`` due alerts: pending and due, or 'sending' with an expired claim; none of
        ``skip_channels`` (channels the caller is still sending to: a slow one never holds back the others).

        PostgreSQL skips rows locked by other claimers (FOR UPDATE SKIP LOCKED); SQLite serialises claimers
        with BEGIN IMMEDIATE. Claimed rows become 'sending' with attempts + 1.
        """
        due = or_(
            (alert.c.status == "pending") & (alert.c.next_attempt_at <= now),
            (alert.c.status == "sending") & (alert.c.claimed_until < now),
        )
        pick = select(alert.c.id).where(due).order_by(alert.c.next_attempt_at, alert.c.id).limit(limit)
        if skip_channels:
            pick = pick.where(alert.c.channel.not_in(sorted(skip_channels)))
        claim = {
            "status": "sending",
            "claimed_by": owner,
            "claimed_until": now + timedelta(seconds=lease_seconds),
            "attempts": alert.c.attempts + 1,
        }
        with self._write() as conn:
            ids = list(conn.scalars(pick.with_for_update(skip_locked=True)))
            if not ids:
                return []
            conn.execute(update(alert).where(alert.c.id.in_(ids)).values(**claim))
            return _claimed(conn, ids)

    def mark_sent(self, alert_id: int, *, now: datetime) -> None:
        """The alert was delivered."""
        self._set_alert(alert_id, status="sent", sent_at=now, last_error=None)

    def mark_failed(
        self, alert_id: int, *, error: str, now: datetime, next_attempt_at: datetime | None
    ) -> None:
        """Delivery failed: retry at ``next_attempt_at``, or give up (status 'dead') when it is None."""
        status: AlertStatus = "dead" if next_attempt_at is None else "pending"
        self._set_alert(alert_id, status=status, last_error=error, next_attempt_at=next_attempt_at or now)

    def _set_alert(self, alert_id: int, **values: Any) -> None:
        stmt = (
            update(alert).where(alert.c.id == alert_id).values(claimed_by=None, claimed_until=None, **values)
        )
        with self._write() as conn:
            if conn.execute(stmt).rowcount != 1:
                raise UnknownRowError("alert", alert_id)

    def count_sent(self, channel: str, *, since: datetime) -> int:
        """Match alerts sent to ``channel`` since ``since`` (the flood guard's window)."""
        query = select(func.count()).select_from(alert).where(
            alert.c.channel == channel, alert.c.status == "sent", alert.c.sent_at >= since,
            alert.c.match_id.is_not(None),
        )
        with self._read() as conn:
            return int(conn.execute(query).scalar_one())

    def drop_alerts(
        self, *, rule: str | None = None, channel: str | None = None, before: datetime | None = None
    ) -> int:
        """Delete pending alerts (of a rule, a channel, created before a time); returns how many."""
        where = (alert.c.status == "pending") & alert.c.claimed_by.is_(None)
        if channel is not None:
            where &= alert.c.channel == channel
        if before is not None:
            where &= alert.c.created_at < before
        if rule is not None:
            carried = select(alert_match.c.alert_id).join(match, match.c.id == alert_match.c.match_id)
            where &= alert.c.id.in_(carried.where(match.c.rule == rule))
        with self._write() as conn:
            ids = list(conn.scalars(select(alert.c.id).where(where)))
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                conn.execute(update(alert).where(alert.c.follow_up_of.in_(chunk)).values(follow_up_of=None))
                conn.execute(delete(alert_match).where(alert_match.c.alert_id.in_(chunk)))
                conn.execute(delete(alert).where(alert.c.id.in_(chunk)))
        return len(ids)

    def list_alerts(self, *, status: AlertStatus | None = None, limit: int = 100) -> list[AlertRow]:
        """Outbox rows, newest first, optionally of one status."""
        query = _alert_select().order_by(alert.c.id.desc()).limit(limit)
        if status is not None:
            query = query.where(alert.c.status == checked("alert status", status, ALERT_STATUSES))
        with self._read() as conn:
            rows = conn.execute(query).all()
        return [_alert_row(row._mapping) for row in rows]

    def retry_alerts(self, *, now: datetime, alert_ids: Sequence[int] | None = None) -> int:
        """Make dead alerts (or exactly ``alert_ids``, unless being sent right now) pending again, due now.

        Returns the number of alerts reset; their attempt count starts again from zero.
        """
        if alert_ids is None:
            where = alert.c.status == "dead"
        else:  # never reset a row a live dispatcher is sending right now
            sending = (alert.c.status == "sending") & (alert.c.claimed_until >= now)
            where = alert.c.id.in_(list(alert_ids)) & ~sending
        stmt = (
            update(alert)
            .where(where)
            .values(status="pending", attempts=0, next_attempt_at=now, claimed_by=None, claimed_until=None)
        )
        with self._write() as conn:
            return conn.execute(stmt).rowcount

    def pending_alerts(self) -> tuple[int, datetime | None]:
        """How many alerts wait in the outbox, and the earliest moment one of them is due (None when none)."""
        query = select(func.count(), func.min(alert.c.next_attempt_at)).where(alert.c.status == "pending")
        with self._read() as conn:
            count, earliest = conn.execute(query).one()
        return int(count), earliest

    def alert_counts(self) -> dict[str, int]:
        """Number of alerts per status (every AlertStatus present, zero when none)."""
        counts: dict[str, int] = dict.fromkeys(ALERT_STATUSES, 0)
        with self._read() as conn:
            rows = conn.execute(select(alert.c.status, func.count()).group_by(alert.c.status)).all()
        counts.update({status: count for status, count in rows})
        return counts


def _claimed(conn: Connection, ids: Sequence[int]) -> list[PendingAlert]:
    rows = [row._mapping for row in conn.execute(select(alert).where(alert.c.id.in_(ids)).order_by(alert.c.id))]
    items: dict[int, list[AlertItem]] = {}
    for found in conn.execute(_item_select(ids)):
        items.setdefault(found.alert_id, []).append(_item(found._mapping))
    heads = [row["follow_up_of"] for row in rows if row["follow_up_of"] is not None]
    head_uids: dict[int, str] = {}
    if heads:
        query = select(alert.c.id, alert.c.uid).where(alert.c.id.in_(heads))
        head_uids = {found.id: found.uid for found in conn.execute(query)}
    members = story_members(conn, {row["story_id"] for row in rows if row["story_id"] is not None})
    claimed: list[PendingAlert] = []
    for row in rows:
        claim = {name: row[name] for name in ("channel", "mode", "attempts", "created_at", "uid")}
        claim["alert_id"] = row["id"]
        if row["match_id"] is None:
            claimed.append(health_alert(claim, from_json(row["payload"])))
        elif items.get(row["id"]):
            claimed.append(MatchAlert(
                **claim, items=tuple(items[row["id"]]), story_id=row["story_id"],
                head_uid=head_uids.get(row["follow_up_of"]), story=members.get(row["story_id"], ()),
            ))
    return claimed
