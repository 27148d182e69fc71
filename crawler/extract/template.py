"""A source's template lines: the lines its other recent pages also carry (a menu, a footer, a "follow us").

Only evidence from other pages counts: a line the article itself repeats (a chorus, a recurring caption) is
the article's, and a page seen with no memory loses none of its own lines.

>>> memory = TemplateMemory()
>>> for n in range(3):
...     memory.remember(f"https://x.test/{n}", ["Follow us on Line", f"Story {n}."])
>>> sorted(memory.lines_elsewhere("https://x.test/new"))
['Follow us on Line']

The memory is never process-global: whoever runs the sources owns a `TemplateMemories` (the daemon one for its
life, `run_source` a fresh one per run when none is handed in) and each run reads its own source's memory, so two
sources, two daemons in one process or two tests never share lines.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable

RECENT_PAGES = 20  # pages remembered per source (1-200): the most recent ones
MIN_OTHER_PAGES = 2  # a line is the template's when at least this many other pages carry it (1-RECENT_PAGES)


class TemplateMemory:
    """The lines of a source's most recent pages, by URL; thread-safe (pages are read in worker threads)."""

    def __init__(self, pages: int = RECENT_PAGES, min_pages: int = MIN_OTHER_PAGES) -> None:
        if not 1 <= pages <= 200 or not 1 <= min_pages <= pages:
            raise ValueError(f"TemplateMemory(pages={pages}, min_pages={min_pages}): "
                             "use 1 <= min_pages <= pages <= 200")
        self._pages: OrderedDict[str, frozenset[str]] = OrderedDict()
        self._size = pages
        self._min = min_pages
        self._lock = threading.Lock()

    def lines_elsewhere(self, url: str) -> frozenset[str]:
        """The lines at least `min_pages` other remembered pages carry (a page never counts as its own evidence)."""
        counts: dict[str, int] = {}
        with self._lock:
            for other, lines in self._pages.items():
                if other != url:
                    for line in lines:
                        counts[line] = counts.get(line, 0) + 1
        return frozenset(line for line, count in counts.items() if count >= self._min)

    def remember(self, url: str, lines: Iterable[str]) -> None:
        """Keep this page's lines (replacing what the same URL had), forgetting the oldest page beyond the limit."""
        with self._lock:
            self._pages.pop(url, None)
            self._pages[url] = frozenset(lines)
            while len(self._pages) > self._size:
                self._pages.popitem(last=False)


class TemplateMemories:
    """Each source's `TemplateMemory`, owned by the caller that runs the sources (the daemon, one crawl).

    >>> memories = TemplateMemories()
    >>> memories.for_source("a") is memories.for_source("a"), memories.for_source("a") is memories.for_source("b")
    (True, False)
    """

    def __init__(self, pages: int = RECENT_PAGES, min_pages: int = MIN_OTHER_PAGES) -> None:
        TemplateMemory(pages, min_pages)  # the same bounds, checked once here rather than at a source's first page
        self._pages, self._min = pages, min_pages
        self._sources: dict[str, TemplateMemory] = {}
        self._lock = threading.Lock()

    def for_source(self, source_id: str) -> TemplateMemory:
        """The memory of `source_id`'s recent pages (created empty at its first run)."""
        with self._lock:
            if source_id not in self._sources:
                self._sources[source_id] = TemplateMemory(self._pages, self._min)
            return self._sources[source_id]
