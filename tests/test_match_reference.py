"""The indexed matcher against straightforward evaluations, on generated documents and random rules.

The reference evaluates every rule's whole tree on the same scan (no index, no clause fast path); main's
former matcher (``tests/bench/rules_before``) also folds and scans on its own. Matches and evidence must be
equal object for object.
"""

from __future__ import annotations

import dataclasses
import pickle
import random

from rules.attachments import AttachmentText
from rules.evidence import Evidence, allowed, ordered, text_evidence
from rules.match import Document, Matcher, RuleMatch, RuleSpec
from rules.scan import Scan, _in_order, collect
from rules.text import WORD_RUN, is_word_char
from tests.bench.rules_before.match import Matcher as FormerMatcher

WORDS = ["AI", "ai", "Taiwan", "Taiwanese", "kerja sama", "kerja", "mitra", "臺灣", "台湾", "夥伴", "伙伴",
         "ﬁne", "fine", "chip", "chips", "MOU", "said"]
FILLER = ["the", "and", "…", "  ", "\n", "-", "nya", "ＡＩ", "e\u0301", "。", "\u3000", "(", ")", "ß"]
GROUPS = {"tw": ("Taiwan", "臺灣"), "p": ("kerja sama", "mitra*", "夥伴")}
FIELDS = ["", "", "", "title:", "body:"]


def _term(rng: random.Random) -> str:
    choice = rng.random()
    if choice < 0.15:
        return "@" + rng.choice(list(GROUPS))
    word = rng.choice(WORDS)
    if " " in word or choice < 0.3:
        return rng.choice(FIELDS) + f'"{word}"'
    if choice < 0.4 and word.isascii():
        return rng.choice(FIELDS) + word[:4] + "*"
    if choice < 0.45:
        return "/ch[io]ps?/"
    if choice < 0.5:
        return "lang:" + rng.choice(["en", "zh"])
    return rng.choice(FIELDS) + word


def _query(rng: random.Random, depth: int = 0) -> str:
    if depth > 1 or rng.random() < 0.3:
        return _term(rng)
    parts = [_query(rng, depth + 1) for _ in range(rng.randint(2, 3))]
    shape = rng.random()
    if shape < 0.4:
        return "(" + " OR ".join(parts) + ")"
    if shape < 0.8:
        return "(" + " AND ".join(parts) + ")"
    return f"({parts[0]} NOT {parts[1]})"


def _text(rng: random.Random, size: int) -> str:
    return " ".join(rng.choice(WORDS + FILLER) for _ in range(size)).replace("  ", rng.choice(["  ", " "]))


def _reference(matcher: Matcher, doc: Document) -> list[RuleMatch]:
    scan = Scan(doc, matcher._keys)
    return [RuleMatch(rule.spec.name, ordered(collect(rule.tree, scan))) for rule in matcher._rules
            if allowed(rule.spec.sources, rule.spec.languages, doc) and rule.test(scan)]


def _plain(matches: list[RuleMatch]) -> list[tuple[str, tuple[tuple[object, ...], ...]]]:
    return [(m.rule, tuple(dataclasses.astuple(e) for e in m.evidence)) for m in matches]


def test_indexed_matches_and_evidence_equal_the_reference_and_the_former_matcher() -> None:
    rng = random.Random(16)
    specs = [RuleSpec(f"r{n}", _query(rng), languages=("en",) if n % 9 == 0 else ()) for n in range(300)]
    specs.append(RuleSpec("not-only", "NOT said NOT 臺灣"))
    matcher, former = Matcher.compile(specs, GROUPS), FormerMatcher.compile(specs, GROUPS)
    matched = 0
    for number in range(120):
        doc = Document(_text(rng, 8), _text(rng, 60), language=rng.choice(["en", "zh-TW", ""]))
        found = matcher.match(doc)
        assert found == _reference(matcher, doc), doc
        assert _plain(found) == _plain(former.match(doc)), number
        matched += len(found)
    assert matched > 1000  # the rules are neither all true nor all false


def test_evidence_in_attachments_equals_the_reference_and_the_former_matcher() -> None:
    """Attachment evidence of two files can share offsets, term and group: it is ordered as before."""
    rng = random.Random(61)
    specs = [RuleSpec(f"r{n}", _query(rng)) for n in range(200)]
    matcher, former = Matcher.compile(specs, GROUPS), FormerMatcher.compile(specs, GROUPS)
    matched = 0
    for number in range(80):
        shared = _text(rng, 12)
        files = tuple(AttachmentText(f"https://x.tw/{n}.pdf", f"file {n}", shared if n and number % 2 else
                                     _text(rng, 20)) for n in range(rng.randint(1, 3)))
        doc = Document(_text(rng, 6), _text(rng, 30), attachments=files)
        found = matcher.match(doc)
        assert found == _reference(matcher, doc), doc
        assert _plain(found) == _plain(former.match(doc)), number
        matched += sum(1 for match in found for e in match.evidence if e.field == "attachment")
    assert matched > 100


