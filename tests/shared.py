"""Where the shared seeds and corpus are (`../shared`, or `$TIDINGS_SHARED`), and one reason to skip without them.

Every test and benchmark finds them here; a clone without them skips those tests with this one reason.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TIDINGS_SHARED", ROOT.parent / "shared"))
SEEDS = SHARED / "seeds"
CORPUS = SHARED / "corpus"
HAS_SHARED = (SEEDS / "clean").is_dir() and CORPUS.is_dir()
REASON = f"{SHARED} is absent: these tests need the shared seeds and corpus (set TIDINGS_SHARED to their folder)"

needs_shared = pytest.mark.skipif(not HAS_SHARED, reason=REASON)
"""Mark a test (or `pytestmark = needs_shared` a module) that reads the shared seeds or corpus."""


def require_shared() -> None:
    """Skip the calling test (with the one reason) when the shared folder is absent."""
    if not HAS_SHARED:
        pytest.skip(REASON)
