"""The cyclic garbage collector, set for a process that crawls: what start-up built is frozen, and young
collections run less often.

By the first page a `tidings crawl` or `tidings run` holds some hundreds of thousands of objects it keeps to the
end (modules, the config, compiled rules, SQLAlchemy's statements). CPython's collector traverses every one of
them at each full collection, and runs a young collection every 700 net allocations; a stored article allocates
tens of thousands. Freezing the start-up objects (``gc.freeze``: they stay alive, the collector skips them) and
raising the young threshold takes about a third of the collector's time off each page (`tests.bench.stages`:
0.35 → 0.23 ms per stored article) and leaves memory as it was: reference counting still frees every acyclic
object at once, and cycles still go within a few thousand allocations.

Only a process that is tidings' own tunes it: the `tidings` console script and `python -m crawler` say so
(:func:`own_process`), and the commands that crawl or serve call :func:`settle_after_startup` once their start-up
is done. A program that merely invokes the commands (a test runner, through click's CliRunner) keeps its
collector as it was: freezing its objects at every invocation would keep its cyclic garbage for good.

>>> import gc
>>> before = gc.get_threshold()
>>> settle_after_startup()  # not tidings' own process (a doctest run): nothing changes
>>> gc.get_threshold() == before
True
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 5_000  # net allocations between young collections (CPython's default: 700)
OLDER_THRESHOLDS = (20, 20)  # young collections per middle one, middle per full (defaults: 10, 10)

_process = {"own": False, "settled": False}


def own_process() -> None:
    """Declare this process tidings' own (the console script's first step)."""
    _process["own"] = True


def settle_after_startup() -> None:
    """In tidings' own process, once: collect what start-up left behind, freeze what it keeps, and space the
    collections out."""
    if not _process["own"] or _process["settled"]:
        return
    _process["settled"] = True
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
