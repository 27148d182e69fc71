"""The config file: defaults, overrides, custom sources, and errors that name the file and key path."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.cli.init import example_config
from crawler.config import CONSOLE, load_config, parse_duration
from crawler.errors import ConfigError
from crawler.extract.profile import builtin_profiles

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tidings.toml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    return str(caught.value)


def test_defaults_enable_every_builtin_source_and_the_default_rules(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TIDINGS_CONFIG", raising=False)
    config = load_config(None)
    assert set(config.sources) == set(builtin_profiles())
    assert set(config.rules) == {"ai", "partnership"}
    assert config.rules["ai"].query == "@ai"
    assert config.path is None
    assert config.database_url.startswith("sqlite:///")


def test_every_profile_names_language_method_and_article_rules():
    profiles = builtin_profiles()
    assert set(profiles) == {
        "mofa-en",
        "mofa-zh",
        "nspp-zh",
        "nspp-en",
        "nspp-id",
        "moda-en",
        "moda-zh",
        "focustaiwan",
        "cna",
    }
    for profile in profiles.values():
        assert profile.language and profile.discover
        assert profile.page_rules(profile.model.base_url).body, profile.id


def test_a_listed_source_table_enables_only_those_sources(tmp_path):
    config = load_config(write(tmp_path, '[sources.cna]\ninterval = "5m"\n[sources.focustaiwan]\nenabled = false\n'))
    assert list(config.sources) == ["cna"]
    assert config.sources["cna"].interval == 300.0


def test_base_url_and_discovery_urls_can_be_overridden(tmp_path):
    config = load_config(
        write(
            tmp_path,
            """
[sources.focustaiwan]
base_url = "http://mirror.example/ft"
urls = { rss = "http://mirror.example/feed.xml" }
""",
        )
    )
    source = config.sources["focustaiwan"]
    assert source.base_url == "http://mirror.example/ft/"
    urls = [source.discovery_url(entry) for entry in source.profile.discover]
    assert urls == ["http://mirror.example/feed.xml", "http://mirror.example/ft/cna2019api/cna/FTNewsList"]


def test_a_custom_source_needs_only_a_feed(tmp_path):
    config = load_config(write(tmp_path, '[sources.blog]\nfeed = "https://blog.example.org/feed/"\nlanguage = "en"\n'))
    source = config.sources["blog"]
    assert not source.builtin
    assert source.language == "en"
    assert [entry.kind for entry in source.profile.discover] == ["rss"]


def test_unknown_keys_name_the_file_and_key_path(tmp_path):
    message = error_of(tmp_path, "[settings]\nper_host_dely = 2\n")
    assert "tidings.toml" in message and "settings.per_host_dely" in message and "unknown key" in message


def test_wrong_types_name_the_key_path(tmp_path):
    message = error_of(tmp_path, '[settings]\nper_host_delay = "fast"\n')
    assert "settings.per_host_delay" in message


def test_unknown_source_ids_are_errors_that_list_the_builtins(tmp_path):
    message = error_of(tmp_path, "[sources.focus-taiwan]\n")
    assert "sources.focus-taiwan" in message and "unknown source id" in message and "focustaiwan" in message


def test_unknown_discovery_names_are_errors(tmp_path):
    message = error_of(tmp_path, '[sources.cna]\nurls = { feed = "http://x" }\n')
    assert "sources.cna.urls" in message and "api" in message


def test_invalid_toml_names_the_file(tmp_path):
    message = error_of(tmp_path, "[settings\n")
    assert "tidings.toml" in message and "invalid TOML" in message


def test_a_missing_file_says_how_to_create_one(tmp_path):
    with pytest.raises(ConfigError, match="tidings init"):
        load_config(tmp_path / "nope.toml")


def test_environment_variables_fill_values(tmp_path, monkeypatch):
    monkeypatch.setenv("HOOK_URL", "json://127.0.0.1:9/hook")
    config = load_config(write(tmp_path, '[channels.hook]\nurl = "${HOOK_URL}"\n'))
    assert config.channels["hook"].urls == ("json://127.0.0.1:9/hook",)
    assert config.rules["ai"].channels == ("hook",)


def test_a_missing_environment_variable_names_the_key(tmp_path, monkeypatch):
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    message = error_of(tmp_path, '[channels.hook]\nurl = "${NOT_SET_ANYWHERE}"\n')
    assert "channels.hook.url" in message and "NOT_SET_ANYWHERE" in message


def test_an_environment_default_applies_when_unset(tmp_path, monkeypatch):
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    config = load_config(write(tmp_path, '[settings]\ndatabase_url = "${NOT_SET_ANYWHERE:-sqlite:///x.db}"\n'))
    assert config.database_url == "sqlite:///x.db"


def test_rules_must_name_known_channels(tmp_path):
    message = error_of(tmp_path, '[rules.ai]\nquery = "@ai"\nchannels = ["slack"]\n')
    assert "rules.ai.channels" in message and "slack" in message


def test_without_channels_rules_go_to_the_console(tmp_path):
    config = load_config(write(tmp_path, '[rules.x]\nquery = "taiwan"\n'))
    assert config.rules["x"].channels == ()
    from crawler.config import rule_channels

    assert rule_channels(config.rules["x"], config) == (CONSOLE,)


def test_durations():
    assert parse_duration("90") == 90.0
    assert parse_duration("1.5h") == 5400.0
    assert parse_duration(30) == 30.0
    with pytest.raises(ValueError, match="duration"):
        parse_duration("soon")


def test_the_init_example_and_the_replica_config_load(tmp_path):
    load_config(write(tmp_path, example_config()))
    config = load_config(ROOT / "tests" / "sites" / "replica.toml")
    assert "blog" in config.sources and all(source.allow_hosts for source in config.sources.values())