def test_text_evidence_is_the_dataclass_built_by_its_constructor() -> None:
    made, built = text_evidence("AI", "ai", "title", 3, 5, "ＡＩ"), Evidence("AI", "ai", "title", 3, 5, "ＡＩ")
    assert made == built and hash(made) == hash(built) and repr(made) == repr(built)
    assert pickle.dumps(made) == pickle.dumps(built)
    assert list(vars(made)) == [field.name for field in dataclasses.fields(Evidence)]


def test_rules_decided_by_bits_match_as_their_trees_do() -> None:
    """AND-of-ORs rules whose NOT clauses are text leaves are decided by the bits of the hit literals, a rule
    with another NOT clause by bits and its NOT tests, other trees by their tree; every kind gives the
    reference's matches and evidence, including a leaf in both clauses of a pair, a pair whose second clause is
    not hit, leaves of one field, filters and a rule of only NOT clauses."""
    specs = [RuleSpec("one", "Taiwan OR 夥伴"), RuleSpec("pair", "(Taiwan OR chip) AND (夥伴 OR mitra*)"),
             RuleSpec("same", "Taiwan AND (Taiwan OR MOU)"), RuleSpec("unhit", "Taiwan AND MOU"),
             RuleSpec("three", "Taiwan AND chip AND 夥伴"), RuleSpec("not", "Taiwan AND chip NOT MOU"),
             RuleSpec("filtered", "Taiwan AND chip", languages=("en",)), RuleSpec("group", "@tw AND @p"),
             RuleSpec("out", "Taiwan", languages=("zh",)), RuleSpec("titled", "title:chip AND body:夥伴"),
             RuleSpec("untitled", "body:chip"), RuleSpec("not-body", "Taiwan NOT body:chip"),
             RuleSpec("not-title", "Taiwan NOT title:MOU"), RuleSpec("not-and", "Taiwan NOT (MOU AND chip)"),
             RuleSpec("not-and-hit", "Taiwan NOT (chip AND 夥伴)"), RuleSpec("tree", "Taiwan OR (MOU AND chip)"),
             RuleSpec("only-not", "NOT MOU"), RuleSpec("only-not-hit", "-chip"),
             RuleSpec("four", "Taiwan chip 夥伴 mitra*")]
    matcher = Matcher.compile(specs, GROUPS)
    index = matcher._index
    names = {spec.name: number for number, spec in enumerate(specs)}
    assert set(index.tested) == {names["not-and"], names["not-and-hit"]}
    assert {number for number, plan in enumerate(index.plans) if plan.clauses is None} == {names["tree"]}
    doc = Document("Taiwan chip", "夥伴 and the mitranya, ＴＡＩＷＡＮ… chips", language="en")
    found = matcher.match(doc)
    assert [m.rule for m in found] == ["one", "pair", "same", "three", "not", "filtered", "group", "titled",
                                       "not-body", "not-title", "not-and", "tree", "only-not", "four"]
    assert found == _reference(matcher, doc)
    assert [(e.field, e.text) for e in found[1].evidence] == [
        ("title", "Taiwan"), ("title", "chip"), ("body", "夥伴"), ("body", "mitranya"), ("body", "ＴＡＩＷＡＮ")]
    for other in (Document("chip", "Taiwan MOU"), Document("MOU", "chip and Taiwan"), Document("", "")):
        assert matcher.match(other) == _reference(matcher, other), other


def test_a_terms_hits_mapped_to_the_original_are_in_order_without_repeats() -> None:
    """Two hits inside one cluster ("㍇" folds to "マンション", two "ン") map to the same original span: one
    evidence, as the reference and the former matcher give."""
    doc = Document("", "㍇とン ㍇")
    specs = [RuleSpec("n", "ン"), RuleSpec("both", "ン AND マ")]
    matcher = Matcher.compile(specs, {})
    found = matcher.match(doc)
    assert found == _reference(matcher, doc)
    assert _plain(found) == _plain(FormerMatcher.compile(specs, {}).match(doc))
    assert [(e.start, e.end, e.text) for e in found[0].evidence] == [(0, 1, "㍇"), (2, 3, "ン"), (4, 5, "㍇")]
    assert _in_order([(0, 1), (0, 1), (2, 3), (1, 2)]) == [(0, 1), (1, 2), (2, 3)]
    assert _in_order([(0, 1), (2, 3)]) == [(0, 1), (2, 3)]


def test_a_prefix_extends_over_the_characters_the_boundary_checks_call_word_characters() -> None:
    """``WORD_RUN`` (a standard-library class) matches exactly the ``is_word_char`` characters."""
    codes = [*range(0x10000), *range(0x10000, 0x110000, 7)]
    chars = [chr(code) for code in codes if not 0xD800 <= code <= 0xDFFF]
    assert [c for c in chars if (WORD_RUN.fullmatch(c) is not None) != is_word_char(c)] == []
    assert WORD_RUN.match("mitranya, kerja", 3).end() == 8  # type: ignore[union-attr]
    doc = Document("", "Kerja sama bermitra: mitra2026 dan mitra-nya (mitraan)")
    found = Matcher.compile([RuleSpec("p", "mitra*")], {}).match(doc)
    assert [e.text for e in found[0].evidence] == ["mitra2026", "mitra", "mitraan"]
    assert found == _reference(Matcher.compile([RuleSpec("p", "mitra*")], {}), doc)
