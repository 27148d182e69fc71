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
from urllib.parse import urlsplit

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
    """The configured source whose base URL is the longest prefix of `url`; among sources on the same base URL
    (moda-en and moda-zh share one), the one with a page variant for the URL, then the one whose listings share
    the longest leading path with it (`/en/press/...` is moda-en's, `/press/...` moda-zh's).

    >>> from crawler.config import load_config
    >>> config = load_config(None)
    >>> paths = ("/press/press-releases/1", "/en/press/press-releases/1")
    >>> [source_for_url(config, "https://moda.gov.tw" + path).id for path in paths]
    ['moda-zh', 'moda-en']
    """
    candidates = [source for source in config.sources.values() if url.startswith(source.base_url)]
    return max(candidates, key=lambda source: _fit(source, url), default=None)


def _fit(source: Source, url: str) -> tuple[int, bool, int]:
    has_variant = source.profile.has_variant_for(url)
    listings = (source.discovery_url(entry) for entry in source.profile.discover)
    return len(source.base_url), has_variant, max((_shared_path(url, listing) for listing in listings), default=0)


def _shared_path(url: str, other: str) -> int:
    """How many leading path segments two URLs on the same host share (0 on different hosts)."""
    a, b = urlsplit(url), urlsplit(other)
    if a.netloc != b.netloc:
        return 0
    shared = 0
    for left, right in zip(a.path.strip("/").split("/"), b.path.strip("/").split("/"), strict=False):
        if left != right:
            break
        shared += 1
    return shared
