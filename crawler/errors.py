"""The crawler's exception tree. Expected outcomes (304, duplicate, no match) are values, not exceptions.

Every exception names what it concerns (a URL, a source id, a file and key) and, where it can, what to do.
"""

from __future__ import annotations


class TidingsError(Exception):
    """Base of every error tidings raises on purpose."""


class ConfigError(TidingsError):
    """The config file (or a profile) is invalid. The message names the file and key path."""


class FetchError(TidingsError):
    """A URL could not be fetched. Carries the URL."""

    def __init__(self, url: str, message: str) -> None:
        super().__init__(f"{url}: {message}")
        self.url = url
        self.reason = message


class ExtractError(TidingsError):
    """A page could not be turned into an article (not HTML, no text, undecodable). Carries the URL."""

    def __init__(self, url: str, message: str) -> None:
        super().__init__(f"{url}: {message}")
        self.url = url
        self.reason = message


class DiscoveryError(TidingsError):
    """A feed, list page or API answer could not be read. Carries the URL."""

    def __init__(self, url: str, message: str) -> None:
        super().__init__(f"{url}: {message}")
        self.url = url
        self.reason = message
