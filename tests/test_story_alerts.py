"""One alert per story, on the replica over real HTTP: the same event on Focus Taiwan, CNA (zh) and NSPP
(Indonesian), matched by two rules, gives per channel one message at once naming both rules, one follow-up naming
the other two languages, one more threaded follow-up for a fourth version an hour later; another event with the
same people the same day is another story. E-mail threading is read at a real SMTP server (aiosmtpd)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import pytest

from crawler.config import Config, load_config
from crawler.drivers.dispatch import Dispatcher
from crawler.fetch.client import Fetcher
from crawler.pipeline.rulebook import RuleBook
from crawler.pipeline.run import run_source
from crawler.pipeline.wiring import fetch_policy, run_options
from rules.notify import Notifier
from storage import Store
from tests.sites import ReplicaServer
from tests.test_dispatch import Mailbox, Receiver, free_port

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("focustaiwan", "cna", "nspp-id", "nspp-en")
HOLD = 600.0

EN = ("Taiwan, Paraguay sign AI cooperation pact worth US$25 million", [
    "Foreign Minister Lin Chia-lung (林佳龍) and Paraguayan Foreign Minister Rubén Ramírez Lezcano signed an "
    "artificial intelligence cooperation agreement in Taipei on Tuesday.",
    "Under the memorandum of understanding, Taiwan will invest US$25 million over four years to build an AI data "
    "center in Asunción and train 1,200 engineers.",
    "Lin said the partnership shows how Taiwan's strengths in semiconductors can help allies.",
])
ZH = ("台灣與巴拉圭簽署AI合作協議 投資2500萬美元", [
    "外交部長林佳龍與巴拉圭外交部長拉米雷斯（Rubén Ramírez Lezcano）今天在台北簽署人工智慧合作備忘錄。",
    "根據備忘錄，台灣將在4年內投資2500萬美元，在亞松森（Asunción）興建AI資料中心，並培訓1200名工程師。",
    "林佳龍表示，這項合作展現台灣半導體優勢可以協助友邦。",
])
ID = ("Taiwan dan Paraguay teken kerja sama AI senilai US$25 juta", [
    "Menteri Luar Negeri Lin Chia-lung dan Menteri Luar Negeri Paraguay Rubén Ramírez Lezcano menandatangani nota "
    "kesepahaman kerja sama kecerdasan buatan (AI) di Taipei pada hari Selasa.",
    "Taiwan akan berinvestasi US$25 juta selama empat tahun untuk membangun pusat data AI di Asunción dan melatih "
    "1.200 insinyur.",
    "Menurut Lin, kemitraan ini menunjukkan keunggulan semikonduktor Taiwan.",
])
EN_MOFA = ("MOFA: Taiwan and Paraguay sign memorandum on AI cooperation", [
    "Minister of Foreign Affairs Lin Chia-lung (林佳龍) and Paraguayan Minister of Foreign Affairs Rubén Ramírez "
    "Lezcano signed a memorandum of understanding on artificial intelligence cooperation on Tuesday in Taipei.",
    "Taiwan will invest US$25 million over four years in an AI data center in Asunción and train 1,200 engineers.",
])
OTHER = ("Lin hosts Paraguayan minister for dinner, offers 300 farming scholarships", [
    "Foreign Minister Lin Chia-lung (林佳龍) hosted Paraguayan Foreign Minister Rubén Ramírez Lezcano at a dinner in "
    "Taipei on Tuesday evening, where the two discussed cooperation in agriculture.",
    "Lin announced 300 scholarships for Paraguayan students of agriculture and a NT$80 million fund for rural "
    "clinics, a partnership he said would deepen ties.",
])


@pytest.fixture(scope="module")
def replica() -> Iterator[ReplicaServer]:
    with ReplicaServer(port=0, articles=6) as server:
        yield server


@pytest.fixture
def smtp() -> Iterator[tuple[int, Mailbox]]:
    from aiosmtpd.controller import Controller

    mailbox, port = Mailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, mailbox
    controller.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    yield running
    running.stop()


def config_for(tmp_path: Path, replica: ReplicaServer, smtp_port: int, hook: str, monkeypatch: Any) -> Config:
    monkeypatch.setenv("TIDINGS_REPLICA_URL", replica.base_url)
    text = (ROOT / "tests" / "sites" / "replica.toml").read_text(encoding="utf-8")
    mail = f"mailto://127.0.0.1:{smtp_port}?from=tidings@example.org&to=analyst@example.org&mode=insecure"
    text += f'\n[channels.mail]\nurl = "{mail}"\n\n[channels.hook]\nurl = "{hook}"\n'
    text = text.replace("[settings]\n", f"[settings]\nstory_hold = {HOLD}\n")
    path = tmp_path / "tidings.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


class World:
    def __init__(self, config: Config, store: Store) -> None:
        self.config, self.store = config, store
        self.rulebook = RuleBook.from_config(config)
        self.options = run_options(config, owner="test")
        self.dispatcher = Dispatcher(store, config, Notifier(timeout=5), owner="test", jitter=lambda: 0.0)

    async def crawl(self, *source_ids: str, now: datetime) -> None:
        async with Fetcher(fetch_policy(self.config.settings)) as fetcher:
            for source_id in source_ids:
                report = await run_source(self.config.sources[source_id], fetcher=fetcher, store=self.store,
                                          rulebook=self.rulebook, options=self.options, now=now)
                assert not report.failed, report.errors

    async def dispatch(self, now: datetime) -> int:
        return (await self.dispatcher.run_once(now)).messages


def subject(message: Any) -> str:
    return str(make_header(decode_header(message["Subject"])))


def story_of(store: Store, url: str) -> int | None:
    return next(entry.story_id for entry in store.list_entries(limit=None) if entry.url == url)


async def test_one_event_in_four_versions_is_one_threaded_story_per_channel(
    replica: ReplicaServer, store: Store, tmp_path: Path, smtp: tuple[int, Mailbox], receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    replica.reset()
    port, mailbox = smtp
    world = World(config_for(tmp_path, replica, port, receiver.url, monkeypatch), store)
    start = datetime.now(UTC)
    await world.crawl(*SOURCES, now=start)  # the baseline: nothing is sent
    assert await world.dispatch(start) == 0 and not mailbox.messages and not receiver.bodies

    english = replica.publish("focustaiwan", title=EN[0], paragraphs=EN[1])
    chinese = replica.publish("cna", title=ZH[0], paragraphs=ZH[1])
    indonesian = replica.publish("nspp-id", title=ID[0], paragraphs=ID[1])
    t1 = start + timedelta(minutes=1)
    await world.crawl("focustaiwan", now=t1)
    assert await world.dispatch(t1) == 2  # at once: one message per channel
    [first_mail], [first_hook] = mailbox.messages, receiver.bodies
    assert "ai, partnership" in subject(first_mail) and EN[0] in subject(first_mail)
    assert first_hook["rules"] == ["ai", "partnership"] and first_hook["kind"] == "new"
    assert first_hook["follow_up_of"] is None and first_hook["story_id"] == story_of(store, english["url"])

    t2 = t1 + timedelta(seconds=40)
    await world.crawl("cna", "nspp-id", now=t2)
    assert story_of(store, chinese["url"]) == story_of(store, indonesian["url"]) == first_hook["story_id"]
    assert await world.dispatch(t2) == 0  # gathered during the hold
    assert await world.dispatch(t1 + timedelta(seconds=HOLD + 1)) == 2  # one follow-up per channel
    follow_mail, follow_hook = mailbox.messages[1], receiver.bodies[1]
    for text in (subject(follow_mail), follow_hook["text"]):
        assert "中文 (CNA)" in text and "Bahasa Indonesia (NSPP)" in text
    assert follow_hook["follow_up_of"] == first_hook["alert_id"] and follow_hook["kind"] == "follow-up"
    assert follow_mail["In-Reply-To"] == first_mail["Message-ID"] == follow_mail["References"]
    assert len(follow_mail.get_all("Message-ID")) == 1 and follow_mail["Message-ID"] != first_mail["Message-ID"]

    t3 = t1 + timedelta(hours=1)
    fourth = replica.publish("nspp-en", title=EN_MOFA[0], paragraphs=EN_MOFA[1])
    await world.crawl("nspp-en", now=t3)
    assert story_of(store, fourth["url"]) == first_hook["story_id"]
    assert await world.dispatch(t3) == 2
    assert mailbox.messages[2]["In-Reply-To"] == first_mail["Message-ID"]
    assert receiver.bodies[2]["follow_up_of"] == first_hook["alert_id"]

    other = replica.publish("focustaiwan", title=OTHER[0], paragraphs=OTHER[1])
    await world.crawl("focustaiwan", now=t3 + timedelta(minutes=1))
    assert story_of(store, other["url"]) not in (None, first_hook["story_id"])
    assert await world.dispatch(t3 + timedelta(minutes=1)) == 2
    assert mailbox.messages[3]["In-Reply-To"] is None and receiver.bodies[3]["follow_up_of"] is None
    assert len(mailbox.messages) == len(receiver.bodies) == 4
