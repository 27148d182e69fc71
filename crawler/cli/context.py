"""What every CLI command shares: the lazily loaded config and store, error handling, lazily loaded commands.

Commands live in their own modules and are imported only when they run (or when help lists them by name),
so `tidings --help` and `tidings --version` import no database, HTTP, scheduler or notification library.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import click

from crawler.errors import TidingsError

if TYPE_CHECKING:
    from crawler.config import Config
    from storage import Store


class Context:
    """The config path, loaded on first use so that `tidings init` works without a config."""

    def __init__(self, config_path: str | None) -> None:
        self.config_path = config_path
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            from crawler.config import load_config

            self._config = load_config(self.config_path)
        return self._config

    @contextmanager
    def store(self) -> Iterator[Store]:
        from crawler.drivers import heap
        from storage import Store

        with Store.open(self.config.database_url) as store:
            heap.end_of_startup()  # its imports are done: the garbage collector runs again (crawler.drivers.heap)
            yield store


pass_context = click.make_pass_decorator(Context)


def is_ours(exc: BaseException) -> bool:
    """tidings' own failures (config, fetch, storage, rules) are one-line errors, not tracebacks."""
    if isinstance(exc, TidingsError):
        return True
    # Storage is imported only by commands that open the database; if it was not imported, it raised nothing.
    storage_errors = sys.modules.get("storage.errors")
    return storage_errors is not None and isinstance(exc, storage_errors.StorageError)


class LazyGroup(click.Group):
    """A group whose subcommands are `"module:attribute"` strings, imported on first use.

    It also turns tidings' own errors into clear lines on stderr and exit code 2, instead of a traceback.
    """

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, summaries: dict[str, str] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})
        self.summaries = dict(summaries or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module_name, _, attribute = self.lazy[cmd_name].partition(":")
            command = getattr(importlib.import_module(module_name), attribute)
            assert isinstance(command, click.Command), f"{self.lazy[cmd_name]} is not a click command"
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of `--help`, from the summaries for commands not loaded yet (no import)."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows: list[tuple[str, str]] = []
        for name in names:
            if name in self.commands or name not in self.summaries:
                command = self.get_command(ctx, name)
                if command is None or command.hidden:
                    continue
                rows.append((name, command.get_short_help_str(limit)))
            else:
                rows.append((name, click.Command(name, help=self.summaries[name]).get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            if not is_ours(exc):
                raise
            from crawler.cli.output import warn

            for line in str(exc).splitlines():
                warn(f"error: {line}")
            sys.exit(2)


def since_option(value: str | None, hint: str = "--since") -> datetime | None:
    """`--since 7d` (or another option's duration) as a point in time that long ago."""
    from crawler.config import parse_duration

    if not value:
        return None
    try:
        return datetime.now(UTC) - timedelta(seconds=parse_duration(value))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=hint) from None
