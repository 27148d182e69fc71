"""The rule language: a small Lucene-like query → an expression tree of frozen dataclasses.

Syntax: words, ``"phrases"``, ``AND`` / ``OR`` / ``NOT`` / ``-term`` / ``+term``, parentheses, fields
``title:`` ``body:`` ``attachment:`` ``source:`` ``lang:`` (on a term, phrase, group or parenthesised sub-expression),
prefix wildcards ``cooperat*``, concept groups ``@ai`` and ``/regex/`` terms.

Adjacent terms are joined by an implicit AND (``AI Taiwan`` = ``AI AND Taiwan``): a monitoring rule usually
narrows, and "all of these words" is what a search box does. luqum binds ``OR`` tighter than the implicit
AND, so ``a b OR c`` is ``a AND (b OR c)``; write parentheses when mixing them.

>>> parse_query('title:AI -"said"', groups={})
And(children=(Term(text='AI', field='title', prefix=False, phrase=False), \
Not(child=Term(text='said', field=None, prefix=False, phrase=True))))
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

import regex
from luqum import tree as lq
from luqum.thread import parse as luqum_parse

from rules.errors import QuerySyntaxError, UnknownGroupError
from rules.text import fold_term

TEXT_FIELDS = ("title", "body", "attachment")  # a term without a field searches all three
META_FIELDS = ("source", "lang")
FIELDS = TEXT_FIELDS + META_FIELDS
MAX_REGEX_LENGTH = 200
MAX_QUERY_LENGTH = 10_000
MAX_NESTING = 64
_OPERAND = "a term, phrase, group or '('"
_META_OPERAND = "a term or phrase after 'source:' or 'lang:'"


@dataclass(frozen=True)
class Term:
    """A word or phrase; ``prefix`` for ``word*``; ``field`` None means title or body."""

    text: str
    field: str | None = None
    prefix: bool = False
    phrase: bool = False


@dataclass(frozen=True)
class Regex:
    """A ``/pattern/`` term, run with the ``regex`` module under a timeout."""

    pattern: str
    field: str | None = None


@dataclass(frozen=True)
class GroupRef:
    """``@name``: true when any of the group's ``terms`` matches."""

    name: str
    field: str | None
    terms: tuple[str, ...]


@dataclass(frozen=True)
class And:
    """All children are true."""

    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    """At least one child is true."""

    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    """The child is false."""

    child: Node


Node = Term | Regex | GroupRef | And | Or | Not


def parse_query(text: str, *, rule: str = "<query>", groups: Mapping[str, Sequence[str]]) -> Node:
    """Parse ``text`` into a ``Node``; raise ``QuerySyntaxError`` or ``UnknownGroupError``.

    >>> parse_query("@ai OR kerja*", groups={"ai": ["AI"]})
    Or(children=(GroupRef(name='ai', field=None, terms=('AI',)), \
Term(text='kerja', field=None, prefix=True, phrase=False)))
    """
    _check_tokens(text, rule)
    try:
        luqum_tree = luqum_parse(text)
    except Exception as error:  # luqum/PLY raise assorted errors; all of them mean "not a valid query"
        raise _luqum_error(error, text, rule) from None
    return _Converter(rule, groups).convert(luqum_tree, None)


# --- precise errors before luqum: luqum only says "unexpected token" ---------------------------------

_TOKEN = regex.compile(
    r"""(?P<space>\s+)
    |(?P<phrase>"(?:[^\\"]|\\.)*")|(?P<open_phrase>")
    |(?P<regex>/(?:[^\\/]|\\.)*/)|(?P<open_regex>/)
    |(?P<lparen>\()|(?P<rparen>\))|(?P<sign>[+-])|(?P<colon>:)
    |(?P<term>(?:[^\s:^~(){}\[\]/"'+\-\\<>]|\\.)(?:[^\s:^\\~(){}\[\]]|\\.)*)
    |(?P<other>.)""",
    regex.VERBOSE | regex.DOTALL,
)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    position: int


