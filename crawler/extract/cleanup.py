"""The one clean-up pass every extracted article goes through, on both the profile and the generic path.

>>> clean_paragraphs(["Skip to main content", "Real  text.", "0:00 / 0:00", "Real text."], title=None)
['Real text.']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from functools import cache

from crawler.extract.article import Article
from crawler.extract.dates import ArticleDate
from crawler.extract.profile import PageRules

# Zero-width characters and bidi controls (U+202A-202E, U+2066-2069, marks): page text reads in logical order.
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u061c\u200e\u200f"
                                   "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"), None)
_ANY_INVISIBLE = re.compile("[" + "".join(map(chr, INVISIBLE)) + "]")
MAX_TITLE_CHARS = 500  # a 1 MB <title> is stored as its first 500 characters
MAX_BOILERPLATE_CHARS = 400
UNIVERSAL_BOILERPLATE = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"(?:skip|jump) to (?:the )?(?:main )?content|跳到主要內容(?:區塊)?|kembali ke konten utama",
        r"to the central content area|toggle dark/light mode.{0,20}",
        r"go ?top|back to top|:::|回到頁首|/",
        r"we value your privacy\.?",
        r".{0,200}\buses? (?:cookies|tracking technologies)\b.{0,300}"
        r"(?:privacy|cookie policy|agree|consent).{0,200}",
        r"本網站使用.{0,20}(?:cookie|相關技術).{0,250}",
        r"to activate the text-to-speech service.{0,120}",
        r"請同意我們的隱私權規範.{0,40}聽新聞.{0,10}",
        r"(?:focus taiwan app|download|download the app|下載)",
        r"中央社一手新聞app.{0,60}",
        r"perbesar .{1,300}",
        r"enlarge .{1,300} photos?",
        r".{1,300} photos? - new southbound policy",
        r"放大檢視 ?.{0,300}圖片",
        r".{0,300}圖片 - 新南向政策",
        r"\d{1,2}:\d{2}(?: ?/ ?\d{1,2}:\d{2})?",
        r"[\d\s.,:/-]{1,8}",
        r"\d{1,3}(?:\.\d{1,3}){3}",  # an IP address printed under a cookie banner
    )
)
# The generic path has no profile to say what is boilerplate: the lines blogs put around a post (byline, share
# buttons, related posts, previous/next, tags, copyright), in Chinese, and the common English ones. Short lines only.
MAX_GENERIC_BOILERPLATE_CHARS = 80
_ZH_SEP = r"\s*[:：／/｜|]\s*"
BYLINE = re.compile(
    rf"(?:作者|撰文|文字?|記者|採訪|編譯|攝影|圖片?|責任編輯|責編|編輯){_ZH_SEP}(?P<author>[^\s:：／/].{{0,30}})"
    r"|(?i:by|written by|posted by|author:)\s+(?P<en_author>[A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,3})"
)
AUTHOR_ROLES = ("作者", "撰文", "文", "文字", "記者", "by", "written by", "posted by", "author")
RELATED_HEADING = re.compile(
    r"(?:相關(?:文章|閱讀|新聞|報導)|延伸閱讀|推薦閱讀|(?:你|您)(?:可能)?(?:也會|還會)?喜歡|熱門文章|最新文章|"
    r"(?:相关|相關)(?:文章|阅读|新闻|报道)|(?:网友|網友|热门|熱門|最新)(?:评论|評論)|"
    r"related (?:posts?|articles?|stories|coverage|content)|you may also like|you might also like|"
    r"(?:top|more|latest|popular|trending) (?:stories|news|posts|articles)|most (?:read|popular|viewed|shared)|"
    r"partner (?:news|content)|recommended(?: for you| stories| articles)?|(?:top rated |\d+ )?comments?)\s*[:：]?",
    re.IGNORECASE,
)
_PLATFORMS = (r"(?:[\s,、|/]*(?:facebook|fb|twitter|x|line|plurk|噗浪|linkedin|e-?mail|電子郵件|複製連結|copy link|"
              r"列印|print|telegram|whatsapp|threads|微博|微信))*")
GENERIC_BOILERPLATE = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        rf"分享(?:到|至|這篇文章|本文|此文)?(?:{_ZH_SEP})?{_PLATFORMS}",
        rf"share(?: this(?: post| article)?| on)?\s*[:：]?{_PLATFORMS}",
        rf"(?:上一篇|下一篇|前一篇|後一篇|previous post|next post)(?:{_ZH_SEP})?.{{0,60}}",
        rf"(?:標籤|標簽|分類|關鍵字|關鍵詞|tags?|categor(?:y|ies)|filed under){_ZH_SEP}.{{0,60}}",
        r"(?:©|copyright|版權所有|著作權所有).{0,80}|.{0,60}(?:版權所有|all rights reserved)\.?",
        r"(?:留言|發表留言|發表回應|leave a (?:comment|reply))(?:\s*[(（]?\d*[)）]?)",
    )
)
_METACHARACTERS = re.compile(r"[\\^$.*+?()[\]{}|]")


def fold(text: str) -> str:
    """Whitespace (incl. NBSP and ideographic space) folded to single spaces, invisible characters dropped.

    >>> fold(" a\\u00a0 b\\u200b\\n")
    'a b'
    """
    if _ANY_INVISIBLE.search(text) is not None:  # str.translate is slow on long text: only when there is work
        text = text.translate(INVISIBLE)
    return " ".join(text.split())


def clean_article(
    title: str | None,
    paragraphs: Iterable[str],
    *,
    rules: PageRules | None,
    url: str,
    published: ArticleDate | None,
    updated: ArticleDate | None,
    language: str | None,
    author: str | None,
    template: frozenset[str] = frozenset(),
) -> Article:
    """Fold, cut at end markers, strip, drop boilerplate, the source's `template` lines and (profiles) repeats."""
    clean_title = fold((title or "")[: MAX_TITLE_CHARS * 4])[:MAX_TITLE_CHARS] or None
    return Article(
        url=url,
        title=clean_title,
        published=published,
        paragraphs=tuple(clean_paragraphs(paragraphs, title=clean_title, rules=rules, template=template)),
        updated=updated,
        language=language or (rules.language if rules else None),
        author=fold(author or "") or None,
    )


