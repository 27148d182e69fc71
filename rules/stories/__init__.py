"""Story linking: every stored entry joins a story (the same single event across sources and languages).

Pure functions, no I/O. ``anchors_of`` computes an entry's language-independent evidence once (storable as
JSON); ``candidate_keys`` gives the blocking keys a store indexes so that candidates come from an index, not a
scan; ``link_score`` says why two entries are one story (or None); ``choose_story`` picks the story a new entry
joins, or None for a new story.
"""

from rules.stories.anchors import anchors_of
from rules.stories.keys import CANDIDATE_LIMIT, blocking_keys, candidate_keys, lookup_keys, rank_candidates
from rules.stories.link import (
    choose_story,
    event_days,
    explain,
    link_score,
    may_need_text,
    needs_text,
    time_agreement,
)
from rules.stories.model import Anchors, LinkEvidence, LinkReason, StoryDoc

__all__ = [
    "CANDIDATE_LIMIT",
    "Anchors",
    "LinkEvidence",
    "LinkReason",
    "StoryDoc",
    "anchors_of",
    "blocking_keys",
    "candidate_keys",
    "choose_story",
    "event_days",
    "explain",
    "link_score",
    "lookup_keys",
    "may_need_text",
    "needs_text",
    "rank_candidates",
    "time_agreement",
]
