"""Source profiles: data files that say how to find and read a site's articles.

Built-in profiles live in `crawler/extract/profiles/*.toml`; a config file can define more with the same keys.

>>> profiles = builtin_profiles()
>>> profiles["focustaiwan"].language
'en'
>>> profiles["focustaiwan"].page_rules("https://focustaiwan.tw/business/202512020024").body
('div.PrimarySide div.paragraph',)
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from crawler.errors import ConfigError

PROFILE_DIR = Path(__file__).parent / "profiles"

DiscoveryKind = Literal["rss", "list", "json_api", "opendata_json", "opendata_xml", "sitemap"]


@dataclass(frozen=True)
class PageRules:
    """How to read one kind of article page. CSS selectors are tried in order; the first that matches wins.

    An empty `title` tuple means the page has no title (a print view), which is not a failure.
    Patterns (`*_regex`, `boilerplate`, `strip_patterns`, `end_markers`, `author_patterns`) are Python regexes;
    a boilerplate entry without regex metacharacters is an exact line.
    """

    title: tuple[str, ...] = ()
    date: tuple[str, ...] = ()
    date_meta: tuple[str, ...] = ()
    date_regex: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    updated_meta: tuple[str, ...] = ()
    updated_regex: tuple[str, ...] = ()
    body: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    author: tuple[str, ...] = ()
    author_patterns: tuple[str, ...] = ()
    date_formats: tuple[str, ...] = ()
    boilerplate: tuple[str, ...] = ()
    strip_patterns: tuple[str, ...] = ()
    end_markers: tuple[str, ...] = ()
    attachments: tuple[str, ...] = ()  # selectors of the page's file links (附件), beside the body's own links
    timezone: str = "Asia/Taipei"
    language: str | None = None
    expects_title: bool = True


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ArticleRulesModel(_Strict):
    """The `[article]` table (and each `[[article.variants]]`, which also has `url_regex`)."""

    title: tuple[str, ...] | None = None
    date: tuple[str, ...] | None = None
    date_meta: tuple[str, ...] | None = None
    date_regex: tuple[str, ...] | None = None
    updated: tuple[str, ...] | None = None
    updated_meta: tuple[str, ...] | None = None
    updated_regex: tuple[str, ...] | None = None
    body: tuple[str, ...] | None = None
    remove: tuple[str, ...] | None = None
    author: tuple[str, ...] | None = None
    author_patterns: tuple[str, ...] | None = None
    date_formats: tuple[str, ...] | None = None
    boilerplate: tuple[str, ...] | None = None
    strip_patterns: tuple[str, ...] | None = None
    end_markers: tuple[str, ...] | None = None
    attachments: tuple[str, ...] | None = None

    @field_validator(
        "date_regex", "updated_regex", "author_patterns", "boilerplate", "strip_patterns", "end_markers"
    )
    @classmethod
    def _compiles(cls, patterns: tuple[str, ...] | None) -> tuple[str, ...] | None:
        for pattern in patterns or ():
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None
        return patterns

    def set_fields(self) -> dict[str, Any]:
        return {name: value for name, value in self if value is not None and name != "url_regex"}


class ArticleVariantModel(ArticleRulesModel):
    url_regex: str

    @field_validator("url_regex")
    @classmethod
    def _url_regex_compiles(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None
        return pattern


class ArticleModel(ArticleRulesModel):
    variants: tuple[ArticleVariantModel, ...] = ()


class DiscoveryModel(_Strict):
    """One `[[discover]]` entry: where to look for article URLs."""

    name: str
    kind: DiscoveryKind
    url: str
    method: Literal["GET", "POST"] = "GET"
    form: dict[str, str] | None = None
    json_body: dict[str, Any] | None = Field(default=None, alias="json")
    items: str | None = None  # CSS selector (list) or dotted JSON path (json_api)
    link: str | None = None
    title: str | None = None
    date: str | None = None
    content: str | None = None  # open data: the key holding the full HTML text
    start_page: int = 1
    backfill: bool = False  # only used when walking pagination for --backfill

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @property
    def paginated(self) -> bool:
        return "{page}" in self.url or "{page}" in repr(self.form) or "{page}" in repr(self.json_body)


class ProfileModel(_Strict):
    """A whole profile file."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str
    language: str
    timezone: str = "Asia/Taipei"
    base_url: str
    interval: str = "15m"
    tags: tuple[str, ...] = ()
    discover: tuple[DiscoveryModel, ...] = Field(min_length=1)
    article: ArticleModel = ArticleModel()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {zone!r} (use an IANA name such as 'Asia/Taipei')") from None
        return zone


@dataclass(frozen=True)
class Profile:
    """A validated profile, ready to use."""

    model: ProfileModel
    path: Path | None = None
    _rules: tuple[tuple[re.Pattern[str] | None, PageRules], ...] = field(default=(), repr=False)

    @property
    def id(self) -> str:
        return self.model.id

    @property
    def language(self) -> str:
        return self.model.language

    @property
    def discover(self) -> tuple[DiscoveryModel, ...]:
        return self.model.discover

    def page_rules(self, url: str) -> PageRules:
        """The rules for the page at `url`: the first variant whose `url_regex` matches, else `[article]`."""
        for pattern, rules in self._rules:
            if pattern is None or pattern.search(url):
                return rules
        raise AssertionError("a profile always has default rules")  # pragma: no cover

    def has_variant_for(self, url: str) -> bool:
        """Whether one of the `[[article.variants]]` (not the default `[article]`) is meant for `url`."""
        return any(pattern is not None and pattern.search(url) for pattern, _ in self._rules)

    @classmethod
    def from_model(cls, model: ProfileModel, path: Path | None = None) -> Profile:
        base = model.article.set_fields()
        default = _page_rules(base, model)
        variants = tuple(
            (re.compile(variant.url_regex), _page_rules({**base, **variant.set_fields()}, model))
            for variant in model.article.variants
        )
        return cls(model=model, path=path, _rules=(*variants, (None, default)))


def _page_rules(fields: Mapping[str, Any], model: ProfileModel) -> PageRules:
    values = {name: tuple(value) for name, value in fields.items() if name != "variants"}
    expects_title = bool(values.get("title", ("h1",))) if "title" in fields else True
    return PageRules(**values, timezone=model.timezone, language=model.language, expects_title=expects_title)


def parse_profile(data: Mapping[str, Any], *, origin: str) -> Profile:
    """Validate a profile mapping; errors name `origin` (a file, or a config key) and the key path."""
    try:
        return Profile.from_model(ProfileModel.model_validate(data))
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, origin)) from None


def load_profile(path: Path) -> Profile:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    profile = parse_profile(data, origin=str(path))
    return Profile(model=profile.model, path=path, _rules=profile._rules)


@cache
def builtin_profiles() -> dict[str, Profile]:
    """Every profile shipped in `crawler/extract/profiles/`, by id."""
    profiles = (load_profile(path) for path in sorted(PROFILE_DIR.glob("*.toml")))
    return {profile.id: profile for profile in profiles}


def format_validation_error(exc: ValidationError, origin: str, prefix: str = "") -> str:
    """One line per problem: `file: key.path: message`."""
    lines = []
    for error in exc.errors():
        path = ".".join(str(part) for part in (prefix, *error["loc"]) if part != "")
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = "unknown key (check the spelling; see `tidings init` for every key)"
        lines.append(f"{origin}: {path or '<top>'}: {message}")
    return "\n".join(lines)
