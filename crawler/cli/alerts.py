"""CLI commands about rules and alerts: `rules list|test`, `alerts list|retry`, `notify test`."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import click

from crawler.cli import output
from crawler.cli.context import Context, pass_context, since_option
from crawler.config import CONSOLE, Config, rule_channels
from crawler.errors import ConfigError
from crawler.extract.article import seed_body
from crawler.pipeline.rulebook import RuleBook, rule_spec
from rules.errors import RulesError
from rules.match import Document, Matcher, RuleSpec
from rules.notify import Notifier, default_format
from rules.render import Message
from storage import ALERT_STATUSES, AlertStatus


@click.group("rules")
def rules_group() -> None:
    """The alert rules.

    \b
    Example:
        tidings rules test '@ai AND lang:en' --since 7d
    """


@rules_group.command("list")
@pass_context
def rules_list(context: Context) -> None:
    """Every rule: query, filters, channels, when it fires, mode. A query that does not parse is an error
    naming the rule (exit 2), as `tidings run` would refuse it.

    \b
    Example:
        tidings rules list
    """
    config = context.config
    RuleBook.from_config(config, check=True)  # every query compiled: a broken one is a ConfigError naming its rule
    rows = []
    for name, rule in config.rules.items():
        mode = rule.mode if rule.mode == "instant" else f"digest {rule.digest_window:g}s"
        rows.append([name, rule.query, ", ".join(rule.sources) or "all", ", ".join(rule.languages) or "all",
                     rule.on, mode, ", ".join(rule_channels(rule, config))])
    output.rules_table(rows)


@rules_group.command("test")
@click.argument("rule")
@click.option("--since", default="30d", show_default=True, help="Look at entries first seen within this long.")
@click.option("--text", help="Match this text instead of the stored entries.")
@pass_context
def rules_test(context: Context, rule: str, since: str, text: str | None) -> None:
    """Which stored entries RULE (a rule name or a query) would fire on, with the evidence and a count per day.
    Sends nothing.

    \b
    Example:
        tidings rules test ai --since 7d
        tidings rules test '@partnership AND lang:id' --text "Taiwan dan Indonesia menjalin kerja sama"
    """
    config = context.config
    matcher = _matcher(config, rule)
    if text is not None:
        output.matches("--text", matcher.match(Document(title="", body=text)))
        return
    with context.store() as store:
        entries = store.list_entries(since=since_option(since), limit=None)
    per_day: Counter[str] = Counter()
    for entry in entries:
        document = Document(title=entry.title or "", body=seed_body(entry.text, entry.title, entry.published),
                            source=entry.source_id, language=entry.language or "")
        matches = matcher.match(document)
        if matches:
            per_day[entry.first_seen.date().isoformat()] += 1
            output.matches(f"#{entry.id} {entry.title or entry.url}", matches)
    output.per_day(dict(per_day), len(entries))


def _matcher(config: Config, rule: str) -> Matcher:
    configured = config.rules.get(rule)
    spec = rule_spec(rule, configured) if configured else RuleSpec(name="query", query=rule)
    try:
        return Matcher.compile([spec], config.groups)
    except RulesError as exc:
        raise ConfigError(str(exc)) from None


@click.group("alerts")
def alerts_group() -> None:
    """The alert outbox.

    \b
    Example:
        tidings alerts list --status dead
    """


@alerts_group.command("list")
@click.option("--status", type=click.Choice(ALERT_STATUSES), help="Only alerts in this state.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@pass_context
def alerts_list(context: Context, status: AlertStatus | None, limit: int) -> None:
    """Alerts with their state, attempts and last error (dead ones failed every retry).

    \b
    Example:
        tidings alerts list --status dead
    """
    with context.store() as store:
        rows = store.list_alerts(status=status, limit=limit)
        counts = store.alert_counts()
    output.alerts_table(rows, counts, ALERT_STATUSES)


@alerts_group.command("retry")
@click.argument("alert_ids", nargs=-1, type=int)
@pass_context
def alerts_retry(context: Context, alert_ids: tuple[int, ...]) -> None:
    """Put dead alerts (or the given ALERT_IDS) back in the queue; the next crawl or the daemon sends them.

    \b
    Example:
        tidings alerts retry
        tidings alerts retry 12 13
    """
    with context.store() as store:
        count = store.retry_alerts(now=datetime.now(UTC), alert_ids=list(alert_ids) or None)
    output.say(f"{count} alerts queued again")


@alerts_group.command("drop")
@click.option("--rule", help="Only alerts carrying a match of this rule.")
@click.option("--channel", help="Only alerts to this channel.")
@click.option("--before", help="Only alerts queued more than this long ago, e.g. 2h.")
@pass_context
def alerts_drop(context: Context, rule: str | None, channel: str | None, before: str | None) -> None:
    """Empty the queue: delete pending alerts (all, or of a rule, a channel, or older than --before).

    \b
    Example:
        tidings alerts drop
        tidings alerts drop --rule partnership --channel team-slack --before 1h
    """
    with context.store() as store:
        count = store.drop_alerts(rule=rule, channel=channel, before=since_option(before, "--before"))
    output.say(f"{count} pending alerts dropped")


@click.group("notify")
def notify_group() -> None:
    """Notification channels.

    \b
    Example:
        tidings notify test console
    """


@notify_group.command("test")
@click.argument("channel")
@pass_context
def notify_test(context: Context, channel: str) -> None:
    """Send a test message to CHANNEL (a name from [channels], or `console`).

    \b
    Example:
        tidings notify test team-slack
    """
    config = context.config
    if channel == CONSOLE:
        output.say("[tidings] test message: the console channel works")
        return
    if channel not in config.channels:
        raise ConfigError(f"unknown channel {channel!r} (configured: {', '.join(config.channels) or 'none'})")
    urls = config.channels[channel].urls
    fmt = config.channels[channel].format or default_format(urls)
    delivery = Notifier().send(urls, Message("[tidings] test message", f"Channel {channel} works.", fmt))
    if not delivery.ok:
        raise click.ClickException(f"channel {channel}: {delivery.error}")
    output.say(f"sent a test message to {channel}")
