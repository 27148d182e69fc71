"""The child of `tests.bench.stages`: `tidings ARGS` in this process with the per-page stages timed (run with the
source tree to measure as the working directory; it goes first on sys.path). Writes its figures to $STAGES_OUT."""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import os
import resource
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Coroutine, Generator
from typing import Any

sys.path.insert(0, os.environ.get("STAGES_TREE", os.getcwd()))

CPU: defaultdict[str, float] = defaultdict(float)
STATEMENTS: Counter[str] = Counter()


def timed_sync(owner: Any, name: str, key: str) -> None:
    original: Callable[..., Any] = getattr(owner, name)

    @functools.wraps(original)
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.thread_time()
        try:
            return original(*args, **kwargs)
        finally:
            CPU[key] += time.thread_time() - started

    setattr(owner, name, timed)


class _Steps:
    """Awaits a coroutine, adding the CPU of each of its steps (not the loop's time between them) to `key`."""

    def __init__(self, coro: Coroutine[Any, Any, Any], key: str) -> None:
        self.coro, self.key = coro, key

    def __await__(self) -> Generator[Any, Any, Any]:
        steps = self.coro.__await__()
        sent: Any = None
        thrown: BaseException | None = None
        while True:
            started = time.thread_time()
            try:
                yielded = steps.throw(thrown) if thrown is not None else steps.send(sent)
            except StopIteration as stop:
                return stop.value
            finally:
                CPU[self.key] += time.thread_time() - started
            try:
                sent, thrown = (yield yielded), None
            except BaseException as exc:  # a cancellation goes into the coroutine, as without the wrapper
                sent, thrown = None, exc


def timed_async(owner: Any, name: str, key: str) -> None:
    original: Callable[..., Coroutine[Any, Any, Any]] = getattr(owner, name)

    @functools.wraps(original)
    async def timed(*args: Any, **kwargs: Any) -> Any:
        return await _Steps(original(*args, **kwargs), key)

    setattr(owner, name, timed)


_gc_started = [0.0]


def _on_gc(phase: str, _info: dict[str, Any]) -> None:
    if threading.current_thread() is threading.main_thread():
        if phase == "start":
            _gc_started[0] = time.thread_time()
        else:
            CPU["gc (main thread)"] += time.thread_time() - _gc_started[0]


def _count(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
    STATEMENTS[" ".join(statement.split()[:3])[:50]] += 1


def _count_driver_statements() -> None:
    """Statements run on the driver's cursor (storage.prepared.DriverStatement, where a tree has it) bypass the
    engine's events: count them too, so trees that moved statements there compare fairly."""
    try:
        from storage.prepared import DriverStatement
    except ImportError:
        return
    original = DriverStatement._run

    def counted(self: Any, conn: Any, bound: Any, *, many: bool) -> Any:
        _count(conn, None, self.sql)
        return original(self, conn, bound, many=many)

    DriverStatement._run = counted  # type: ignore[method-assign]


def wrap() -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    import crawler.fetch.client as fetch_client
    import crawler.pipeline.articles as articles
    import crawler.pipeline.changes as changes
    import crawler.pipeline.context as context
    import crawler.pipeline.listings as listings
    import crawler.pipeline.page as page
    import crawler.pipeline.run as run
    import storage.entries as entries

    synchronous: list[tuple[Any, str, str]] = [
        (articles, "link_entry", "story linking"), (entries.ArticleWrites, "save_article", "save_article"),
        (changes, "queue_matches", "rules + match rows (queue_matches)"),
        (articles, "_save", "_save (the article's whole transaction)"),
        (context.HttpMemory, "remember", "validators written (HttpMemory.remember)"),
        (context.HttpMemory, "preload", "validators read (HttpMemory.preload)"), (articles, "_record", "_record"),
        (page, "extract_page", "extraction (extract_page, worker thread)"),
        (run, "finish", "run record (outcome.finish)"),
    ]
    for owner, name, key in synchronous:
        timed_sync(owner, name, key)
    coroutines: list[tuple[Any, str, str]] = [
        (fetch_client.Fetcher, "fetch", "fetch (its coroutine steps)"),
        (listings, "candidates", "listings (steps, their fetches included)"),
        (articles, "take_item", "take_item (steps, all of an item)"),
        (run, "run_source", "run_source (steps, all of a source)"),
    ]
    for owner, name, key in coroutines:
        timed_async(owner, name, key)
    event.listen(Engine, "before_cursor_execute", _count)
    _count_driver_statements()
    gc.callbacks.append(_on_gc)


def main() -> None:
    wrap()
    from crawler.cli import main as tidings

    try:  # this process is the console script's (trees before crawler.drivers.heap had no such step)
        from crawler.drivers.heap import own_process
    except ImportError:
        pass
    else:
        own_process()

    started, usage = time.thread_time(), resource.getrusage(resource.RUSAGE_SELF)
    with contextlib.suppress(SystemExit):
        tidings(sys.argv[1:])
    after = resource.getrusage(resource.RUSAGE_SELF)
    CPU["main thread, all"] = time.thread_time() - started
    CPU["process, all (imports not included)"] = (after.ru_utime + after.ru_stime) - (usage.ru_utime + usage.ru_stime)
    from storage import Store

    with Store.open(os.environ["TIDINGS_REPLICA_DATABASE_URL"]) as store:
        articles = store.count_entries()
    with open(os.environ["STAGES_OUT"], "w", encoding="utf-8") as out:
        json.dump({"cpu": CPU, "statements": STATEMENTS, "articles": articles}, out)


if __name__ == "__main__":
    main()
