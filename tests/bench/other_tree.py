"""Import another source tree's ``rules`` package beside this one's, for side-by-side benchmarks in one process.

The other tree's modules are imported under their own names while this tree's are set aside, then both are put
back: each keeps the globals it was imported with, so the two matchers run interleaved in one loop.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType


def import_from(tree: Path, module: str, package: str = "rules") -> ModuleType:
    """``module`` (e.g. ``rules.match``) as the source tree ``tree`` has it."""
    ours = {name: sys.modules.pop(name) for name in list(sys.modules) if _under(name, package)}
    sys.path.insert(0, str(tree.resolve()))
    try:
        found = importlib.import_module(module)
        if not str(Path(found.__file__ or "").resolve()).startswith(str(tree.resolve())):
            raise ImportError(f"{module} did not come from {tree}")
    finally:
        sys.path.remove(str(tree.resolve()))
        for name in [name for name in sys.modules if _under(name, package)]:
            del sys.modules[name]
        sys.modules.update(ours)
    return found


def _under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")
