"""Per-host politeness, measured on the server side."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from dataclasses import replace

import pytest

from crawler.fetch.client import Fetcher, FetchPolicy
from crawler.fetch.politeness import HostGate
from tests.faults import FaultServer, Request, slow_headers

POLICY = FetchPolicy(allow_private_networks=True, respect_robots=False, per_host_delay=0.3, retries=0)
TOLERANCE = 0.02


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as fault_server:
        yield fault_server


def start_gaps(requests: list[Request]) -> list[float]:
    starts = sorted(request.arrived for request in requests)
    return [later - earlier for earlier, later in itertools.pairwise(starts)]


async def test_concurrent_fetches_to_one_host_are_spaced_and_serial(server: FaultServer) -> None:
    server.route("/p", slow_headers(0.05))
    async with Fetcher(POLICY) as fetcher:
        await asyncio.gather(*(fetcher.fetch(server.url(f"/p?n={n}")) for n in range(5)))
    requests = [exchange.request for exchange in server.requests_to("/p")]
    assert len(requests) == 5
    assert min(start_gaps(requests)) >= 0.3 - TOLERANCE
    assert server.max_active == 1


async def test_host_delay_override_applies_to_the_named_host(server: FaultServer) -> None:
    server.route("/p", slow_headers(0.0))
    async with Fetcher(POLICY) as fetcher:
        overrides = {"127.0.0.1": 0.1}
        await asyncio.gather(*(fetcher.fetch(server.url("/p"), host_delays=overrides) for _ in range(4)))
    gaps = start_gaps([exchange.request for exchange in server.requests_to("/p")])
    assert min(gaps) >= 0.1 - TOLERANCE and max(gaps) < 0.25


async def test_policy_host_delays_and_concurrency(server: FaultServer) -> None:
    server.route("/p", slow_headers(0.2))
    policy = replace(POLICY, host_delays={"127.0.0.1": 0.0}, per_host_concurrency=2)
    async with Fetcher(policy) as fetcher:
        await asyncio.gather(*(fetcher.fetch(server.url("/p")) for _ in range(4)))
    assert server.max_active == 2


async def test_gate_reserves_starts_in_order() -> None:
    now = [0.0]
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    gate = HostGate(1, clock=lambda: now[0], sleep=fake_sleep)
    for _ in range(3):
        async with gate.slot("h", delay=2.0):
            pass
    async with gate.slot("other", delay=2.0):
        pass
    assert slept == [2.0, 2.0]
