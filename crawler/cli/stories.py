"""`tidings stories ...`: the same event across sources and languages; a person's split and join."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from crawler.cli import output
from crawler.cli.context import Context, pass_context, since_option
from crawler.errors import TidingsError


@click.group("stories")
def stories_group() -> None:
    """Stories: every stored entry joins one (the same event in other sources and languages).

    \b
    Example:
        tidings stories list --since 1d
    """


@stories_group.command("list")
@click.option("--since", help="Only stories first seen within this long, e.g. 2d.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per story.")
@pass_context
def stories_list(context: Context, since: str | None, limit: int, as_json: bool) -> None:
    """The newest stories with their languages and sources.

    \b
    Example:
        tidings stories list --since 2d
        tidings stories list --json | jq .languages
    """
    with context.store() as store:
        stories = store.list_stories(since=since_option(since), limit=limit)
    output.stories_table(stories, as_json=as_json)


@stories_group.command("show")
@click.argument("story_id", type=int)
@pass_context
def stories_show(context: Context, story_id: int) -> None:
    """A story's members by language and source, when each was first seen and the evidence of each link.

    \b
    Example:
        tidings stories show 12
    """
    with context.store() as store:
        story = store.get_story(story_id)
    if story is None:
        raise TidingsError(f"no story {story_id} (see `tidings stories list`)")
    output.story_detail(story)


@stories_group.command("split")
@click.argument("entry_id", type=int)
@pass_context
def stories_split(context: Context, entry_id: int) -> None:
    """Take ENTRY_ID out of its story into a story of its own. Automatic linking never undoes it.

    \b
    Example:
        tidings stories split 345
    """
    with context.store() as store:
        story_id = store.split_entry(entry_id, now=datetime.now(UTC))
    output.say(f"entry {entry_id} is now alone in story {story_id}")


@stories_group.command("join")
@click.argument("entry_id", type=int)
@click.argument("story_id", type=int)
@pass_context
def stories_join(context: Context, entry_id: int, story_id: int) -> None:
    """Move ENTRY_ID into STORY_ID. Automatic linking never undoes it.

    \b
    Example:
        tidings stories join 345 12
    """
    with context.store() as store:
        store.join_entry(entry_id, story_id, now=datetime.now(UTC))
    output.say(f"entry {entry_id} joined story {story_id}")
