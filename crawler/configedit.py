"""Edits of the config file that keep everything else in it (comments, order, layout): tomlkit.

The edited file is validated (`load_config`) before it replaces the old one, atomically; a file that would not
load is never written.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError

from crawler.config import load_config
from crawler.errors import ConfigError
from rules.errors import RulesError
from rules.match import Matcher, RuleSpec

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


def check_name(kind: str, name: str) -> None:
    if not NAME.match(name):
        raise ConfigError(f"{kind} name {name!r}: use 1-63 lower-case letters, digits, '-' or '_'")


def _document(path: Path) -> tomlkit.TOMLDocument:
    try:
        return tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()
    except TOMLKitError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def _write_checked(path: Path, document: tomlkit.TOMLDocument) -> None:
    text = tomlkit.dumps(document)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        _check(Path(temporary))  # raises ConfigError naming the problem; the real file stays as it was
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _check(path: Path) -> None:
    """The file loads, and its rules compile (the daemon would refuse them on reload otherwise)."""
    config = load_config(path)
    specs = [RuleSpec(name, rule.query, rule.sources, rule.languages) for name, rule in config.rules.items()]
    try:
        Matcher.compile(specs, config.groups)
    except RulesError as exc:
        raise ConfigError(f"rules: {exc}") from None


def _table(document: tomlkit.TOMLDocument, key: str) -> Any:
    if key not in document:
        document.add(key, tomlkit.table(is_super_table=True))
    return document[key]


def add_table(path: Path, section: str, name: str, values: Mapping[str, Any]) -> None:
    """Add `[section.name]` with ``values``; a ConfigError if it exists or the result would not load."""
    check_name(section.rstrip("s"), name)
    document = _document(path)
    tables = _table(document, section)
    if name in tables:
        raise ConfigError(f"{path}: [{section}.{name}] already exists; pick another name")
    table = tomlkit.table()
    for key, value in values.items():
        table.add(key, value)
    tables.add(name, table)
    _write_checked(path, document)


def _keep_defaults(path: Path, section: str) -> None:
    """A file without `[rules]` (or `[sources]`) uses the built-in ones; write them out before adding one, or the
    new table would silently replace them all."""
    document = _document(path)
    if section in document:
        return
    config = load_config(path) if path.exists() else load_config(None)
    tables = _table(document, section)
    if section == "rules":
        for name, rule in config.rules.items():
            tables.add(name, tomlkit.table().add("query", rule.query))
    else:
        for name in config.sources:
            tables.add(name, tomlkit.table())
    _write_checked(path, document)


def add_rule(path: Path, name: str, query: str, channels: tuple[str, ...] = ()) -> None:
    """Add a rule (fires on new entries, instant) to the config file."""
    values: dict[str, Any] = {"query": query}
    if channels:
        values["channels"] = list(channels)
    _keep_defaults(path, "rules")
    add_table(path, "rules", name, values)


def add_source(path: Path, name: str, values: Mapping[str, Any]) -> None:
    """Add a custom source (a `feed` or a `discover` list) to the config file."""
    _keep_defaults(path, "sources")
    add_table(path, "sources", name, values)
