"""The articles of every replica site: seeds, real corpus texts and lazily generated ones; publish and edit."""

from __future__ import annotations

import random
import re
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from . import textgen
from .corpus import ARCHIVE_NOTICE, corpus_articles, seed_articles
from .model import LANG, SITE_IDS, TPE, Article, Generator, SiteState, iso
from .removals import Removals

FT_CATS = ("politics", "cross-strait", "business", "society", "sci-tech", "culture", "sports")
CNA_CATS = ("aipl", "aopl", "acn", "aie", "ait", "asoc", "ahel", "acul", "aspt")
CNA_NAMES = {
    "aall": "即時",
    "aipl": "政治",
    "aopl": "國際",
    "acn": "兩岸",
    "aie": "產經",
    "ait": "科技",
    "asoc": "社會",
    "ahel": "生活",
    "acul": "文化",
    "aspt": "運動",
}
NSPP_ROOT = {"nspp-zh": "nspp", "nspp-en": "nsppe", "nspp-id": "nsppid"}
CHANNELS: dict[str, tuple[str, ...]] = {
    "mofa-en": ("1328", "1329", "1330"),
    "mofa-zh": ("95",),
    "nspp-zh": ("255",),
    "nspp-en": ("370",),
    "nspp-id": ("434", "433"),
    "moda-en": ("372",),
    "moda-zh": ("372",),
    "focustaiwan": FT_CATS,
    "cna": CNA_CATS,
    "blog": ("news",),
}
NUMERIC_BASE = {
    "mofa-en": 150000,
    "mofa-zh": 120000,
    "nspp-zh": 330000,
    "nspp-en": 340000,
    "nspp-id": 320000,
    "moda-en": 40000,
    "moda-zh": 50000,
}
BASE_TIME = datetime(2026, 6, 20, 10, 0, tzinfo=TPE)
REPORTERS_EN = [
    "Tseng Yun-ting",
    "Frances Huang",
    "Wang Cheng-chung",
    "Matthew Mazzetta",
    "Joseph Yeh",
    "Sean Lin",
    "Lin Ching-yin",
    "Kay Liu",
    "Teng Pei-ju",
]
REPORTERS_ZH = ["溫貴香", "邱俊欽", "陳俊華", "游凱翔", "楊堯茹", "蘇思云", "張建中", "林育瑄"]
EDITORS = ["kb", "AW", "ls", "ASG", "mk"]
MOFA_SOURCES = [
    "Department of East Asian and Pacific Affairs",
    "Department of North American Affairs",
    "Department of European Affairs",
    "Department of International Information Services",
]
MODA_UNITS = {
    "en": ["Department of Digital Industry", "Department of Resilience", "Department of Data Innovation"],
    "zh": ["數位產業署", "韌性建設司", "資料創新司", "數位政府司"],
}
MODA_TAGS = {
    "en": ["Digital Government", "AI Industry", "Digital Resilience"],
    "zh": ["推動數位政府", "推動AI產業發展", "強化數位韌性"],
}


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:70].strip("-")


def paths_for(a: Article) -> str:
    """The replica path (host segment first) of an article page."""
    if "path" in a.extra:
        return a.extra["path"]
    s = a.site
    if s == "focustaiwan":
        return f"/focustaiwan.tw/{a.channel}/{a.id}"
    if s == "cna":
        return f"/www.cna.com.tw/news/{a.channel}/{a.id}.aspx"
    if s in ("mofa-en", "mofa-zh"):
        host = "en.mofa.gov.tw" if s == "mofa-en" else "www.mofa.gov.tw"
        return f"/{host}/News_Content.aspx?n={a.extra.get('node', a.channel)}&s={a.id}"
    if s.startswith("nspp"):
        q = f"post={a.id}&unit={a.channel}"
        if "postname" in a.extra:
            q += f"&unitname={a.extra.get('unitname', '')}&postname={a.extra['postname']}"
        elif a.extra.get("unitname"):
            q += f"&unitname={a.extra['unitname'].replace(' ', '+')}"
        return f"/nspp.mofa.gov.tw/{NSPP_ROOT[s]}/news.php?{q}"
    if s == "moda-en":
        return f"/moda.gov.tw/en/press/press-releases/{a.id}"
    if s == "moda-zh":
        return f"/moda.gov.tw/press/press-releases/{a.id}"
    t = a.published.astimezone(TPE)
    return f"/blog.example/{t:%Y/%m/%d}/{a.id}/"


