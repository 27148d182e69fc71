"""ARCHITECTURE.md is the map of the tree: every room it names exists, and every package of ours is on it."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAP = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
NAMED = sorted(set(re.findall(r"`((?:crawler|storage|rules|tests|deploy)/[\w/.*-]*)`", MAP)))


def test_the_map_names_rooms() -> None:
    assert len(NAMED) > 20


def test_every_room_on_the_map_exists() -> None:
    missing = [path for path in NAMED if not any(ROOT.glob(path.rstrip("/")))]
    assert not missing, f"ARCHITECTURE.md names paths that do not exist: {missing}"


def test_every_package_of_ours_is_on_the_map() -> None:
    packages = [
        path.parent.relative_to(ROOT).as_posix() + "/"
        for top in ("crawler", "storage", "rules")
        for path in (ROOT / top).rglob("__init__.py")
        if "migrations" not in path.parts
    ]
    tops = ("crawler/", "storage/", "rules/")
    absent = [package for package in packages if package not in tops and package not in MAP]
    assert not absent, f"packages missing from ARCHITECTURE.md: {absent}"


def test_every_lazy_name_of_storage_resolves_and_is_exported() -> None:
    """`storage` lists its lazily imported names three times (for type checkers, for `__getattr__`, in `__all__`):
    a name missing from one of them, or pointing at the wrong module, fails here."""
    import storage

    lazy = storage._LAZY  # the table under test
    assert set(lazy) <= set(storage.__all__)
    for name in storage.__all__:
        assert getattr(storage, name) is not None, name
    for name, module in lazy.items():
        assert getattr(importlib.import_module(module), name) is getattr(storage, name), name
