"""The collector settings a crawling process takes after start-up (crawler.drivers.heap)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from crawler.drivers.heap import YOUNG_THRESHOLD, settle_after_startup


@pytest.fixture
def restored_gc() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def test_start_up_objects_are_frozen_and_young_collections_spaced(restored_gc: None) -> None:
    kept = [Node() for _ in range(10)]
    settle_after_startup()
    assert gc.get_freeze_count() >= len(kept)
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD


def test_garbage_left_by_start_up_is_collected_before_freezing(restored_gc: None) -> None:
    a, b = Node(), Node()
    a.other, b.other = b, a  # a cycle: only the collector frees it
    probe = weakref.ref(a)
    del a, b
    settle_after_startup()
    assert probe() is None


def test_cycles_made_after_start_up_are_still_collected(restored_gc: None) -> None:
    settle_after_startup()
    a, b = Node(), Node()
    a.other, b.other = b, a
    probe = weakref.ref(a)
    del a, b
    gc.collect()
    assert probe() is None
