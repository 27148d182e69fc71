"""The matcher: folding, boundaries, scripts, Indonesian forms, fields, filters, regex, evidence, seeds."""

from __future__ import annotations

import pickle
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.defaults import DEFAULT_GROUPS, DEFAULT_RULES
from rules.errors import QuerySyntaxError, RulesError, UnknownGroupError
from rules.match import Document, Evidence, Matcher, RuleMatch, RuleSpec
from rules.text import fold
from tests.shared import SEEDS as SEEDS_DIR
from tests.shared import needs_shared

SEEDS = SEEDS_DIR / "clean"
GROUPS = {**DEFAULT_GROUPS, "tw": ("Taiwan", "臺灣")}


def hits(query: str, title: str = "", body: str = "", **doc: str) -> bool:
    matcher = Matcher.compile([RuleSpec("r", query)], GROUPS)
    return bool(matcher.match(Document(title, body, **doc)))  # type: ignore[arg-type]


def evidence(query: str, title: str = "", body: str = "") -> list[tuple[str, str, str]]:
    matcher = Matcher.compile([RuleSpec("r", query)], GROUPS)
    return [(e.field, e.term, e.text) for m in matcher.match(Document(title, body)) for e in m.evidence]


CASES = [
    # query, text (body), expected
    # Latin words at word boundaries
    ("AI", "Taiwan pushes AI chips", True),
    ("AI", "the minister said", False),
    ("AI", "AI-powered tools", True),
    ("AI", "AI晶片", True),
    ("AI", "email me", False),
    ("AI", "Taiwanese firms", False),
    ("AI", "ＡＩ policy", True),  # full width
    ("AI", "Ai Weiwei", False),  # acronyms are case-sensitive
    ("ai", "Ai Weiwei", True),  # lower-case terms match any case
    ("@ai", "the minister said", False),
    ("@ai", "Taiwan's A.I. plan", True),
    ("Taiwan", "Taiwanese companies", False),
    ("Taiwan", "Taiwan-Japan forum", True),
    ("Taiwan", "TAIWAN", True),
    ("Taiwan*", "Taiwanese companies", True),
    ("cooperat*", "they cooperated", True),
    ("cooperat*", "noncooperation", False),
    ("2025", "in 2025, AI", True),
    ("2025", "in 20250", False),
    ("partner", "partnership", False),
    # phrases and whitespace folding
    ('"joint statement"', "a Joint\n  Statement was issued", True),
    ('"joint statement"', "a joint, statement", False),
    ('"artificial intelligence"', "artificial intelligences", False),
    # Chinese: Traditional and Simplified fold, substrings
    ("人工智慧", "臺灣人工智慧發展", True),
    ("合作夥伴", "战略合作伙伴关系", True),
    ("合作伙伴", "戰略合作夥伴關係", True),
    ("臺灣", "台湾的人工智能", True),
    ("@ai", "发展人工智能产业", True),
    ("@partnership", "簽署合作備忘錄", True),
    ("@partnership", "双方签署合作备忘录", True),
    ("生成式AI", "推動生成式ＡＩ應用", True),
    ("生成式AI", "推動生成式AIR應用", False),
    ("@ai", "推動生成式AI應用", True),
    # Indonesian forms
    ("@partnership", "kerja sama bilateral", True),
    ("@partnership", "kerjasama bilateral", True),
    ("@partnership", "bekerja sama dengan Jepang", True),
    ("@partnership", "bekerjasama dengan Jepang", True),
    ("@partnership", "kerja samanya erat", True),
    ("@partnership", "kerja sama-nya erat", True),
    ("@partnership", "kemitraannya", True),
    ("@partnership", "bermitra dengan", True),
    ("@partnership", "mitranya", True),
    ("@partnership", "berkolaborasi", True),
    ("@partnership", "perjanjiannya", True),
    ("@partnership", "nota kesepahaman", True),
    ("@partnership", "kerja keras bersama", False),
    ("@ai", "kecerdasan buatan", True),
    ("@ai", "pembelajaran mesin", True),
    # boolean logic
    ("AI NOT Japan", "AI in Taiwan", True),
    ("AI NOT Japan", "AI in Japan", False),
    ("AI -Japan", "AI in Japan", False),
    ("NOT Japan", "Taiwan", True),
    ("AI Japan", "AI in Taiwan", False),
    ("AI OR Japan", "Japan only", True),
    ("(AI OR 人工智慧) AND (Japan OR 日本)", "日本的人工智慧", True),
    # regex
    ("/ai[- ]?chips?/", "new AI-chip plant", True),
    ("/ai[- ]?chips?/", "new chip plant", False),
    ("/x*/", "no x here", True),
    ("/q*/", "nothing", False),  # zero-length matches do not count
]


