"""`tidings diff OLD NEW` through the CLI: hand-written edits in English, Chinese and Indonesian, traps included."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.cli import main

EN = ("Taiwan, Japan sign chip pact\n2026-03-02\n"
      "Taiwan will sign a chip cooperation pact with Japan on March 3, 2026, the ministry said.\n"
      "The deal is worth NT$1.25 trillion and covers 12 research centres.\n"
      "\"We are ready,\" Minister Lin said in Taipei.")
ZH = ("台日簽署晶片合作協定\n2026-03-02\n"
      "外交部表示，台灣將於3月3日與日本簽署晶片合作協定。\n"
      "協定金額為1.25兆元，涵蓋12個研究中心。\n"
      "林部長說：「我們已經準備好了。」")
ID = ("Taiwan dan Jepang tandatangani pakta cip\n2026-03-02\n"
      "Taiwan akan menandatangani pakta kerja sama cip dengan Jepang pada 3 Maret 2026, kata kementerian.\n"
      "Kesepakatan itu bernilai Rp 5 miliar dan mencakup 12 pusat riset.\n"
      "\"Kami siap,\" kata Menteri Lin di Taipei.")


def _sentences() -> list[str]:
    subjects = ("The ministry", "The council", "Officials", "The agency", "Lawmakers", "Researchers", "The mayor")
    verbs = ("reviewed", "discussed", "outlined", "presented", "examined", "debated", "summarised")
    objects = ("the budget for port {n}", "plan number {n} for rail links", "the report on district {n}",
               "water projects in zone {n}", "school repairs in ward {n}")
    return [f"{subjects[n % 7]} {verbs[n % 5]} {objects[n % 5].format(n=n)} on day {n} of the session."
            for n in range(300)]


SENTENCES = _sentences()
REMOVED = SENTENCES[155]
LONG = "Long report\n2026-01-05\n" + "\n".join(" ".join(SENTENCES[i : i + 10]) for i in range(0, 300, 10))
CASES = [
    # (name, old, new, substantive, a class that must be found)
    ("en date inside an unchanged sentence", EN, EN.replace("March 3, 2026", "March 4, 2026"), True, None),
    ("en number", EN, EN.replace("1.25", "1.5"), True, "number"),
    ("en entity", EN, EN.replace("with Japan", "with Korea"), True, "entity"),
    ("en negation", EN, EN.replace("Taiwan will sign", "Taiwan will not sign"), True, "negation"),
    ("en modality", EN, EN.replace("will sign", "may sign"), True, "modality"),
    ("en quote", EN, EN.replace("We are ready", "We are willing"), True, "quote"),
    ("en title", EN, EN.replace("chip pact\n", "chip deal\n", 1), True, "title"),
    ("en sentence added", EN, EN + " Talks continue next week.", True, "sentence_added"),
    ("en full-width digits", EN, EN.replace("12 research", "１２ research"), False, "width"),
    ("en curly quotes", EN, EN.replace("\"We are ready,\"", "“We are ready,”"), False, "punctuation"),
    ("en paragraph split", EN.replace("ministry said.\nThe deal", "ministry said. The deal"), EN, False,
     "split_merge"),
    ("en whitespace and case", EN, EN.replace("the ministry said", "the  Ministry said"), False, None),
    ("en typo fixed", EN.replace("research", "reserach"), EN, False, "typo"),
    ("en one sentence removed from 3,000 words", LONG, LONG.replace(" " + REMOVED, ""), True,
     "sentence_removed"),
    ("zh date", ZH, ZH.replace("3月3日", "4月3日"), True, None),
    ("zh entity", ZH, ZH.replace("與日本", "與韓國"), True, "entity"),
    ("zh negation", ZH, ZH.replace("台灣將於", "台灣不會於"), True, None),
    ("zh modality", ZH, ZH.replace("台灣將於", "台灣可能於"), True, "modality"),
    ("zh number", ZH, ZH.replace("1.25兆", "1.5兆"), True, "number"),
    ("zh full-width digits", ZH, ZH.replace("12個", "１２個"), False, "width"),
    ("zh punctuation forms", ZH, ZH.replace("外交部表示，", "外交部表示,"), False, "punctuation"),
    ("zh paragraph merged", ZH, ZH.replace("協定。\n協定金額", "協定。協定金額"), False, "split_merge"),
    ("id negation", ID, ID.replace("Taiwan akan menandatangani", "Taiwan tidak akan menandatangani"), True, "negation"),
    ("id modality", ID, ID.replace("akan menandatangani", "mungkin menandatangani"), True, "modality"),
    ("id number", ID, ID.replace("Rp 5 miliar", "Rp 6 miliar"), True, "number"),
    ("id entity", ID, ID.replace("dengan Jepang", "dengan Korea"), True, "entity"),
    ("id date", ID, ID.replace("3 Maret 2026", "4 Maret 2026"), True, None),
    ("id full-width digits", ID, ID.replace("12 pusat", "１２ pusat"), False, "width"),
    ("id curly quotes", ID, ID.replace("\"Kami siap,\"", "“Kami siap,”"), False, "punctuation"),
]


def run_diff(tmp_path: Path, old: str, new: str, *args: str) -> tuple[int, str]:
    (tmp_path / "old.txt").write_text(old, encoding="utf-8")
    (tmp_path / "new.txt").write_text(new, encoding="utf-8")
    result = CliRunner().invoke(main, ["diff", str(tmp_path / "old.txt"), str(tmp_path / "new.txt"), *args])
    return result.exit_code, result.output


def test_the_long_article_has_3000_words() -> None:
    assert len(LONG.split()) >= 3000 and LONG.count(REMOVED) == 1


@pytest.mark.parametrize(("name", "old", "new", "substantive", "cls"), CASES, ids=[case[0] for case in CASES])
def test_diff_classifies_the_edit(tmp_path: Path, name: str, old: str, new: str, substantive: bool,
                                  cls: str | None) -> None:
    code, out = run_diff(tmp_path, old, new, "--json")
    verdict = json.loads(out)
    assert code == (1 if substantive else 0), out
    assert verdict["substantive"] is substantive, verdict
    if cls is not None:
        assert cls in verdict["classes"], verdict
    assert all({"class", "old", "new"} <= set(change) for change in verdict["changes"])


def test_the_text_output_names_each_change_with_plain_markers(tmp_path: Path) -> None:
    code, out = run_diff(tmp_path, EN, EN.replace("1.25", "1.5").replace("12 research", "１２ research"))
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("substantive: ") and "number" in lines[0] and "width" in lines[0]
    assert any("number (substantive):" in line and "NT$[-1.25-]{+1.5+} trillion" in line for line in lines)
    assert any("width (cosmetic):" in line and "[-12-]{+１２+}" in line for line in lines)


def test_the_same_text_is_no_change_and_stdin_works(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(ZH, encoding="utf-8")
    result = CliRunner().invoke(main, ["diff", str(tmp_path / "a.txt"), "-"], input=ZH)
    assert result.exit_code == 0 and result.output.startswith("no change")


def test_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["diff", str(tmp_path / "nope.txt"), "-"], input="x")
    assert result.exit_code == 2 and "nope.txt" in result.output
