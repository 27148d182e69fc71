"""Health alerts: an instant outbox row when a source starts failing or recovers, and the source's memory of it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update

from storage.engine import Database, checked, to_json
from storage.errors import UnknownRowError
from storage.records import HEALTH_STATES, HealthAlert, HealthState
from storage.schema import alert, source


def health_alert(claim: dict[str, Any], payload: dict[str, Any]) -> HealthAlert:
    """A claimed health alert from its outbox columns (``claim``) and the payload :meth:`enqueue_health_alert`
    wrote."""
    state = checked("health state", payload["state"], HEALTH_STATES)
    return HealthAlert(**claim, source_id=payload["source"], state=state, error=payload.get("error"))


class HealthAlertRepository(Database):
    """Health alerts have no match: their payload names the source, the state and the last error."""

    def enqueue_health_alert(
        self, *, source_id: str, channel: str, state: HealthState, error: str | None, now: datetime
    ) -> int:
        """Queue an instant alert that ``source_id`` is failing or recovered (a HealthState); returns its id."""
        payload = {"source": source_id, "state": checked("health state", state, HEALTH_STATES), "error": error}
        values = {"channel": channel, "status": "pending", "mode": "instant", "attempts": 0}
        stmt = alert.insert().values(**values, next_attempt_at=now, created_at=now, payload=to_json(payload))
        with self._write() as conn:
            alert_id: int = conn.execute(stmt.returning(alert.c.id)).scalar_one()
        return alert_id

    def set_health_alerted(self, source_id: str, alerted: bool) -> None:
        """Remember whether a 'failing' health alert was sent for the source."""
        with self._write() as conn:
            result = conn.execute(
                update(source).where(source.c.id == source_id).values(health_alerted=alerted)
            )
            if result.rowcount != 1:
                raise UnknownRowError("source", source_id)
