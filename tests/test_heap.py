"""The collector settings tidings' own process takes after start-up (crawler.drivers.heap)."""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.drivers import heap
from crawler.drivers.heap import YOUNG_THRESHOLD, settle_after_startup
from tests.sites import ReplicaServer

REPLICA_CONFIG = Path(__file__).resolve().parent / "sites" / "replica.toml"


@pytest.fixture
def own_process(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This test process plays tidings' own for one test; the collector is put back afterwards."""
    thresholds = gc.get_threshold()
    monkeypatch.setitem(heap._process, "own", True)
    monkeypatch.setitem(heap._process, "settled", False)
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)
    gc.enable()


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def test_start_up_objects_are_frozen_and_young_collections_spaced(own_process: None) -> None:
    kept = [Node() for _ in range(10)]
    settle_after_startup()
    assert gc.get_freeze_count() >= len(kept)
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD


def test_garbage_left_by_start_up_is_collected_before_freezing(own_process: None) -> None:
    a, b = Node(), Node()
    a.other, b.other = b, a  # a cycle: only the collector frees it
    probe = weakref.ref(a)
    del a, b
    settle_after_startup()
    assert probe() is None


def test_a_one_pass_process_freezes_without_the_full_collection(own_process: None) -> None:
    a, b = Node(), Node()
    a.other, b.other = b, a
    probe = weakref.ref(a)
    del a, b
    settle_after_startup(collect=False)
    gc.collect()
    assert probe() is not None and gc.isenabled()  # frozen with the rest of start-up: freed at exit


def test_cycles_made_after_start_up_are_still_collected(own_process: None) -> None:
    settle_after_startup()
    a, b = Node(), Node()
    a.other, b.other = b, a
    probe = weakref.ref(a)
    del a, b
    gc.collect()
    assert probe() is None


def test_start_up_runs_without_the_collector_until_it_settles(own_process: None) -> None:
    heap.own_process()
    assert not gc.isenabled()
    settle_after_startup()
    assert gc.isenabled()


def test_a_command_that_opens_the_database_turns_the_collector_back_on(own_process: None) -> None:
    heap.own_process()
    heap.end_of_startup()
    assert gc.isenabled() and gc.get_threshold()[0] != YOUNG_THRESHOLD  # CPython's own: it does not crawl


def test_a_program_invoking_the_commands_keeps_its_collector() -> None:
    before = gc.get_threshold(), gc.get_freeze_count(), gc.isenabled()
    settle_after_startup()  # this test process is not tidings' own
    heap.end_of_startup()
    assert (gc.get_threshold(), gc.get_freeze_count(), gc.isenabled()) == before


def test_the_console_script_crawls_with_the_tuned_collector(tmp_path: Path) -> None:
    """`python -m crawler crawl` (the console script's path): the crawl itself runs with start-up frozen."""
    probe = (
        "import gc, sys\nimport crawler.drivers.crawl as driver\nreal = driver.crawl\n"
        "async def spy(*args, **kwargs):\n"
        "    print('collector', gc.get_threshold()[0], gc.get_freeze_count() > 0, gc.isenabled(), file=sys.stderr)\n"
        "    return await real(*args, **kwargs)\n"
        "driver.crawl = spy\nfrom crawler.cli import entry\nentry()\n"
    )
    with ReplicaServer(port=0, articles=2) as replica:
        env = {"PATH": "/usr/bin:/bin", "TIDINGS_HOME": str(tmp_path), "TIDINGS_REPLICA_URL": replica.base_url,
               "TIDINGS_REPLICA_DATABASE_URL": f"sqlite:///{tmp_path / 't.db'}"}
        done = subprocess.run([sys.executable, "-c", probe, "-c", str(REPLICA_CONFIG), "crawl", "focustaiwan"],
                              capture_output=True, text=True, env=env, timeout=300)
    assert f"collector {YOUNG_THRESHOLD} True True" in done.stderr, done.stderr[-2000:]
    assert done.returncode == 0, done.stderr[-2000:]
