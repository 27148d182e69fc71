"""The TOML config file -> validated, frozen models. Raw dicts never travel past this module.

Where the file is: `--config PATH`, else `$TIDINGS_CONFIG`, else `./tidings.toml`; with none, the built-in
defaults (every built-in source, the default rules, console alerts, a SQLite file in the data directory).

>>> config = load_config(None)
>>> sorted(config.sources)[:3]
['cna', 'focustaiwan', 'moda-en']
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urljoin

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic.functional_validators import AfterValidator

from crawler.errors import ConfigError
from crawler.extract.profile import (
    ArticleModel,
    DiscoveryModel,
    Profile,
    ProfileModel,
    builtin_profiles,
    format_validation_error,
)
from crawler.settings import DAY, HOUR, Duration, Schedule, Strict, within
from crawler.settings import Settings as Settings
from crawler.settings import parse_duration as parse_duration
from crawler.websettings import WebSettings
from rules.defaults import DEFAULT_GROUPS
from rules.secrets import remember_urls

DEFAULT_CONFIG_NAME = "tidings.toml"
CONSOLE = "console"
_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")

RuleOn = Literal["new", "edited", "removed", "both", "any"]
"""When a rule fires: new articles, edits (substantive ones, or those of `edit_classes`), removals; "both" is
new + edited, "any" all three."""


def _edit_class(name: str) -> str:
    """A known edit class (`rules.edits`, with its lexicons, loads only when a rule names edit classes)."""
    from rules.edits.model import edit_class

    return edit_class(name)


class SourceConfig(Strict):
    """A `[sources.<id>]` table: enable a built-in profile (and override parts), or define a custom source."""

    enabled: bool = True
    profile: str | None = None
    base_url: str | None = None
    interval: Duration | None = within(None, 1, 30 * DAY)
    schedule: Schedule | None = None
    urls: dict[str, str] = Field(default_factory=dict)
    allow_hosts: tuple[str, ...] = ()
    delay: float | None = within(None, 0, HOUR)
    tags: tuple[str, ...] | None = None
    max_articles: int | None = within(None, 1, 100_000)
    baseline: bool = True  # the first run stores and matches without alerting
    # custom sources only
    name: str | None = None
    language: str | None = None
    timezone: str | None = None
    feed: str | None = None
    discover: tuple[DiscoveryModel, ...] | None = None
    article: ArticleModel | None = None

    @field_validator("allow_hosts")
    @classmethod
    def _hosts(cls, hosts: tuple[str, ...]) -> tuple[str, ...]:
        from crawler.fetch.hostnames import allowed_host_entry  # here: `sources list` validates with it too

        return tuple(allowed_host_entry(host) for host in hosts)


class RuleConfig(Strict):
    """A `[rules.<name>]` table."""

    query: str
    sources: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    on: RuleOn = "new"
    edit_classes: tuple[Annotated[str, AfterValidator(_edit_class)], ...] = ()
    mode: Literal["instant", "digest"] = "instant"
    digest_window: Duration = within(3600.0, 1, 7 * DAY)
    per: Literal["story", "article"] = "story"


class ChannelConfig(Strict):
    """A `[channels.<name>]` table: one or more apprise URLs."""

    urls: tuple[str, ...] = Field(min_length=1)
    format: Literal["text", "markdown", "html"] | None = None
    template: str | None = None  # jinja2, rendered in a sandbox; see README "Channels"

    @field_validator("template")
    @classmethod
    def _template_compiles(cls, template: str | None) -> str | None:
        if template is not None:
            from jinja2 import TemplateSyntaxError
            from jinja2.sandbox import ImmutableSandboxedEnvironment

            try:
                ImmutableSandboxedEnvironment().parse(template)
            except TemplateSyntaxError as exc:
                raise ValueError(f"template syntax error on line {exc.lineno}: {exc.message}") from None
        return template

    @model_validator(mode="before")
    @classmethod
    def _single_url(cls, data: Any) -> Any:
        if isinstance(data, dict) and "url" in data:
            data = {key: value for key, value in data.items() if key != "url"} | {"urls": (data["url"],)}
        return data


class ConfigModel(Strict):
    settings: Settings = Settings()
    web: WebSettings = WebSettings()
    sources: dict[str, SourceConfig] | None = None
    groups: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    rules: dict[str, RuleConfig] | None = None
    channels: dict[str, ChannelConfig] = Field(default_factory=dict)


@dataclass(frozen=True)
class Source:
    """One source ready to run: its profile (with overrides applied) and its own fetch settings."""

    id: str
    profile: Profile
    base_url: str
    interval: float
    urls: Mapping[str, str]
    allow_hosts: frozenset[str]
    host_delays: Mapping[str, float]
    tags: tuple[str, ...]
    max_articles: int
    builtin: bool
    schedule: Schedule = "adaptive"
    baseline: bool = True

    @property
    def language(self) -> str:
        return self.profile.language

    def discovery_url(self, entry: DiscoveryModel) -> str:
        """The entry's URL: the user's override by name, else the profile's, resolved against `base_url`."""
        return self.urls.get(entry.name) or urljoin(self.base_url, entry.url)


