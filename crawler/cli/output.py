"""All terminal output of the CLI: the two consoles, tables, summaries, progress. Commands call these and
print nothing themselves, so one module decides how tidings looks on a terminal and off one (pipes, cron)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Coroutine, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from crawler.config import Source
    from crawler.drivers.crawl import CrawlSummary
    from crawler.drivers.health import SourceStatus, Status
    from crawler.drivers.planner import Planner
    from crawler.pipeline.check import CheckResult
    from crawler.pipeline.values import RunReport
    from rules.match import RuleMatch
    from storage import AlertRow, EntryRow, SourceState, StoryRow

T = TypeVar("T")

# Off a terminal (pipes, cron, logs) rich would assume 80 columns and cut table cells with "…": keep them whole.
_WIDTH = None if sys.stdout.isatty() else 200
# emoji=False: a title or URL with ":name:" in it is printed as it is, not as an emoji (and rich's table of emoji
# codes is never loaded).
console = Console(highlight=False, soft_wrap=True, width=_WIDTH, emoji=False)
errors = Console(stderr=True, highlight=False, soft_wrap=True, width=_WIDTH, emoji=False)


def say(line: str) -> None:
    """One plain line on stdout (never read as rich markup)."""
    console.print(line, markup=False)


def warn(line: str) -> None:
    """One plain line on stderr."""
    errors.print(line, markup=False)


def when(moment: datetime | None, *, seconds: bool = False, never: str = "never") -> str:
    """A stored UTC time in the local time zone, to the minute (or the second)."""
    if moment is None:
        return never
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def interval(seconds: float) -> str:
    """`300` as `5m`, `86400` as `1d`, `90` as `90s`."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def health(state: SourceState | None) -> str:
    """A source's health in a few words, from its stored state."""
    if state is None:
        return "not run yet"
    if state.consecutive_failures:
        return "failing (last error below)" if state.last_error else "failing"
    return "degraded (generic fallback)" if state.degraded else "ok"


def last_errors(states: Iterable[SourceState | None]) -> None:
    """Under a table of sources: each failing source's last error, whole (a table cell would cut it)."""
    for state in states:
        if state is not None and state.consecutive_failures and state.last_error:
            say(f"{state.source_id}: {state.consecutive_failures} failed run(s) in a row, last: {state.last_error}")


def with_progress(start: Callable[[Callable[[RunReport], None]], Coroutine[Any, Any, T]], *, total: int) -> T:
    """Run a crawl; on a terminal show a progress bar, otherwise stay quiet until the summary."""
    import asyncio  # here, not at the top: `tidings --help` and `sources list` need no event loop

    if not console.is_terminal:
        return asyncio.run(start(lambda report: None))
    from rich.progress import Progress

    with Progress(transient=True, console=console) as progress:
        task = progress.add_task("crawling", total=total)

        def done(report: RunReport) -> None:
            progress.update(task, advance=1, description=f"done: {report.source_id}")

        return asyncio.run(start(done))


# --- crawl and check ---------------------------------------------------------------------------------------


def crawl_summary(summary: CrawlSummary) -> None:
    table = Table("source", "new", "edited", "cosmetic", "removed", "restored", "dup", "unchanged", "304",
                  "requests", "KiB", "alerts", "errors", title="crawl summary", box=None)
    for report in summary.reports:
        table.add_row(*_summary_row(report))
    console.print(table)
    degraded = [r.source_id for r in summary.reports if r.degraded]
    say(
        f"{len(summary.reports)} sources, {summary.total('new')} new entries, {summary.total('edited')} edited "
        f"({summary.total('cosmetic')} cosmetic), {summary.total('removed')} removed, "
        f"{summary.total('restored')} restored, {summary.total('duplicates')} duplicates, "
        f"{summary.dispatch.sent} alerts sent, "
        f"{summary.dispatch.failed} alert failures, {summary.total('not_modified')} not modified, "
        f"{sum(len(r.errors) for r in summary.reports)} errors, {len(summary.failed)} sources failed"
        + (f", degraded (profile fell back to generic): {', '.join(degraded)}" if degraded else "")
        + (f", {undated} without a publication date" if (undated := sum(len(r.undated) for r in summary.reports))
           else "")
    )
    held = summary.held()
    if held:
        reasons = ", ".join(f"{reason} {count}" for reason, count in sorted(held.items()))
        say(f"{sum(held.values())} matches held back ({reasons})")
    count, due = summary.waiting
    if count:
        at = f" (the first at {when(due)})" if due is not None else ""
        say(f"{count} alert{'s' if count != 1 else ''} still in the outbox{at}: follow-ups of a story wait for its "
            "story_hold, failed sends for their retry; the next crawl sends what is due")
    if summary.dispatch_error:
        warn(f"error: alerts not delivered (they stay in the outbox): {summary.dispatch_error}")
    for report in summary.reports:
        for error in report.errors:
            warn(f"error: {report.source_id}: {error}")
        if report.undated:
            warn(f"warning: {report.source_id}: {len(report.undated)} entries stored without a publication date "
                 f"(none on the page, its listing or its URL), e.g. {report.undated[0]}")


