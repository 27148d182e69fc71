"""The configured rules, compiled once: which rules fire on a document, and where their alerts go.

>>> from crawler.config import load_config
>>> book = RuleBook.from_config(load_config(None))
>>> [m.rule for m, _ in book.matches(Document(title="AI pact", body="A cooperation MOU."), "new")]
['ai', 'partnership']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from crawler.config import Config, RuleConfig, RuleOn, rule_channels
from crawler.errors import ConfigError
from rules.errors import RulesError
from rules.match import Document, Matcher, RuleMatch, RuleSpec
from storage.records import AlertMode, MatchKind

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


@dataclass(frozen=True)
class RuleBook:
    matcher: Matcher
    routes: Mapping[str, Route]

    @classmethod
    def from_config(cls, config: Config) -> RuleBook:
        specs = [rule_spec(name, rule) for name, rule in config.rules.items()]
        try:
            matcher = Matcher.compile(specs, config.groups)
        except RulesError as exc:
            origin = config.path or "<built-in defaults>"
            raise ConfigError(f"{origin}: rules: {exc}") from None
        routes = {name: _route(name, rule, config) for name, rule in config.rules.items()}
        return cls(matcher, routes)

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
