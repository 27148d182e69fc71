"""The cyclic garbage collector, set for a process that crawls: off while it starts, then what start-up built is
frozen, and young collections run less often.

By the first page a `tidings crawl` or `tidings run` holds some hundreds of thousands of objects it keeps to the
end (modules, the config, compiled rules, SQLAlchemy's statements). CPython's collector traverses every one of
them at each full collection, and runs a young collection every 700 net allocations; a stored article allocates
tens of thousands. Freezing the start-up objects (``gc.freeze``: they stay alive, the collector skips them) and
raising the young threshold takes about a third of the collector's time off each page (`tests.bench.stages`:
0.35 → 0.23 ms per stored article) and leaves memory as it was: reference counting still frees every acyclic
object at once, and cycles still go within a few thousand allocations.

Start-up itself runs without the collector: importing ~700 modules allocates the objects a process keeps, and
each full collection on the way traverses all of them again for next to no garbage (a fifth of a cold
`tidings crawl`'s CPU before its first request, ~100 ms of ~500). Reference counting frees what start-up drops
meanwhile; the few cycles it leaves are collected when the collector comes back.

Only a process that is tidings' own tunes it: the `tidings` console script and `python -m crawler` say so
(:func:`own_process`, which turns the collector off), and the commands that crawl or serve call
:func:`settle_after_startup` once their start-up is done; every other command that opens the database turns it
back on then (:func:`end_of_startup`), and the rest are one short step (`--help`, `init`, `check`, `diff`,
`sources list`). A program that merely invokes the commands (a test runner, through click's CliRunner) keeps its
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
    """Declare this process tidings' own (the console script's first step); its start-up runs without the
    cyclic collector."""
    _process["own"] = True
    gc.disable()


def end_of_startup() -> None:
    """The command's imports and config are done: the collector runs again (with CPython's own thresholds until
    :func:`settle_after_startup`)."""
    if _process["own"]:
        gc.enable()


def settle_after_startup(*, collect: bool = True) -> None:
    """In tidings' own process, once: collect what start-up left behind, freeze what it keeps, and space the
    collections out.

    That collection is one pass over every object start-up made (~50 ms at a cold start) for some hundreds of
    cycles (~100 KiB of classes and functions dropped while importing): a daemon or a server pays it once for
    good, a one-pass `tidings crawl` that exits soon after (`collect=False`) keeps them frozen instead."""
    if not _process["own"] or _process["settled"]:
        return
    _process["settled"] = True
    if collect:
        gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
    gc.enable()
