"""The values of the fetch layer: its policy, validators, a fetched response and the counters of a run; the small
pure steps of reading a response (headers joined, the cookie jar, the method after a redirect)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from crawler.fetch.urlsafety import UnsafeURL

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
RETRY_AFTER_STATUSES = frozenset({429, 503})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ROBOTS_MIN_REDIRECTS = 5


@dataclass(frozen=True)
class FetchPolicy:
    """How to fetch: identity, time limits, size limits, politeness, safety and retries.

    >>> FetchPolicy(per_host_delay=2.0).delay_for("example.com")
    2.0
    """

    user_agent: str = "tidings/0.1 (+https://github.com/tidings/tidings)"
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    total_timeout: float = 60.0
    max_body_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 10
    per_host_concurrency: int = 1
    per_host_delay: float = 1.0
    host_delays: Mapping[str, float] = field(default_factory=dict)
    allow_private_networks: bool = False
    allowed_hosts: frozenset[str] = frozenset()
    respect_robots: bool = True
    robots_ttl: float = 86400.0
    crawl_delay_cap: float = 30.0
    retries: int = 3
    retry_base_wait: float = 0.5
    retry_max_wait: float = 30.0
    http2: bool = True

    def delay_for(self, host: str, overrides: Mapping[str, float] | None = None) -> float:
        """The minimum seconds between request starts to `host` (before any robots.txt Crawl-delay)."""
        if overrides and host in overrides:
            return overrides[host]
        return self.host_delays.get(host, self.per_host_delay)


@dataclass(frozen=True)
class Validators:
    """What is remembered about a URL from its last fetch, for conditional GET and "unchanged" checks.

    >>> Validators(etag='"abc"').last_modified is None
    True
    """

    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None

    def request_headers(self) -> dict[str, str]:
        """The conditional request headers: If-None-Match and If-Modified-Since (echoed verbatim).

        >>> Validators(etag='"v1"', last_modified="Tue, 01 Jul 2025 10:00:00 GMT").request_headers()
        {'If-None-Match': '"v1"', 'If-Modified-Since': 'Tue, 01 Jul 2025 10:00:00 GMT'}
        """
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass(frozen=True)
class RawExchange:
    """The HTTP exchange as it went over the wire, for evidence: the request line and headers sent, the status
    line and headers received (names as sent, repeated headers kept) and the body *before* content decoding.

    `body_decoded` is True only when the transport handed over an already-decoded body (httpx.MockTransport);
    then `headers` still names the Content-Encoding the body no longer has.
    """

    method: str
    url: str
    request_headers: tuple[tuple[str, str], ...]
    http_version: str
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    body_decoded: bool = False


@dataclass(frozen=True)
class Fetched:
    """The outcome of one successful fetch (200, 304, ...), with what `tidings check URL -v` prints.

    >>> Fetched.example().validators()
    Validators(etag='"v1"', last_modified=None, body_hash='2cf24dba')
    """

    url: str
    final_url: str
    status: int
    headers: Mapping[str, str]
    content: bytes
    content_type: str | None
    charset: str | None
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    not_modified: bool
    redirects: tuple[str, ...]
    elapsed: float
    attempts: int
    previous: Validators | None = None
    raw: RawExchange | None = field(default=None, repr=False, compare=False)

    def validators(self) -> Validators:
        """What to store for next time; on 304 the previous body hash (and validators not resent) are kept."""
        if self.status == 304:
            previous = self.previous or Validators()
            return Validators(
                etag=self.etag or previous.etag,
                last_modified=self.last_modified or previous.last_modified,
                body_hash=previous.body_hash,
            )
        return Validators(etag=self.etag, last_modified=self.last_modified, body_hash=self.body_hash)

    @classmethod
    def example(cls) -> Fetched:
        """A small instance for docs and tests."""
        return cls(
            url="https://example.com/",
            final_url="https://example.com/",
            status=200,
            headers={"etag": '"v1"'},
            content=b"hello",
            content_type="text/html",
            charset=None,
            etag='"v1"',
            last_modified=None,
            body_hash="2cf24dba",
            not_modified=False,
            redirects=(),
            elapsed=0.01,
            attempts=1,
        )


@dataclass
class FetchStats:
    """Counters for one run; pass the same instance to every fetch of the run.

    >>> FetchStats().requests
    0
    """

    requests: int = 0
    bytes: int = 0
    not_modified: int = 0
    errors: int = 0


@dataclass(frozen=True)
class Job:
    """One call to `Fetcher.fetch`: what stays the same across its retries and redirect hops."""

    url: str
    method: str
    data: Mapping[str, str] | None
    json: Any
    validators: Validators | None
    stats: FetchStats
    host_delays: Mapping[str, float]
    body_limit: int | None = None
    limit_setting: str = "max_body_bytes"


@dataclass(frozen=True)
class Response:
    """One HTTP exchange: status, lower-case headers and the decoded body (empty unless it was read)."""

    url: str
    status: int
    headers: Mapping[str, str]
    content: bytes
    raw: RawExchange | None = None

    def redirect_target(self) -> str | None:
        """The absolute URL a redirect points at, or None when this is not a redirect."""
        location = self.headers.get("location")
        if self.status not in REDIRECT_STATUSES or not location:
            return None
        try:
            return str(httpx.URL(self.url).join(location.strip()))
        except httpx.InvalidURL as exc:
            raise UnsafeURL(self.url, f"the redirect Location {location!r} is not a valid URL ({exc})") from exc


def parse_content_type(value: str | None) -> tuple[str | None, str | None]:
    """The media type and charset of a Content-Type header, lower-case.

    >>> parse_content_type('Text/HTML; Charset="Big5"')
    ('text/html', 'big5')
    """
    if not value:
        return None, None
    media_type, *params = value.split(";")
    charset = None
    for param in params:
        name, _, param_value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = param_value.strip().strip("\"'").lower() or None
    return media_type.strip().lower() or None, charset


def raw_exchange(response: httpx.Response, content: bytes, raw_parts: list[bytes]) -> RawExchange:
    """The exchange as received; the body before content decoding when the stream gave it to us."""
    request = response.request
    decoded = not raw_parts and bool(content)  # an in-memory response (MockTransport): httpx decoded it
    body = content if decoded or not response.headers.get("content-encoding") else b"".join(raw_parts)
    return RawExchange(
        method=request.method,
        url=str(request.url),
        request_headers=tuple((name.decode("latin-1"), value.decode("latin-1")) for name, value in request.headers.raw),
        http_version=response.http_version,
        status=response.status_code,
        reason=response.reason_phrase,
        headers=tuple((name.decode("latin-1"), value.decode("latin-1")) for name, value in response.headers.raw),
        body=body,
        body_decoded=decoded and bool(response.headers.get("content-encoding")),
    )


def to_fetched(job: Job, response: Response, redirects: tuple[str, ...], attempts: int, elapsed: float) -> Fetched:
    content_type, charset = parse_content_type(response.headers.get("content-type"))
    previous = job.validators
    is_304 = response.status == 304
    body_hash = None if is_304 else hashlib.sha256(response.content).hexdigest()
    unchanged = is_304 or (previous is not None and body_hash is not None and previous.body_hash == body_hash)
    etag = response.headers.get("etag") or (previous.etag if is_304 and previous else None)
    last_modified = response.headers.get("last-modified") or (previous.last_modified if is_304 and previous else None)
    return Fetched(
        url=job.url,
        final_url=response.url,
        status=response.status,
        headers=response.headers,
        content=response.content,
        content_type=content_type,
        charset=charset,
        etag=etag,
        last_modified=last_modified,
        body_hash=body_hash,
        not_modified=unchanged,
        redirects=redirects,
        elapsed=elapsed,
        attempts=attempts,
        previous=previous,
        raw=response.raw,
    )


class SetCookieJar(httpx.Cookies):
    """The client's cookie jar (cookies persist across requests, as httpx's own), handing http.cookiejar only the
    responses that set a cookie: the others would cost two urllib wrappers and a header scan each (~20 µs) to
    find nothing (`CookieJar.make_cookies` returns at once without Set-Cookie or Set-Cookie2)."""

    def extract_cookies(self, response: httpx.Response) -> None:
        headers = response.headers
        if "set-cookie" in headers or "set-cookie2" in headers:
            super().extract_cookies(response)


def joined_headers(headers: httpx.Headers) -> dict[str, str]:
    """Each header name (lower case, in order of first appearance) with its values joined by ", ", as
    ``{name: ", ".join(headers.get_list(name)) for name in headers}`` in one pass (that scans every header per name)."""
    joined: dict[str, str] = {}
    for name, value in headers.multi_items():
        joined[name] = f"{joined[name]}, {value}" if name in joined else value
    return joined


def method_after_redirect(status: int, method: str) -> str:
    """303 always, and 301/302 after POST, continue as GET (as browsers do); 307/308 keep the method."""
    if status == 303 or (status in (301, 302) and method == "POST"):
        return "GET" if method != "HEAD" else "HEAD"
    return method