def _summary_row(report: RunReport) -> list[str]:
    name = report.source_id + (" (degraded)" if report.degraded else "") + (" (failed)" if report.failed else "")
    if report.skipped:
        name += f" (skipped: {report.skipped})"
    numbers = (report.new, report.edited, report.cosmetic, report.removed, report.restored, report.duplicates,
               report.unchanged, report.not_modified, report.requests, report.bytes // 1024, report.alerts,
               len(report.errors))
    return [name, *map(str, numbers)]


def check_details(result: CheckResult) -> None:
    """What `check -v` prints about the fetch and the extraction (on stderr, apart from the text)."""
    f, extraction = result.fetched, result.extraction
    hops = " -> ".join(f.redirects) if f.redirects else "none"
    lines = [
        f"url: {f.url}",
        f"final url: {f.final_url}",
        f"status: {f.status}  attempts: {f.attempts}  redirects: {hops}",
        f"bytes: {len(f.content)}  content-type: {f.content_type}  charset (HTTP): {f.charset or '-'}",
        f"etag: {f.etag or '-'}  last-modified: {f.last_modified or '-'}",
        f"fetch: {f.elapsed * 1000:.0f} ms  total: {result.seconds * 1000:.0f} ms",
        f"source: {result.source.id if result.source else '- (generic)'}  method: {extraction.method}"
        + ("  DEGRADED" if extraction.degraded else ""),
        *(f"problem: {problem}" for problem in extraction.problems),
    ]
    for line in lines:
        warn(line)
    warn("")  # the block stands apart from the article text that follows on stdout


def article_text(text: str) -> None:
    """An article in the seed schema, exactly as stored or exported."""
    sys.stdout.write(text)
    sys.stdout.flush()


# --- sources, entries, status ------------------------------------------------------------------------------


def sources_table(sources: Sequence[Source], states: dict[str, SourceState], plans: dict[str, str],
                  changes: dict[str, dict[str, int]] | None = None) -> None:
    """Each source with its health, its next poll, and what its stored pages went through: edits by class
    (substantive/cosmetic), removals; under the table, each failing source's last error."""
    table = Table("id", "language", "method", "interval", "last success", "failures", "edits (subst/cosm)",
                  "removed", "state", "next poll", box=None)
    for source in sources:
        state = states.get(source.id)
        counts = (changes or {}).get(source.id, {})
        methods = ", ".join(dict.fromkeys(entry.kind for entry in source.profile.discover if not entry.backfill))
        table.add_row(source.id, source.language, methods, interval(source.interval),
                      when(state.last_success_at) if state else "never",
                      str(state.consecutive_failures) if state else "0",
                      f"{counts.get('substantive', 0)}/{counts.get('cosmetic', 0)}", str(counts.get("removed", 0)),
                      health(state), plans.get(source.id, ""))
    console.print(table)
    last_errors(states.get(source.id) for source in sources)


def next_poll(planner: Planner, source: Source, state: SourceState | None, now: datetime) -> str:
    """'in 2m: weekday 10:00 is busy', 'due: fixed interval', 'in 10m: learning (3 of 20 items)' (the moment is
    `crawler.drivers.planner.next_due`'s, the one `tidings status` shows)."""
    from crawler.drivers.planner import next_due

    due = next_due(source, state, planner, now)
    wait = (due.at - now).total_seconds() if due.at is not None else 0.0
    soon = f"{round(wait / 60)} min" if wait >= 120 else f"{round(wait)} s"
    return f"{'in ' + soon if wait > 0 else 'due'}: {due.reason}"


def entries_table(rows: Iterable[EntryRow]) -> None:
    table = Table("id", "story", "source", "published", "versions", "title", box=None)
    for row in rows:
        story = "" if row.story_id is None else str(row.story_id)
        table.add_row(str(row.id), story, row.source_id, row.published or "", str(row.version_count),
                      row.title or row.url)
    console.print(table)


