"""Stories: the newest ones with their languages and sources, and one story with every member and why it is in.

A story is the same event across sources and languages (`rules.stories` links them). Its page is what a reader
follows: the members grouped by language, each with its source, dates and the evidence of its link, and the
story's Atom feed.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from crawler.web.common import config, page_size, store
from crawler.web.render import BadRequest, decode_key, page
from rules.story_render import language_name, link_reason
from storage import StoryMember, StoryRow


@dataclass(frozen=True)
class MemberShown:
    member: StoryMember
    why: str  # the link's reason and evidence in words (`rules.story_render.link_reason`)


@dataclass(frozen=True)
class LanguageGroup:
    code: str
    name: str
    members: tuple[MemberShown, ...]


def language_groups(story: StoryRow) -> list[LanguageGroup]:
    """The story's members by language, in the order the languages first appeared (oldest member first)."""
    grouped: dict[str, list[MemberShown]] = {}
    for member in story.members:
        why = link_reason(member.reason, member.score, member.evidence, member.linked_by)
        grouped.setdefault(member.language or "und", []).append(MemberShown(member, why))
    return [LanguageGroup(code, language_name(code), tuple(shown)) for code, shown in grouped.items()]


def _min_members(request: Request) -> int:
    raw = request.query_params.get("min", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= 100:
        raise BadRequest(f"min={raw[:20]!r}: give the fewest members a story must have, from 1 to 100")
    return int(raw)


def story_list(request: Request) -> Response:
    limit = page_size(request, config(request).web.page_size)
    min_members = _min_members(request)
    stories = store(request).list_stories(limit=limit + 1, min_members=min_members,
                                          before=decode_key(request.query_params.get("cursor")))
    more = len(stories) > limit
    shown = stories[:limit]
    next_key = (shown[-1].first_seen, shown[-1].id) if more and shown else None
    kept = {key: request.query_params[key] for key in ("min", "limit") if key in request.query_params}
    query = urlencode(kept)  # carried into the next page's link
    return page(request, "stories.html", title="Stories", stories=shown, next_key=next_key, page_query=query,
                min_members=min_members)  # no feed of its own: each story has one


def story_detail(request: Request) -> Response:
    story_id = request.path_params["story_id"]
    found = store(request).get_story(story_id)
    if found is None or not found.members:
        raise HTTPException(404, f"no story {story_id}")
    return page(request, "story.html", title=found.title or f"Story {story_id}", story=found,
                groups=language_groups(found), feed=f"/feeds/stories/{story_id}.atom")


def routes() -> list[BaseRoute]:
    return [Route("/stories", story_list), Route("/stories/{story_id:int}", story_detail)]
