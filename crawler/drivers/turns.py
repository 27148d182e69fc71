"""The schedule several daemons share: each tick of a source's job first claims the source's turn in the database.

Every daemon keeps its own APScheduler job per source, but a run happens only when the tick wins
`Store.claim_due` (one conditional UPDATE of `source.next_due_at`): of N daemons on one PostgreSQL, one takes
each turn and moves the next due time a little less than one wait ahead; the others skip quietly. N daemons
therefore cost a site what one does. A source in failure backoff has its next due time in the future too, so the
same claim also skips it.

>>> turn_window(600.0, adapted=False)
(600.0, 210.0)
>>> turn_window(40.0, adapted=True)
(40.0, 10.0)
"""

from __future__ import annotations

from datetime import datetime, timedelta

from crawler.config import Source
from crawler.drivers.health import Metrics
from crawler.drivers.planner import Planner
from crawler.pipeline.run import settings_hash
from storage import Store

JITTER_FRACTION = 0.1  # the daemon's jitter on a fixed interval (see daemon._schedule_source)
JITTER_MAX = 60.0
EARLY_FRACTION = 0.25  # a turn may be taken this share of a wait early: late ticks and jitter never skip a turn


def turn_window(wait: float, *, adapted: bool) -> tuple[float, float]:
    """The wait until the next turn, and how much earlier than that a tick may still take it (its slack).

    A fixed interval's ticks come up to half its jitter early; with one daemon every tick must win its turn,
    with several the earliest tick after the due time wins: a quarter of a wait of slack keeps both true.
    """
    jitter = 0.0 if adapted else min(wait * JITTER_FRACTION, JITTER_MAX)
    return wait, jitter + wait * EARLY_FRACTION


def claim_turn(store: Store, source: Source, planner: Planner, now: datetime, metrics: Metrics) -> datetime | None:
    """Claim this turn of `source`: its next due time when won, None when another daemon has it (or it backs off)."""
    planned = planner.next_poll(source, now)  # the fixed interval unless adapted (see crawler.drivers.planner)
    wait, slack = turn_window(planned.seconds, adapted=planned.adapted)
    next_due = now + timedelta(seconds=wait - slack)
    if store.claim_due(source.id, now=now, next_due_at=next_due):
        return next_due
    if store.source_state(source.id) is None:  # never run: its row does not exist yet
        store.ensure_source(source.id, kind=source.profile.id, settings_hash=settings_hash(source))
        if store.claim_due(source.id, now=now, next_due_at=next_due):
            return next_due
    metrics.runs.labels(source.id, "not_due").inc()
    return None