def status_report(status: Status) -> None:
    table = Table("source", "interval", "last success", "failures", "next due", "lease", "state", box=None,
                  title="sources")
    for source in status.sources:
        table.add_row(*_status_row(source))
    console.print(table)
    last_errors(source.state for source in status.sources)
    say("alerts: " + ", ".join(f"{name} {count}" for name, count in status.alerts.items()))
    runs = Table("source", "started", "seconds", "new", "edits", "cosmetic", "removed", "restored", "304",
                 "requests", "errors", box=None, title="last runs")
    for run in status.runs:
        took = run.finished_at - run.started_at if run.finished_at else None
        seconds = f"{took.total_seconds():.1f}" if took is not None else status.run_state(run)
        counts = (run.new_entries, run.edits, run.cosmetic_edits, run.removals, run.restorations, run.not_modified,
                  run.requests, run.errors)
        runs.add_row(run.source_id, when(run.started_at, seconds=True, never="-"), seconds, *map(str, counts))
    console.print(runs)
    say("healthy" if not status.problems else f"unhealthy: {'; '.join(status.problems)}")


def _status_row(source: SourceStatus) -> list[str]:
    state = source.state
    if state is None:
        return [source.source_id, interval(source.interval), "never", "0", "now", "-", source.problem or "not run yet"]
    text = health(state)
    if source.problem:
        text = f"stale; {text}"
    lease = state.lease_owner or "-"
    if state.lease_owner and not source.lease_live:
        lease += " (gone)"
    return [source.source_id, interval(source.interval), when(state.last_success_at, seconds=True, never="-"),
            str(state.consecutive_failures), when(source.next_due, seconds=True, never="now"), lease, text]


# --- rules and alerts --------------------------------------------------------------------------------------


def rules_table(rows: Iterable[list[str]]) -> None:
    table = Table("rule", "query", "sources", "languages", "on", "mode", "channels", box=None)
    for row in rows:
        table.add_row(*row)
    console.print(table)


def matches(label: str, found: list[RuleMatch]) -> None:
    if not found:
        say(f"{label}: no match")
    for match in found:
        evidence = ", ".join(f"{e.text!r} in {e.field}@{e.start}" for e in match.evidence[:8])
        say(f"{label}: {evidence}")


def per_day(counts: dict[str, int], total: int) -> None:
    say(f"{sum(counts.values())} of {total} entries would fire")
    for day, count in sorted(counts.items()):
        say(f"  {day}: {count}")


def alerts_table(rows: Iterable[AlertRow], counts: dict[str, int], statuses: Iterable[str]) -> None:
    table = Table("id", "status", "channel", "rule", "attempts", "created", "title / error", box=None)
    for row in rows:
        detail = row.last_error if row.status in ("dead", "pending") and row.last_error else row.title or ""
        table.add_row(str(row.id), row.status, row.channel, row.rule or "(health)", str(row.attempts),
                      when(row.created_at), detail or "")
    console.print(table)
    say(", ".join(f"{name}: {counts.get(name, 0)}" for name in statuses))


def stories_table(stories: Iterable[StoryRow], *, as_json: bool = False) -> None:
    if as_json:
        import json  # here: only the JSON outputs need it

        for story in stories:
            say(json.dumps(_story_json(story), ensure_ascii=False))
        return
    table = Table("story", "first seen", "entries", "languages", "sources", "title", box=None)
    for story in stories:
        table.add_row(str(story.id), when(story.first_seen), str(len(story.members)), ", ".join(story.languages),
                      ", ".join(story.sources), story.title or "")
    console.print(table)


def _story_json(story: StoryRow) -> dict[str, Any]:
    import json

    members = [{"entry_id": m.entry_id, "title": m.title, "url": m.url, "source": m.source_id,
                "language": m.language, "published": m.published, "first_seen": m.first_seen.isoformat(),
                "reason": m.reason, "score": m.score, "linked_by": m.linked_by,
                "evidence": json.loads(m.evidence) if m.evidence else None} for m in story.members]
    return {"id": story.id, "title": story.title, "first_seen": story.first_seen.isoformat(),
            "languages": list(story.languages), "sources": list(story.sources), "members": members}


def story_detail(story: StoryRow) -> None:
    from rules.story_render import link_reason  # here: only this command prints why entries are linked

    say(f"story {story.id}: {story.title or '(untitled)'}")
    say(f"first seen {when(story.first_seen)}; {len(story.members)} entries in {', '.join(story.languages)}")
    by_language: dict[str, list[Any]] = {}
    for member in story.members:
        by_language.setdefault(member.language or "und", []).append(member)
    for language, members in by_language.items():
        say(f"\n{language}:")
        for m in members:
            say(f"  #{m.entry_id} {m.source_id} · first seen {when(m.first_seen)} · {m.title or m.url}")
            say(f"      {m.url}")
            say(f"      linked: {link_reason(m.reason, m.score, m.evidence, m.linked_by)}")


# --- JSON ----------------------------------------------------------------------------------------------


def json_value(value: object) -> None:
    """One JSON document on stdout (UTF-8 kept readable)."""
    import json

    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()
