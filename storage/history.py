"""An entry's history for people: the matches recorded on it and the alerts each queued (to which channel, in
which state)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from storage.engine import Database, from_json
from storage.records import EntryMatch
from storage.schema import alert, entry, match, version


class HistoryRepository(Database):
    """Reads behind `tidings entries show`."""

    def entry_matches(self, entry_id: int) -> list[EntryMatch]:
        """The matches of an entry, oldest first, each with its alerts as (channel, status, sent at)."""
        query = (
            select(match, alert.c.channel, alert.c.status, alert.c.sent_at)
            .outerjoin(alert, alert.c.match_id == match.c.id)
            .where(match.c.entry_id == entry_id)
            .order_by(match.c.id, alert.c.id)
        )
        with self._read() as conn:
            rows = conn.execute(query).all()
        found: dict[int, EntryMatch] = {}
        sent: dict[int, list[tuple[str, str, datetime | None]]] = {}
        for row in rows:
            if row.id not in found:
                found[row.id] = EntryMatch(row.id, row.version_id, row.rule, row.kind, from_json(row.evidence),
                                           row.created_at)
            if row.channel is not None:
                sent.setdefault(row.id, []).append((row.channel, row.status, row.sent_at))
        return [
            EntryMatch(m.id, m.version_id, m.rule, m.kind, m.evidence, m.created_at, tuple(sent.get(m.id, ())))
            for m in found.values()
        ]

    def change_counts(self) -> dict[str, dict[str, int]]:
        """Per source, the number of versions by class ("substantive", "cosmetic", "removed", "restored", ...)."""
        query = (
            select(entry.c.source_id, version.c.change_class, func.count())
            .join(entry, entry.c.id == version.c.entry_id)
            .group_by(entry.c.source_id, version.c.change_class)
        )
        counts: dict[str, dict[str, int]] = {}
        with self._read() as conn:
            for source_id, change_class, count in conn.execute(query).all():
                counts.setdefault(source_id, {})[change_class] = count
        return counts
