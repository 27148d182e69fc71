"""The configured rules, compiled once: which rules fire on a document, and where their alerts go.

The rules are compiled on the first match (`RuleBook.matcher`), not when the book is made: a pass in which no
page is read (an idle crawl, an idle daemon) loads no rule compiler, no query parser and no folding tables.
`RuleBook.from_config(config, check=True)` compiles at once, for the commands that must refuse a broken rule
before anything else (`tidings rules list`, the daemon's reload).

>>> from crawler.config import load_config
>>> from rules.match import Document
>>> book = RuleBook.from_config(load_config(None))
>>> [m.rule for m, _ in book.matches(Document(title="AI pact", body="A cooperation MOU."), "new")]
['ai', 'partnership']
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from crawler.config import Config, RuleConfig, RuleOn, rule_channels
from crawler.errors import ConfigError
from rules.errors import RulesError
from rules.spec import RuleSpec
from storage.records import AlertMode, MatchKind

if TYPE_CHECKING:  # the matcher (rules.match: regex, luqum, the folding tables) loads on the first match
    from rules.match import Document, Matcher, RuleMatch

__all__ = ["Document", "Edit", "Route", "RuleBook", "rule_spec"]


_FIRES_ON: dict[RuleOn, frozenset[MatchKind]] = {
    "new": frozenset({"new"}), "edited": frozenset({"edited"}), "removed": frozenset({"removed"}),
    "both": frozenset({"new", "edited"}), "any": frozenset({"new", "edited", "removed"}),
}


@dataclass(frozen=True)
class Edit:
    """What a rule needs to know of an edit: whether it is substantive, and its classes."""

    substantive: bool
    classes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Route:
    """What happens when a rule matches: on which change kinds it fires, in which mode, to which channels.

    An edit fires a rule that fires on edits when it is substantive, or, when the rule names `edit_classes`,
    when the edit has one of them (cosmetic classes included, if the rule names them).
    """

    rule: str
    on: RuleOn
    mode: AlertMode
    digest_window: float
    channels: tuple[str, ...]
    per: str = "story"  # one message per story and channel, or per article
    edit_classes: frozenset[str] = frozenset()

    def fires_on(self, kind: MatchKind, edit: Edit | None = None) -> bool:
        if kind not in _FIRES_ON[self.on]:
            return False
        if kind != "edited":
            return True
        if edit is None:
            return False
        return bool(self.edit_classes & set(edit.classes)) if self.edit_classes else edit.substantive

    def due_at(self, now: datetime) -> datetime:
        """Instant alerts are due now; digest alerts at the end of the current window."""
        if self.mode != "digest":
            return now
        window = self.digest_window
        elapsed = now.timestamp() % window
        return now + timedelta(seconds=window - elapsed)


def __getattr__(name: str) -> Any:
    """`Document` (re-exported for the page path) from rules.match, imported on first use."""
    if name != "Document":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    document = importlib.import_module("rules.match").Document
    globals()[name] = document
    return document


@dataclass(frozen=True)
class RuleBook:
    """The rules as configured (`specs`, `groups`) and their routes; `matcher` compiles them on first use."""

    specs: tuple[RuleSpec, ...]
    groups: Mapping[str, tuple[str, ...]]
    routes: Mapping[str, Route]
    origin: str = "<built-in defaults>"

    @classmethod
    def from_config(cls, config: Config, *, check: bool = False) -> RuleBook:
        """The config's rules; with `check`, compiled now (a broken query is a ConfigError here and now)."""
        specs = tuple(rule_spec(name, rule) for name, rule in config.rules.items())
        routes = {name: _route(name, rule, config) for name, rule in config.rules.items()}
        book = cls(specs, config.groups, routes, str(config.path or "<built-in defaults>"))
        if check:
            book.check()
        return book

    def check(self) -> None:
        """Compile the rules now (once): a broken one is a ConfigError naming it."""
        self.matcher  # noqa: B018 - compiled for its errors

    @cached_property
    def matcher(self) -> Matcher:
        """Every rule compiled into one matcher (once; a ConfigError naming the rule when one is broken)."""
        from rules.match import Matcher

        try:
            return Matcher.compile(self.specs, self.groups)
        except RulesError as exc:
            raise ConfigError(f"{self.origin}: rules: {exc}") from None

    def matches(self, doc: Document, kind: MatchKind, edit: Edit | None = None) -> list[tuple[RuleMatch, Route]]:
        """The rules that fire for this document and change kind ("new", "edited" with its `edit`, "removed")."""
        routes = [route for route in self.routes.values() if route.fires_on(kind, edit)]
        if not routes:
            return []
        wanted = {route.rule for route in routes}
        return [(match, self.routes[match.rule]) for match in self.matcher.match(doc) if match.rule in wanted]


def rule_spec(name: str, rule: RuleConfig) -> RuleSpec:
    """The matcher's view of a configured rule."""
    return RuleSpec(name=name, query=rule.query, sources=rule.sources, languages=rule.languages)


def _route(name: str, rule: RuleConfig, config: Config) -> Route:
    return Route(name, rule.on, rule.mode, rule.digest_window, rule_channels(rule, config), rule.per,
                 frozenset(rule.edit_classes))
