"""Taking replica articles down and putting them back (the admin API's /_admin/remove and /_admin/restore)."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from .model import Article, SiteState


class Removals:
    """The catalogue's part that takes articles down; see ``Catalog``."""

    lock: threading.RLock
    sites: dict[str, SiteState]

    def by_url(self, url: str) -> Article | None: ...
    def get(self, site: str, id: str) -> Article | None: ...
    def _tick(self, st: SiteState) -> datetime: ...

    def remove(self, url: str, how: str = "404") -> Article:
        """Take an article down: its page answers 404, 410 or redirects home ("home"), and lists drop it; or
        "503": a transient outage of the page (lists keep it)."""
        if how not in ("404", "410", "home", "503"):
            raise ValueError(f"how must be 404, 410, home or 503, not {how!r}")
        with self.lock:
            a = self.by_url(url)
            if a is None:
                raise KeyError(url)
            st = self.sites[a.site]
            st.removed[a.id] = how
            if how != "503" and any(x.id == a.id for x in st.fixed):
                st.fixed = [x for x in st.fixed if x.id != a.id]
                st.unlisted[a.id] = a
            self._tick(st)
            return a

    def restore(self, url: str) -> Article:
        """Put a taken-down article back, as it was."""
        with self.lock:
            from .catalog import resolve

            found = resolve(urlsplit(url).path + (f"?{urlsplit(url).query}" if urlsplit(url).query else ""))
            if found is None:
                raise KeyError(url)
            st = self.sites[found[0]]
            st.removed.pop(found[1], None)
            if (a := st.unlisted.pop(found[1], None)) is not None:
                st.add_fixed(a)
            self._tick(st)
            got = self.get(*found)
            if got is None:
                raise KeyError(url)
            return got

    def removed_as(self, site: str, id: str) -> str | None:
        """How a taken-down article answers, or None when it is up."""
        return self.sites[site].removed.get(id)

