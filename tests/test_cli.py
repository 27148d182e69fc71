"""The command line as documented: every command is in the README with an example in its help, and works."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from crawler.cli import main
from tests.shared import SEEDS, needs_shared
from tests.sites import ReplicaServer

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group, prefix: str = "tidings") -> Iterator[tuple[str, click.Command]]:
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, f"{prefix} {name} is listed but cannot be loaded"
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            yield from commands(command, path)
        else:
            yield path, command


ALL_COMMANDS = list(commands(main))


@pytest.mark.parametrize(("path", "command"), ALL_COMMANDS, ids=[path for path, _ in ALL_COMMANDS])
def test_every_command_is_in_the_readme_with_an_example_in_its_help(path: str, command: click.Command) -> None:
    assert f"`{path}" in README, f"{path} is missing from the README's CLI reference"
    assert "Example:" in (command.help or ""), f"{path} has no example in its help"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("TIDINGS_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TIDINGS_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def test_sources_list_shows_every_builtin_source_with_language_and_method(cli: CliRunner) -> None:
    result = cli.invoke(main, ["sources", "list"])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
    assert "opendata_json" in lines["mofa-en"] and " en " in lines["mofa-en"]
    assert "json_api" in lines["cna"] and "zh-Hant" in lines["cna"]
    assert "rss" in lines["focustaiwan"] and "list" in lines["nspp-id"] and "not run yet" in lines["moda-zh"]


def test_init_writes_an_example_that_loads_and_refuses_to_overwrite(cli: CliRunner) -> None:
    assert cli.invoke(main, ["init"]).exit_code == 0
    assert cli.invoke(main, ["-c", "tidings.toml", "rules", "list"]).exit_code == 0
    again = cli.invoke(main, ["init"])
    assert again.exit_code != 0 and "--force" in again.output


SEED_SOURCES = {"000": "nspp-id", "001": "nspp-id", "002": "moda-en", "003": None, "004": "focustaiwan"}


@pytest.fixture(scope="module")
def seeds_replica() -> Iterator[ReplicaServer]:
    with ReplicaServer(port=0, articles=3) as replica:
        yield replica


@pytest.mark.parametrize("seed", sorted(SEED_SOURCES))
@needs_shared
def test_check_prints_each_seed_exactly_and_with_v_the_fetch(
    cli: CliRunner, tmp_path: Path, seeds_replica: ReplicaServer, seed: str
) -> None:
    base = seeds_replica.base_url
    config = tmp_path / "t.toml"
    config.write_text(
        f'[sources.focustaiwan]\nbase_url = "{base}/focustaiwan.tw/"\nallow_hosts = ["{base}"]\n'
        f'[sources.nspp-id]\nbase_url = "{base}/nspp.mofa.gov.tw/nsppid/"\nallow_hosts = ["{base}"]\n'
        f'[sources.moda-en]\nbase_url = "{base}/moda.gov.tw/"\nallow_hosts = ["{base}"]\n'
        '[settings]\nallow_private_networks = true\n',  # 003 has no source: the generic path
        encoding="utf-8",
    )
    source = SEED_SOURCES[seed]
    args = ["-c", str(config), "check", seeds_replica.seeds()[seed], "-v", *(["--source", source] if source else [])]
    result = cli.invoke(main, args)
    assert result.exit_code == 0, result.output
    clean = next((SEEDS / "clean").glob(f"{seed}_*.txt")).read_text(encoding="utf-8")
    assert result.stdout == clean
    method = "profile" if source else "generic"
    for detail in ("status: 200", "bytes:", "etag:", f"method: {method}"):
        assert detail in result.stderr


def test_check_refuses_a_private_address_with_a_clear_error(cli: CliRunner) -> None:
    result = cli.invoke(main, ["check", "http://127.0.0.1:9/"])
    assert result.exit_code == 2
    assert "127.0.0.1" in result.stderr and "allow_private_networks" in result.stderr


def test_rules_test_with_text_shows_evidence(cli: CliRunner) -> None:
    result = cli.invoke(main, ["rules", "test", "partnership", "--text", "Taiwan dan Indonesia menjalin kerja sama."])
    assert result.exit_code == 0
    assert "kerja sama" in result.stdout
    miss = cli.invoke(main, ["rules", "test", "ai", "--text", "The minister said nothing new."])
    assert "no match" in miss.stdout


def test_rules_test_reports_a_syntax_error_with_its_position(cli: CliRunner) -> None:
    result = cli.invoke(main, ["rules", "test", "(taiwan AND", "--text", "x"])
    assert result.exit_code == 2 and "position" in result.stderr


def test_alerts_list_and_retry_on_an_empty_outbox(cli: CliRunner) -> None:
    listed = cli.invoke(main, ["alerts", "list", "--status", "dead"])
    assert listed.exit_code == 0 and "dead: 0" in listed.stdout
    retried = cli.invoke(main, ["alerts", "retry"])
    assert retried.exit_code == 0 and "0 alerts queued again" in retried.stdout


def test_notify_test_on_the_console_and_on_an_unknown_channel(cli: CliRunner) -> None:
    assert "console channel works" in cli.invoke(main, ["notify", "test", "console"]).stdout
    unknown = cli.invoke(main, ["notify", "test", "slack"])
    assert unknown.exit_code == 2 and "unknown channel" in unknown.stderr


def test_unknown_source_ids_on_the_command_line(cli: CliRunner) -> None:
    result = cli.invoke(main, ["crawl", "focus-taiwan"])
    assert result.exit_code == 2 and "focus-taiwan" in result.stderr and "sources list" in result.stderr


def test_help_lists_commands_without_importing_them_and_says_what_they_say() -> None:
    from crawler.cli import COMMANDS, SUMMARIES

    assert set(SUMMARIES) == set(COMMANDS)
    context = click.Context(main)
    for name in COMMANDS:
        command = main.get_command(context, name)
        assert command is not None
        assert command.get_short_help_str(limit=1000) == SUMMARIES[name], f"update SUMMARIES[{name!r}]"


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["sources", "list"]])
def test_quick_commands_import_no_database_http_or_language_model(args: list[str], tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    probe = (
        f"import sys, json\nfrom crawler.cli import main\ntry:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
        "print(json.dumps(sorted(m for m in ('sqlalchemy', 'httpx', 'apprise', 'apscheduler', 'py3langid',"
        " 'numpy', 'trafilatura') if m in sys.modules)))"
    )
    config = tmp_path / "t.toml"
    config.write_text(f'[settings]\ndatabase_url = "sqlite:///{tmp_path / "t.db"}"\n'
                      '[sources.cna]\nallow_hosts = ["http://127.0.0.1:8000"]\n', encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                          env={"TIDINGS_CONFIG": str(config), "PATH": "/usr/bin:/bin"})
    assert json.loads(done.stdout.splitlines()[-1]) == []
