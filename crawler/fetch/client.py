"""Fetching that is polite, economical and safe: the one way tidings talks HTTP.

One shared httpx client; per-host concurrency and spacing (politeness.py); robots.txt (robots.py);
conditional GET with ETag / Last-Modified / body hash; retries with backoff (stamina) that honour
Retry-After; redirects followed here so every hop is checked (urlsafety.py); a cap on the decoded body
size enforced while streaming (contentcoding.py).

>>> async def demo() -> int:
...     transport = httpx.MockTransport(lambda request: httpx.Response(200, text="hi"))
...     policy = FetchPolicy(respect_robots=False, allow_private_networks=True, per_host_delay=0)
...     async with Fetcher(policy, transport=transport) as fetcher:
...         return (await fetcher.fetch("http://example.com/")).status
>>> asyncio.run(demo())
200
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

import httpcore
import httpx
import stamina

from crawler.errors import FetchError
from crawler.fetch.contentcoding import BodyLimitExceeded, CorruptEncoding, UnsupportedEncoding, read_decoded
from crawler.fetch.errors import BodyTooLarge, ConnectFailed, FetchTimeout, HTTPStatusError, TooManyRedirects
from crawler.fetch.politeness import HostGate, Sleep, parse_retry_after
from crawler.fetch.robots import MAX_ROBOTS_BYTES, RobotsAnswer, RobotsCache, RobotsDisallowed, agent_token, robots_url
from crawler.fetch.tls import ssl_context
from crawler.fetch.urlsafety import (
    ResolveFailed,
    Resolver,
    UnsafeURL,
    VettedNetworkBackend,
    check_url_syntax,
    is_exempt_host,
    parse_url,
    system_resolver,
    vet_host,
)
from crawler.fetch.values import (
    REDIRECT_STATUSES,
    RETRY_AFTER_STATUSES,
    RETRYABLE_STATUSES,
    ROBOTS_MIN_REDIRECTS,
    Fetched,
    FetchPolicy,
    FetchStats,
    Job,
    Response,
    SetCookieJar,
    Validators,
    joined_headers,
    method_after_redirect,
    parse_content_type,
    raw_exchange,
    to_fetched,
)

__all__ = [
    "BodyTooLarge",
    "ConnectFailed",
    "FetchPolicy",
    "FetchStats",
    "FetchTimeout",
    "Fetched",
    "Fetcher",
    "HTTPStatusError",
    "RobotsDisallowed",
    "TooManyRedirects",
    "UnsafeURL",
    "Validators",
    "parse_content_type",
    "parse_retry_after",
]

DEFAULT_POLICY = FetchPolicy()

# Set per fetch() call: robots.txt loads and connection vetting run inside it and need its context.
_exempt_hosts: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar("exempt_hosts")
_current_stats: contextvars.ContextVar[FetchStats] = contextvars.ContextVar("current_stats")


class Fetcher:
    """The crawler's HTTP client. Use as `async with Fetcher(policy) as fetcher: await fetcher.fetch(url)`.

    `transport` replaces the network (tests pass httpx.MockTransport); `resolver` replaces DNS;
    `clock` and `sleep` drive the politeness spacing.
    """

    def __init__(
        self,
        policy: FetchPolicy = DEFAULT_POLICY,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        resolver: Resolver | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.policy = policy
        self._resolver = resolver or system_resolver
        self._clock = clock
        self._gate = HostGate(policy.per_host_concurrency, clock=clock, sleep=sleep)
        self._robots = RobotsCache(self._load_robots, ttl=policy.robots_ttl, clock=clock)
        self._agent = agent_token(policy.user_agent)
        self._client = httpx.AsyncClient(
            transport=transport or self._vetted_transport(),
            headers={"User-Agent": policy.user_agent},
            timeout=httpx.Timeout(
                connect=policy.connect_timeout,
                read=policy.read_timeout,
                write=policy.read_timeout,
                pool=policy.total_timeout,
            ),
            follow_redirects=False,
            trust_env=False,
        )
        self._client._cookies = SetCookieJar()  # httpx 0.28 (pinned <0.29): the jar the client keeps and reads

    def _vetted_transport(self) -> httpx.AsyncHTTPTransport:
        context = ssl_context(self.policy.http2)
        transport = httpx.AsyncHTTPTransport(verify=context, http2=self.policy.http2)
        # httpx 0.28 (pinned <0.29) offers no network_backend argument; swap in a pool that uses ours.
        transport._pool = httpcore.AsyncConnectionPool(ssl_context=context, http1=True, http2=self.policy.http2,
                                                       network_backend=VettedNetworkBackend(self._vet_connection))
        return transport

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the shared client and its connections."""
        await self._client.aclose()

    def check_url(self, url: str) -> None:
        """Raise UnsafeURL for a URL that is never fetched: not http(s), credentials, backslash, no host."""
        check_url_syntax(url)

    async def fetch(
        self,
        url: str,
        *,
        method: str = "GET",
        data: Mapping[str, str] | None = None,
        json: Any = None,
        validators: Validators | None = None,
        stats: FetchStats | None = None,
        allowed_hosts: frozenset[str] = frozenset(),
        host_delays: Mapping[str, float] | None = None,
        body_limit: int | None = None,
        limit_setting: str = "max_body_bytes",
    ) -> Fetched:
        """Fetch `url` (following redirects, with retries) and return the outcome; raise a FetchError.

        A 304, or a 200 whose body hash equals `validators.body_hash`, comes back with not_modified=True.
        `body_limit` replaces the policy's max_body_bytes for this fetch (attachments have their own cap, named
        `limit_setting` in the error).
        """
        stats = stats if stats is not None else FetchStats()
        job = Job(url, method.upper(), data, json, validators, stats, host_delays or {}, body_limit, limit_setting)
        exempt_token = _exempt_hosts.set(self.policy.allowed_hosts | allowed_hosts)
        stats_token = _current_stats.set(job.stats)
        started = self._clock()
        try:
            response, redirects, attempts = await self._fetch_with_retries(job)
        except FetchError:
            job.stats.errors += 1
            raise
        finally:
            _current_stats.reset(stats_token)
            _exempt_hosts.reset(exempt_token)
        fetched = to_fetched(job, response, redirects, attempts, self._clock() - started)
        job.stats.not_modified += int(fetched.not_modified)
        return fetched

    async def _fetch_with_retries(self, job: Job) -> tuple[Response, tuple[str, ...], int]:
        attempts = 0
        async for attempt in stamina.retry_context(
            on=self._retry_wait,
            attempts=self.policy.retries + 1,
            timeout=None,
            wait_initial=self.policy.retry_base_wait,
            wait_max=self.policy.retry_max_wait,
            wait_jitter=self.policy.retry_base_wait,
        ):
            with attempt:
                attempts += 1
                response, redirects = await self._follow_redirects(job)
                return response, redirects, attempts
        raise AssertionError("unreachable: stamina re-raises the last error")

    def _retry_wait(self, exc: Exception) -> bool | float:
        """stamina's hook: retry transient failures; wait what Retry-After says, capped."""
        if isinstance(exc, HTTPStatusError):
            if exc.status not in RETRYABLE_STATUSES:
                return False
            if exc.retry_after is not None:
                return min(exc.retry_after, self.policy.retry_max_wait)
            return True
        return isinstance(exc, FetchTimeout | ConnectFailed)

    async def _follow_redirects(self, job: Job) -> tuple[Response, tuple[str, ...]]:
        url, method, redirects = job.url, job.method, list[str]()
        while True:
            response = await self._request_checked(job, url, method, hop=bool(redirects))
            target = response.redirect_target()
            if target is None:
                return _raise_for_status(response), tuple(redirects)
            if len(redirects) >= self.policy.max_redirects:
                raise TooManyRedirects(
                    job.url,
                    f"more than {self.policy.max_redirects} redirects (last to {target}); "
                    "use the final URL in the config, or tell the site owner about the loop",
                )
            redirects.append(target)
            url, method = target, method_after_redirect(response.status, method)

    async def _request_checked(self, job: Job, url: str, method: str, *, hop: bool) -> Response:
        try:
            await self._vet_url(url)
            await self._check_robots(url)
        except (UnsafeURL, RobotsDisallowed) as exc:
            if hop:
                raise type(exc)(job.url, f"redirected to {url}: {exc.reason}") from exc
            raise
        send_body = method == job.method
        headers = job.validators.request_headers() if job.validators else {}
        return await self._exchange(
            url,
            method,
            job,
            headers=headers,
            data=job.data if send_body else None,
            json=job.json if send_body else None,
        )

    async def _vet_url(self, url: str) -> None:
        check_url_syntax(url)
        parsed = parse_url(url)
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        try:
            await vet_host(url, parsed.host, port, self._resolver, exempt=self._is_exempt(parsed.host, port))
        except ResolveFailed as exc:
            raise ConnectFailed(url, exc.reason) from exc

    async def _vet_connection(self, host: str, port: int) -> list[str]:
        try:
            return await vet_host(f"{host}:{port}", host, port, self._resolver, exempt=self._is_exempt(host, port))
        except ResolveFailed as exc:
            raise httpcore.ConnectError(exc.reason) from exc

    def _is_exempt(self, host: str, port: int) -> bool:
        return self.policy.allow_private_networks or is_exempt_host(host, port, _exempt_hosts.get(frozenset()))

    async def _check_robots(self, url: str) -> None:
        if not self.policy.respect_robots:
            return
        rules = await self._robots.rules_for(url)
        if rules.allows(url, self._agent):
            return
        if rules.is_error_verdict:  # RFC 9309: an unreachable or failing robots.txt means "disallow all"
            raise RobotsDisallowed(
                url,
                f"the site's robots.txt ({robots_url(url)}) could not be read: {rules.failure}; "
                "per RFC 9309 that means no crawling for now; it is tried again within 10 minutes",
            )
        raise RobotsDisallowed(
            url,
            f"the site's robots.txt disallows this path for user agent {self._agent!r}; "
            "drop the URL from the source, or ask the site owner for access",
        )

    async def _load_robots(self, url: str) -> RobotsAnswer:
        """robots.txt, up to max(5, max_redirects) checked redirects; unspaced: the page may follow at once."""
        job = Job(url, "GET", None, None, None, _current_stats.get(FetchStats()), {})
        for _ in range(max(ROBOTS_MIN_REDIRECTS, self.policy.max_redirects) + 1):
            try:
                await self._vet_url(url)
                response = await self._exchange(url, "GET", job, body_limit=MAX_ROBOTS_BYTES, truncate=True,
                                                spaced=False)
            except FetchError as exc:
                return RobotsAnswer(None, b"", failure=exc.reason)
            target = response.redirect_target()
            if target is None:
                return RobotsAnswer(response.status, response.content)
            url = target
        return RobotsAnswer(404, b"")  # RFC 9309: too many redirects => unavailable => allow

    def _delay_for(self, host: str, url: str, overrides: Mapping[str, float]) -> float:
        delay = self.policy.delay_for(host, overrides)
        rules = self._robots.peek(url) if self.policy.respect_robots else None
        crawl_delay = rules.crawl_delay(self._agent) if rules else None
        if crawl_delay is not None:
            delay = max(delay, min(crawl_delay, self.policy.crawl_delay_cap))
        return delay

    async def _exchange(
        self,
        url: str,
        method: str,
        job: Job,
        *,
        headers: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        json: Any = None,
        body_limit: int | None = None,
        truncate: bool = False,
        spaced: bool = True,
    ) -> Response:
        host = parse_url(url).host
        async with self._gate.slot(host, self._delay_for(host, url, job.host_delays) if spaced else 0.0):
            job.stats.requests += 1
            try:
                async with asyncio.timeout(self.policy.total_timeout):
                    request = self._client.build_request(  # the URL as parsed already (one parse per URL)
                        method, parse_url(url), headers=headers, data=data, json=json
                    )
                    response = await self._client.send(request, stream=True)
                    limit = body_limit or job.body_limit or self.policy.max_body_bytes
                    return await self._read(url, response, job, limit, truncate)
            except UnsafeURL as exc:  # raised at connect time by VettedNetworkBackend (DNS changed)
                raise UnsafeURL(url, f"at connect time: {exc.reason}") from exc
            except (TimeoutError, httpx.TimeoutException) as exc:
                raise FetchTimeout(url, f"{_describe_timeout(exc, self.policy)}; retry later") from exc
            except httpx.TransportError as exc:
                raise ConnectFailed(
                    url, f"connection failed ({type(exc).__name__}: {exc}); check the URL or retry later"
                ) from exc

    async def _read(self, url: str, response: httpx.Response, job: Job, limit: int, truncate: bool) -> Response:
        raw_parts: list[bytes] = []
        try:
            content = b""
            if _has_wanted_body(response.status_code):
                content = await self._read_decoded(url, response, limit, truncate, raw_parts, job.limit_setting)
                job.stats.bytes += len(content)
        finally:
            await response.aclose()
        return Response(url, response.status_code, joined_headers(response.headers), content,
                        raw_exchange(response, content, raw_parts))

    async def _read_decoded(
        self, url: str, response: httpx.Response, limit: int, truncate: bool, raw_parts: list[bytes], setting: str
    ) -> bytes:
        try:
            return await read_decoded(response, limit, truncate=truncate, raw_parts=raw_parts)
        except BodyLimitExceeded as exc:
            raise _too_large(url, limit, setting) from exc
        except UnsupportedEncoding as exc:
            raise FetchError(url, f"{exc}; the server must send gzip, deflate, br or zstd") from exc
        except CorruptEncoding as exc:
            raise FetchError(url, f"the body is corrupt: {exc}; tell the site owner") from exc