def _tokens(text: str) -> Iterator[_Token]:
    for found in _TOKEN.finditer(text):
        kind = found.lastgroup or "other"
        if kind == "term" and found.group() in ("AND", "OR", "NOT"):
            kind = found.group()
        if kind != "space":
            yield _Token(kind, found.group(), found.start())


def _check_tokens(text: str, rule: str) -> None:
    if len(text) > MAX_QUERY_LENGTH:
        raise QuerySyntaxError(rule, MAX_QUERY_LENGTH, f"at most {MAX_QUERY_LENGTH} characters")
    if not text.strip():
        raise QuerySyntaxError(rule, 0, _OPERAND, problem="empty query")
    opened: list[int] = []
    previous: _Token | None = None
    for token in _tokens(text):
        _check_token(token, previous, opened, rule)
        previous = token
    _check_end(text, previous, opened, rule)


def _wants_operand(previous: _Token | None) -> bool:
    return previous is None or previous.kind in ("AND", "OR", "NOT", "lparen", "sign", "colon")


def _after(previous: _Token | None) -> str:
    if previous is None:
        return "at the start"
    return f"after {previous.text}" if previous.kind in ("AND", "OR", "NOT") else f"after '{previous.text}'"


def _check_token(token: _Token, previous: _Token | None, opened: list[int], rule: str) -> None:
    kind, at = token.kind, token.position
    if kind == "open_phrase":
        raise QuerySyntaxError(rule, at, "a closing '\"'", problem="unterminated phrase")
    if kind == "open_regex":
        raise QuerySyntaxError(rule, at, "a closing '/'", problem="unterminated regex")
    if kind == "other":
        raise QuerySyntaxError(
            rule, at, "a term, phrase, group or operator (quote the term to search for it)",
            problem=f"unsupported character {token.text!r}",
        )
    if kind == "colon":
        _check_field(previous, at, rule)
    if _wants_operand(previous) and kind in ("AND", "OR", "rparen", "colon"):
        raise QuerySyntaxError(rule, at, f"{_OPERAND} {_after(previous)}")
    if kind == "lparen":
        opened.append(at)
        if len(opened) > MAX_NESTING:
            raise QuerySyntaxError(rule, at, f"at most {MAX_NESTING} nested parentheses")
    if kind == "rparen":
        if not opened:
            raise QuerySyntaxError(rule, at, "a term or operator", problem="unmatched ')'")
        opened.pop()


def _check_field(previous: _Token | None, at: int, rule: str) -> None:
    if previous is None or previous.kind != "term" or previous.position + len(previous.text) != at:
        raise QuerySyntaxError(rule, at, "a field name before ':' (or quote the term)")
    if previous.text not in FIELDS:
        raise QuerySyntaxError(
            rule, previous.position, "one of the fields " + ", ".join(FIELDS),
            problem=f"unknown field {previous.text!r}",
        )


def _check_end(text: str, last: _Token | None, opened: list[int], rule: str) -> None:
    if _wants_operand(last):
        raise QuerySyntaxError(rule, len(text), f"{_OPERAND} {_after(last)}")
    if opened:
        raise QuerySyntaxError(rule, len(text), f"')' to close the '(' at position {opened[-1]}")


def _luqum_error(error: Exception, text: str, rule: str) -> QuerySyntaxError:
    found = regex.search(r"position (\d+)", str(error))
    position = int(found.group(1)) if found else len(text)
    return QuerySyntaxError(rule, position, "valid query syntax", problem=f"cannot parse ({error})")


# --- luqum tree → our nodes --------------------------------------------------------------------------