def resolve(path: str) -> tuple[str, str] | None:
    """(site, article id) for a replica article path (with query), or None."""
    parts = urlsplit(path)
    p, q = parts.path, {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    if m := re.fullmatch(r"/focustaiwan\.tw/([a-z-]+)/(\d{12})", p):
        return "focustaiwan", m[2]
    if m := re.fullmatch(r"/www\.cna\.com\.tw/news/(\w+)/(\d{12})\.aspx", p):
        return "cna", m[2]
    if m := re.fullmatch(r"/(en|www)\.mofa\.gov\.tw/News_Content\.aspx", p):
        return ("mofa-en" if m[1] == "en" else "mofa-zh"), q.get("s", "")
    if m := re.fullmatch(r"/nspp\.mofa\.gov\.tw/(nspp|nsppe|nsppid)/(news|print)\.php", p):
        site = {v: k for k, v in NSPP_ROOT.items()}[m[1]]
        return site, q.get("post", "")
    if m := re.fullmatch(r"/(?:ipfs\.)?moda\.gov\.tw/(en/)?press/press-releases/(\d+)(?:\.html)?", p):
        return ("moda-en" if m[1] else "moda-zh"), m[2]
    if p == "/moda.gov.tw/press/clarification/2510.html":
        return "moda-zh", "2510"
    if m := re.fullmatch(r"/blog\.example/\d{4}/\d{2}/\d{2}/([^/]+)/", p):
        return "blog", m[1]
    return None


class Catalog(Removals):
    """All sites' articles. Thread-safe: every public method takes the lock."""

    def __init__(self, articles: int = 30) -> None:
        self.count = articles
        self.lock = threading.RLock()
        self.sites: dict[str, SiteState] = {}
        self.reset()

    # -- construction -------------------------------------------------------------------------------------
    def reset(self) -> None:
        with self.lock:
            self.sites = {}
            for n, site in enumerate(SITE_IDS):
                gen = Generator(
                    self.count,
                    BASE_TIME - timedelta(minutes=17 * n),
                    timedelta(hours=5, minutes=11 + n),
                    CHANNELS[site],
                    self._maker(site),
                )
                self.sites[site] = SiteState(site, gen, next_id=NUMERIC_BASE.get(site, 0) + 1)
            for a in [*seed_articles(), *corpus_articles()]:
                self.sites[a.site].add_fixed(a)
            for st in self.sites.values():
                st.changed_at = max(st.newest_date(), max((a.modified for a in st.fixed), default=st.changed_at))

    def _maker(self, site: str) -> Callable[[int], Article]:
        return lambda i: self._make(site, i)

    def _make(self, site: str, i: int) -> Article:
        st = self.sites[site]
        rng = random.Random(f"{site}:{i}")
        topic = textgen.topic_for(rng)
        when = st.gen.date(i).astimezone(TPE)
        return self.compose(site, rng, topic, when, st.gen.channel(i), self._gen_id(site, i, when), index=i)

    def _gen_id(self, site: str, i: int, when: datetime) -> str:
        if site in NUMERIC_BASE:
            return str(NUMERIC_BASE[site] - i)
        if site in ("focustaiwan", "cna"):
            return f"{when:%Y%m%d}{i % 10000:04d}"
        return ""  # blog: the slug, set by compose

    def compose(
        self,
        site: str,
        rng: random.Random,
        topic: str,
        when: datetime,
        channel: str,
        id: str,
        index: int | None = None,
        title: str | None = None,
        paragraphs: list[str] | None = None,
    ) -> Article:
        """An article of `site` with the site's own furniture (datelines, bylines, ledes...)."""
        lang = LANG[site]
        gtitle, gparas = textgen.make_text(lang, topic, rng, when)
        given = paragraphs is not None
        title = title or gtitle
        paras = list(paragraphs) if given else gparas
        extra: dict[str, str] = {}
        if site == "focustaiwan":
            if not given:
                paras[0] = f"{textgen.ap_dateline(when)} {paras[0]}"
            extra["enditem"] = rng.choice(EDITORS)
            if index is not None and index % 9 == 4:
                paras, extra["archived"] = [paras[0], ARCHIVE_NOTICE], "1"
            elif not given:
                a, b = rng.sample(REPORTERS_EN, 2)
                paras.append(f"(By {a} and {b})")
            extra["caption"] = f"{textgen.VOCAB['en']['actor'][(index or 0) % 7]}. CNA file photo"
        elif site == "cna" and not given:
            rep = rng.choice(REPORTERS_ZH)
            extra["reporter"] = rep
            paras[0] = f"（中央社記者{rep}台北{when.day}日電）{paras[0]}"
            roc = f"{when.year - 1911}{when:%m%d}"
            paras[-1] = f"{paras[-1]}（編輯：{rng.choice(REPORTERS_ZH)}）{roc}"
        elif site == "mofa-en":
            extra["no"] = str(100 + rng.randint(0, 300))
            extra["source"] = rng.choice(MOFA_SOURCES)
        elif site == "mofa-zh":
            extra["source"] = rng.choice(["公眾外交協調會", "亞東太平洋司", "北美司", "歐洲司"])
        elif site.startswith("nspp"):
            extra["lede"] = paras[min(2, len(paras) - 1)]
        elif site.startswith("moda"):
            ml = "en" if site == "moda-en" else "zh"
            extra["unit"] = rng.choice(MODA_UNITS[ml])
            extra["tags"] = "|".join(rng.sample(MODA_TAGS[ml], rng.randint(1, 2)))
        if site == "blog":
            id = slugify(title) + (f"-{index}" if index is not None else f"-p{id}")
        return Article(
            site=site,
            id=id,
            channel=channel,
            title=title,
            paragraphs=tuple(paras),
            published=when,
            modified=when,
            topic=topic,
            index=index,
            extra=extra,
        )

    # -- lookups ------------------------------------------------------------------------------------------
    def get(self, site: str, id: str) -> Article | None:
        with self.lock:
            st = self.sites[site]
            if id in st.by_id:
                return st.by_id[id]
            i = self._index_of(site, id)
            if i is None:
                return None
            a = st.generated(i)
            return a if a.id == id else None

    def _index_of(self, site: str, id: str) -> int | None:
        if site in NUMERIC_BASE:
            if not id.isdigit():
                return None
            i = NUMERIC_BASE[site] - int(id)
            return i if 0 <= i < self.count else None
        if site in ("focustaiwan", "cna"):
            if not re.fullmatch(r"\d{12}", id):
                return None
            seq = int(id[8:])
            gen = self.sites[site].gen
            for i in range(seq, self.count, 10000):
                if f"{gen.date(i).astimezone(TPE):%Y%m%d}" == id[:8]:
                    return i
            return None
        m = re.search(r"-(\d+)$", id)
        return int(m[1]) if m and int(m[1]) < self.count else None

    def by_url(self, url: str) -> Article | None:
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        found = resolve(path)
        return self.get(*found) if found else None

    def info(self, a: Article, base: str, full: bool = False) -> dict[str, object]:
        d: dict[str, object] = {
            "site": a.site,
            "id": a.id,
            "url": base + paths_for(a),
            "title": a.title,
            "published": iso(a.published),
            "seed": a.seed,
            "topic": a.topic,
            "channel": a.channel,
            "modified": iso(a.modified),
        }
        if full:
            d["paragraphs"] = list(a.paragraphs)
        return d

    # -- changes ------------------------------------------------------------------------------------------
    def _tick(self, st: SiteState) -> datetime:
        """A change time strictly after the site's previous one, so Last-Modified always moves."""
        now = datetime.now(UTC).replace(microsecond=0)
        st.changed_at = max(now, st.changed_at.replace(microsecond=0) + timedelta(seconds=1))
        return st.changed_at

    def publish(
        self,
        site: str,
        title: str | None = None,
        paragraphs: list[str] | None = None,
        topic: str | None = None,
        published: str | datetime | None = None,
        channel: str | None = None,
        attachments: list[str] | None = None,
    ) -> Article:
        """A new article; `attachments` are "label|/host/path" links rendered in the page's files box."""
        with self.lock:
            st = self.sites[site]
            k = st.next_id
            st.next_id += 1
            rng = random.Random(f"{site}:published:{k}")
            topic = topic or textgen.topic_for(rng)
            newest = st.newest_date()
            when = self._tick(st).astimezone(TPE)
            if published is not None:
                when = (published if isinstance(published, datetime) else datetime.fromisoformat(published)).astimezone(
                    TPE
                )
                when = when if when.tzinfo else when.replace(tzinfo=TPE)
            elif when <= newest:
                when = (newest + timedelta(seconds=1)).astimezone(TPE)
            channel = channel or CHANNELS[site][0]
            id = str(k) if site in NUMERIC_BASE else f"{when:%Y%m%d}{9000 + k % 1000:04d}"
            a = self.compose(site, rng, topic, when, channel, id, title=title, paragraphs=paragraphs)
            a = replace(a, modified=max(st.changed_at, a.published))
            if attachments:
                a.extra["attachments"] = "\n".join(attachments)
            st.add_fixed(a)
            return a

    def edit(
        self,
        url: str,
        paragraphs: list[str] | None = None,
        append: str | list[str] | None = None,
        title: str | None = None,
    ) -> Article:
        with self.lock:
            a = self.by_url(url)
            if a is None:
                raise KeyError(url)
            st = self.sites[a.site]
            paras = list(paragraphs) if paragraphs is not None else list(a.paragraphs)
            if append is not None:
                more = [append] if isinstance(append, str) else list(append)
                at = len(paras) - 1 if paras and paras[-1].startswith("(By ") else len(paras)
                paras[at:at] = more
            now = self._tick(st)
            extra = {k: v for k, v in a.extra.items() if k != "verbatim"}
            b = replace(a, paragraphs=tuple(paras), modified=now, updated=now, title=title or a.title, extra=extra)
            if a.index is not None and a.id not in st.by_id:
                st.overrides[a.index] = b
            else:
                st.replace_fixed(b)
            return b

    def redesign(self, site: str, enabled: bool = True) -> None:
        with self.lock:
            st = self.sites[site]
            if st.redesign != enabled:
                st.redesign = enabled
                # article pages change, lists and feeds do not: leave changed_at alone
                now = datetime.now(UTC).replace(microsecond=0)
                last = max(st.changed_at, st.redesign_at or st.changed_at)
                st.redesign_at = max(now, last + timedelta(seconds=1))

    def seeds(self) -> dict[str, Article]:
        with self.lock:
            out = {a.seed: a for st in self.sites.values() for a in st.fixed if a.seed}
            return dict(sorted(out.items()))

    def seed_path(self, a: Article) -> str:
        return a.extra.get("seed_path") or paths_for(a)
