"""`tidings init`: write a commented example config."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import click

from crawler.cli import output


def example_config() -> str:
    """The commented example that `tidings init` writes."""
    return resources.files("crawler").joinpath("example.toml").read_text(encoding="utf-8")


@click.command("init")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), default="tidings.toml")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init_command(path: Path, force: bool) -> None:
    """Write a commented example config to PATH (default ./tidings.toml).

    \b
    Example:
        tidings init && tidings -c tidings.toml sources list
    """
    if path.exists() and not force:
        raise click.ClickException(f"{path} exists; use --force to overwrite it")
    path.write_text(example_config(), encoding="utf-8")
    output.say(f"wrote {path}")