def _has_wanted_body(status: int) -> bool:
    return 200 <= status < 300 or (300 <= status < 400 and status not in REDIRECT_STATUSES | {304})


def _too_large(url: str, limit: int, setting: str = "max_body_bytes") -> BodyTooLarge:
    return BodyTooLarge(
        url,
        f"the decoded body exceeds {limit} bytes ({setting}); raise the limit if this file is "
        "really that large, otherwise the server sent a compression bomb or the wrong URL",
    )


def _describe_timeout(exc: BaseException, policy: FetchPolicy) -> str:
    if isinstance(exc, httpx.ConnectTimeout):
        return f"no connection within {policy.connect_timeout}s (connect_timeout)"
    if isinstance(exc, httpx.ReadTimeout):
        return f"the server sent nothing for {policy.read_timeout}s (read_timeout)"
    return f"no complete response within {policy.total_timeout}s (total_timeout)"


def _raise_for_status(response: Response) -> Response:
    if response.status < 400:
        return response
    retry_after = None
    if response.status in RETRY_AFTER_STATUSES:
        retry_after = parse_retry_after(response.headers.get("retry-after"))
    hint = "retry later" if response.status in RETRYABLE_STATUSES else "check the URL"
    raise HTTPStatusError(response.url, response.status, f"HTTP {response.status}; {hint}", retry_after)
