"""Fault-injection HTTP server and helpers for the fetcher's tests (see server.py)."""

from __future__ import annotations

from tests.faults.server import (
    Connection,
    Exchange,
    FaultServer,
    Handler,
    Request,
    ok,
    paced,
    redirect,
    reset_connection,
    sequence,
    slow_body,
    slow_headers,
    status,
    streamed,
    truncated,
)

__all__ = [
    "Connection",
    "Exchange",
    "FaultServer",
    "Handler",
    "Request",
    "ok",
    "paced",
    "redirect",
    "reset_connection",
    "sequence",
    "slow_body",
    "slow_headers",
    "status",
    "streamed",
    "truncated",
]
