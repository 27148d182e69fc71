"""Edit analysis: align two versions by sentence, diff the changed blocks by token, classify every change.

Sentences are aligned first (``difflib.SequenceMatcher`` on their comparison keys, all paragraphs rejoined so a
split or merged paragraph still aligns), so the work is near-linear in the text: only the blocks of sentences
that differ are diffed token by token (words for Latin scripts, characters for CJK). A block too large to diff
is reported as paragraphs removed and added.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from rules.edits.classify import (
    RunContext,
    classify_run,
    classify_run_fully,
    separator_difference,
    token_difference,
)
from rules.edits.model import COSMETIC_CLASSES, Change, EditAnalysis, EditClass
from rules.edits.pieces import align, clip, joined, mostly_gone, pair_cosmetics, size, span
from rules.edits.segment import TOKEN, Token, Version, is_boilerplate, is_cjk_char, normalise, read_version

MAX_BLOCK_TOKENS = 3000  # per side of a changed block; larger blocks are not diffed token by token
COSMETIC_CAP = 20  # cosmetic changes listed per class (the class is reported either way)
SPAN_CHARS = 2000

Order = tuple[int, int, int]


def analyse_edit(old_text: str, new_text: str) -> EditAnalysis:
    """Classify the edit from ``old_text`` to ``new_text`` (both in the seed schema: title line, optional date
    line, one paragraph per line).

    >>> old = "Taiwan, Japan to sign pact\\nTaiwan will sign a pact with Japan on March 3. It is worth NT$1.25 bn."
    >>> analysis = analyse_edit(old, old.replace("Japan on", "Korea on").replace("1.25", "1.5"))
    >>> analysis.substantive, analysis.classes
    (True, ('entity', 'number'))
    >>> [(change.cls, change.old, change.new) for change in analysis.changes]
    [('entity', 'Japan', 'Korea'), ('number', '1.25', '1.5')]
    >>> analyse_edit(old, old.replace("3. It", "3.\\nIt").replace("NT$1", "NT$ 1")).classes
    ('split_merge', 'whitespace')
    """
    if old_text == new_text:
        return EditAnalysis(False, (), ())
    old, new = read_version(old_text), read_version(new_text)
    out = _Changes()
    _compare_title(old.title, new.title, out)
    _compare_date(old.date, new.date, out)
    if old.body != new.body:
        _Body(old, new, out).compare()
    _compare_boilerplate(old, new, out)
    return out.result()


@dataclass
class _Changes:
    listed: list[tuple[Order, Change]] = field(default_factory=list)
    counts: Counter[EditClass] = field(default_factory=Counter)
    also: set[EditClass] = field(default_factory=set)  # classes that apply to a change besides its own

    def add(self, order: Order, change: Change) -> None:
        self.counts[change.cls] += 1
        if change.cls in COSMETIC_CLASSES and self.counts[change.cls] > COSMETIC_CAP:
            return
        self.listed.append((order, change))

    def result(self) -> EditAnalysis:
        ordered = sorted(self.listed, key=lambda item: item[0])
        return EditAnalysis.of((change for _, change in ordered), set(self.counts) | self.also)


def _line_tokens(line: str) -> list[Token]:
    return [
        Token(match.start(), match.end(), normalise(match.group()), match.group(), 0, index,
              is_cjk_char(match.group()[0]))
        for index, match in enumerate(TOKEN.finditer(line))
    ]


def _compare_title(old: str, new: str, out: _Changes) -> None:
    if old == new:
        return
    old_tokens, new_tokens = _line_tokens(old), _line_tokens(new)
    cosmetic: list[tuple[EditClass, str, str]] = []
    if [t.key for t in old_tokens] == [t.key for t in new_tokens]:
        pieces = pair_cosmetics(old, old_tokens, (0, len(old)), new, new_tokens, (0, len(new)))
        cosmetic.extend((cls, old_piece, new_piece) for cls, old_piece, new_piece, _, _ in pieces)
    else:
        texts = {"old": old, "new": new}
        context = RunContext(title_case=True, span_text=lambda side, tokens: span(texts[side], tokens))
        matcher = difflib.SequenceMatcher(None, [t.key for t in old_tokens], [t.key for t in new_tokens], False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            cls = classify_run(old_tokens[i1:i2], new_tokens[j1:j2], context)
            if cls not in COSMETIC_CLASSES:
                out.add((0, 0, 0), Change.of("title", old, new, old, new))
                return
            cosmetic.append((cls, span(old, old_tokens[i1:i2]), span(new, new_tokens[j1:j2])))
    for cls, old_piece, new_piece in cosmetic or [("whitespace", old, new)]:
        out.add((0, 0, 0), Change.of(cls, old_piece, new_piece, old, new))


def _compare_date(old: str, new: str, out: _Changes) -> None:
    if old == new:
        return
    old_bare, new_bare = ("".join(unicodedata.normalize("NFKC", text).split()) for text in (old, new))
    cls: EditClass = "date"
    if old_bare == new_bare:
        cls = "width" if "".join(old.split()) != "".join(new.split()) else "whitespace"
    out.add((1, 0, 0), Change.of(cls, old, new, old, new))


def _compare_boilerplate(old: Version, new: Version, out: _Changes) -> None:
    old_lines = Counter(normalise(line) for line in old.boilerplate)
    new_lines = Counter(normalise(line) for line in new.boilerplate)
    if old_lines == new_lines:
        return
    removed = [line for line in old.boilerplate if (old_lines - new_lines)[normalise(line)]]
    added = [line for line in new.boilerplate if (new_lines - old_lines)[normalise(line)]]
    out.add((3, 0, 0), Change.of("boilerplate", "\n".join(removed), "\n".join(added)))


class _Body:
    """The comparison of the two bodies (everything after the title and date lines)."""

    def __init__(self, old: Version, new: Version, out: _Changes) -> None:
        self.old, self.new, self.out = old, new, out
        self.removed: dict[int, int] = {}  # old sentence -> new sentence index at the place of removal
        self.added: dict[int, int] = {}  # new sentence -> old sentence index at the place of insertion
        self._vocabulary: dict[str, frozenset[str]] = {}

    def compare(self) -> None:
        old_keys = [sentence.key for sentence in self.old.sentences]
        new_keys = [sentence.key for sentence in self.new.sentences]
        opcodes = list(align(old_keys, new_keys))
        if joined(old_keys) == joined(new_keys) and any(
            joined(old_keys[i1:i2]) != joined(new_keys[j1:j2]) for _, i1, i2, j1, j2 in opcodes
        ):
            # The same words, but repeated sentences split otherwise made the alignment cross: compare it all.
            opcodes = [("replace", 0, len(old_keys), 0, len(new_keys))]
        for tag, i1, i2, j1, j2 in opcodes:
            if tag == "equal":
                self._equal(i1, i2, j1)
            else:
                self._block(i1, i2, j1, j2)
        self._report_removed_and_added()

    # --- sentences that compare equal -------------------------------------------------------------------

    def _equal(self, i1: int, i2: int, j1: int) -> None:
        old, new = self.old, self.new
        for k in range(i2 - i1):
            old_sentence, new_sentence = old.sentences[i1 + k], new.sentences[j1 + k]
            if (k > 0 or i1 == j1 == 0) and old_sentence.first_in_paragraph != new_sentence.first_in_paragraph:
                self._split_merge(i1 + k, j1 + k)
            old_text, new_text = old_sentence.text(old.body), new_sentence.text(new.body)
            if old_text == new_text:
                continue
            old_final = old_sentence.end == old.paragraphs[old_sentence.paragraph][1]
            new_final = new_sentence.end == new.paragraphs[new_sentence.paragraph][1]
            pieces = pair_cosmetics(
                old.body, old.tokens(i1 + k), (old_sentence.start, old_sentence.end),
                new.body, new.tokens(j1 + k), (new_sentence.start, new_sentence.end),
                tail_spaces=not (old_final or new_final),
            )
            seen: set[EditClass] = set()
            for cls, old_piece, new_piece, _, _ in pieces:
                if cls not in seen:
                    seen.add(cls)
                    self._add(cls, old_piece, new_piece, [i1 + k], [j1 + k], (i1 + k, j1 + k))

    def _split_merge(self, i: int, j: int) -> None:
        def around(version: Version, index: int) -> str:
            before = version.sentences[index - 1].text(version.body).strip()[-40:] if index > 0 else ""
            joint = "\n" if version.sentences[index].first_in_paragraph else " "
            return before + joint + version.sentences[index].text(version.body).strip()[:40]

        self._add("split_merge", around(self.old, i), around(self.new, j), [i], [j], (i, j))

    # --- blocks of sentences that differ ----------------------------------------------------------------

    def _block(self, i1: int, i2: int, j1: int, j2: int) -> None:
        old_sentences, new_sentences = self.old.sentences[i1:i2], self.new.sentences[j1:j2]
        old_span = (old_sentences[0].start, old_sentences[-1].end) if old_sentences else (0, 0)
        new_span = (new_sentences[0].start, new_sentences[-1].end) if new_sentences else (0, 0)
        same = joined([s.key for s in old_sentences]) == joined([s.key for s in new_sentences])
        if not same and max(size(old_sentences), size(new_sentences)) > MAX_BLOCK_TOKENS:
            # Too large to diff token by token: what was there is gone, what is there is new.
            if old_sentences:
                self._add("paragraph_removed", self.old.body[slice(*old_span)], "", range(i1, i1 + 1), [], (i1, j1))
            if new_sentences:
                self._add("paragraph_added", "", self.new.body[slice(*new_span)], [], range(j1, j1 + 1), (i1, j1))
            return
        old_tokens = [token for index in range(i1, i2) for token in self.old.tokens(index)]
        new_tokens = [token for index in range(j1, j2) for token in self.new.tokens(index)]
        if [t.key for t in old_tokens] == [t.key for t in new_tokens]:
            pieces = pair_cosmetics(self.old.body, old_tokens, old_span, self.new.body, new_tokens, new_span)
            for cls, old_piece, new_piece, old_sentence, new_sentence in pieces:
                self._add(cls, old_piece, new_piece, [old_sentence], [new_sentence], (old_sentence, new_sentence))
            return
        _BlockDiff(self, old_tokens, new_tokens, (i1, j1)).run()

    def vocabulary(self, side: str) -> frozenset[str]:
        if side not in self._vocabulary:
            version = self.old if side == "old" else self.new
            self._vocabulary[side] = frozenset(
                key for sentence in version.sentences for key in sentence.key.split("\x1f")
            )
        return self._vocabulary[side]

    def context(self, side: str, sentences: Sequence[int]) -> str:
        version = self.old if side == "old" else self.new
        if not sentences:
            return ""
        first, last = version.sentences[min(sentences)], version.sentences[max(sentences)]
        return clip(version.body[first.start : last.end])

    def paragraph(self, side: str, sentences: Sequence[int]) -> int | None:
        version = self.old if side == "old" else self.new
        return version.line_of(version.sentences[min(sentences)].paragraph) if sentences else None

    def _add(self, cls: EditClass, old_piece: str, new_piece: str, old_sentences: Sequence[int],
             new_sentences: Sequence[int], at: tuple[int, int]) -> None:
        change = Change.of(
            cls, clip(old_piece, SPAN_CHARS) if old_piece.strip() else old_piece,
            clip(new_piece, SPAN_CHARS) if new_piece.strip() else new_piece,
            self.context("old", old_sentences), self.context("new", new_sentences),
            self.paragraph("old", old_sentences), self.paragraph("new", new_sentences),
        )
        self.out.add((2, at[0], at[1]), change)

    def _report_removed_and_added(self) -> None:
        for side, gone in (("old", self.removed), ("new", self.added)):
            version = self.old if side == "old" else self.new
            by_paragraph: dict[int, list[int]] = {}
            for index in sorted(gone):
                by_paragraph.setdefault(version.sentences[index].paragraph, []).append(index)
            for paragraph, indices in by_paragraph.items():
                whole = len(indices) == version.sentence_count(paragraph)
                groups = [indices] if whole else [[index] for index in indices]
                for group in groups:
                    text = version.paragraph_text(paragraph) if whole else self.context(side, group)
                    if is_boilerplate(text):  # "Share this" or "(More)" run into a paragraph
                        old_text, new_text = (text, "") if side == "old" else ("", text)
                        self._add("boilerplate", old_text, new_text, group if side == "old" else [],
                                  group if side == "new" else [], (group[0], gone[group[0]]))
                    elif side == "old":
                        cls: EditClass = "paragraph_removed" if whole else "sentence_removed"
                        self._add(cls, text, "", group, [], (group[0], gone[group[0]]))
                    else:
                        cls = "paragraph_added" if whole else "sentence_added"
                        self._add(cls, "", text, [], group, (gone[group[0]], group[0]))


class _BlockDiff:
    """The token diff of one block of sentences that differ."""

    def __init__(self, body: _Body, old: list[Token], new: list[Token], at: tuple[int, int]) -> None:
        self.body, self.old, self.new, self.at = body, old, new, at
        self.old_index = {(t.sentence, t.position): n for n, t in enumerate(old)}
        self.new_index = {(t.sentence, t.position): n for n, t in enumerate(new)}
        versions = {"old": body.old, "new": body.new}
        self.context = RunContext(
            sentence_text=lambda side, t: versions[side].sentences[t.sentence].text(versions[side].body),
            sentence_start=lambda side, t: versions[side].sentences[t.sentence].start,
            in_quote=lambda side, t: versions[side].in_quote(t.sentence, t.start),
            old_vocabulary=lambda: body.vocabulary("old"),
            new_vocabulary=lambda: body.vocabulary("new"),
            neighbours=self._neighbours,
            span_text=lambda side, tokens: span(versions[side].body, tokens),
        )

    def _neighbours(self, side: str, token: Token) -> tuple[str, str]:
        tokens, index = (self.old, self.old_index) if side == "old" else (self.new, self.new_index)
        n = index[(token.sentence, token.position)]
        before = tokens[n - 1].key if n > 0 and tokens[n - 1].sentence == token.sentence else ""
        after = tokens[n + 1].key if n + 1 < len(tokens) and tokens[n + 1].sentence == token.sentence else ""
        return before, after

    def run(self) -> None:
        old, new, body = self.old, self.new, self.body
        kept_old, kept_new = [False] * len(old), [False] * len(new)
        runs: list[tuple[int, int, int, int]] = []
        matcher = difflib.SequenceMatcher(None, [t.key for t in old], [t.key for t in new], autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                kept_old[i1:i2] = [True] * (i2 - i1)
                kept_new[j1:j2] = [True] * (j2 - j1)
                self._equal_run(i1, i2, j1)
                continue
            cls = classify_run(old[i1:i2], new[j1:j2], self.context)
            if cls in COSMETIC_CLASSES:
                kept_old[i1:i2] = [True] * (i2 - i1)
                kept_new[j1:j2] = [True] * (j2 - j1)
                self._record(cls, old[i1:i2], new[j1:j2])
            else:
                runs.append((i1, i2, j1, j2))
        removed = mostly_gone(old, kept_old)
        added = mostly_gone(new, kept_new)
        body.removed.update({index: self.at[1] for index in removed})
        body.added.update({index: self.at[0] for index in added})
        for i1, i2, j1, j2 in runs:
            old_run = [t for t in old[i1:i2] if t.sentence not in removed]
            new_run = [t for t in new[j1:j2] if t.sentence not in added]
            if not old_run and not new_run:
                continue
            cls, also = classify_run_fully(old_run, new_run, self.context)
            body.out.also.update(also)
            old_near = old[i1 - 1 : i1] or old[i2 : i2 + 1]
            new_near = new[j1 - 1 : j1] or new[j2 : j2 + 1]
            self._record(cls, old_run, new_run, old_near, new_near)

    def _equal_run(self, i1: int, i2: int, j1: int) -> None:
        old_body, new_body = self.body.old.body, self.body.new.body
        for k in range(i1, i2):
            old_token, new_token = self.old[k], self.new[j1 + k - i1]
            token_cls = token_difference(old_token.raw, new_token.raw)
            if token_cls is not None:
                self._record(token_cls, [old_token], [new_token], raw=(old_token.raw, new_token.raw))
            if k == i1:
                continue
            old_sep = old_body[self.old[k - 1].end : old_token.start]
            new_sep = new_body[self.new[j1 + k - i1 - 1].end : new_token.start]
            for cls in sorted(separator_difference(old_sep, new_sep)):
                self._record(cls, [self.old[k - 1], old_token], [self.new[j1 + k - i1 - 1], new_token])

    def _record(self, cls: EditClass, old_run: Sequence[Token], new_run: Sequence[Token],
                old_near: Sequence[Token] = (), new_near: Sequence[Token] = (),
                raw: tuple[str, str] | None = None) -> None:
        body = self.body
        old_piece, new_piece = raw or (span(body.old.body, old_run), span(body.new.body, new_run))
        old_sentences = sorted({t.sentence for t in (old_run or old_near)})
        new_sentences = sorted({t.sentence for t in (new_run or new_near)})
        at = (old_run[0].sentence if old_run else self.at[0], new_run[0].sentence if new_run else self.at[1])
        body._add(cls, old_piece, new_piece, old_sentences, new_sentences, at)
