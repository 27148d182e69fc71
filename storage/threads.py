"""Threads of the outbox: one first message per (story, channel), later matches gathered into follow-ups.

A thread is named by the caller (``"story:12"``, or ``"entry:34"`` for a rule that wants every article); its
first message on a channel holds ``thread_key = "<thread>|<channel>"`` (unique), follow-ups point at it with
``follow_up_of``. Unsent rows gather matches (``alert_match``) instead of multiplying.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.engine import RowMapping

from storage.prepared import dialect_insert
from storage.schema import alert, alert_match, entry, new_alert_uid


class ThreadWrites:
    """Choosing (or creating) the outbox row a match joins."""

    _conn: Connection

    def _carried(self, match_id: int, channel: str) -> bool:
        query = select(alert_match.c.alert_id).where(alert_match.c.match_id == match_id,
                                                     alert_match.c.channel == channel)
        return self._conn.execute(query).first() is not None

    def _insert(
        self, match_id: int, channel: str, mode: str, due_at: datetime, now: datetime, **extra: Any
    ) -> int | None:
        values = {
            "match_id": match_id, "channel": channel, "status": "pending", "mode": mode, "attempts": 0,
            "next_attempt_at": due_at, "created_at": now, "uid": new_alert_uid(), **extra,
        }
        conflict = ["thread_key"] if extra.get("thread_key") else ["match_id", "channel"]
        insert = dialect_insert(self._conn.dialect.name, alert)
        stmt = insert.values(**values).on_conflict_do_nothing(index_elements=conflict)
        alert_id: int | None = self._conn.execute(stmt.returning(alert.c.id)).scalar()
        return alert_id

    def _threaded(
        self, match_id: int, channel: str, mode: str, due_at: datetime, now: datetime, thread: str,
        story_id: int | None, hold: float,
    ) -> int | None:
        key = f"{thread}|{channel}"
        head = self._head(key)
        if head is None:
            created = self._insert(match_id, channel, mode, due_at, now, story_id=story_id, thread_key=key)
            if created is not None:
                return created
            head = self._head(key)  # a concurrent writer created it first
            assert head is not None, f"alert thread {key} vanished"
        if _open(head):
            return int(head["id"])
        query = select(alert).where(alert.c.follow_up_of == head["id"]).order_by(alert.c.id.desc()).limit(1)
        latest = self._conn.execute(query).first()
        if latest is not None and _open(latest._mapping):
            return int(latest._mapping["id"])
        gathered_until = head["created_at"] + timedelta(seconds=hold)
        due = gathered_until if now < gathered_until else due_at
        return self._insert(match_id, channel, mode, due, now, story_id=story_id, follow_up_of=head["id"])

    def _head(self, key: str) -> RowMapping | None:
        row = self._conn.execute(select(alert).where(alert.c.thread_key == key)).first()
        return None if row is None else row._mapping


def _open(row: RowMapping) -> bool:
    """Unsent and not being sent: a match can still join it."""
    return bool(row["status"] == "pending" and row["claimed_by"] is None)


def story_members(conn: Connection, story_ids: Iterable[int]) -> dict[int, tuple[tuple[int, str | None, str], ...]]:
    """(entry id, language, source) of every member of each story, oldest first."""
    wanted = sorted(set(story_ids))
    if not wanted:
        return {}
    query = select(entry.c.story_id, entry.c.id, entry.c.language, entry.c.source_id).where(
        entry.c.story_id.in_(wanted), entry.c.duplicate_of.is_(None)
    )
    members: dict[int, list[tuple[int, str | None, str]]] = {}
    for row in conn.execute(query.order_by(entry.c.id)):
        members.setdefault(row.story_id, []).append((row.id, row.language, row.source_id))
    return {story_id: tuple(rows) for story_id, rows in members.items()}
