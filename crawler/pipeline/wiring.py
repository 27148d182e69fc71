"""Shared wiring from the config to the unit of work: the fetch policy, the run options, who holds a lease,
the sources to run. Both drivers (crawl, daemon) and the CLI use it; nothing imports a driver for set-up.

>>> from crawler.config import load_config
>>> config = load_config(None)
>>> fetch_policy(config.settings).per_host_delay
1.0
>>> run_options(config, owner="me").owner
'me'
"""

from __future__ import annotations

from collections.abc import Sequence

from crawler.config import Config, Settings, Source
from crawler.errors import ConfigError
from crawler.fetch.values import FetchPolicy
from crawler.pipeline.owner import owner_id as owner_id
from crawler.pipeline.values import RunOptions


def fetch_policy(settings: Settings) -> FetchPolicy:
    """The fetch layer's policy from the config's `[settings]`."""
    return FetchPolicy(
        user_agent=settings.user_agent,
        read_timeout=settings.request_timeout,
        total_timeout=max(settings.request_timeout * 2, settings.request_timeout + 10),
        max_body_bytes=settings.max_body_bytes,
        per_host_concurrency=settings.per_host_concurrency,
        per_host_delay=settings.per_host_delay,
        allow_private_networks=settings.allow_private_networks,
        respect_robots=settings.respect_robots,
        retries=settings.retries,
    )


def run_options(
    config: Config, *, owner: str | None = None, backfill: int = 0, alert_existing: bool = False,
    recheck_all: bool = False,
) -> RunOptions:
    """The options of every run of this process."""
    return RunOptions.from_settings(config.settings, owner=owner or owner_id(), backfill=backfill,
                                    alert_existing=alert_existing, recheck_all=recheck_all)


def select_sources(config: Config, ids: Sequence[str]) -> list[Source]:
    """The sources named on the command line (all enabled ones when none is named)."""
    if not ids:
        return list(config.sources.values())
    unknown = [source_id for source_id in ids if source_id not in config.sources]
    if unknown:
        known = ", ".join(config.sources) or "none"
        raise ConfigError(
            f"unknown source id(s): {', '.join(unknown)} (configured: {known}; see `tidings sources list`)"
        )
    return [config.sources[source_id] for source_id in ids]


def source_for_url(config: Config, url: str) -> Source | None:
    """The configured source whose base URL is the longest prefix of `url`."""
    candidates = [source for source in config.sources.values() if url.startswith(source.base_url)]
    return max(candidates, key=lambda source: len(source.base_url), default=None)
