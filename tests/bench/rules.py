"""Benchmark: tidings ``Matcher`` vs a naive one-regex-per-rule matcher, on generated articles.

Run: ``python -m tests.bench.rules [--quick] [--articles N] [--before TREE]`` (full: 1,000 rules x 100,000
articles; quick: 10,000 articles). ``--before TREE`` also runs another source tree's matcher (e.g. a worktree of
main) in the same loop, article by article, and compares its matches and evidence with this tree's.
Articles (~3 KB of UTF-8 each, English, Indonesian and Chinese, half the Chinese ones in Traditional) are
generated lazily from sentences of the seed articles and ../shared/corpus. The naive matcher compiles one
``re`` alternation of each rule's positive terms (``\\b`` around Latin terms) and searches every rule on every
document; it is far slower, so it runs on a sample and the output says so. Only the time spent matching is
measured, not the generation of the articles, nor the start-up before the first match (the character tables
the first folds build or read: every matcher folds a few texts first).

A match's evidence is built when it is first read (``RuleMatch.evidence``): "tidings Matcher" times ``match``
(which rules match), the line after it adds reading every match's evidence, as storing all of them would.

Side by side on every article: main's former matcher (``tests/bench/rules_before``, "before"), whose matches and
evidence must equal the current ones object for object, and the floor: NFKC + casefold + opencc folding of title
and body plus one automaton scan of every term (pyahocorasick, as the issue defined it, and ahocorasick-rs).
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import json
import random
import re
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import ahocorasick
import ahocorasick_rs
import opencc

from rules.defaults import DEFAULT_GROUPS
from rules.match import Document, Matcher, RuleMatch, RuleSpec
from rules.query import And, GroupRef, Node, Not, Or, Regex, Term, parse_query
from rules.text import fold_term, is_cjk
from tests.bench.other_tree import import_from
from tests.bench.rules_before.match import Matcher as BeforeMatcher
from tests.shared import SHARED

ARTICLE_BYTES = 3000
RULES = 1000
NAIVE_SAMPLE = {"full": 300, "quick": 200}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'-]{3,}")
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")


# --- the corpus -------------------------------------------------------------------------------------


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _language_of(text: str) -> str:
    han = sum(1 for char in text[:400] if is_cjk(char))
    if han > 40:
        return "zh"
    indonesian = len(re.findall(r"\b(?:yang|dan|dengan|untuk|dalam|kerja sama)\b", text))
    return "id" if indonesian >= 3 else "en"


def _texts() -> Iterator[str]:
    for path in sorted((SHARED / "seeds" / "clean").glob("*.txt")):
        yield _read(path)
    for path in sorted((SHARED / "corpus" / "chinese-wced" / "cleaned").glob("*.txt")):
        yield _read(path).replace("\n\n", "\n")
    ground = SHARED / "corpus" / "aeb" / "ground-truth.json"
    if ground.exists():
        for record in json.loads(_read(ground)).values():
            yield str(record.get("articleBody", ""))
    for name in ("excerpts_news.json", "excerpts_mofa_nspp.json"):
        path = SHARED / "corpus" / "taiwan-text" / name
        if path.exists():
            for record in json.loads(_read(path)):
                if not str(record.get("excerpt", "")).lstrip().startswith(("<", "{", "[")):
                    yield str(record.get("excerpt", ""))


def sentence_pools() -> dict[str, list[str]]:
    """Sentences per language (en, id, zh)."""
    pools: dict[str, list[str]] = {"en": [], "id": [], "zh": []}
    for text in _texts():
        for paragraph in text.splitlines():
            language = _language_of(paragraph) if len(paragraph) > 200 else _language_of(text)
            pools[language].extend(s.strip() for s in _SENTENCE_END.split(paragraph) if len(s.strip()) > 20)
    return pools


# --- articles ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Article:
    language: str
    doc: Document


def articles(pools: dict[str, list[str]], count: int, seed: int = 1) -> Iterator[Article]:
    """``count`` generated articles of about ``ARTICLE_BYTES`` each, lazily."""
    rng = random.Random(seed)
    to_traditional = opencc.OpenCC("s2twp")
    languages = [language for language, pool in pools.items() if pool]
    for number in range(count):
        language = languages[number % len(languages)]
        pool = pools[language]
        title = rng.choice(pool)[:120]
        paragraphs, size, sentences = [], 0, []
        while size < ARTICLE_BYTES:
            sentence = rng.choice(pool)
            sentences.append(sentence)
            size += len(sentence.encode()) + 1
            if len(sentences) == 4:
                paragraphs.append((" " if language != "zh" else "").join(sentences))
                sentences = []
        paragraphs.append(" ".join(sentences))
        body = "\n".join(p for p in paragraphs if p)
        if language == "zh" and number % 2:
            title, body = to_traditional.convert(title), to_traditional.convert(body)
        tag = "zh-TW" if language == "zh" else language
        yield Article(language, Document(title, body, source=f"site-{number % 7}", language=tag))


# --- rules ------------------------------------------------------------------------------------------


def _vocabulary(pools: dict[str, list[str]]) -> dict[str, list[str]]:
    vocabulary = {}
    for language, pool in pools.items():
        counts: collections.Counter[str] = collections.Counter()
        for sentence in pool:
            if language == "zh":
                for run in _HAN_RUN.findall(sentence):
                    counts.update(run[i:i + 2] for i in range(len(run) - 1))
            else:
                counts.update(_LATIN_WORD.findall(sentence))
        ranked = [word for word, _ in counts.most_common(4000)]
        vocabulary[language] = ranked[200:] or ranked
    return vocabulary


def _phrase(pool: list[str], rng: random.Random, language: str) -> str:
    sentence = rng.choice(pool)
    if language == "zh":
        runs = _HAN_RUN.findall(sentence) or ["合作"]
        run = rng.choice(runs)
        start = rng.randrange(max(1, len(run) - 3))
        return run[start:start + 4]
    words = _LATIN_WORD.findall(sentence) or ["joint", "statement"]
    start = rng.randrange(max(1, len(words) - 1))
    return " ".join(words[start:start + 2])


def generate_rules(pools: dict[str, list[str]], count: int = RULES, seed: int = 2) -> list[RuleSpec]:
    """``count`` rules mixing words, phrases, groups, prefixes, AND/OR/NOT in three languages."""
    rng = random.Random(seed)
    vocabulary = _vocabulary(pools)
    languages = [language for language, words in vocabulary.items() if words]
    rules = []
    for number in range(count):
        language = languages[number % len(languages)]
        words, pool = vocabulary[language], pools[language]

        def w(words: list[str] = words) -> str:
            return rng.choice(words)

        def quoted(pool: list[str] = pool, language: str = language) -> str:
            return '"' + _phrase(pool, rng, language).replace('"', "") + '"'

        shape = number % 8
        query = [
            f"{w()} OR {w()} OR {w()}",
            f"{quoted()} OR {w()}",
            f"@ai AND {w()}" if number % 16 < 8 else f"@partnership AND ({w()} OR {w()})",
            f"{w()[:5]}* OR {w()}" if language != "zh" else f"{w()} OR {w()}*",
            f"{w()} AND {w()}",
            f"{w()} NOT {w()}",
            f"({w()} OR {w()}) AND {quoted()}",
            f"title:{w()} OR {quoted()} OR @partnership" if number % 24 < 8 else f"{w()} OR {quoted()}",
        ][shape]
        languages_filter = (language,) if number % 10 == 0 else ()
        rules.append(RuleSpec(f"r{number:04d}", query, languages=languages_filter))
    return rules


# --- the naive matcher ------------------------------------------------------------------------------


def _positive_terms(node: Node) -> Iterator[tuple[str, bool]]:
    if isinstance(node, Term) and node.field not in ("source", "lang"):
        yield node.text, node.prefix
    elif isinstance(node, GroupRef):
        for term in node.terms:
            yield term.rstrip("*"), term.endswith("*")
    elif isinstance(node, And | Or):
        for child in node.children:
            yield from _positive_terms(child)
    elif isinstance(node, Regex | Not):
        return


def _naive_pattern(term: str, prefix: bool) -> str:
    escaped = re.escape(term).replace(r"\ ", r"\s+")
    left = r"\b" if not is_cjk(term[0]) else ""
    right = r"\w*" if prefix else (r"\b" if not is_cjk(term[-1]) else "")
    return left + escaped + right


def naive_rules(rules: list[RuleSpec]) -> list[tuple[RuleSpec, re.Pattern[str]]]:
    """One compiled alternation per rule of its positive terms (AND and NOT are ignored)."""
    compiled = []
    for spec in rules:
        tree = parse_query(spec.query, rule=spec.name, groups=DEFAULT_GROUPS)
        terms = sorted({_naive_pattern(term, prefix) for term, prefix in _positive_terms(tree)}, key=len)
        compiled.append((spec, re.compile("|".join(reversed(terms)), re.IGNORECASE)))
    return compiled


def naive_match(compiled: list[tuple[RuleSpec, re.Pattern[str]]], doc: Document) -> list[str]:
    text = doc.title + "\n" + doc.body
    return [spec.name for spec, pattern in compiled
            if (not spec.languages or doc.language.startswith(spec.languages[0])) and pattern.search(text)]


# --- the floor and the comparison ------------------------------------------------------------------


def floor_scanners(matcher: Matcher) -> tuple[ahocorasick.Automaton, ahocorasick_rs.AhoCorasick]:
    """Both automata over the folded keys of every literal of the rules."""
    keys = sorted({fold_term(literal.key) for meanings in matcher._keys.meanings for literal in meanings}
                  if matcher._keys else ())
    automaton = ahocorasick.Automaton()
    for index, key in enumerate(keys):
        automaton.add_word(key, index)
    automaton.make_automaton()
    return automaton, ahocorasick_rs.AhoCorasick(keys)


def floor_py(doc: Document, automaton: ahocorasick.Automaton, convert: opencc.OpenCC) -> int:
    hits = 0
    for text in (doc.title, doc.body):
        for _ in automaton.iter(convert.convert(unicodedata.normalize("NFKC", text).casefold())):
            hits += 1
    return hits


def floor_rs(doc: Document, automaton: ahocorasick_rs.AhoCorasick, convert: opencc.OpenCC) -> int:
    folded = (convert.convert(unicodedata.normalize("NFKC", text).casefold()) for text in (doc.title, doc.body))
    return sum(len(automaton.find_matches_as_indexes(text, overlapping=True)) for text in folded)


def plain(matches: list[RuleMatch]) -> list[tuple[str, tuple[tuple[object, ...], ...]]]:
    return [(m.rule, tuple(dataclasses.astuple(e) for e in m.evidence)) for m in matches]


# --- the run ----------------------------------------------------------------------------------------


def _is_or_only(spec: RuleSpec) -> bool:
    return " AND " not in spec.query and " NOT " not in spec.query and "title:" not in spec.query


def run(quick: bool, articles_wanted: int | None = None, tree: Path | None = None) -> None:
    mode = "quick" if quick else "full"
    documents = articles_wanted or (10_000 if quick else 100_000)
    started = time.process_time()
    pools = sentence_pools()
    rules = generate_rules(pools)
    print(f"corpus: {', '.join(f'{k}={len(v)} sentences' for k, v in pools.items())}; "
          f"{len(rules)} rules; mode {mode}: {documents} articles of ~{ARTICLE_BYTES} B")
    compile_started = time.process_time()
    matcher = Matcher.compile(rules, DEFAULT_GROUPS)
    naive = naive_rules(rules)
    print(f"compile: tidings + naive {time.process_time() - compile_started:.2f} s")

    before = BeforeMatcher.compile(rules, DEFAULT_GROUPS)
    other = _Other(tree, rules) if tree else None
    # The first folds build (or read) the character tables: start-up, not matching (marks, a ligature, "…",
    # whitespace runs, CJK and full-width forms reach every table).
    odd = "e\u0301 ﬁ … x\u3000\u3000y 臺灣，ＡＩ  a\u064e"
    for warm in [Document(odd, odd), *(article.doc for article in articles(pools, 3))]:
        for found in (matcher.match(warm), before.match(warm), other.warm(warm) if other else []):
            for match in found:
                match.evidence  # noqa: B018
    py_automaton, rs_automaton = floor_scanners(matcher)
    convert = opencc.OpenCC("t2s")
    sample = NAIVE_SAMPLE[mode]
    or_only = {spec.name for spec in rules if _is_or_only(spec)}
    tidings_seconds = evidence_seconds = naive_seconds = before_seconds = floor_seconds = floor_rs_seconds = 0.0
    tidings_total = naive_total = sample_tidings = differing = 0
    agree = only_tidings = only_naive = 0
    total_bytes = 0
    for index, article in enumerate(articles(pools, documents)):
        total_bytes += len(article.doc.title.encode()) + len(article.doc.body.encode())
        # The other tree runs before this one on every other article: where a matcher runs in the loop (what ran
        # just before it, what its caches hold) is worth ~5 % either way, so neither tree always has the worse place.
        other_matches = other.run(article.doc) if other is not None and index % 2 else None
        tick = time.process_time()
        matches = matcher.match(article.doc)
        tidings_seconds += time.process_time() - tick
        tick = time.process_time()
        for match in matches:
            match.evidence  # noqa: B018 - built on first read: what storing every match costs on top
        evidence_seconds += time.process_time() - tick
        if other is not None and other_matches is None:
            other_matches = other.run(article.doc)
        tick = time.process_time()
        before_matches = before.match(article.doc)
        before_seconds += time.process_time() - tick
        tick = time.process_time()
        floor_py(article.doc, py_automaton, convert)
        floor_seconds += time.process_time() - tick
        tick = time.process_time()
        floor_rs(article.doc, rs_automaton, convert)
        floor_rs_seconds += time.process_time() - tick
        differing += plain(matches) != plain(before_matches)
        if other is not None and other_matches is not None:
            other.differing += plain(other_matches) != plain(matches)
        found = [m.rule for m in matches]
        tidings_total += len(found)
        if index < sample:
            tick = time.process_time()
            naive_found = naive_match(naive, article.doc)
            naive_seconds += time.process_time() - tick
            naive_total += len(naive_found)
            sample_tidings += len(found)
            mine, theirs = set(found) & or_only, set(naive_found) & or_only
            agree += len(mine & theirs)
            only_tidings += len(mine - theirs)
            only_naive += len(theirs - mine)

    print(f"before (main's former matcher): {documents / before_seconds:,.0f} docs/s; articles whose matches or "
          f"evidence differ from the current matcher's: {differing}")
    print(f"floor (NFKC + casefold + opencc + one scan): pyahocorasick {documents / floor_seconds:,.0f} docs/s, "
          f"ahocorasick-rs {documents / floor_rs_seconds:,.0f} docs/s")
    if other is not None:
        print(f"{tree}: {documents / other.seconds:,.0f} docs/s, with every match's evidence read "
              f"{documents / (other.seconds + other.evidence_seconds):,.0f} docs/s; articles whose matches or "
              f"evidence differ from this tree's: {other.differing}")
    tidings_rate = documents / tidings_seconds
    naive_rate = min(sample, documents) / naive_seconds
    print(f"average article: {total_bytes / documents:.0f} B")
    print(f"tidings Matcher: {documents} docs in {tidings_seconds:.1f} s = {tidings_rate:,.0f} docs/s, "
          f"{tidings_total} matches ({tidings_total / documents:.2f} per doc)")
    print(f"tidings Matcher with every match's evidence read (built on first read): "
          f"{documents / (tidings_seconds + evidence_seconds):,.0f} docs/s")
    print(f"naive (one regex per rule, on the first {sample} docs only: it is too slow for all): "
          f"{naive_rate:,.1f} docs/s")
    print(f"speed-up: {tidings_rate / naive_rate:,.0f}x")
    print(f"matches on the {sample}-doc sample: tidings {sample_tidings}, naive {naive_total} "
          "(naive ignores AND/NOT/fields, so it over-counts on those rules)")
    print(f"OR-only rules on the sample: both {agree}, tidings only {only_tidings}, naive only {only_naive}")
    print("  differences: tidings folds Traditional/Simplified and width, allows Indonesian clitics,")
    print("  and matches acronyms (AI, MOU) case-sensitively; naive \\b treats CJK next to Latin differently")
    print(f"CPU time: {time.process_time() - started:.0f} s")


class _Other:
    """Another source tree's matcher, timed like this tree's on the same articles."""

    def __init__(self, tree: Path, rules: list[RuleSpec]) -> None:
        module = import_from(tree, "rules.match")
        self.document, self.spec = module.Document, module.RuleSpec
        specs = [self.spec(r.name, r.query, sources=r.sources, languages=r.languages) for r in rules]
        self.matcher = module.Matcher.compile(specs, DEFAULT_GROUPS)
        self.seconds = self.evidence_seconds = 0.0
        self.differing = 0

    def warm(self, doc: Document) -> list[RuleMatch]:
        found: list[RuleMatch] = self.matcher.match(self._document(doc))
        return found

    def _document(self, doc: Document) -> object:
        return self.document(doc.title, doc.body, source=doc.source, language=doc.language)

    def run(self, doc: Document) -> list[RuleMatch]:
        theirs_doc = self._document(doc)
        tick = time.process_time()
        matches: list[RuleMatch] = self.matcher.match(theirs_doc)
        self.seconds += time.process_time() - tick
        tick = time.process_time()
        for match in matches:
            match.evidence  # noqa: B018 - as for this tree's matches
        self.evidence_seconds += time.process_time() - tick
        return matches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="10,000 articles instead of 100,000")
    parser.add_argument("--articles", type=int, help="this many articles (the first of the same sequence)")
    parser.add_argument("--before", type=Path, help="also run this source tree's matcher (e.g. a worktree of main)")
    args = parser.parse_args()
    run(args.quick, args.articles, args.before)


if __name__ == "__main__":
    main()