def clean_paragraphs(
    paragraphs: Iterable[str],
    *,
    title: str | None,
    rules: PageRules | None = None,
    template: frozenset[str] = frozenset(),
) -> list[str]:
    """The clean-up pass on a list of paragraphs (see `clean_article`).

    Lines in `template` (what the source's other pages carry, see `crawler.extract.template`) go. Repeats within
    the page go on the profile path, whose site layout is known (a lede printed twice); on the generic path a
    line the article repeats is the article's own and stays, except a run of the same line (markup read twice,
    a page of 90,000 copies), which is one.
    """
    lines = [fold(paragraph) for paragraph in paragraphs]
    lines = _before_end_marker(lines, rules.end_markers if rules else ())
    lines = [_strip(line, rules.strip_patterns if rules else ()) for line in lines]
    profile = _profile_boilerplate(tuple(rules.boilerplate) if rules else ())
    kept = [line for line in lines if line and line not in template and not _is_boilerplate(line, profile, title)]
    if rules is not None:
        return drop_repeats(kept)
    return [line for index, line in enumerate(kept) if not index or kept[index - 1] != line]


def _before_end_marker(lines: list[str], markers: Sequence[str]) -> list[str]:
    patterns = [re.compile(marker) for marker in markers]
    for index, line in enumerate(lines):
        if any(pattern.search(line) for pattern in patterns):
            return lines[:index]
    return lines


def _strip(line: str, patterns: Sequence[str]) -> str:
    for pattern in patterns:
        line = re.sub(pattern, "", line)
    return fold(line)


def _is_boilerplate(line: str, profile: Callable[[str], bool], title: str | None) -> bool:
    if title is not None and line.casefold() == title.casefold():
        return True
    if profile(line):
        return True
    return len(line) <= MAX_BOILERPLATE_CHARS and _UNIVERSAL.fullmatch(line) is not None


def _one_of(patterns: Sequence[re.Pattern[str]], flags: int = 0) -> re.Pattern[str] | None:
    """One pattern that matches where any of `patterns` does (an alternation: one call into the regex engine
    instead of one per pattern); None when they cannot be joined without changing what they mean (a back
    reference would count its groups anew, a group name twice, an inline global flag)."""
    if any(_BACK_REFERENCE.search(pattern.pattern) for pattern in patterns):
        return None
    try:
        return re.compile("|".join(f"(?:{pattern.pattern})" for pattern in patterns), flags)
    except re.error:
        return None


