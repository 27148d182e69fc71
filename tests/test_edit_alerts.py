"""Edit and removal alerts: which rules fire on which edits, and messages that lead with what changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.config import load_config
from crawler.errors import ConfigError
from crawler.pipeline.rulebook import Document, Edit, RuleBook
from rules.edits import analyse_edit
from rules.render import AlertView, render_alert, render_template

OLD = "Pact <signed>\n2026-03-02\nTaiwan will invest NT$1.25 trillion in <AI> chips, the ministry said on Monday."
NEW = OLD.replace("1.25", "1.5").replace("<AI>", "<AI> & *chips*")


def view(kind: str, old: str = OLD, new: str = NEW) -> AlertView:
    return AlertView(rule="ai", kind=kind, title="Pact <signed>", url="https://x.tw/1", source="cna", language="en",
                     published="2026-03-02", body=new.split("\n", 2)[2], analysis=analyse_edit(old, new).to_json(),
                     first_seen="2026-03-02")


def test_an_edit_alert_leads_with_the_diff_in_every_format() -> None:
    text = render_alert(view("edited"), "text")
    assert text.title.startswith("[tidings] Edited ai match")
    assert text.body.splitlines()[0] == (
        "number: Taiwan will invest NT$[-1.25-]{+1.5+} trillion in <AI> & *chips* chips, the ministry said on Monday.")
    html = render_alert(view("edited"), "html").body
    first = html.split("<br>")[0]
    assert "NT$<del>1.25</del><ins>1.5</ins> trillion" in first and "&lt;AI&gt;" in html and "<AI>" not in html
    markdown = render_alert(view("edited"), "markdown").body
    assert "~~1.25~~ → **1.5**" in markdown.splitlines()[0] and "\\<AI\\>" in markdown and "\\*chips\\*" in markdown


def test_the_diff_is_bounded() -> None:
    old = "T\n" + "\n".join(f"Paragraph {n} says the figure is {n} and more words follow here." for n in range(200))
    new = old.replace(" is ", " is 1") + "\n" + "x" * 5000
    body = render_alert(view("edited", old, new), "html").body
    assert len(body) < 4000 and "more changes" in body and body.count("<del>") == body.count("</del>")


def test_a_removal_alert_says_taken_down_with_the_first_seen_date_and_the_last_text() -> None:
    message = render_alert(view("removed"), "text")
    assert message.title.startswith("[tidings] Taken down ai match")
    assert message.body.startswith("taken down: Pact <signed>, first seen 2026-03-02, last text: Taiwan will invest")
    assert "&lt;signed&gt;" in render_alert(view("removed"), "html").body


def test_templates_get_the_diff() -> None:
    body = render_template("{{ diff }}", view("edited"), "html").body
    assert "<del>1.25</del><ins>1.5</ins>" in body and "<AI>" not in body


def rulebook(tmp_path: Path, rules: str) -> RuleBook:
    path = tmp_path / "t.toml"
    path.write_text(rules, encoding="utf-8")
    return RuleBook.from_config(load_config(path))


RULES = """
[rules.new]
query = "pact"
[rules.edits]
query = "pact"
on = "edited"
[rules.figures]
query = "pact"
on = "edited"
edit_classes = ["number", "date"]
[rules.gone]
query = "pact"
on = "removed"
[rules.both]
query = "pact"
on = "both"
[rules.any]
query = "pact"
on = "any"
[rules.typos]
query = "pact"
on = "edited"
edit_classes = ["typo"]
"""


@pytest.mark.parametrize(("kind", "edit", "fired"), [
    ("new", None, {"new", "both", "any"}),
    ("edited", Edit(True, ("number",)), {"edits", "figures", "both", "any"}),
    ("edited", Edit(True, ("entity",)), {"edits", "both", "any"}),
    ("edited", Edit(False, ("typo",)), {"typos"}),
    ("edited", Edit(False, ("punctuation",)), set()),
    ("removed", None, {"gone", "any"}),
])
def test_rules_choose_the_changes_they_fire_on(tmp_path: Path, kind: str, edit: Edit | None, fired: set[str]) -> None:
    book = rulebook(tmp_path, RULES)
    found = book.matches(Document(title="A pact", body="The pact."), kind, edit)  # type: ignore[arg-type]
    assert {route.rule for _, route in found} == fired


def test_an_unknown_edit_class_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"rules\.x\.edit_classes\.0: .*unknown edit class 'numbr'; known: number"):
        rulebook(tmp_path, '[rules.x]\nquery = "a"\non = "edited"\nedit_classes = ["numbr"]\n')


@pytest.mark.parametrize(("settings", "error"), [
    ('recheck_after = ["30s"]', r"settings\.recheck_after\.0"),
    ('recheck_after = ["91d"]', r"settings\.recheck_after\.0"),
    ("recheck_after = [" + ", ".join(f'"{n}h"' for n in range(1, 22)) + "]", r"settings\.recheck_after"),
    ("recheck_budget = 1001", r"settings\.recheck_budget"),
    ('edit_recheck = "6h"', r"settings\.edit_recheck: unknown key"),
])
def test_the_recheck_settings_have_ranges(tmp_path: Path, settings: str, error: str) -> None:
    path = tmp_path / "t.toml"
    path.write_text(f"[settings]\n{settings}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=error):
        load_config(path)


def test_recheck_steps_are_sorted(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text('[settings]\nrecheck_after = ["1d", "15m"]\nrecheck_budget = 0\n', encoding="utf-8")
    settings = load_config(path).settings
    assert settings.recheck_after == (900.0, 86400.0) and settings.recheck_budget == 0
