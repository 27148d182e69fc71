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
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urljoin

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

from crawler.errors import ConfigError
from crawler.extract.profile import (
    ArticleModel,
    DiscoveryModel,
    Profile,
    ProfileModel,
    builtin_profiles,
    format_validation_error,
)
from rules.defaults import DEFAULT_GROUPS

DEFAULT_CONFIG_NAME = "tidings.toml"
CONSOLE = "console"
_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}


def parse_duration(value: object) -> float:
    """Seconds from `90`, `"30s"`, `"15m"`, `"6h"`, `"7d"`.

    >>> parse_duration("15m")
    900.0
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"not a duration: {value!r} (write e.g. 90, '30s', '15m', '6h' or '7d')")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


Duration = Annotated[float, BeforeValidator(parse_duration)]


def default_data_dir() -> Path:
    """`$TIDINGS_HOME`, else `$XDG_DATA_HOME/tidings`, else `~/.local/share/tidings`."""
    if home := os.environ.get("TIDINGS_HOME"):
        return Path(home)
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "tidings"



RuleOn = Literal["new", "edited", "both"]
"""When a rule fires: on new articles, on substantive edits, or both."""

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Settings(_Strict):
    """The `[settings]` table."""

    database_url: str = ""
    user_agent: str = "tidings/0.1 (+https://github.com/tidings/tidings; monitoring crawler)"
    interval: Duration = 900.0
    per_host_delay: float = Field(default=1.0, ge=0)
    per_host_concurrency: int = Field(default=1, ge=1)
    request_timeout: Duration = 30.0
    max_body_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    allow_private_networks: bool = False
    respect_robots: bool = True
    retries: int = Field(default=3, ge=0)
    max_articles_per_run: int = Field(default=200, ge=1)
    edit_recheck: Duration = 21600.0
    edit_window: Duration = 7 * 86400.0
    lease: Duration = 900.0
    failure_alert_after: int = Field(default=3, ge=1)
    admin_channels: tuple[str, ...] = ()
    alert_max_attempts: int = Field(default=8, ge=1)
    alert_retry_base: Duration = 30.0
    alert_retry_max: Duration = 3600.0
    health_host: str = "127.0.0.1"
    health_port: int = Field(default=8787, ge=0, le=65535)
    source_backoff_max: Duration = 6 * 3600.0
    run_timeout: Duration = 600.0
    dispatch_interval: Duration = 10.0

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{default_data_dir() / 'tidings.db'}"


class SourceConfig(_Strict):
    """A `[sources.<id>]` table: enable a built-in profile (and override parts), or define a custom source."""

    enabled: bool = True
    profile: str | None = None
    base_url: str | None = None
    interval: Duration | None = None
    urls: dict[str, str] = {}
    allow_hosts: tuple[str, ...] = ()
    delay: float | None = Field(default=None, ge=0)
    tags: tuple[str, ...] | None = None
    max_articles: int | None = Field(default=None, ge=1)
    # custom sources only
    name: str | None = None
    language: str | None = None
    timezone: str | None = None
    feed: str | None = None
    discover: tuple[DiscoveryModel, ...] | None = None
    article: ArticleModel | None = None


class RuleConfig(_Strict):
    """A `[rules.<name>]` table."""

    query: str
    sources: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    on: RuleOn = "new"
    mode: Literal["instant", "digest"] = "instant"
    digest_window: Duration = 3600.0


class ChannelConfig(_Strict):
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


class ConfigModel(_Strict):
    settings: Settings = Settings()
    sources: dict[str, SourceConfig] | None = None
    groups: dict[str, tuple[str, ...]] = {}
    rules: dict[str, RuleConfig] | None = None
    channels: dict[str, ChannelConfig] = {}


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
    expanded = _expand_env(raw, origin, ())
    try:
        model = ConfigModel.model_validate(expanded)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, origin)) from None
    return _build(model, resolved, origin)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file (create one with `tidings init {path}`)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text: {exc}") from None


def _expand_env(value: Any, origin: str, key_path: tuple[str, ...]) -> Any:
    """Replace `${VAR}` (or `${VAR:-default}`) in every string with the environment variable's value."""
    if isinstance(value, dict):
        return {key: _expand_env(item, origin, (*key_path, key)) for key, item in value.items()}
    if isinstance(value, list):
        return [_expand_env(item, origin, (*key_path, str(index))) for index, item in enumerate(value)]
    if isinstance(value, str):
        return _ENV_REFERENCE.sub(lambda match: _env_value(match, origin, key_path), value)
    return value


def _env_value(reference: re.Match[str], origin: str, key_path: tuple[str, ...]) -> str:
    """`${VAR}` must be set; `${VAR:-default}` falls back to the default when VAR is unset or empty."""
    name, default = reference.group(1), reference.group(2)
    value = os.environ.get(name)
    if value:
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
    return Config(path, settings, sources, groups, rules, channels)


def _default_rules(channels: Mapping[str, ChannelConfig]) -> dict[str, RuleConfig]:
    targets = tuple(channels) or (CONSOLE,)
    return {
        "ai": RuleConfig(query="@ai", channels=targets),
        "partnership": RuleConfig(query="@partnership", channels=targets),
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
    delays = {host: cfg.delay for host in cfg.allow_hosts} if cfg.delay is not None else {}
    return Source(
        id=source_id,
        profile=profile,
        base_url=base_url if base_url.endswith("/") else base_url + "/",
        interval=cfg.interval or parse_duration(profile.model.interval),
        urls=dict(cfg.urls),
        allow_hosts=frozenset(cfg.allow_hosts),
        host_delays=delays,
        tags=cfg.tags if cfg.tags is not None else profile.model.tags,
        max_articles=cfg.max_articles or settings.max_articles_per_run,
        builtin=builtin is not None,
    )


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
    for source_id, source in sources.items():
        for host in source.allow_hosts:
            if any(char in host for char in "/@ ") or host.count(":") == 1:  # a scheme, path, login or port
                raise ConfigError(f"{origin}: sources.{source_id}.allow_hosts: {host!r} is not a host name "
                                  "(write only the name or address, e.g. 127.0.0.1 or example.org)")


def rule_channels(rule: RuleConfig, config: Config) -> tuple[str, ...]:
    """The channels a rule sends to: its own list, else every configured channel, else the console."""
    return rule.channels or tuple(config.channels) or (CONSOLE,)
