"""Match many rules against a document in one pass, with evidence.

All literal terms of all rules (words, phrases, prefixes, group terms) go into one Aho-Corasick automaton over
folded text (see ``rules.text``). Each field is folded and scanned once (``rules.scan``); hits are checked for
word boundaries; then the rules are decided by the bits of the hit literals, a tree that bits do not express
evaluated only when one of its literals is hit (``rules.index``), and a matching rule's evidence is built when it
is first read (``RuleMatch.evidence`` in ``rules.evidence``): deciding which rules match builds none.

Matching choices (documented because a reader relies on them):

* Latin-script edges of a term match at word boundaries: letters and digits are word characters, a hyphen
  is a boundary. ``AI`` does not match "said" and ``Taiwan`` does not match "Taiwanese"; ``Taiwan*`` does.
* CJK (Han, Kana, Hangul) edges match as substrings; ``生成式AI`` checks a boundary only after ``AI``.
* Acronyms — terms of 2 to 5 capital letters, digits or dots with at least two capitals, like ``AI``,
  ``LLM``, ``A.I.`` — match case-sensitively after width folding: ``AI`` matches "AI" and "ＡＩ" but not
  the name "Ai" or the word "ai". Write the term in lower case to match any case.
* Indonesian clitics ``-nya``, ``-lah``, ``-kah`` may follow any non-acronym Latin term ("mitranya",
  "kerja samanya"); prefixed forms (ber-, be-, ter-, di-, me-) are listed explicitly in the groups.
* ``/regex/`` terms run on the original field text, case-insensitive, with a timeout per field; a
  timeout counts as no match. Zero-length matches do not count.

>>> matcher = Matcher.compile([RuleSpec("ai", "@ai")], {"ai": ["AI", "人工智慧"]})
>>> [(e.term, e.text) for m in matcher.match(Document("ＡＩ and 人工智慧", "said")) for e in m.evidence]
[('AI', 'ＡＩ'), ('人工智慧', '人工智慧')]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rules.compiled import Builder, Keys, Rule, triggers, truth
from rules.errors import RulesError
from rules.evidence import ATTACHMENT_GAP as ATTACHMENT_GAP
from rules.evidence import FIELD_ORDER as FIELD_ORDER
from rules.evidence import Document as Document
from rules.evidence import Evidence as Evidence
from rules.evidence import RuleMatch as RuleMatch
from rules.evidence import in_attachment as in_attachment
from rules.evidence import language_matches as language_matches
from rules.index import Index
from rules.query import parse_query
from rules.scan import CLITICS as CLITICS
from rules.scan import MAX_REGEX_MATCHES as MAX_REGEX_MATCHES
from rules.scan import REGEX_TIMEOUT_SECONDS as REGEX_TIMEOUT_SECONDS
from rules.scan import Scan
from rules.spec import RuleSpec as RuleSpec


class Matcher:
    """Compiled rules; ``match`` scans a document once for all of them.

    >>> m = Matcher.compile([RuleSpec("tw", "Taiwan -Taiwanese")], {})
    >>> [r.rule for r in m.match(Document("Taiwan", "firms"))], m.match(Document("Taiwan", "Taiwanese firms"))
    (['tw'], [])
    """

    def __init__(self, rules: tuple[Rule, ...], keys: Keys | None) -> None:
        self._rules = rules
        self._keys = keys
        self._index = Index(rules, sum(map(len, keys.meanings)) if keys is not None else 0)

    @classmethod
    def compile(cls, rules: Sequence[RuleSpec], groups: Mapping[str, Sequence[str]]) -> Matcher:
        """Parse and compile ``rules``; raises QuerySyntaxError, UnknownGroupError or RulesError."""
        builder = Builder()
        compiled: list[Rule] = []
        seen: set[str] = set()
        for spec in rules:
            if spec.name in seen:
                raise RulesError(f"rule {spec.name!r}: defined twice")
            seen.add(spec.name)
            tree = builder.compile(parse_query(spec.query, rule=spec.name, groups=groups))
            compiled.append(Rule(spec, tree, triggers(tree), truth(tree)))
        return cls(tuple(compiled), builder.keys())

    def rule_names(self) -> list[str]:
        """The rule names, in rule order."""
        return [rule.spec.name for rule in self._rules]

    def match(self, doc: Document) -> list[RuleMatch]:
        """The rules that match ``doc``, in rule order, each with its evidence."""
        return self._index.match(Scan(doc, self._keys))