@pytest.mark.parametrize(("query", "body", "expected"), CASES)
def test_match(query: str, body: str, expected: bool) -> None:
    assert hits(query, body=body) is expected


FIELD_CASES = [
    ("title:AI", Document("AI news", "nothing"), True),
    ("title:AI", Document("news", "AI"), False),
    ("body:AI", Document("AI news", "nothing"), False),
    ("title:(Japan OR Korea) AND body:@ai", Document("Japan ties", "AI chips"), True),
    ("title:(Japan OR Korea) AND body:@ai", Document("AI ties", "Japan"), False),
    ("source:mofa-id", Document("x", "y", source="MOFA-ID"), True),
    ("source:mofa", Document("x", "y", source="mofa-id"), False),
    ("source:mofa*", Document("x", "y", source="mofa-id"), True),
    ("source:cna", Document("x", "y", source="cna-en", tags=("cna",)), True),
    ("lang:zh", Document("x", "y", language="zh-Hant"), True),
    ("lang:zh", Document("x", "y", language="zh_TW"), True),
    ("lang:zh", Document("x", "y", language="zu"), False),
    ("lang:zh-TW", Document("x", "y", language="zh"), False),
    ("AI -lang:en", Document("AI", "", language="en-US"), False),
    ("AI -lang:en", Document("AI", "", language="id"), True),
]


@pytest.mark.parametrize(("query", "doc", "expected"), FIELD_CASES)
def test_fields(query: str, doc: Document, expected: bool) -> None:
    assert bool(Matcher.compile([RuleSpec("r", query)], GROUPS).match(doc)) is expected


def test_rule_filters_on_sources_and_languages() -> None:
    rules = [
        RuleSpec("any", "AI"),
        RuleSpec("mofa", "AI", sources=("mofa",)),
        RuleSpec("zh", "AI", languages=("zh",)),
        RuleSpec("tagged", "AI", sources=("taiwan-gov",)),
    ]
    matcher = Matcher.compile(rules, {})
    doc = Document("AI", "", source="cna", language="zh-TW", tags=("Taiwan-Gov",))
    assert [m.rule for m in matcher.match(doc)] == ["any", "zh", "tagged"]
    other = Document("AI", "", source="MOFA", language="en")
    assert [m.rule for m in matcher.match(other)] == ["any", "mofa"]


def test_evidence_points_into_original_text() -> None:
    title = "ＡＩ  與 臺灣的合作夥伴"
    body = "Kerja  Samanya dengan Taiwan tentang Generative AI, Ａ.Ｉ. e\u0301té Straße AI"
    matcher = Matcher.compile(
        [RuleSpec("p", "@partnership OR @ai OR Taiwan -@nothing")], {**GROUPS, "nothing": ["zzz"]}
    )
    [match] = matcher.match(Document(title, body))
    originals = {"title": title, "body": body}
    assert match.evidence
    for item in match.evidence:
        assert originals[item.field][item.start : item.end] == item.text
    assert [(e.field, e.term, e.text, e.group) for e in match.evidence] == [
        ("title", "AI", "ＡＩ", "ai"),
        ("title", "合作", "合作", "partnership"),
        ("title", "夥伴", "夥伴", "partnership"),
        ("body", "kerja sama", "Kerja  Samanya", "partnership"),
        ("body", "Taiwan", "Taiwan", None),
        ("body", "generative AI", "Generative AI", "ai"),
        ("body", "AI", "AI", "ai"),
        ("body", "A.I.", "Ａ.Ｉ.", "ai"),
        ("body", "AI", "AI", "ai"),
    ]


def test_evidence_is_deduplicated_and_ordered_by_field_then_offset() -> None:
    matcher = Matcher.compile([RuleSpec("r", "(AI OR AI OR ai) AND body:AI")], {})
    [match] = matcher.match(Document("AI", "x AI y AI"))
    assert [(e.field, e.start, e.term) for e in match.evidence] == [
        ("title", 0, "AI"),
        ("title", 0, "ai"),
        ("body", 2, "AI"),
        ("body", 2, "ai"),
        ("body", 7, "AI"),
        ("body", 7, "ai"),
    ]


def test_evidence_excludes_the_not_side() -> None:
    matcher = Matcher.compile([RuleSpec("r", "AI -Japan")], {})
    [match] = matcher.match(Document("AI", "Korea"))
    assert match == RuleMatch("r", (Evidence("AI", None, "title", 0, 2, "AI"),))


