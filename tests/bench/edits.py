"""Benchmark: edit analysis (issue #12) on labelled edits of real texts, per language and per kind of edit.

Run: ``python -m tests.bench.edits [--quick] [--show N] [--seed S]``.

Base texts are real: the seed articles (``../shared/seeds/clean``), the stories-dev articles, the article pages of
taiwan-text, the CNA capture, Chinese WCED bodies and the AEB ground-truth bodies (``../shared/corpus``), in
English, Chinese and Indonesian (detected from the script and function words). Every base text gets each kind of
edit below, applied programmatically where it applies and labelled substantive or cosmetic; ``analyse_edit`` runs
on each (old, new) pair. Reported per language: recall of substantive edits, false-alarm rate on cosmetic edits
(the share called substantive), per kind the counts and how often the expected class was named, and the time per
analysis. Randomness is seeded, so a run is reproducible. ``--quick`` takes 12 base texts per language.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from rules.edits import analyse_edit
from tests.shared import SHARED


def _split(text: str) -> list[str]:
    return text.split()


LANGUAGES = ("en", "zh", "id")
MAX_PARAGRAPHS = 40
_CJK = re.compile(r"[\u3400-\u9fff]")
_COPYRIGHT = re.compile(r"©|copyright|all rights reserved|版權所有|版权所有|hak cipta", re.IGNORECASE)
_KANA_HANGUL = re.compile(r"[\u3040-\u30ff\uac00-\ud7af]")
_SENTENCE_END = re.compile(r"[.!?][\"”’]?\s+(?=[A-Z\"“‘(])|[。！？][”」』\"]?")


@dataclass(frozen=True)
class Base:
    source: str
    language: str
    title: str
    date: str
    paragraphs: tuple[str, ...]

    def text(self, title: str | None = None, date: str | None = None, paragraphs: list[str] | None = None) -> str:
        lines = [self.title if title is None else title]
        when = self.date if date is None else date
        if when:
            lines.append(when)
        lines.extend(self.paragraphs if paragraphs is None else paragraphs)
        return "\n".join(lines)


# --- the real texts -------------------------------------------------------------------------------------------


def _language(text: str) -> str | None:
    sample = text[:3000]
    if _KANA_HANGUL.search(sample) and len(_KANA_HANGUL.findall(sample)) > 20:
        return None
    cjk = len(_CJK.findall(sample))
    letters = sum(char.isalpha() for char in sample) or 1
    if cjk / letters > 0.3:
        return "zh"
    words = re.findall(r"[a-z]+", sample.lower())
    indonesian = sum(word in {"yang", "dan", "dengan", "untuk", "dalam", "ini", "itu", "dari"} for word in words)
    english = sum(word in {"the", "and", "of", "to", "in", "is", "that", "for", "with"} for word in words)
    if indonesian > 5 and indonesian > english:
        return "id"
    if english > 5:
        return "en"
    return None


def _base(source: str, title: str, date: str, lines: list[str], language: str | None = None) -> Base | None:
    paragraphs = [re.sub(r"\s+", " ", line).strip() for line in lines]
    paragraphs = [line for line in paragraphs if line][:MAX_PARAGRAPHS]
    title = re.sub(r"\s+", " ", title).strip()
    if not date and paragraphs and re.fullmatch(r"\d{4}-\d\d-\d\d(?:[ T][\d:+]+)?", paragraphs[0]):
        date, paragraphs = paragraphs[0], paragraphs[1:]  # the page's own date line
    if not title or len(paragraphs) < 2:
        return None
    found = language or _language(" ".join(paragraphs))
    return Base(source, found, title, date, tuple(paragraphs)) if found in LANGUAGES else None


def load_bases() -> list[Base]:
    bases: list[Base | None] = []
    for path in sorted((SHARED / "seeds" / "clean").glob("*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()
        date = lines[1] if len(lines) > 1 and re.fullmatch(r"\d{4}-\d\d-\d\d\S*", lines[1]) else ""
        bases.append(_base(f"seeds/{path.name}", lines[0], date, lines[2:] if date else lines[1:]))
    stories = SHARED / "corpus" / "stories-dev" / "stories.jsonl"
    for line in stories.read_text(encoding="utf-8").splitlines() if stories.exists() else []:
        item = json.loads(line)
        if item["language"] not in LANGUAGES:
            continue
        lines = item["text"].splitlines()
        title = item["title"] or lines[0]
        body = lines if item["title"] else lines[1:]
        bases.append(_base(f"stories-dev/{item['id']}", title, item["published"] or "", body, item["language"]))
    for name in ("excerpts_news.json", "excerpts_mofa_nspp.json"):
        path = SHARED / "corpus" / "taiwan-text" / name
        for number, record in enumerate(json.loads(path.read_text(encoding="utf-8")) if path.exists() else []):
            if not re.search(r"article page|print view", record["kind"]):
                continue
            lines = [line for line in record["excerpt"].splitlines() if line.strip()]
            bases.append(_base(f"taiwan-text/{name}#{number}", lines[0], "", lines[1:]))
    bases.extend(_cna_real())
    for path in sorted((SHARED / "corpus" / "chinese-wced" / "cleaned").glob("*.txt")):
        lines = [line for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
        if lines:
            bases.append(_base(f"chinese-wced/{path.name}", lines[0], "", lines[1:]))
    truth = SHARED / "corpus" / "aeb" / "ground-truth.json"
    for key, item in sorted(json.loads(truth.read_text(encoding="utf-8")).items()) if truth.exists() else []:
        lines = [line for line in item["articleBody"].splitlines() if line.strip()]
        if lines:
            bases.append(_base(f"aeb/{key[:12]}", lines[0][:120], "", lines[1:]))
    return [base for base in bases if base is not None]


def _cna_real() -> Iterator[Base | None]:
    try:
        import trafilatura
    except ImportError:
        return
    for path in sorted((SHARED / "corpus" / "cna-real").glob("*.html")):
        text = trafilatura.extract(path.read_text(encoding="utf-8", errors="replace")) or ""
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) > 1:
            yield _base(f"cna-real/{path.name}", lines[0], "", lines[1:], "zh")


# --- edits ------------------------------------------------------------------------------------------------------

Edit = tuple[str, str]
Maker = Callable[[random.Random, Base, list[Base]], Edit | None]

COUNTRIES = {
    "en": ["Japan", "Korea", "the Philippines", "Indonesia", "Vietnam", "Thailand", "India", "Australia", "Canada",
           "Germany", "France", "the United States", "Paraguay", "Guatemala", "Lithuania", "Poland", "Palau"],
    "id": ["Jepang", "Korea Selatan", "Filipina", "Indonesia", "Vietnam", "Thailand", "India", "Australia",
           "Kanada", "Jerman", "Prancis", "Amerika Serikat", "Malaysia", "Singapura", "Paraguay", "Palau"],
    "zh": ["日本", "韓國", "菲律賓", "印尼", "越南", "泰國", "印度", "澳洲", "加拿大", "德國", "法國", "美國",
           "巴拉圭", "瓜地馬拉", "立陶宛", "波蘭", "帛琉", "马来西亚", "新加坡", "英国"],
}
PEOPLE = {
    "en": ["Lai Ching-te", "Hsiao Bi-khim", "Cho Jung-tai", "Lin Chia-lung", "Joseph Wu", "Tsai Ing-wen",
           "Kung Ming-hsin", "Marco Rubio", "Shigeru Ishiba"],
    "zh": ["賴清德", "蕭美琴", "卓榮泰", "林佳龍", "吳釗燮", "蔡英文", "龔明鑫", "習近平", "石破茂"],
}
BOILERPLATE = {
    "en": ["Share this", "Print", "Back to top", "Share on Facebook", "Print this page", "Related News",
           "Copyright © 2025 Focus Taiwan. All rights reserved.", "Skip to main content"],
    "id": ["Bagikan", "Cetak", "Kembali ke atas", "Bagikan ke Facebook", "Berita terkait",
           "Hak Cipta © 2025 Kementerian Luar Negeri", "Kembali ke konten utama"],
    "zh": ["分享", "列印", "回上頁", "友善列印", "回頁首", "相關新聞", "版權所有 © 2025 中央通訊社",
           "跳到主要內容區塊"],
}
NEGATE = {
    "en": (r"\b(is|are|was|were|will|would|can|could|should|has|have|had|does|did|must)\b", r"\1 not",
           r"\s(not|never)\b"),
    "id": (r"\b(akan|dapat|bisa|ingin|perlu|harus|sudah|telah|mau|merupakan)\b", r"tidak \1",
           r"\s(tidak|belum|bukan|tak)\b"),
    "zh": (r"(會|是|能|可以|願意|同意|支持|參加|出席|接受)", r"不\1", r"(不|未|沒有|沒)(?=[\u4e00-\u9fff])"),
}
MODAL_SWAPS = {
    "en": {"will": "may", "would": "might", "must": "should", "can": "could", "should": "could", "may": "will",
           "might": "will", "could": "would", "shall": "may"},
    "id": {"akan": "mungkin", "harus": "dapat", "dapat": "akan", "bisa": "harus", "mungkin": "akan",
           "wajib": "dapat", "perlu": "akan", "ingin": "akan"},
    "zh": {"將": "可能", "必須": "應", "可能": "將", "應該": "可以", "能夠": "將", "會": "可能", "可以": "必須"},
}
MONTHS = {
    "en": _split("January February March April May June July August September October November December"),
    "id": _split("Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember"),
}
WEEKDAYS = {"en": _split("Monday Tuesday Wednesday Thursday Friday Saturday Sunday"),
            "id": _split("Senin Selasa Rabu Kamis Jumat Sabtu Minggu")}
QUOTE_WORDS = {"en": ["strongly", "fully", "firmly", "truly", "also"], "id": ["sangat", "juga", "benar-benar"]}
NUMBER_WORDS = {
    "en": _split("two three four five six seven eight nine ten twelve twenty hundred thousand million"),
    "id": _split("dua tiga empat lima enam tujuh delapan sembilan sepuluh puluh ratus ribu juta"),
    "zh": list("二三四五六七八九十百千萬兩"),
}


def _body_replace(base: Base, rng: random.Random, pattern: str, replace: Callable[[re.Match[str]], str | None],
                  flags: int = 0) -> Edit | None:
    """Replace one random match of ``pattern`` in one paragraph (the old text is the base)."""
    spots = [(p, m) for p, text in enumerate(base.paragraphs) if not _COPYRIGHT.search(text)
             for m in re.finditer(pattern, text, flags)]
    rng.shuffle(spots)
    for paragraph, match in spots[:20]:
        new = replace(match)
        if new is None or new == match.group():
            continue
        paragraphs = list(base.paragraphs)
        text = paragraphs[paragraph]
        paragraphs[paragraph] = text[: match.start()] + new + text[match.end() :]
        return base.text(), base.text(paragraphs=paragraphs)
    return None


def _other(rng: random.Random, options: list[str], current: str) -> str:
    choices = [option for option in options if option.lower() != current.lower()]
    return rng.choice(choices)


def edit_number(rng: random.Random, base: Base, _: list[Base]) -> Edit | None:
    def change(match: re.Match[str]) -> str | None:
        text = match.group()
        if text in NUMBER_WORDS.get(base.language, []):
            return _other(rng, NUMBER_WORDS[base.language], text)
        digits = [i for i, c in enumerate(text) if c.isdigit()]
        at = rng.choice(digits)
        return text[:at] + str((int(text[at]) + rng.randint(1, 8)) % 10) + text[at + 1 :]
    words = "|".join(NUMBER_WORDS.get(base.language, []))
    if base.language == "zh":
        return _body_replace(base, rng, rf"\d+(?:[.,]\d+)?|[{words}](?=[人個名家位次件項億萬元年])", change)
    return _body_replace(base, rng, rf"\d+(?:[.,]\d+)*|\b(?:{words})\b", change)


def edit_date(rng: random.Random, base: Base, _: list[Base]) -> Edit | None:
    if base.date and rng.random() < 0.3:
        day = int(base.date[8:10])
        return base.text(), base.text(date=f"{base.date[:8]}{day % 28 + 1:02d}{base.date[10:]}")
    if base.language == "zh":
        return _body_replace(base, rng, r"(\d{1,4})(?=\s*[年月日])",
                             lambda m: str(int(m.group(1)) + rng.randint(1, 3)))
    months, days = MONTHS[base.language], WEEKDAYS[base.language]
    names = "|".join(months + days)
    pattern = rf"\b(?:{names})\b|\b(?:19|20)\d\d\b|(?<=\b(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\. )\d+"

    def change(match: re.Match[str]) -> str:
        text = match.group()
        if text in months:
            return _other(rng, months, text)
        if text in days:
            return _other(rng, days, text)
        return str(int(text) + rng.randint(1, 3))
    return _body_replace(base, rng, pattern, change)


def edit_entity(rng: random.Random, base: Base, _: list[Base]) -> Edit | None:
    names = COUNTRIES[base.language] + PEOPLE.get(base.language, [])
    if base.language == "zh":
        pattern = "|".join(re.escape(name) for name in names)
    else:
        known = "|".join(re.escape(name) for name in names)
        pattern = rf"\b(?:{known})\b|\b[A-Z][a-z]+ [A-Z][a-z]+(?:-[a-z]+)?\b"
    pool = COUNTRIES[base.language] if rng.random() < 0.6 else PEOPLE.get(base.language, COUNTRIES[base.language])
    return _body_replace(base, rng, pattern, lambda m: _other(rng, pool, m.group()))


def edit_negation(rng: random.Random, base: Base, _: list[Base]) -> Edit | None:
    add, added, remove = NEGATE[base.language]
    if rng.random() < 0.5:
        removed = _body_replace(base, rng, remove, lambda m: "")
        if removed is not None:
            return removed
    return _body_replace(base, rng, add, lambda m: m.expand(added))


def edit_modal(rng: random.Random, base: Base, _: list[Base]) -> Edit | None:
    swaps = MODAL_SWAPS[base.language]
    if base.language == "zh":
        pattern = "|".join(sorted(swaps, key=len, reverse=True))
        pattern = f"(?:{pattern})(?![議談面長員見計])"
        return _body_replace(base, rng, pattern, lambda m: swaps[m.group()])
    pattern = r"\b(?:" + "|".join(swaps) + r")\b"
    return _body_replace(base, rng, pattern, lambda m: swaps[m.group()])


def edit_quote(rng: random.Random, base: Base, _: list[Base]) -> Edit | None:
    def alter(match: re.Match[str]) -> str | None:
        inner = match.group(2)
        if base.language == "zh":
            if len(inner) < 3:
                return None
            at = rng.randrange(len(inner) - 1)
            if not _CJK.match(inner[at]):
                return None
            return match.group(1) + inner[:at] + inner[at + 1 :] + match.group(3)
        words = inner.split()
        if len(words) < 3:
            return None
        at = rng.randrange(len(words))
        words[at : at + 1] = [] if rng.random() < 0.5 else [rng.choice(QUOTE_WORDS[base.language])]
        return match.group(1) + " ".join(words) + match.group(3)
    return _body_replace(base, rng, r"([“\"「『])([^”\"」』]{2,300})([”\"」』])", alter)


def _sentences(text: str) -> list[str]:
    """Sentences with the spaces after them: ``"".join(_sentences(text)) == text``."""
    parts, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        if match.end() < len(text):
            parts.append(text[start : match.end()])
            start = match.end()
    parts.append(text[start:])
    return [part for part in parts if part]


def _substantial(text: str) -> bool:
    """A content paragraph or sentence (not a copyright notice, not a stray word)."""
    if _COPYRIGHT.search(text):
        return False
    return len(re.findall(r"[A-Za-z]+", text)) >= 5 or len(_CJK.findall(text)) >= 10


def edit_remove_sentence(rng: random.Random, base: Base, _: list[Base]) -> Edit | None:
    candidates = [p for p, text in enumerate(base.paragraphs) if len(_sentences(text)) >= 2]
    if not candidates:
        return None
    paragraph = rng.choice(candidates)
    parts = _sentences(base.paragraphs[paragraph])
    choices = [n for n, part in enumerate(parts) if _substantial(part)]
    if not choices:
        return None
    del parts[rng.choice(choices)]
    paragraphs = list(base.paragraphs)
    paragraphs[paragraph] = "".join(parts).strip()
    return base.text(), base.text(paragraphs=paragraphs)


def edit_add_sentence(rng: random.Random, base: Base, others: list[Base]) -> Edit | None:
    donors = [other for other in others if other.language == base.language and other is not base]
    sentences = [part.strip() for part in _sentences(" ".join(rng.choice(donors).paragraphs)) if _substantial(part)]
    if not sentences:
        return None
    sentence = rng.choice(sentences)
    paragraphs = list(base.paragraphs)
    at = rng.randrange(len(paragraphs))
    if rng.random() < 0.3:
        paragraphs.insert(at, sentence)
    else:
        parts = [part if part.endswith((" ", "。", "！", "？", "」", "”")) else part + " "
                 for part in _sentences(paragraphs[at])]
        parts.insert(rng.randrange(len(parts) + 1), sentence + ("" if base.language == "zh" else " "))
        paragraphs[at] = "".join(parts).strip()
    return base.text(), base.text(paragraphs=paragraphs)


def edit_remove_paragraph(rng: random.Random, base: Base, _: list[Base]) -> Edit | None:
    paragraphs = list(base.paragraphs)
    choices = [n for n, text in enumerate(paragraphs) if _substantial(text)]
    if not choices:
        return None
    del paragraphs[rng.choice(choices)]
    return base.text(), base.text(paragraphs=paragraphs)


def edit_title(rng: random.Random, base: Base, _: list[Base]) -> Edit | None:
    title = base.title
    if base.language == "zh":
        runs = [m for m in re.finditer(r"[\u4e00-\u9fff]{2}", title)]
        if not runs:
            return None
        run = rng.choice(runs)
        donor = rng.choice(re.findall(r"[\u4e00-\u9fff]{2}", base.paragraphs[0]) or ["修正"])
        new = title[: run.start()] + donor + title[run.end() :]
    else:
        words = title.split()
        at = rng.randrange(len(words))
        current = re.sub(r"\W", "", words[at]).lower()
        donors = [w for w in re.findall(r"[A-Za-z]{4,}", " ".join(base.paragraphs)) if w.lower() != current]
        words[at] = rng.choice(donors or ["revised"])
        new = " ".join(words)
    return (base.text(), base.text(title=new)) if new != title else None


def edit_wording(rng: random.Random, base: Base, _: list[Base]) -> Edit | None:
    text = " ".join(base.paragraphs)
    if base.language == "zh":
        donors = re.findall(r"[\u4e00-\u9fff]{2}", text)
        return _body_replace(base, rng, r"[\u4e00-\u9fff]{2}", lambda m: rng.choice(donors))
    donors = re.findall(r"\b[a-z]{4,}\b", text)
    return _body_replace(base, rng, r"\b[a-z]{4,}\b", lambda m: rng.choice(donors))


def _cosmetic(base: Base, transform: Callable[[str], str], *, title: bool = False) -> Edit | None:
    paragraphs = [transform(text) for text in base.paragraphs]
    new = base.text(title=transform(base.title) if title else None, paragraphs=paragraphs)
    old = base.text()
    return (old, new) if new != old else None


def edit_respace(rng: random.Random, base: Base, _: list[Base]) -> Edit | None:
    def respace(text: str) -> str:
        if base.language == "zh":
            text = re.sub(r"(?<=[\u4e00-\u9fff])(?=[0-9A-Za-z])|(?<=[0-9A-Za-z])(?=[\u4e00-\u9fff])",
                          lambda m: " " if rng.random() < 0.5 else "", text)
        spaces = [m.start() for m in re.finditer(" ", text)]
        for at in sorted(rng.sample(spaces, min(3, len(spaces))), reverse=True):
            text = text[:at] + rng.choice(["  ", "   ", "\t", " "]) + text[at + 1 :]
        return re.sub(r"([,;:])(?=\S)", lambda m: m.group() + (" " if rng.random() < 0.3 else ""), text)
    return _cosmetic(base, respace)


def edit_nbsp(rng: random.Random, base: Base, _: list[Base]) -> Edit | None:
    def nbsp(text: str) -> str:
        return re.sub(" ", lambda m: "\u00a0" if rng.random() < 0.2 else " ", text)
    return _cosmetic(base, nbsp)


def edit_fullwidth_digits(rng: random.Random, base: Base, _: list[Base]) -> Edit | None:
    table = str.maketrans("0123456789", "０１２３４５６７８９")
    return _cosmetic(base, lambda text: text.translate(table))


def edit_quote_forms(rng: random.Random, base: Base, _: list[Base]) -> Edit | None:
    def forms(text: str) -> str:
        text = text.replace("“", '"').replace("”", '"').replace("’", "'").replace("‘", "'")
        if base.language == "zh":
            text = text.replace("「", "“").replace("」", "”").replace("『", "‘").replace("』", "’")
        return text
    edit = _cosmetic(base, forms)
    if edit is not None:
        return edit
    curly = iter(["“", "”"] * 10000)
    return _cosmetic(base, lambda text: re.sub('"', lambda m: next(curly), text.replace("'", "’")))


def edit_punctuation_forms(rng: random.Random, base: Base, _: list[Base]) -> Edit | None:
    if base.language == "zh":
        pairs = {"，": ",", "。": ".", "：": ":", "；": ";", "（": "(", "）": ")", "！": "!", "？": "?", "、": ","}
    else:
        pairs = {",": "，", "-": "–", ":": "：", "(": "（", ")": "）", "...": "…", ";": "；"}
    chosen = dict(rng.sample(sorted(pairs.items()), 3))
    pattern = "|".join(re.escape(key) for key in chosen)
    return _cosmetic(base, lambda text: re.sub(pattern, lambda m: chosen[m.group()], text))


def edit_case(rng: random.Random, base: Base, _: list[Base]) -> Edit | None:
    def recase(match: re.Match[str]) -> str:
        word = match.group()
        return rng.choice([word.upper(), word.lower(), word.capitalize()])
    return _body_replace(base, rng, r"\b[A-Za-z]{2,}\b", recase)


def edit_split(rng: random.Random, base: Base, _: list[Base]) -> Edit | None:
    candidates = [p for p, text in enumerate(base.paragraphs) if len(_sentences(text)) >= 2]
    if not candidates:
        return None
    paragraph = rng.choice(candidates)
    parts = _sentences(base.paragraphs[paragraph])
    at = rng.randrange(1, len(parts))
    paragraphs = list(base.paragraphs)
    paragraphs[paragraph : paragraph + 1] = ["".join(parts[:at]).strip(), "".join(parts[at:]).strip()]
    return base.text(), base.text(paragraphs=paragraphs)


def edit_merge(rng: random.Random, base: Base, _: list[Base]) -> Edit | None:
    paragraphs = list(base.paragraphs)
    at = rng.randrange(len(paragraphs) - 1)
    joiner = "" if base.language == "zh" else " "
    paragraphs[at : at + 2] = [paragraphs[at] + joiner + paragraphs[at + 1]]
    return base.text(), base.text(paragraphs=paragraphs)


def edit_typo_fixed(rng: random.Random, base: Base, _: list[Base]) -> Edit | None:
    def typo(match: re.Match[str]) -> str:
        word = match.group()
        at = rng.randrange(1, len(word))
        kind = rng.choice(["delete", "swap", "double", "replace"])
        if kind == "delete":
            return word[:at] + word[at + 1 :]
        if kind == "swap" and at < len(word) - 1:
            return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
        if kind == "double":
            return word[:at] + word[at] + word[at:]
        letter = rng.choice("aeiourstnl".replace(word[at].lower(), ""))
        return word[:at] + (letter.upper() if word[at].isupper() else letter) + word[at + 1 :]
    # Words that are numbers, negations or modals are left alone: a "fix" that makes one is not cosmetic.
    reserved = {w for words in NUMBER_WORDS.values() for w in words} | set(MODAL_SWAPS["en"]) | set(MODAL_SWAPS["id"])
    reserved |= {"never", "cannot", "tidak", "belum", "bukan", "first", "second", "third", "billion", "trillion",
                 "satu", "miliar", "triliun", "pertama", "kedua", "without", "none", "nothing"}
    edit = _body_replace(base, rng, r"\b(?!(?:" + "|".join(sorted(reserved)) + r")\b)[A-Za-z]{4,}\b", typo,
                         re.IGNORECASE)
    return (edit[1], edit[0]) if edit is not None else None  # the old version has the typo, the new one is fixed


def edit_boilerplate(rng: random.Random, base: Base, _: list[Base]) -> Edit | None:
    paragraphs = list(base.paragraphs)
    line = rng.choice(BOILERPLATE[base.language])
    paragraphs.insert(rng.choice([0, len(paragraphs), rng.randrange(len(paragraphs) + 1)]), line)
    return base.text(), base.text(paragraphs=paragraphs)


SUBSTANTIVE: dict[str, tuple[Maker, set[str]]] = {
    "number": (edit_number, {"number", "date"}),
    "date": (edit_date, {"date", "number"}),
    "entity": (edit_entity, {"entity", "wording"}),
    "negation": (edit_negation, {"negation"}),
    "modal": (edit_modal, {"modality"}),
    "quote": (edit_quote, {"quote", "negation"}),
    "sentence removed": (edit_remove_sentence, {"sentence_removed", "paragraph_removed"}),
    "sentence added": (edit_add_sentence, {"sentence_added", "paragraph_added"}),
    "paragraph removed": (edit_remove_paragraph, {"paragraph_removed"}),
    "title": (edit_title, {"title"}),
    "wording": (edit_wording, {"wording", "entity", "number", "date", "negation", "modality", "quote"}),
}
COSMETIC: dict[str, tuple[Maker, set[str]]] = {
    "re-space": (edit_respace, {"whitespace"}),
    "nbsp": (edit_nbsp, {"whitespace"}),
    "full-width digits": (edit_fullwidth_digits, {"width"}),
    "quote forms": (edit_quote_forms, {"punctuation"}),
    "punctuation forms": (edit_punctuation_forms, {"punctuation"}),
    "case": (edit_case, {"case"}),
    "split paragraph": (edit_split, {"split_merge"}),
    "merge paragraphs": (edit_merge, {"split_merge"}),
    "typo fixed": (edit_typo_fixed, {"typo"}),
    "boilerplate": (edit_boilerplate, {"boilerplate"}),
}


# --- the run ----------------------------------------------------------------------------------------------------


@dataclass
class Tally:
    n: int = 0
    substantive: int = 0
    class_hit: int = 0


def run(bases: list[Base], variants: int, seed: int, show: int) -> dict[str, object]:
    tallies: dict[tuple[str, str], Tally] = defaultdict(Tally)
    times: list[float] = []
    misses: list[str] = []
    kinds = [(kind, maker, expected, True) for kind, (maker, expected) in SUBSTANTIVE.items()]
    kinds += [(kind, maker, expected, False) for kind, (maker, expected) in COSMETIC.items()]
    for number, base in enumerate(bases):
        for kind, maker, expected, substantive in kinds:
            for variant in range(variants):
                rng = random.Random(f"{seed}/{base.source}/{kind}/{variant}")
                edit = maker(rng, base, bases)
                if edit is None or edit[0] == edit[1]:
                    continue
                started = time.perf_counter()
                analysis = analyse_edit(*edit)
                times.append((time.perf_counter() - started) * 1000)
                tally = tallies[(base.language, kind)]
                tally.n += 1
                tally.substantive += analysis.substantive
                tally.class_hit += bool(expected & set(analysis.classes))
                if analysis.substantive != substantive and len(misses) < show:
                    misses.append(_describe(base, kind, edit, analysis.to_json()))
        if number % 50 == 49:
            print(f"  {number + 1}/{len(bases)} base texts", file=sys.stderr)
    return {"tallies": tallies, "times": times, "misses": misses}


def _describe(base: Base, kind: str, edit: Edit, result: dict[str, object]) -> str:
    import difflib
    old, new = edit[0].splitlines(), edit[1].splitlines()
    diff = [line for line in difflib.unified_diff(old, new, lineterm="", n=0) if line[:1] in "+-"][2:8]
    return f"[{base.language} {kind}] {base.source}\n  " + "\n  ".join(d[:300] for d in diff) + \
        f"\n  -> {json.dumps(result, ensure_ascii=False)[:600]}"


def timing_long(bases: list[Base]) -> dict[str, float]:
    """A 3,000-word English article with one sentence removed, and a 1 MB text with one number changed."""
    english = [p for base in bases if base.language == "en" for p in base.paragraphs]
    article: list[str] = []
    while sum(len(p.split()) for p in article) < 3000:
        article.append(english[len(article) % len(english)])
    old = "A long article\n" + "\n".join(article)
    middle = len(article) // 2
    parts = _sentences(article[middle])
    article_new = list(article)
    article_new[middle] = " ".join(parts[1:]) if len(parts) > 1 else ""
    new = "A long article\n" + "\n".join(p for p in article_new if p)
    result: dict[str, float] = {"words": float(sum(len(p.split()) for p in article))}
    runs = []
    for _ in range(20):
        started = time.perf_counter()
        analysis = analyse_edit(old, new)
        runs.append((time.perf_counter() - started) * 1000)
    result["3000_words_ms"] = statistics.median(runs)
    result["3000_words_substantive"] = float(analysis.substantive)
    big = [p for base in bases for p in base.paragraphs]
    lines: list[str] = []
    size = 0
    while size < 1_000_000:
        lines.append(big[len(lines) % len(big)])
        size += len(lines[-1].encode()) + 1
    old_big = "A big page\n" + "\n".join(lines)
    new_big = old_big[: len(old_big) // 2] + " 12345 more" + old_big[len(old_big) // 2 :]
    started = time.perf_counter()
    analysis = analyse_edit(old_big, new_big)
    result["1mb_ms"] = (time.perf_counter() - started) * 1000
    result["1mb_substantive"] = float(analysis.substantive)
    scrambled = "\n".join(sorted(lines, key=lambda line: hash(line) % 997))
    started = time.perf_counter()
    analyse_edit(old_big, "A big page\n" + scrambled[: len(scrambled) // 2])
    result["1mb_rewritten_ms"] = (time.perf_counter() - started) * 1000
    return result


def report(result: dict[str, object], bases: list[Base], long: dict[str, float], args: argparse.Namespace) -> None:
    tallies = result["tallies"]
    times = result["times"]
    assert isinstance(tallies, dict) and isinstance(times, list)
    counts = {lang: sum(1 for base in bases if base.language == lang) for lang in LANGUAGES}
    print(f"\nbase texts: {counts}; seed {args.seed}; variants per kind {args.variants}\n")
    print("| language | substantive edits | recall | cosmetic edits | false alarms | false-alarm rate |")
    print("|---|---|---|---|---|---|")
    for lang in LANGUAGES:
        sub = [tallies[(lang, kind)] for kind in SUBSTANTIVE if (lang, kind) in tallies]
        cos = [tallies[(lang, kind)] for kind in COSMETIC if (lang, kind) in tallies]
        n_sub, hit = sum(t.n for t in sub), sum(t.substantive for t in sub)
        n_cos, fa = sum(t.n for t in cos), sum(t.substantive for t in cos)
        print(f"| {lang} | {n_sub:,} | {hit / max(n_sub, 1):.3f} | {n_cos:,} | {fa} | {fa / max(n_cos, 1):.3f} |")
    print("\n| kind | expected | " + " | ".join(f"{lang}: n, called substantive, class named" for lang in LANGUAGES)
          + " |")
    print("|---|---|" + "---|" * len(LANGUAGES))
    for kinds, label in ((SUBSTANTIVE, "substantive"), (COSMETIC, "cosmetic")):
        for kind in kinds:
            cells = []
            for lang in LANGUAGES:
                tally = tallies.get((lang, kind))
                if tally is None or tally.n == 0:
                    cells.append("-")
                    continue
                cells.append(f"{tally.n}, {tally.substantive / tally.n:.2f}, {tally.class_hit / tally.n:.2f}")
            print(f"| {kind} | {label} | " + " | ".join(cells) + " |")
    ordered = sorted(times)
    print(f"\nanalyses: {len(times):,}; ms per analysis: mean {statistics.fmean(times):.2f}, median "
          f"{statistics.median(times):.2f}, p95 {ordered[int(len(ordered) * 0.95)]:.2f}, max {ordered[-1]:.1f}")
    print(f"3,000-word article ({long['words']:.0f} words), one sentence removed: {long['3000_words_ms']:.1f} ms "
          f"(median of 20), substantive={bool(long['3000_words_substantive'])}")
    print(f"1 MB text, one number inserted: {long['1mb_ms']:.0f} ms, substantive={bool(long['1mb_substantive'])}; "
          f"1 MB text rewritten (paragraphs shuffled, half dropped): {long['1mb_rewritten_ms']:.0f} ms")
    misses = result["misses"]
    assert isinstance(misses, list)
    for miss in misses:
        print("\n" + miss)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="12 base texts per language")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--variants", type=int, default=None, help="edits per base text and kind (full: 2)")
    parser.add_argument("--show", type=int, default=0, help="print the first N misclassified edits")
    args = parser.parse_args(argv)
    bases = load_bases()
    if not bases:
        raise SystemExit(f"no base texts under {SHARED} (../shared/corpus and ../shared/seeds are needed)")
    if args.quick:
        bases = [base for lang in LANGUAGES for base in [b for b in bases if b.language == lang][:12]]
    args.variants = args.variants or (1 if args.quick else 2)
    started = time.perf_counter()
    result = run(bases, args.variants, args.seed, args.show)
    long = timing_long(bases)
    report(result, bases, long, args)
    print(f"\nwall time {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
