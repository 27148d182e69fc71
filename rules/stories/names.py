"""Latin-script names and acronyms, and the Chinese names texts give beside a Latin form.

A name is a run of capitalised words (initials and connectors like "bin", "de" inside are allowed); titles,
weekdays, months and the usual sentence openers are cut off, and a single word counts only if it is not the
first of a sentence. Each name gives its whole form and its two-word pieces (``"hawaii josh green"`` also gives
``"josh green"``), so "Governor Josh Green" in one language meets "Gubernur Hawaii Josh Green" in another.
Acronyms (two or more capitals: ``ABAC``, ``HI-EMA``, ``G20``) are kept as written.

>>> sorted(latin_names("Deputy Foreign Minister Tien Chung-kwang met KDEI Taipei head Budi Santoso."))
['KDEI', 'budi santoso', 'taipei', 'tien chung-kwang']
>>> sorted(parenthesised_chinese("Lai Ching-te (賴清德) and 章溥帝(Budi Santoso)"))
['zh:章溥帝', 'zh:赖清德']
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

import regex

from rules.stories.dates import has_han
from rules.text import to_simplified

_STOP_WORDS = """
a an the in on at of for and or but as by to from with without after before during since while when where this that
these those he she they it its his her their we our you i mr mrs ms dr prof sir hon h.e. jr sr
president vice deputy minister ministers foreign affairs digital prime premier secretary general director
chairman chairwoman chair chairperson speaker ambassador representative envoy governor mayor king queen prince
princess senator legislator lawmaker chief executive officer head councillor council committee delegation
department ministry office bureau agency government state national international republic kingdom
first lady gov rep sen amb
monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
september october november december jan feb mar apr jun jul aug sep sept oct nov dec
menteri menlu wamenlu wakil presiden ketua direktur kepala gubernur wali kota bapak ibu duta besar perdana
sekretaris jenderal pada dalam di ke dari selain saat kedua sebagai untuk yang dan ini itu hal para serta
senin selasa rabu kamis jumat sabtu minggu januari februari maret mei juni juli agustus oktober desember
kementerian luar negeri urusan kantor dewan komite delegasi pemerintah
el la los las en del de por para con su sus un una presidente ministro ministra embajador señor
si ang ng sa noong mga ni kay
also however meanwhile according today yesterday tomorrow
"""
_STOP = frozenset(_STOP_WORDS.split())
_CONNECTORS = frozenset({"bin", "binti", "de", "da", "van", "von", "del", "la", "y", "al", "el"})
_TOKEN = regex.compile(
    r"\p{Lu}[\p{Latin}\p{M}'’]*(?:-[\p{Latin}\d][\p{Latin}\p{M}\d'’]*)*\.?|\p{Ll}[\p{Latin}'’-]*|[0-9][\p{Latin}\d-]*|\n"
    r"|[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]+|\S"  # a CJK run is one token (never a name, never an end)
)
_ACRONYM = regex.compile(r"^(?=(?:.*\p{Lu}){2})[\p{Lu}\d][\p{Lu}\d&-]*[\p{Lu}\d]$")
_INITIAL = regex.compile(r"^\p{Lu}\.$")
_ROMAN = regex.compile(r"^[IVX]+$")
_SENTENCE_END = frozenset(".!?。！？:：;；\"“”「」『』()（）\n|")
_ZH_TITLES = regex.compile(
    r"^.*(?:代表|部長|部长|總理|总理|主席|議長|议长|大使|總統|总统|次長|次长|處長|处长|院長|院长|市長|市长|州長|州长|主委|"
    r"董事長|董事长|執行長|执行长|教授|博士|議員|议员|委員|委员|會長|会长|首相|大臣|國王|国王|王后|外長|外长|部长)"
)
_ZH_TITLE_AFTER = regex.compile(
    r"(?:代表|部長|部长|總理|总理|主席|議長|议长|大使|總統|总统|次長|次长|先生|女士|夫人|伉儷|伉俪|議員|议员|眾議員|众议员)$"
)
_PAREN_AFTER_LATIN = regex.compile(r"(\p{Lu}[\p{Latin}\p{M}'’.\- ]{1,60}?)\s*[(（]\s*(\p{Han}{2,6})\s*[)）]")
_PAREN_AFTER_HAN = regex.compile(
    r"(\p{Han}{2,6})\s*[(（]\s*((?:Dr\.?\s+)?\p{Lu}[\p{Latin}\p{M}'’.,\- ]{1,60}?)\s*[)）]"
)


def latin_names(text: str, skip: Iterable[tuple[int, int]] = ()) -> frozenset[str]:
    """Names and acronyms (lower case, acronyms as written) outside the ``skip`` spans of ``text``."""
    masked = _mask(text, skip)
    found: set[str] = set()
    for run in _runs(masked):
        found.update(_units(run))
    return frozenset(found)


def parenthesised_chinese(text: str) -> frozenset[str]:
    """``zh:`` + the Simplified form of each Chinese name written next to a Latin one in parentheses."""
    # Both patterns need a parenthesis and a Han run (each pass tries every capital or Han run of the text).
    if ("(" not in text and "（" not in text) or not has_han(text):
        return frozenset()
    found = {m[2] for m in _PAREN_AFTER_LATIN.finditer(text)}
    found.update(_trim_titles(m[1]) for m in _PAREN_AFTER_HAN.finditer(text))
    return frozenset(f"zh:{to_simplified(name)}" for name in found if len(name) >= 2 and not _looks_like_phrase(name))


def _trim_titles(han: str) -> str:
    """``台代表章溥帝`` → ``章溥帝``; ``章溥帝代表`` → ``章溥帝``; else the last four characters at most."""
    name = _ZH_TITLE_AFTER.sub("", han)
    name = _ZH_TITLES.sub("", name) or name
    return str(name[-4:])


def _looks_like_phrase(han: str) -> bool:
    return any(char in han for char in "的了是在和與与及部會会處处院局署")


def _mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = "|" * (end - start)
    return "".join(chars)


def _runs(text: str) -> Iterator[list[tuple[str, bool]]]:
    """Runs of capitalised tokens, each token with whether it opens a sentence."""
    run: list[tuple[str, bool]] = []
    opens = True
    for token in _TOKEN.findall(text):  # ~100 tokens a text: the loop is kept lean
        if _is_name_token(token) or (run and token.lower() in _CONNECTORS):
            run.append((token, opens and not run))
        else:
            if run:
                yield run
            run = []
        # A token longer than 3 is never an initial ("A."), so no _INITIAL check is needed there.
        opens = token in _SENTENCE_END or (len(token) > 3 and token.endswith("."))
    if run:
        yield run


def _is_name_token(token: str) -> bool:
    first = token[:1]
    # An acronym starts with a capital or a digit: other tokens skip the pattern.
    return first.isupper() or (first.isdigit() and bool(_ACRONYM.match(token.rstrip("."))))


def _units(run: list[tuple[str, bool]]) -> Iterator[str]:
    words: list[tuple[str, bool]] = []
    for token, opens in run:
        word = token.rstrip(".") if not _INITIAL.match(token) else ""
        if _ROMAN.match(word):
            continue
        if _ACRONYM.match(word):
            yield word
            yield from _name_units(words)
            words = []
        elif word and word.lower() not in _STOP:
            words.append((word, opens))
        elif word.lower() in _STOP:
            yield from _name_units(words)
            words = []
    yield from _name_units(words)


def _name_units(words: list[tuple[str, bool]]) -> Iterator[str]:
    while words and words[-1][0].lower() in _CONNECTORS:
        words = words[:-1]
    if not words:
        return
    lowered = [word.lower() for word, _ in words]
    if len(lowered) == 1:
        if len(lowered[0]) >= 4 and not words[0][1]:
            yield lowered[0]
        return
    yield " ".join(lowered)
    if len(lowered) > 2:
        yield from (f"{a} {b}" for a, b in itertools.pairwise(lowered))