def test_evidence_built_on_first_read_is_the_value_of_an_eager_match() -> None:
    matcher = Matcher.compile([RuleSpec("r", "AI OR Taiwan"), RuleSpec("s", "AI Taiwan -Japan")], {})
    found = matcher.match(Document("AI", "Taiwan AI"))
    eager = [RuleMatch(m.rule, m.evidence) for m in matcher.match(Document("AI", "Taiwan AI"))]
    assert found == eager and [hash(m) for m in found] == [hash(m) for m in eager]
    assert found[0].evidence is found[0].evidence  # built once
    assert repr(found[1]).startswith("RuleMatch(rule='s', evidence=(Evidence(term='AI'")
    assert pickle.loads(pickle.dumps(matcher.match(Document("AI", "Taiwan AI")))) == eager
    with pytest.raises(AttributeError):
        found[0].rule = "other"  # type: ignore[misc]


def test_prefix_evidence_covers_the_whole_word() -> None:
    assert evidence("cooperat*", body="They cooperated.") == [("body", "cooperat*", "cooperated")]


def test_catastrophic_regex_times_out_as_no_match() -> None:
    matcher = Matcher.compile([RuleSpec("slow", "/(a+)+$/"), RuleSpec("fast", "a*")], {})
    started = time.perf_counter()
    result = matcher.match(Document("a" * 40 + "!", "a" * 5000 + "!"))
    assert time.perf_counter() - started < 2
    assert [m.rule for m in result] == ["fast"]  # the timed-out regex is no match; other rules still run


def test_rules_come_back_in_rule_order() -> None:
    rules = [RuleSpec(name, query) for name, query in [("c", "Japan"), ("a", "NOT Korea"), ("b", "AI")]]
    matcher = Matcher.compile(rules, {})
    assert matcher.rule_names() == ["c", "a", "b"]
    assert [m.rule for m in matcher.match(Document("AI and Japan", ""))] == ["c", "a", "b"]


def test_compile_errors() -> None:
    with pytest.raises(QuerySyntaxError, match="rule 'bad': position 6"):
        Matcher.compile([RuleSpec("ok", "AI"), RuleSpec("bad", "AI AND")], {})
    with pytest.raises(UnknownGroupError, match="rule 'g': unknown group '@nope'"):
        Matcher.compile([RuleSpec("g", "@nope")], {"ai": ["AI"]})
    with pytest.raises(RulesError, match="defined twice"):
        Matcher.compile([RuleSpec("x", "AI"), RuleSpec("x", "AI")], {})


def test_no_rules_and_no_terms() -> None:
    assert Matcher.compile([], {}).match(Document("AI", "x")) == []
    assert [
        m.rule
        for m in Matcher.compile([RuleSpec("meta", "lang:id")], {}).match(Document("", "", language="id"))
    ] == ["meta"]


def test_fold_keeps_offsets() -> None:
    for text in ["ＡＩ  夥伴", "Straße  x", "e\u0301té ﬁne", "\u3000臺灣\t\t人工智慧", "", "a" * 3]:
        folded = fold(text)
        for index in range(len(folded.text)):
            start, end = folded.original_span(index, index + 1)
            assert 0 <= start < end <= len(text)


def seed(path: Path) -> Document:
    title, *body = path.read_text(encoding="utf-8").splitlines()
    return Document(title, "\n".join(body))


SEED_EXPECTATIONS = {
    "000": ["ai", "partnership"],
    "001": ["partnership"],
    "002": ["ai", "partnership"],
    "003": ["ai", "partnership"],
    "004": ["ai", "partnership"],
}


@needs_shared
@pytest.mark.parametrize("number", sorted(SEED_EXPECTATIONS))
def test_default_rules_on_seed_articles(number: str) -> None:
    [path] = SEEDS.glob(f"{number}_*.txt")
    matcher = Matcher.compile(DEFAULT_RULES, DEFAULT_GROUPS)
    doc = seed(path)
    matches = matcher.match(doc)
    assert [m.rule for m in matches] == SEED_EXPECTATIONS[number]
    for match in matches:
        for item in match.evidence:
            assert getattr(doc, item.field)[item.start : item.end] == item.text


@needs_shared
def test_seed_001_has_no_ai_evidence_at_all() -> None:
    doc = seed(next(SEEDS.glob("001_*.txt")))
    matcher = Matcher.compile([RuleSpec("ai", "@ai OR ai*")], DEFAULT_GROUPS)
    assert not any(e.group == "ai" for m in matcher.match(doc) for e in m.evidence)


MATCHER = Matcher.compile(
    [*DEFAULT_RULES, RuleSpec("mix", 'title:"joint statement" OR -合作 OR cooperat* OR /a.?i/ lang:zh')],
    DEFAULT_GROUPS,
)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.text(max_size=400), st.text(max_size=10))
def test_matcher_never_raises(title: str, body: str, language: str) -> None:
    for match in MATCHER.match(Document(title, body, source=language, language=language, tags=(language,))):
        for item in match.evidence:
            if item.field in ("title", "body"):
                assert getattr(Document(title, body), item.field)[item.start : item.end] == item.text
