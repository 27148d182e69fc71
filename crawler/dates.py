"""Dates in the forms the target sites use, as timezone-aware values in the site's zone.

>>> ArticleDate(datetime(2025, 12, 2, 20, 18, tzinfo=ZoneInfo("Asia/Taipei")), has_time=True).iso()
'2025-12-02T20:18+08:00'
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

TAIPEI = ZoneInfo("Asia/Taipei")


@dataclass(frozen=True)
class ArticleDate:
    """A point in time as a page shows it: with a time of day, or only the day."""

    value: datetime  # always timezone-aware, in the site's zone
    has_time: bool

    def iso(self) -> str:
        """The seed-schema form: `2025-12-02T20:18+08:00`, or `2025-12-02` for a day."""
        if not self.has_time:
            return self.value.date().isoformat()
        offset = self.value.strftime("%z")
        return self.value.strftime("%Y-%m-%dT%H:%M") + offset[:3] + ":" + offset[3:]
