"""Who holds a lease, and whether that process still lives.

An owner is `host:pid:start`, where `start` is the process's start time in clock ticks since boot
(`/proc/<pid>/stat`, field 22): a pid reused by another process has another start time. A lease whose owner is on
this host and dead (no such pid, or another start time) is taken over at once; a lease of another host waits for
its expiry, which renewal keeps short.

>>> owner_is_dead(owner_id())
False
>>> owner_is_dead(f"{socket.gethostname()}:999999999:1")
True
>>> owner_is_dead("elsewhere.example:1:1")
False
"""

from __future__ import annotations

import os
import socket
from pathlib import Path


def process_start(pid: int) -> str | None:
    """The start time of process `pid` (clock ticks since boot), or None when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()  # the command name may hold spaces and parentheses
    return fields[19] if len(fields) > 19 else None


def owner_id() -> str:
    """This process as a lease owner: `host:pid:start`."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{process_start(pid) or 0}"


def owner_is_dead(owner: str | None) -> bool:
    """True only when `owner` certainly is a process of this host that no longer runs."""
    if not owner:
        return False
    rest = owner.split(":")
    if len(rest) < 3 or not rest[-2].isdigit():
        return False
    host, pid, start = ":".join(rest[:-2]), int(rest[-2]), rest[-1]
    if host != socket.gethostname() or not Path("/proc/self/stat").exists():
        return False
    current = process_start(pid)
    return current is None or (start != "0" and current != start)
