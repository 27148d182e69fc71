"""The fixed articles: the five seeds and the real page texts of corpus/taiwan-text, as replica articles."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

from tests.shared import CORPUS, SEEDS

from .model import TPE, Article

CNA_REAL = CORPUS / "cna-real" / "cna-201603190029-2019.html"

ARCHIVE_NOTICE = (
    "(Full text of the story is now in CNA English news archive. To view the full story, you will need to be "
    "a subscribed member of the CNA archive. To subscribe, please read here.)"
)


def tpe(*args: int) -> datetime:
    return datetime(*args, tzinfo=TPE)  # type: ignore[misc]


def _lines(path: Path) -> list[str]:
    return [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


def _seed_file(prefix: str) -> Path | None:
    found = sorted((SEEDS / "clean").glob(f"{prefix}_*.txt")) if SEEDS.is_dir() else []
    return found[0] if found else None


AI_TERMS = re.compile(r"\bAI\b|artificial intelligence|人工智慧|kecerdasan buatan")
PARTNER_TERMS = re.compile(r"(?i)cooperat|partner|合作|夥伴|kerja sama|kemitraan|\bMOU\b")


def classify(title: str, paras: list[str]) -> str:
    text = " ".join([title, *paras])
    return "ai" if AI_TERMS.search(text) else "partnership" if PARTNER_TERMS.search(text) else "none"


def _art(site: str, id: str, channel: str, title: str, paras: list[str], when: datetime, **kw: object) -> Article:
    extra = {k: str(v) for k, v in kw.pop("extra", {}).items()}  # type: ignore[attr-defined]
    kw.setdefault("topic", classify(title, paras))
    return Article(
        site=site,
        id=id,
        channel=channel,
        title=title,
        paragraphs=tuple(paras),
        published=when,
        modified=kw.pop("modified", when),
        extra=extra,
        **kw,
    )  # type: ignore[arg-type]


def seed_articles() -> list[Article]:
    out: list[Article] = []
    f = _seed_file("000")
    if f:
        paras = _lines(f)
        out.append(
            _art(
                "nspp-id",
                "280512",
                "434",
                "Menlu Lin Chia-lung dan Menteri Digital Lin Yi-jing Gelar Rapat Bersama, Perkuat Kerja Sama AI",
                paras,
                tpe(2026, 1, 21, 9, 30),
                seed="000",
                topic="ai",
                extra={
                    "lede": paras[2],
                    "seed_path": "/nspp.mofa.gov.tw/nsppid/print.php?post=280512&unit=434",
                    "postname": "Menlu-Lin-dan-Menteri-Digital-Lin-Gelar-Rapat-Bersama",
                },
            )
        )
    f = _seed_file("001")
    if f:
        lines = _lines(f)
        out.append(
            _art(
                "nspp-id",
                "250735",
                "434",
                lines[0],
                lines[1:],
                tpe(2025, 2, 15, 10, 5),
                seed="001",
                topic="partnership",
                extra={
                    "lede": lines[5],
                    "unitname": "",
                    "postname": "MOFA-dan-MOHW-Bentuk-Tim-Medis-dan-Kesehatan-Taiwan",
                },
            )
        )
    f = _seed_file("002")
    if f:
        lines = _lines(f)
        heads = [str(i) for i, p in enumerate(lines[1:]) if re.match(r"^\d+\. ", p) and len(p) < 120]
        out.append(
            _art(
                "moda-en",
                "11834",
                "372",
                lines[0],
                lines[1:],
                tpe(2024, 5, 17, 15, 0),
                seed="002",
                topic="partnership",
                extra={"headings": ",".join(heads), "unit": "Department of International Cooperation"},
            )
        )
    f = _seed_file("003")
    if f:
        lines = _lines(f)
        heads = [str(i) for i, p in enumerate(lines[1:]) if len(p) < 80 and not p.endswith(".")]
        slug = "taiwan-and-u-s-deepen-tech-ai-and-drone-ties-in-high-level-discussions"
        out.append(
            _art(
                "blog",
                slug,
                "news",
                lines[0],
                lines[1:],
                tpe(2026, 1, 27, 18, 42),
                seed="003",
                topic="ai",
                extra={"headings": ",".join(heads), "nodate": "1"},
            )
        )
    f = _seed_file("004")
    if f:
        lines = _lines(f)
        out.append(
            _art(
                "focustaiwan",
                "202512020024",
                "business",
                lines[0],
                lines[2:],
                tpe(2025, 12, 2, 20, 18),
                seed="004",
                topic="partnership",
                extra={"enditem": "kb", "caption": "Economics Minister Kung Ming-hsin. CNA file photo", "stray": "41"},
            )
        )
    return out


def _records() -> list[dict[str, str]]:
    folder = CORPUS / "taiwan-text"
    out: list[dict[str, str]] = []
    for name in ("excerpts_mofa_nspp.json", "excerpts_news.json"):
        p = folder / name
        if p.exists():
            out.extend(json.loads(p.read_text(encoding="utf-8")))
    return out


def _rec(url_part: str) -> list[str] | None:
    for r in _records():
        if url_part in r["url"]:
            return [ln.strip().replace("\xa0", " ").strip() for ln in r["excerpt"].splitlines()]
    return None


def _body(lines: list[str], skip: set[str]) -> list[str]:
    return [ln for ln in lines if ln and ln not in skip]


def corpus_articles() -> list[Article]:
    out: list[Article] = []
    ft_skip = {
        "Focus Taiwan App",
        "Download",
        "To activate the text-to-speech service, please first agree to the privacy policy below.",
    }
    if (ls := _rec("focustaiwan.tw/politics/202010090017")) is not None:
        body = _body(ls, ft_skip)
        end = body.index("We value your privacy.")
        out.append(
            _art(
                "focustaiwan",
                "202010090017",
                "politics",
                body[0],
                body[2:end],
                tpe(2020, 10, 9, 23, 4),
                extra={"archived": "1"},
            )
        )
    if (ls := _rec("focustaiwan.tw/politics/202312315001")) is not None:
        body = _body(ls, ft_skip)
        paras = body[2:-1]  # the corpus cut the last paragraph mid-sentence
        out.append(
            _art(
                "focustaiwan",
                "202312315001",
                "politics",
                body[0],
                [*paras, "(By Central News Agency photographers)"],
                tpe(2023, 12, 31, 10, 5),
                extra={"enditem": "ASG"},
            )
        )
    if (ls := _rec("www.cna.com.tw/news/aipl/202003050190")) is not None:
        i = ls.index("下載")
        body = [ln for ln in ls[i + 1 :] if ln and not ln.startswith("請同意")]
        paras = body[2:]
        paras[0] = paras[0].replace("(中央社記者溫貴香台北5日電)", "（中央社記者溫貴香台北5日電）")
        paras[-1] = paras[-1].removesuffix("(編輯:") + "（編輯：陳俊華）1090305"
        out.append(
            _art(
                "cna",
                "202003050190",
                "aipl",
                body[0],
                paras,
                tpe(2020, 3, 5, 13, 55),
                updated=tpe(2020, 3, 5, 14, 16),
                modified=tpe(2020, 3, 5, 14, 16),
                extra={"reporter": "溫貴香"},
            )
        )
    if CNA_REAL.exists():
        out.append(
            _art(
                "cna",
                "201603190029",
                "asoc",
                "平鎮輪胎行惡火  疏散7人1女命喪",
                [
                    "（中央社記者邱俊欽桃園19日電）桃園市平鎮區一家輪胎行今天清晨發生大火，7人從火場中疏散；"
                    "由於火勢延燒猛烈，一名62歲女子逃生不及，命喪火窟。",
                    "您所瀏覽的新聞已過查詢時效。建議您加入中央社付費會員找尋您要的新聞。",
                ],
                tpe(2016, 3, 19, 8, 15),
                modified=tpe(2016, 3, 19, 10, 48),
                updated=tpe(2016, 3, 19, 10, 48),
                extra={"verbatim": str(CNA_REAL), "reporter": "邱俊欽"},
            )
        )
    moda_skip = {"To the central content area", "Toggle Dark/Light Mode Dark Mode", ":::"}
    for rid, when, part in (
        ("1986", tpe(2022, 8, 27, 18, 0), "moda.gov.tw/en/press/press-releases/1986"),
        ("16356", tpe(2025, 6, 3, 16, 0), "ipfs.moda.gov.tw/en/press/press-releases/16356"),
        ("13768", tpe(2024, 8, 28, 14, 30), "ipfs.moda.gov.tw/en/press/press-releases/13768"),
    ):
        if (ls := _rec(part)) is not None:
            body = _body(ls, moda_skip)
            out.append(_art("moda-en", rid, "372", body[0], body[1:-1], when, extra={"unit": "Department of Planning"}))
    if (ls := _rec("moda.gov.tw/press/clarification/2510")) is not None:
        body = [ln for ln in ls if ln and not re.match(r"^(發布單位|建立日期|更新日期)", ln)]
        out.append(
            _art(
                "moda-zh",
                "2510",
                "clarification",
                body[0],
                body[3:],
                tpe(2022, 9, 22, 10, 0),
                updated=tpe(2022, 10, 27, 10, 0),
                modified=tpe(2022, 10, 27, 10, 0),
                extra={"path": "/moda.gov.tw/press/clarification/2510.html", "unit": "數位發展部"},
            )
        )
    if (ls := _rec("en.mofa.gov.tw/News_Content.aspx?n=1303&s=31823")) is not None:
        body = [ln for ln in _body(ls, {"Skip to main content"}) if not ln.startswith("•")]
        out.append(
            _art(
                "mofa-en",
                "31823",
                "1328",
                body[0],
                body[1:],
                tpe(2011, 3, 14, 10, 0),
                extra={"node": "1303", "source": "Department of Policy Planning", "plain": "1"},
            )
        )
    if (ls := _rec("www.mofa.gov.tw/News_Content.aspx?n=99&s=97497")) is not None:
        body = [ln for ln in _body(ls, {"跳到主要內容區塊"}) if not ln.startswith("•")]
        out.append(
            _art(
                "mofa-zh",
                "97497",
                "95",
                body[0],
                body[1:],
                tpe(2022, 3, 8, 15, 0),
                extra={"node": "99", "source": "公眾外交協調會"},
            )
        )
    for pid, unit, uname, when in (
        ("248782", "434", "", tpe(2024, 2, 19, 11, 0)),
        ("267215", "433", "Agenda Kebijakan", tpe(2025, 3, 18, 9, 0)),
    ):
        if (ls := _rec(f"nsppid/news.php?post={pid}")) is not None:
            body = _body(ls, {"Kembali ke konten utama"})
            lede = body[2]
            paras = [p for p in body[3:] if p]
            if lede not in paras:
                paras.insert(min(2, len(paras)), lede)
            out.append(_art("nspp-id", pid, unit, body[0], paras, when, extra={"lede": lede, "unitname": uname}))
    if (ls := _rec("nsppid/print.php?post=279899")) is not None:
        paras = _body(ls, {"New Southbound Policy Portal"})
        out.append(
            _art(
                "nspp-id",
                "279899",
                "434",
                "Menlu Lin: Menilik Kembali Tahun 2025, Taiwan Hadapi Tantangan Geopolitik",
                paras,
                tpe(2026, 1, 2, 10, 0),
                extra={"lede": paras[0]},
            )
        )
    return out
