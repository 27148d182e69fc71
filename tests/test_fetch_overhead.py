"""The fetch path's own overhead cut (issue #16, branch pagecpu3) without a change in what it does: cookies still
persist across requests (only responses without Set-Cookie skip the jar), response headers are joined as before,
and the URL syntax check refuses the same characters."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from crawler.fetch.client import Fetcher, FetchPolicy
from crawler.fetch.urlsafety import UnsafeURL, check_url_syntax
from crawler.fetch.values import joined_headers


def test_a_cookie_set_by_one_response_goes_with_the_next_requests() -> None:
    sent: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers.get("cookie"))
        if request.url.path == "/login":
            return httpx.Response(200, text="hi", headers={"Set-Cookie": "session=abc; Path=/"})
        return httpx.Response(200, text="page")

    async def crawl() -> None:
        policy = FetchPolicy(respect_robots=False, allow_private_networks=True, per_host_delay=0)
        async with Fetcher(policy, transport=httpx.MockTransport(answer)) as fetcher:
            for path in ("/a", "/login", "/b", "/c"):
                await fetcher.fetch(f"http://example.com{path}")

    asyncio.run(crawl())
    assert sent == [None, None, "session=abc", "session=abc"]  # /b answered without Set-Cookie: /c keeps it


def test_headers_are_joined_per_name_in_order_of_first_appearance() -> None:
    headers = httpx.Headers([(b"Set-Cookie", b"a=1"), (b"Date", b"Tue"), (b"set-cookie", b"b=2"), (b"X", b"")])
    joined = joined_headers(headers)
    assert joined == {name: ", ".join(headers.get_list(name)) for name in headers}
    assert list(joined) == ["set-cookie", "date", "x"] and joined["set-cookie"] == "a=1, b=2"


@pytest.mark.parametrize("code", [*range(0x21), 0x7F])
def test_whitespace_and_control_characters_are_refused(code: int) -> None:
    with pytest.raises(UnsafeURL, match="whitespace or control"):
        check_url_syntax(f"https://example.com/a{chr(code)}b")


@pytest.mark.parametrize("char", ["!", "~", "\x80", "é", "台"])
def test_other_characters_pass_the_syntax_check(char: str) -> None:
    check_url_syntax(f"https://example.com/a{char}b")
