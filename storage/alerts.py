"""Matches and the outbox: rule matches on versions, and the alert rows the dispatcher claims, sends and marks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Select, func, or_, select, update
from sqlalchemy.engine import RowMapping

from storage.engine import Database, checked, dialect_insert, from_json, to_json
from storage.errors import UnknownRowError
from storage.health import health_alert
from storage.records import (
    ALERT_MODES,
    ALERT_STATUSES,
    MATCH_KINDS,
    AlertMode,
    AlertRow,
    AlertStatus,
    MatchAlert,
    MatchRecord,
    PendingAlert,
)
from storage.schema import alert, entry, match, version


def _alert_select() -> Select[Any]:
    """Outbox rows with their match, entry and matched text (all None for health alerts)."""
    return (
        select(
            alert,
            match.c.rule,
            match.c.kind,
            match.c.evidence,
            match.c.entry_id,
            entry.c.title,
            entry.c.url,
            entry.c.source_id,
            entry.c.language,
            entry.c.published,
            version.c.text,
        )
        .outerjoin(match, match.c.id == alert.c.match_id)
        .outerjoin(entry, entry.c.id == match.c.entry_id)
        .outerjoin(version, version.c.id == match.c.version_id)
    )


def _alert_row(row: RowMapping) -> AlertRow:
    fields = {name: row[name] for name in AlertRow.__dataclass_fields__}
    fields["payload"] = from_json(row["payload"])
    return AlertRow(**fields)


def _pending_alert(row: RowMapping) -> PendingAlert:
    claim = {name: row[name] for name in ("channel", "mode", "attempts", "created_at")}
    claim["alert_id"] = row["id"]
    if row["match_id"] is None:
        return health_alert(claim, from_json(row["payload"]))
    return _match_alert(row, claim)


def _match_alert(row: RowMapping, claim: dict[str, Any]) -> MatchAlert:
    return MatchAlert(
        **claim,
        match_id=row["match_id"],
        rule=row["rule"],
        kind=row["kind"],
        evidence=from_json(row["evidence"]),
        entry_id=row["entry_id"],
        title=row["title"],
        url=row["url"],
        source_id=row["source_id"],
        language=row["language"],
        published=row["published"],
        text=row["text"],
    )


class MatchWrites:
    """The unit of work's part of this aggregate: a match and its outbox rows, in the article's transaction."""

    _conn: Connection

    def add_match(self, rec: MatchRecord, *, now: datetime) -> int | None:
        """Record a rule match; None when this (version, rule) was already recorded."""
        kind = checked("match kind", rec.kind, MATCH_KINDS)
        stmt = dialect_insert(self._conn, match).values(
            entry_id=rec.entry_id,
            version_id=rec.version_id,
            rule=rec.rule,
            kind=kind,
            evidence=to_json(rec.evidence),
            created_at=now,
        )
        stmt = stmt.on_conflict_do_nothing(index_elements=["version_id", "rule"])
        match_id: int | None = self._conn.execute(stmt.returning(match.c.id)).scalar()
        return match_id

    def enqueue_alert(self, match_id: int, channel: str, *, mode: AlertMode, due_at: datetime, now: datetime) -> bool:
        """Put one outbox row for (match, channel); False when it already exists."""
        stmt = dialect_insert(self._conn, alert).values(
            match_id=match_id,
            channel=channel,
            status="pending",
            mode=checked("alert mode", mode, ALERT_MODES),
            attempts=0,
            next_attempt_at=due_at,
            created_at=now,
        )
        stmt = stmt.on_conflict_do_nothing(index_elements=["match_id", "channel"])
        return self._conn.execute(stmt.returning(alert.c.id)).scalar() is not None


class OutboxRepository(Database):
    """Claiming due alerts (each by one dispatcher), recording deliveries, listing and retrying."""

    def claim_alerts(
        self, owner: str, *, now: datetime, limit: int, lease_seconds: float
    ) -> list[PendingAlert]:
        """Claim up to ``limit`` due alerts: pending and due, or 'sending' with an expired claim.

        PostgreSQL skips rows locked by other claimers (FOR UPDATE SKIP LOCKED); SQLite serialises claimers
        with BEGIN IMMEDIATE. Claimed rows become 'sending' with attempts + 1.
        """
        due = or_(
            (alert.c.status == "pending") & (alert.c.next_attempt_at <= now),
            (alert.c.status == "sending") & (alert.c.claimed_until < now),
        )
        pick = select(alert.c.id).where(due).order_by(alert.c.next_attempt_at, alert.c.id).limit(limit)
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
            rows = conn.execute(_alert_select().where(alert.c.id.in_(ids)).order_by(alert.c.id)).all()
        return [_pending_alert(row._mapping) for row in rows]

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

    def alert_counts(self) -> dict[str, int]:
        """Number of alerts per status (every AlertStatus present, zero when none)."""
        counts: dict[str, int] = dict.fromkeys(ALERT_STATUSES, 0)
        with self._read() as conn:
            rows = conn.execute(select(alert.c.status, func.count()).group_by(alert.c.status)).all()
        counts.update({status: count for status, count in rows})
        return counts
