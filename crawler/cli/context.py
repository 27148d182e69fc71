"""What every CLI command shares: the lazily loaded config, the store, the consoles, error handling."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import click
from rich.console import Console

from crawler.config import Config, load_config, parse_duration
from crawler.errors import TidingsError
from storage import StorageError, Store

# Off a terminal (pipes, cron, logs) rich would assume 80 columns and cut table cells with "…": keep them whole.
_WIDTH = None if sys.stdout.isatty() else 200
console = Console(highlight=False, soft_wrap=True, width=_WIDTH)
errors = Console(stderr=True, highlight=False, soft_wrap=True, width=_WIDTH)


class Context:
    """The config path, loaded on first use so that `tidings init` works without a config."""

    def __init__(self, config_path: str | None) -> None:
        self.config_path = config_path
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config

    @contextmanager
    def store(self) -> Iterator[Store]:
        with Store.open(self.config.database_url) as store:
            yield store


pass_context = click.make_pass_decorator(Context)


class TidingsGroup(click.Group):
    """Turns tidings' own errors into clear lines on stderr and exit code 2, instead of a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (TidingsError, StorageError) as exc:
            for line in str(exc).splitlines():
                errors.print(f"error: {line}", markup=False)
            sys.exit(2)


def since_option(value: str | None) -> datetime | None:
    """`--since 7d` as a point in time."""
    if not value:
        return None
    try:
        return datetime.now(UTC) - timedelta(seconds=parse_duration(value))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from None