@dataclass(frozen=True)
class Config:
    """The whole, validated config."""

    path: Path | None
    settings: Settings
    sources: Mapping[str, Source]
    groups: Mapping[str, tuple[str, ...]]
    rules: Mapping[str, RuleConfig]
    channels: Mapping[str, ChannelConfig]
    web: WebSettings = field(default_factory=WebSettings)

    @property
    def database_url(self) -> str:
        return self.settings.resolved_database_url()


def config_path(explicit: str | Path | None) -> Path | None:
    """The file to read: explicit, `$TIDINGS_CONFIG`, or `./tidings.toml` when it exists."""
    if explicit:
        return Path(explicit)
    if env := os.environ.get("TIDINGS_CONFIG"):
        return Path(env)
    default = Path(DEFAULT_CONFIG_NAME)
    return default if default.exists() else None


def load_config(path: str | Path | None) -> Config:
    """Read and validate the config; every problem is a ConfigError naming the file and key path."""
    resolved = config_path(path)
    raw: dict[str, Any] = {}
    origin = "<built-in defaults>"
    if resolved is not None:
        origin = str(resolved)
        raw = _read_toml(resolved)
    secrets: set[str] = set()
    expanded = _expand_env(raw, origin, (), secrets)
    try:
        model = ConfigModel.model_validate(expanded)
        return _build(model, resolved, origin)
    except ValidationError as exc:
        raise ConfigError(_redact(format_validation_error(exc, origin), secrets)) from None
    except ConfigError as exc:
        raise ConfigError(_redact(str(exc), secrets)) from None


def _redact(message: str, secrets: set[str]) -> str:
    """Never echo a value that came from the environment: it may be a token put in the wrong key."""
    for secret in sorted(secrets, key=len, reverse=True):
        message = message.replace(secret, "<value from ${...}>")
    return message


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file (create one with `tidings init {path}`)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text: {exc}") from None


