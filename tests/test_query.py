"""The rule language: parse trees, errors with positions, and robustness on arbitrary input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.errors import QuerySyntaxError, RulesError, UnknownGroupError
from rules.query import And, GroupRef, Node, Not, Or, Regex, Term, parse_query

GROUPS = {"ai": ["AI", "人工智慧"], "partnership": ["partnership", "kerja sama"], "my-group": ["x"]}


def parse(text: str) -> Node:
    return parse_query(text, rule="r", groups=GROUPS)


def word(text: str, field: str | None = None, prefix: bool = False) -> Term:
    return Term(text, field, prefix=prefix, phrase=False)


def phrase(text: str, field: str | None = None) -> Term:
    return Term(text, field, prefix=False, phrase=True)


TREES = [
    ("AI", word("AI")),
    ("合作", word("合作")),
    ('"joint statement"', phrase("joint statement")),
    ("AI Taiwan", And((word("AI"), word("Taiwan")))),
    ("AI AND Taiwan AND Japan", And((word("AI"), word("Taiwan"), word("Japan")))),
    ("AI OR 人工智慧", Or((word("AI"), word("人工智慧")))),
    ("a b OR c", And((word("a"), Or((word("b"), word("c")))))),
    ("(a b) OR c", Or((And((word("a"), word("b"))), word("c")))),
    ("NOT a", Not(word("a"))),
    ("a -b", And((word("a"), Not(word("b"))))),
    ("+a -b", And((word("a"), Not(word("b"))))),
    ("a NOT b", And((word("a"), Not(word("b"))))),
    ("cooperat*", word("cooperat", prefix=True)),
    ("生成式AI", word("生成式AI")),
    ("title:AI", word("AI", "title")),
    ('body:"kerja sama"', phrase("kerja sama", "body")),
    ("title:(a OR b)", Or((word("a", "title"), word("b", "title")))),
    ("title:(a -b)", And((word("a", "title"), Not(word("b", "title"))))),
    ("source:mofa", word("mofa", "source")),
    ("lang:zh-TW", word("zh-TW", "lang")),
    ("@ai", GroupRef("ai", None, ("AI", "人工智慧"))),
    ("title:@partnership", GroupRef("partnership", "title", ("partnership", "kerja sama"))),
    ("@my-group", GroupRef("my-group", None, ("x",))),
    (
        "@ai -@partnership",
        And(
            (
                GroupRef("ai", None, ("AI", "人工智慧")),
                Not(GroupRef("partnership", None, ("partnership", "kerja sama"))),
            )
        ),
    ),
    ("/ai[- ]?chip/", Regex("ai[- ]?chip")),
    ("title:/x+/", Regex("x+", "title")),
    (r"a\:b", word("a:b")),
    ('"say \\"hi\\""', phrase('say "hi"')),
    ("and or not", And((word("and"), word("or"), word("not")))),
    ("email@example.com", word("email@example.com")),
]


@pytest.mark.parametrize(("text", "tree"), TREES)
def test_parse_tree(text: str, tree: Node) -> None:
    assert parse(text) == tree


ERRORS = [
    # text, position, words the message must contain
    ("", 0, "empty query"),
    ("   ", 0, "empty query"),
    ("a AND", 5, "expected a term, phrase, group or '(' after AND"),
    ("a OR", 4, "after OR"),
    ("a AND ) b", 6, "after AND"),
    ("AND b", 0, "at the start"),
    ("a OR OR b", 5, "after OR"),
    ("NOT", 3, "after NOT"),
    ("a -", 3, "after '-'"),
    ("(a OR b", 7, "')' to close the '(' at position 0"),
    ("((a) OR (b)", 11, "')' to close the '(' at position 0"),
    ("a)", 1, "unmatched ')'"),
    ("()", 1, "after '('"),
    ("foo:bar", 0, "unknown field 'foo'"),
    ("AI AND titel:x", 7, "unknown field 'titel'"),
    ("title:(a OR body:b)", 12, "field 'body:' inside 'title:'"),
    ('"open phrase', 0, "unterminated phrase"),
    ("/open", 0, "unterminated regex"),
    ("/(a+/", 4, "valid regular expression"),
    ("/" + "a" * 201 + "/", 0, "regex too long"),
    ("a^2", 1, "unsupported character '^'"),
    ("[a TO b]", 0, "unsupported character '['"),
    ("x*y", 0, "wildcard inside 'x*y'"),
    ("AI?", 0, "wildcard inside"),
    ("*", 0, "empty term"),
    ('""', 0, "empty phrase"),
    ("source:@ai", 7, "group '@ai' on 'source:'"),
    ("lang:/zh/", 5, "regex on a metadata field"),
    ("a :b", 2, "field name before ':'"),
]


@pytest.mark.parametrize(("text", "position", "words"), ERRORS)
def test_syntax_error_names_rule_and_position(text: str, position: int, words: str) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse(text)
    assert caught.value.rule == "r"
    assert caught.value.position == position
    assert words in str(caught.value)
    assert str(caught.value).startswith(f"rule 'r': position {position}: ")


def test_dangling_and_message_is_precise() -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query("AI AND ", rule="ai", groups={})
    assert str(caught.value) == "rule 'ai': position 7: expected a term, phrase, group or '(' after AND"
    assert caught.value.expected == "a term, phrase, group or '(' after AND"


def test_unknown_group_names_rule_group_and_known_groups() -> None:
    with pytest.raises(UnknownGroupError) as caught:
        parse_query("Taiwan @aj", rule="mine", groups=GROUPS)
    assert (caught.value.rule, caught.value.group, caught.value.position) == ("mine", "aj", 7)
    assert "known groups: @ai, @my-group, @partnership" in str(caught.value)
    assert isinstance(caught.value, RulesError)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_parse_arbitrary_text_returns_node_or_rules_error(text: str) -> None:
    try:
        node = parse(text)
    except (QuerySyntaxError, UnknownGroupError):
        return
    assert isinstance(node, Term | Regex | GroupRef | And | Or | Not)


QUERY_ALPHABET = st.sampled_from(
    [
        "a",
        "AI",
        "合作",
        " ",
        "(",
        ")",
        '"',
        "AND",
        "OR",
        "NOT",
        "-",
        "+",
        "*",
        ":",
        "title",
        "lang",
        "@ai",
        "@x",
        "/",
        "\\",
        "?",
        "^",
        "~",
        "[",
        "]",
        "{",
        "}",
        "'",
        "ＡＩ",
        "\n",
    ]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(QUERY_ALPHABET, max_size=15).map("".join))
def test_parse_query_like_text_returns_node_or_rules_error(text: str) -> None:
    test_parse_arbitrary_text_returns_node_or_rules_error.hypothesis.inner_test(text)  # type: ignore[attr-defined]
