"""The `[web]` table of the config: the web app, its API and feeds (kept apart from `crawler.config` to stay small).

>>> WebSettings().host, WebSettings().backtest_days
('127.0.0.1', (30, 90))
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


class WebSettings(BaseModel):
    """The `[web]` table; served by `tidings serve`, and by `tidings run` on settings.health_host/health_port."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = "127.0.0.1"  # `tidings serve` only
    port: int = Field(default=8788, ge=0, le=65535)  # `tidings serve` only
    token_hash: str = ""  # `tidings token` makes one; required when the app listens beyond loopback
    read_token_hash: str = ""  # optional: a bearer token that may only read (API, feeds)
    page_size: int = Field(default=50, ge=1, le=500)
    feed_size: int = Field(default=50, ge=1, le=500)
    search_scan_limit: int = Field(default=5000, ge=100, le=1_000_000)  # candidates confirmed per search page
    backtest_days: tuple[int, ...] = (30, 90)
    health_timeout: float = Field(default=3.0, ge=0.1, le=60.0)  # seconds
    session_lifetime: float = Field(default=12 * 3600.0, ge=60.0, le=90 * 86400.0)  # seconds
    feed_authority: str = Field(default="tidings.localhost", pattern=r"^[A-Za-z0-9.-]+$")  # of tag: URIs

    @field_validator("backtest_days")
    @classmethod
    def _days_in_range(cls, days: tuple[int, ...]) -> tuple[int, ...]:
        if not days or any(not 1 <= day <= 3660 for day in days):
            raise ValueError("give one or more numbers of days between 1 and 3660, e.g. [30, 90]")
        return days