_BACK_REFERENCE = re.compile(r"\\(?:[1-9]|g<)|\(\?P=")
# The universal patterns have no group of their own: joined, a line is boilerplate where one of them matches.
_UNIVERSAL = re.compile("|".join(f"(?:{pattern.pattern})" for pattern in UNIVERSAL_BOILERPLATE), re.IGNORECASE)


@cache
def _profile_boilerplate(patterns: tuple[str, ...]) -> Callable[[str], bool]:
    """Whether a line is one of a profile's boilerplate entries: exact lines by a set, the regex ones searched
    at once (each one by itself where they cannot be joined)."""
    compiled = [_profile_pattern(pattern) for pattern in patterns]
    exact = frozenset(found.line for found in compiled if isinstance(found, _ExactLine))
    regexes = [found for found in compiled if not isinstance(found, _ExactLine)]
    joined = _one_of(regexes) if len(regexes) > 1 else None
    searched = [joined] if joined is not None else regexes

    def matches(line: str) -> bool:
        return line in exact or any(regex.search(line) is not None for regex in searched)

    return matches


@cache
def _profile_pattern(pattern: str) -> re.Pattern[str] | _ExactLine:
    if _METACHARACTERS.search(pattern.replace(". ", "").rstrip(".")) is None:
        return _ExactLine(fold(pattern))
    return re.compile(pattern)


class _ExactLine:
    """A boilerplate entry without regex metacharacters: matches the whole line only."""

    def __init__(self, line: str) -> None:
        self.line = line

    def __call__(self, candidate: str) -> bool:
        return candidate == self.line


def drop_repeats(lines: Sequence[str]) -> list[str]:
    """Each paragraph once. A repeat whose earlier copies all sit before the body (captions, summaries)
    is kept at its first place inside the body; the body starts at the first paragraph that occurs once.

    >>> drop_repeats(["Lede.", "Lede.", "Body one.", "Lede.", "Body two.", "Body two."])
    ['Body one.', 'Lede.', 'Body two.']
    """
    counts: dict[str, int] = {}
    for line in lines:
        counts[line] = counts.get(line, 0) + 1
    body_start = next((i for i, line in enumerate(lines) if counts[line] == 1), len(lines))
    keep_at: dict[str, int] = {}
    for index, line in enumerate(lines):
        if line not in keep_at or (keep_at[line] < body_start <= index):
            keep_at[line] = index
    return [line for index, line in enumerate(lines) if keep_at[line] == index]


def strip_generic_boilerplate(paragraphs: Sequence[str]) -> tuple[list[str], str | None]:
    """The generic path's lines without byline, share, related-post, previous/next, tag and copyright lines
    (a related-posts heading ends the text), and the author a byline named.

    >>> strip_generic_boilerplate(["作者：王小明", "正文。", "分享：Facebook LINE", "相關文章", "另一篇文章"])
    (['正文。'], '王小明')
    """
    kept: list[str] = []
    author: str | None = None
    for raw in paragraphs:
        line = fold(raw)
        if len(line) > MAX_GENERIC_BOILERPLATE_CHARS:
            kept.append(raw)
            continue
        if RELATED_HEADING.fullmatch(line):
            break
        byline = BYLINE.fullmatch(line)
        if byline is not None:
            author = author or _author_of(byline)
            continue
        if not any(pattern.fullmatch(line) for pattern in GENERIC_BOILERPLATE) and not _related_line(line):
            kept.append(raw)
    return kept, author


def _related_line(line: str) -> bool:
    """`延伸閱讀：another post` (a heading with its link on one line)."""
    match = RELATED_HEADING.match(line)
    return match is not None and line[match.end() - 1 : match.end()] in ":："


def _author_of(byline: re.Match[str]) -> str | None:
    group = "author" if byline["author"] else "en_author"
    role = re.sub(r"[\s:：／/｜|]+", " ", byline.string[: byline.start(group)]).strip().casefold()
    return fold(byline[group]) if role in AUTHOR_ROLES else None  # an editor or a photographer is not the author