def _expand_env(value: Any, origin: str, key_path: tuple[str, ...], secrets: set[str]) -> Any:
    """Replace `${VAR}` (or `${VAR:-default}`) in every string with the environment variable's value."""
    if isinstance(value, dict):
        return {key: _expand_env(item, origin, (*key_path, key), secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [_expand_env(item, origin, (*key_path, str(index)), secrets) for index, item in enumerate(value)]
    if isinstance(value, str):
        return _ENV_REFERENCE.sub(lambda match: _env_value(match, origin, key_path, secrets), value)
    return value


def _env_value(reference: re.Match[str], origin: str, key_path: tuple[str, ...], secrets: set[str]) -> str:
    """`${VAR}` must be set; `${VAR:-default}` falls back to the default when VAR is unset or empty."""
    name, default = reference.group(1), reference.group(2)
    value = os.environ.get(name)
    if value:
        if len(value) >= 4:  # a shorter value would redact ordinary words of the message
            secrets.add(value)
        return value
    if default is not None:
        return default
    if value is None:
        raise ConfigError(f"{origin}: {'.'.join(key_path)}: environment variable {name} is not set")
    return value


def _build(model: ConfigModel, path: Path | None, origin: str) -> Config:
    settings = model.settings
    sources = _build_sources(model.sources, settings, origin)
    groups = {**DEFAULT_GROUPS, **model.groups}
    channels = model.channels
    rules = model.rules if model.rules is not None else _default_rules(channels)
    _check_references(rules, channels, settings, sources, origin)
    remember_urls(url for channel in channels.values() for url in channel.urls)
    return Config(path, settings, sources, groups, rules, channels, model.web)


def _default_rules(channels: Mapping[str, ChannelConfig]) -> dict[str, RuleConfig]:
    """The built-in rules: new matching articles, and substantive edits and removals of matching ones."""
    targets = tuple(channels) or (CONSOLE,)
    return {
        "ai": RuleConfig(query="@ai", channels=targets, on="any"),
        "partnership": RuleConfig(query="@partnership", channels=targets, on="any"),
    }


def _build_sources(
    configured: Mapping[str, SourceConfig] | None, settings: Settings, origin: str
) -> dict[str, Source]:
    builtins = builtin_profiles()
    if configured is None:
        configured = {source_id: SourceConfig() for source_id in builtins}
    built = {}
    for source_id, source_config in configured.items():
        if source_config.enabled:
            built[source_id] = _build_source(source_id, source_config, settings, origin)
    return built


def _host_name(entry: str) -> str:
    from crawler.fetch.urlsafety import allowed_host_name

    return allowed_host_name(entry)


def _build_source(source_id: str, cfg: SourceConfig, settings: Settings, origin: str) -> Source:
    profile_id = cfg.profile or source_id
    builtin = builtin_profiles().get(profile_id)
    if builtin is None:
        profile = _custom_profile(source_id, cfg, origin)
    else:
        profile = _with_overrides(builtin, cfg, origin, source_id)
    unknown = set(cfg.urls) - {entry.name for entry in profile.discover}
    if unknown:
        names = ", ".join(entry.name for entry in profile.discover)
        raise ConfigError(f"{origin}: sources.{source_id}.urls: unknown discovery name(s) "
                          f"{', '.join(sorted(unknown))} (this source has: {names})")
    base_url = cfg.base_url or profile.model.base_url
    delays = {_host_name(entry): cfg.delay for entry in cfg.allow_hosts} if cfg.delay is not None else {}
    return Source(
        id=source_id,
        profile=profile,
        base_url=base_url if base_url.endswith("/") else base_url + "/",
        interval=_interval(cfg, settings, profile),
        urls=dict(cfg.urls),
        allow_hosts=frozenset(cfg.allow_hosts),  # normalised by SourceConfig
        host_delays=delays,
        tags=cfg.tags if cfg.tags is not None else profile.model.tags,
        max_articles=cfg.max_articles or settings.max_articles_per_run,
        builtin=builtin is not None,
        schedule=cfg.schedule or settings.schedule,
        baseline=cfg.baseline,
    )


def _interval(cfg: SourceConfig, settings: Settings, profile: Profile) -> float:
    """The source's own interval, else `[settings] interval`, else the profile's."""
    if cfg.interval is not None:
        return cfg.interval
    return settings.interval if settings.interval is not None else parse_duration(profile.model.interval)


def _with_overrides(builtin: Profile, cfg: SourceConfig, origin: str, source_id: str) -> Profile:
    custom_only = {"name", "language", "timezone", "feed", "discover"} & cfg.model_fields_set
    if cfg.article is None and not custom_only:
        return builtin
    data = builtin.model.model_dump(by_alias=True, exclude_none=True)
    data.update(cfg.model_dump(include=custom_only, by_alias=True, exclude_none=True))
    if cfg.article is not None:
        data["article"] = cfg.article.model_dump(exclude_none=True)
    return _validated_profile(data, origin, source_id)


def _custom_profile(source_id: str, cfg: SourceConfig, origin: str) -> Profile:
    discover = [entry.model_dump(by_alias=True, exclude_none=True) for entry in cfg.discover or ()]
    if cfg.feed:
        discover.insert(0, {"name": "feed", "kind": "rss", "url": cfg.feed})
    if not discover:
        known = ", ".join(sorted(builtin_profiles()))
        raise ConfigError(
            f"{origin}: sources.{source_id}: unknown source id {source_id!r} (built-in: {known}); "
            "to define a custom source give it `feed = \"https://...\"` or a `discover` list"
        )
    base_url = cfg.base_url or discover[0]["url"]
    data = {
        "id": re.sub(r"[^a-z0-9_-]", "-", source_id.lower()),
        "name": cfg.name or source_id,
        "language": cfg.language or "und",  # detected per article (crawler.extract.language)
        "timezone": cfg.timezone or "UTC",
        "base_url": base_url,
        "discover": discover,
        "tags": list(cfg.tags or ()),
    }
    if cfg.article is not None:
        data["article"] = cfg.article.model_dump(exclude_none=True)
    return _validated_profile(data, origin, source_id)


def _validated_profile(data: dict[str, Any], origin: str, source_id: str) -> Profile:
    try:
        return Profile.from_model(ProfileModel.model_validate(data))
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, origin, prefix=f"sources.{source_id}")) from None


def _check_references(
    rules: Mapping[str, RuleConfig],
    channels: Mapping[str, ChannelConfig],
    settings: Settings,
    sources: Mapping[str, Source],
    origin: str,
) -> None:
    known_channels = set(channels) | {CONSOLE}
    for name, rule in rules.items():
        for channel in rule.channels:
            if channel not in known_channels:
                raise ConfigError(f"{origin}: rules.{name}.channels: unknown channel {channel!r} "
                                  f"(define [channels.{channel}] or use one of: {', '.join(sorted(known_channels))})")
    for channel in settings.admin_channels:
        if channel not in known_channels:
            raise ConfigError(f"{origin}: settings.admin_channels: unknown channel {channel!r}")


def rule_channels(rule: RuleConfig, config: Config) -> tuple[str, ...]:
    """The channels a rule sends to: its own list, else every configured channel, else the console."""
    return rule.channels or tuple(config.channels) or (CONSOLE,)
