"""The fetch layer's failures: each carries the URL it concerns (see `crawler.errors.FetchError`)."""

from __future__ import annotations

from crawler.errors import FetchError


class HTTPStatusError(FetchError):
    """The server answered with an error status (4xx or 5xx). `.status` holds it."""

    def __init__(self, url: str, status: int, message: str, retry_after: float | None = None) -> None:
        super().__init__(url, message)
        self.status = status
        self.retry_after = retry_after


class BodyTooLarge(FetchError):
    """The decoded body exceeded max_body_bytes (this also catches compression bombs)."""


class TooManyRedirects(FetchError):
    """More than max_redirects redirects, or a redirect loop."""


class FetchTimeout(FetchError):
    """Connecting, reading or the whole request took too long."""


class ConnectFailed(FetchError):
    """The host could not be resolved or reached, or the connection broke before the response was complete."""
