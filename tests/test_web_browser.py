"""A real browser (headless Chromium through Selenium and chromium-driver) on the app of a `tidings run` daemon that
crawls the replica: a published article appears on the timeline within one interval, its story page (listed on
/stories) links back to it, its page shows the diff after an edit, search finds a Chinese and an English term, a
rule's Atom feed parses. Screenshots go to tmp_path.

Skipped, with the reason, where no browser can run (install Debian's `chromium` and `chromium-driver`; .ci/run does).
"""

from __future__ import annotations

import os
import shutil
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import feedparser
import pytest

from tests.conftest import PG_ENV, reset_postgres
from tests.sites import ReplicaServer
from tests.test_daemon import Daemon, Receiver, first_runs_done, wait_for, write_config

INTERVAL = 2.0
pytestmark = pytest.mark.slow


def _driver() -> Any:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    chromedriver = shutil.which("chromedriver")
    if not chromium or not chromedriver:
        pytest.skip("no headless browser: install Debian's chromium and chromium-driver (apt-get install -y "
                    "chromium chromium-driver)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("selenium is not installed (pip install -e '.[test]')")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1280,1000", "--lang=en-US"):
        options.add_argument(argument)
    try:
        return webdriver.Chrome(service=Service(chromedriver), options=options)
    except Exception as exc:  # a browser that cannot start here (no display libraries, sandbox...)
        pytest.skip(f"headless Chromium does not start here: {str(exc).splitlines()[0]}")


@pytest.fixture
def browser() -> Iterator[Any]:
    driver = _driver()
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def daemon_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tidings.db'}"
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} not set")
    reset_postgres(url)
    return url


def _see(browser: Any, url: str, text: str, timeout: float, shots: Path, name: str) -> float:
    """Reload ``url`` until ``text`` is on the page; returns when it appeared (monotonic)."""

    def present() -> bool:
        if browser.current_url == url:
            browser.refresh()  # get() of the same URL with a #fragment would not load the page again
        else:
            browser.get(url)
        return text in browser.page_source

    wait_for(present, timeout, f"{text!r} on {url}", every=0.3)
    browser.save_screenshot(str(shots / f"{name}.png"))
    return time.monotonic()


def recheck_now(config: Path, source_id: str) -> bool:
    """`tidings crawl SOURCE --recheck` beside the daemon; False while the daemon holds the source's lease."""
    from click.testing import CliRunner

    from crawler.cli import main

    result = CliRunner().invoke(main, ["-c", str(config), "crawl", source_id, "--recheck", "--no-alerts"])
    return result.exit_code == 0 and "1 edited" in result.output


def hit_titles(browser: Any) -> list[str]:
    from selenium.webdriver.common.by import By

    return [element.text for element in browser.find_elements(By.CSS_SELECTOR, "ul.hits a.title")]


def test_a_browser_follows_the_crawl_the_edit_search_and_a_feed(
    browser: Any, daemon_url: str, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    shots = tmp_path / "screenshots"
    shots.mkdir()
    with ReplicaServer(port=0, articles=2) as replica, Receiver() as hook:
        config = write_config(tmp_path / "t.toml", replica=replica.base_url, database_url=daemon_url, hook=hook.url,
                              interval=INTERVAL)
        daemon = Daemon(config, tmp_path / "daemon.log")
        try:
            base = daemon.health_url()
            wait_for(lambda: first_runs_done(daemon_url, ("focustaiwan", "cna")), 30, "the first runs")
            zh = replica.publish("cna", topic="ai")
            en = replica.publish("focustaiwan", topic="ai")
            published = time.monotonic()
            seen = _see(browser, base + "/", zh["title"], INTERVAL + 10, shots, "timeline")
            assert seen - published < INTERVAL + 10
            _see(browser, base + "/", en["title"], INTERVAL + 10, shots, "timeline-en")

            browser.find_element(By.LINK_TEXT, zh["title"]).click()
            article = browser.current_url
            assert "/entries/" in article and "Versions (1)" in browser.page_source
            browser.save_screenshot(str(shots / "article.png"))
            story = browser.find_element(By.PARTIAL_LINK_TEXT, "story ").get_attribute("href")  # its story's page
            browser.find_element(By.LINK_TEXT, "Stories").click()
            listed = {link.get_attribute("href") for link in
                      browser.find_elements(By.CSS_SELECTOR, 'ul.entries a.title[href*="/stories/"]')}
            assert story in listed, browser.page_source[:2000]
            browser.get(story)
            assert browser.find_element(By.LINK_TEXT, zh["title"]).get_attribute("href") == article
            browser.save_screenshot(str(shots / "story.png"))
            browser.get(article)

            replica.edit(zh["url"], append="外交部補充說明：雙方將於明年擴大人工智慧合作。")
            # The first re-check is 15 minutes after first seen; a user who heard of the edit asks for it now.
            wait_for(lambda: recheck_now(config, "cna"), 30, "a re-check between the daemon's runs")
            _see(browser, article + "#versions", "Versions (2)", INTERVAL * 4 + 15, shots, "article-diff")
            browser.set_window_size(1280, 1600)  # the whole diff in one picture
            browser.save_screenshot(str(shots / "article-diff.png"))
            browser.set_window_size(1280, 1000)
            inserted = browser.find_elements(By.CSS_SELECTOR, ".diff .added")
            assert any("擴大人工智慧合作" in element.text for element in inserted)

            text = " ".join(zh["paragraphs"]) + zh["title"]
            term = next(word for word in ("人工智慧", "合作", "外交部") if word in text)
            browser.get(base + "/search?q=" + quote(term))
            assert zh["title"] in hit_titles(browser)
            assert browser.find_elements(By.CSS_SELECTOR, "ul.hits mark")
            browser.save_screenshot(str(shots / "search-zh.png"))
            english = next(word for word in en["title"].split() if len(word) > 4 and word.isalpha())
            browser.get(base + "/search?q=" + quote(english))
            assert en["title"] in hit_titles(browser)
            browser.save_screenshot(str(shots / "search-en.png"))

            browser.get(base + "/rules/ai")
            feed = browser.find_element(By.CSS_SELECTOR, 'link[rel="alternate"][type="application/atom+xml"]')
            href = feed.get_attribute("href")
            with urllib.request.urlopen(href, timeout=10) as answer:
                parsed = feedparser.parse(answer.read())
            assert parsed.bozo == 0 and zh["title"] in {entry.title for entry in parsed.entries}
            assert len(list(shots.glob("*.png"))) >= 7
            keep = os.environ.get("TIDINGS_SCREENSHOT_DIR")  # README pictures: deploy/docs/screenshots/
            for name in ("timeline", "article-diff") if keep else ():
                shutil.copy(shots / f"{name}.png", Path(keep) / f"{name}.png")
            assert daemon.stop() == 0
        finally:
            if daemon.proc.poll() is None:
                daemon.kill()