class _Converter:
    def __init__(self, rule: str, groups: Mapping[str, Sequence[str]]) -> None:
        self.rule = rule
        self.groups = groups

    def convert(self, item: lq.Item, field: str | None) -> Node:
        if isinstance(item, lq.SearchField):
            return self.convert(item.expr, self._field(item, field))
        if isinstance(item, lq.Group | lq.FieldGroup | lq.Plus):
            return self.convert(item.children[0], field)
        if isinstance(item, lq.Not | lq.Prohibit):
            return Not(self.convert(item.children[0], field))
        if isinstance(item, lq.AndOperation | lq.UnknownOperation):
            return And(_flatten(And, [self.convert(child, field) for child in item.children]))
        if isinstance(item, lq.OrOperation):
            return Or(_flatten(Or, [self.convert(child, field) for child in item.children]))
        return self._leaf(item, field)

    def _field(self, item: lq.SearchField, outer: str | None) -> str:
        name = str(item.name)
        if name not in FIELDS:
            raise self._error(item, "one of the fields " + ", ".join(FIELDS), f"unknown field {name!r}")
        if outer is not None and outer != name:
            problem = f"field '{name}:' inside '{outer}:'"
            raise self._error(item, f"terms of the enclosing field '{outer}:'", problem)
        return name

    def _leaf(self, item: lq.Item, field: str | None) -> Node:
        if isinstance(item, lq.Phrase):
            return self._phrase(item, field)
        if isinstance(item, lq.Regex):
            return self._regex(item, field)
        if isinstance(item, lq.Word):
            return self._word(item, field)
        raise self._error(item, "a term, phrase, group or regex", f"unsupported syntax {str(item).strip()!r}")

    def _phrase(self, item: lq.Phrase, field: str | None) -> Term:
        text = _unescape(str(item.value)[1:-1])
        if not fold_term(text):
            raise self._error(item, "some text between the quotes", "empty phrase")
        return Term(text, field, prefix=False, phrase=True)

    def _regex(self, item: lq.Regex, field: str | None) -> Regex:
        pattern = str(item.value)[1:-1]
        if field in META_FIELDS:
            raise self._error(item, _META_OPERAND, "regex on a metadata field")
        if len(pattern) > MAX_REGEX_LENGTH:
            raise self._error(item, f"a regex of at most {MAX_REGEX_LENGTH} characters", "regex too long")
        try:
            regex.compile(pattern)
        except regex.error as error:
            offset = error.pos if isinstance(error.pos, int) else 0
            raise QuerySyntaxError(
                self.rule, _position(item) + 1 + offset, "a valid regular expression", problem=str(error.msg)
            ) from None
        return Regex(pattern, field)

    def _word(self, item: lq.Word, field: str | None) -> Node:
        raw = str(item.value)
        if regex.fullmatch(r"@[\w][\w.-]*", raw):
            return self._group(item, raw[1:], field)
        text = _unescape(raw)
        prefix = text.endswith("*")
        stem = text[:-1] if prefix else text
        if "*" in stem or "?" in stem:
            raise self._error(item, "'*' only at the end of a term (quote the term to match it literally)",
                              f"wildcard inside {raw!r}")
        if not fold_term(stem):
            raise self._error(item, "at least one character before '*'", f"empty term {raw!r}")
        return Term(stem, field, prefix=prefix, phrase=False)

    def _group(self, item: lq.Word, name: str, field: str | None) -> GroupRef:
        if name not in self.groups:
            raise UnknownGroupError(self.rule, name, self.groups, position=_position(item))
        if field in META_FIELDS:
            raise self._error(item, _META_OPERAND, f"group '@{name}' on '{field}:'")
        return GroupRef(name, field, tuple(self.groups[name]))

    def _error(self, item: lq.Item, expected: str, problem: str) -> QuerySyntaxError:
        return QuerySyntaxError(self.rule, _position(item), expected, problem=problem)


def _position(item: lq.Item) -> int:
    position = getattr(item, "pos", None)
    return position if isinstance(position, int) else 0


def _flatten(kind: type[And] | type[Or], children: list[Node]) -> tuple[Node, ...]:
    flat: list[Node] = []
    for child in children:
        flat.extend(child.children if isinstance(child, kind) else (child,))
    return tuple(flat)


def _unescape(text: str) -> str:
    return str(regex.sub(r"\\(.)", r"\1", text, flags=regex.DOTALL))


def with_field(node: Term, field: str | None) -> Term:
    """Return ``node`` restricted to ``field`` (used for group terms).

    >>> with_field(Term("AI"), "title").field
    'title'
    """
    return replace(node, field=field)
