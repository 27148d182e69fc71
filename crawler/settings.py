"""The `[settings]` table and the value types of the config: durations, ranges, the data directory.

Every number and duration has a range; a value outside it is refused with one line naming the key
(config.py formats pydantic's errors). Infinity and NaN are never accepted.

>>> Settings(retries=2).retries
2
>>> parse_duration("15m")
900.0
"""

from __future__ import annotations

import importlib.util
import math
import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from pydantic.functional_validators import AfterValidator

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}
_DATABASE_URL = re.compile(r"^(sqlite|postgresql)(\+[a-z0-9_]+)?://", re.IGNORECASE)
MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0
DEFAULT_INTERVAL = 900.0


def parse_duration(value: object) -> float:
    """Seconds from `90`, `"30s"`, `"15m"`, `"6h"`, `"7d"`; never infinite or NaN.

    >>> parse_duration("6h")
    21600.0
    >>> parse_duration(float("inf"))
    Traceback (most recent call last):
    ValueError: not a finite duration (write e.g. 90, '30s', '15m', '6h' or '7d')
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise ValueError("not a finite duration (write e.g. 90, '30s', '15m', '6h' or '7d')")
        return float(value)
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError("not a duration (write e.g. 90, '30s', '15m', '6h' or '7d')")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


Duration = Annotated[float, BeforeValidator(parse_duration)]


Schedule = Literal["adaptive", "fixed"]
DEFAULT_RECHECK_AFTER = (15 * MINUTE, HOUR, 3 * HOUR, 12 * HOUR, DAY, 3 * DAY, 7 * DAY)
# A re-check step counts from when the article was first seen: 1 minute to 90 days; the steps are kept sorted.
RecheckStep = Annotated[Duration, Field(ge=MINUTE, le=90 * DAY, allow_inf_nan=False)]


def within(default: Any, low: float, high: float, *, above: bool = False) -> Any:
    """A pydantic Field with the range [low, high] (or (low, high] when `above`), finite only."""
    if above:
        return Field(default=default, gt=low, le=high, allow_inf_nan=False)
    return Field(default=default, ge=low, le=high, allow_inf_nan=False)


def default_data_dir() -> Path:
    """`$TIDINGS_HOME`, else `$XDG_DATA_HOME/tidings`, else `~/.local/share/tidings`."""
    if home := os.environ.get("TIDINGS_HOME"):
        return Path(home)
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "tidings"


_PG_DRIVERS = {"psycopg": "psycopg", "": "psycopg2", "psycopg2": "psycopg2", "pg8000": "pg8000"}


def _check_postgres_driver(driver: str) -> None:
    """A PostgreSQL URL whose driver is not installed: one line saying what to install."""
    module = _PG_DRIVERS.get(driver)
    if module is None:
        raise ValueError(f"PostgreSQL driver {driver!r} is not supported; write postgresql+psycopg://...")
    if importlib.util.find_spec(module) is not None:
        return
    if module != "psycopg" and importlib.util.find_spec("psycopg") is not None:
        raise ValueError(f"the {module} driver is not installed; write the URL as postgresql+psycopg://...")
    raise ValueError("PostgreSQL needs the psycopg driver, which is not installed: "
                     "pip install 'tidings[postgres]', and write the URL as postgresql+psycopg://...")


class Strict(BaseModel):
    """A config table: unknown keys are refused, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Settings(Strict):
    """The `[settings]` table. `interval` is the default interval of every source that sets none."""

    database_url: str = ""
    user_agent: str = Field(default="tidings/0.1 (+https://github.com/tidings/tidings; monitoring crawler)",
                            min_length=1, max_length=512)
    interval: Duration | None = within(None, 1, 30 * DAY)
    per_host_delay: float = within(1.0, 0, HOUR)
    per_host_concurrency: int = within(1, 1, 64)
    request_timeout: Duration = within(30.0, 0, HOUR, above=True)
    max_body_bytes: int = within(10 * 1024 * 1024, 1, 1024**3)
    allow_private_networks: bool = False
    respect_robots: bool = True
    retries: int = within(3, 0, 20)
    max_articles_per_run: int = within(200, 1, 100_000)
    recheck_after: Annotated[tuple[RecheckStep, ...], AfterValidator(sorted), AfterValidator(tuple)] = Field(
        default=DEFAULT_RECHECK_AFTER, max_length=20)  # after first seen; then never again
    recheck_budget: int = within(20, 0, 1000)  # re-checks per source run at most
    lease: Duration = within(60.0, 1, DAY)  # renewed every third of it while a run lives
    failure_alert_after: int = within(3, 1, 10_000)
    admin_channels: tuple[str, ...] = ()
    alert_max_attempts: int = within(8, 1, 1000)
    alert_retry_base: Duration = within(30.0, 0, DAY, above=True)
    alert_retry_max: Duration = within(3600.0, 0, 7 * DAY, above=True)
    health_host: str = "127.0.0.1"
    health_port: int = within(8787, 0, 65535)
    source_backoff_max: Duration = within(6 * HOUR, 0, 30 * DAY)
    run_timeout: Duration = within(600.0, 0, DAY, above=True)
    dispatch_interval: Duration = within(10.0, 0.1, HOUR)
    fetch_attachments: bool = True
    max_attachment_bytes: int = within(20 * 1024 * 1024, 64 * 1024, 1024**3)
    keep_raw: Literal["all", "latest", "none"] = "all"
    raw_max_bytes: int = within(0, 0, 2**50)  # 0: no cap on the stored raw responses
    schedule: Schedule = "adaptive"  # crawler/pipeline/schedule.py; unset bounds: a source's interval / 8, x 4
    min_interval: Duration | None = within(None, 1, DAY)
    max_interval: Duration | None = within(None, 1, 7 * DAY)
    story_hold: Duration = within(600.0, 0, DAY)  # later members of a story within it: one follow-up
    max_alert_age: Duration = within(3 * DAY, HOUR, 365 * DAY)  # articles published longer ago are no news
    flood_max: int = within(20, 1, 10_000)  # more alerts than this to one channel within flood_window ...
    flood_window: Duration = within(HOUR, 60, DAY)  # ... become one summary message

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, url: str) -> str:
        match = _DATABASE_URL.match(url)
        if url and not match:
            raise ValueError("not a database URL; write e.g. sqlite:///path/to/tidings.db "
                             "or postgresql+psycopg://user:password@host:5432/dbname")
        if match and match.group(1).lower() == "postgresql":
            _check_postgres_driver((match.group(2) or "").lstrip("+").lower())
        return url

    @field_validator("user_agent")
    @classmethod
    def _printable(cls, agent: str) -> str:
        if any(ord(char) < 0x20 or ord(char) == 0x7F for char in agent):
            raise ValueError("control characters (CR, LF, tab...) are not allowed in a header; use one plain line")
        return agent

    @model_validator(mode="after")
    def _retry_order(self) -> Settings:
        if self.alert_retry_base > self.alert_retry_max:
            raise ValueError("alert_retry_base must not exceed alert_retry_max")
        return self

    def resolved_database_url(self) -> str:
        """The database URL, else a SQLite file in the data directory."""
        return self.database_url or f"sqlite:///{default_data_dir() / 'tidings.db'}"
