"""Edit analysis (issue #12): hand-written table tests in English, Chinese and Indonesian, and a property test.

Each row: old text, new text (seed schema: title line, optional date line, paragraphs), whether the edit is
substantive, and the classes the analysis must name.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.edits import (
    COSMETIC_CLASSES,
    SUBSTANTIVE_CLASSES,
    Change,
    EditAnalysis,
    FileChange,
    analyse_edit,
    analyse_file_edit,
    files_edit,
)


def _split(text: str) -> list[str]:
    return text.split()


EN = "Taiwan urges cooperation with Japan\n2025-12-02T20:18+08:00\n"
ZH = "台日合作論壇在台北舉行\n2025-12-02\n"
ID = "Taiwan dan Indonesia Perkuat Kerja Sama\n"

EN_BODY = (
    "Economics Minister Kung Ming-hsin on Tuesday called for deeper cooperation between Taiwan and Japan. "
    "He said the two economies will sign an agreement on Dec. 2, 2025 in Taipei.\n"
    "The budget is NT$1.25 trillion, up 3.5% from last year.\n"
    'Kung said: "We will not give up on this partnership."'
)
ZH_BODY = (
    "經濟部長龔明鑫2日表示，台灣與日本將深化人工智慧合作。雙方預計3 月簽署備忘錄。\n"
    "論壇共有三百人出席，預算為12億元。\n"
    "龔明鑫說：「我們不會放棄這個夥伴關係。」"
)
ID_BODY = (
    "Menteri Luar Negeri Lin Chia-lung bertemu dengan delegasi Indonesia pada Selasa, 20 Januari 2026. "
    "Kedua pihak akan menandatangani nota kesepahaman.\n"
    "Pertumbuhan perdagangan mencapai 2,5 persen dan melibatkan tiga puluh perusahaan.\n"
    "Taiwan tidak akan menyerah pada tekanan, kata Lin: “Kami harus bekerja sama.”"
)

CASES: list[tuple[str, str, str, bool, set[str]]] = [
    # --- English: substantive -------------------------------------------------------------------------------
    ("en number", EN + EN_BODY, EN + EN_BODY.replace("NT$1.25 trillion", "NT$1.5 trillion"), True, {"number"}),
    ("en percentage", EN + EN_BODY, EN + EN_BODY.replace("3.5%", "4.5%"), True, {"number"}),
    ("en date inside an unchanged sentence", EN + EN_BODY, EN + EN_BODY.replace("Dec. 2", "Dec. 3"), True,
     {"date"}),
    ("en weekday", EN + EN_BODY, EN + EN_BODY.replace("Tuesday", "Wednesday"), True, {"date"}),
    ("en entity Japan -> Korea", EN + EN_BODY, EN + EN_BODY.replace("Taiwan and Japan", "Taiwan and Korea"), True,
     {"entity"}),
    ("en person", EN + EN_BODY, EN + EN_BODY.replace("Minister Kung Ming-hsin", "Minister Lin Chia-lung"), True,
     {"entity"}),
    ("en negation removed", EN + EN_BODY, EN + EN_BODY.replace("will not give", "will give"), True,
     {"negation"}),
    ("en modal will sign -> discussed", EN + EN_BODY, EN + EN_BODY.replace("will sign", "discussed"), True,
     {"modality"}),
    ("en modal will -> may", EN + EN_BODY, EN + EN_BODY.replace("will sign", "may sign"), True, {"modality"}),
    ("en quote changed", EN + EN_BODY, EN + EN_BODY.replace("this partnership", "this friendship"), True,
     {"quote"}),
    ("en sentence removed", EN + EN_BODY,
     EN + EN_BODY.replace(" He said the two economies will sign an agreement on Dec. 2, 2025 in Taipei.", ""),
     True, {"sentence_removed"}),
    ("en sentence added", EN + EN_BODY,
     EN + EN_BODY.replace("last year.", "last year. The plan still needs approval by lawmakers."), True,
     {"sentence_added"}),
    ("en paragraph removed", EN + EN_BODY,
     EN + EN_BODY.replace("The budget is NT$1.25 trillion, up 3.5% from last year.\n", ""), True,
     {"paragraph_removed"}),
    ("en paragraph added", EN + EN_BODY, EN + EN_BODY + "\nOfficials from both sides attended the closing dinner.",
     True, {"paragraph_added"}),
    ("en title", EN + EN_BODY, EN.replace("Japan", "Korea") + EN_BODY, True, {"title"}),
    ("en date line", EN + EN_BODY, EN.replace("12-02T20", "12-03T20") + EN_BODY, True, {"date"}),
    ("en wording", EN + EN_BODY, EN + EN_BODY.replace("deeper cooperation", "closer cooperation"), True,
     {"wording"}),
    ("en wording with a first letter changed", EN + EN_BODY, EN + EN_BODY.replace("deeper", "keeper"), True,
     {"wording"}),
    ("en negative prefix", EN + "The plan is likely to pass.", EN + "The plan is unlikely to pass.", True,
     {"negation"}),
    ("en decrease is not a typo", EN + "Exports increase again.", EN + "Exports decrease again.", True,
     {"wording"}),
    # --- English: cosmetic ----------------------------------------------------------------------------------
    ("en full-width digits", EN + EN_BODY, EN + EN_BODY.replace("2025", "２０２５"), False, {"width"}),
    ("en re-spaced", EN + EN_BODY, EN + EN_BODY.replace(" the two", "  the  two"), False, {"whitespace"}),
    ("en nbsp", EN + EN_BODY, EN + EN_BODY.replace("NT$1.25 trillion", "NT$1.25\u00a0trillion"), False,
     {"whitespace"}),
    ("en curly quotes", EN + EN_BODY, EN + EN_BODY.replace('"We', "“We").replace('ship."', "ship.”"), False,
     {"punctuation"}),
    ("en punctuation", EN + EN_BODY, EN + EN_BODY.replace("Kung said:", "Kung said,"), False, {"punctuation"}),
    ("en case", EN + EN_BODY, EN + EN_BODY.replace("deeper cooperation", "Deeper Cooperation"), False, {"case"}),
    ("en paragraph split", EN + EN_BODY, EN + EN_BODY.replace("Japan. He said", "Japan.\nHe said"), False,
     {"split_merge"}),
    ("en paragraphs merged", EN + EN_BODY, EN + EN_BODY.replace("last year.\nKung", "last year. Kung"), False,
     {"split_merge"}),
    ("en typo fixed", EN + EN_BODY.replace("cooperation", "cooperaton"), EN + EN_BODY, False, {"typo"}),
    ("en typo government", EN + "The goverment said it would act.", EN + "The government said it would act.",
     False, {"typo"}),
    ("en boilerplate", EN + EN_BODY, EN + EN_BODY + "\nShare this\nBack to top", False, {"boilerplate"}),
    ("en copyright line", EN + EN_BODY, EN + EN_BODY + "\nCopyright © 2025 CNA. All rights reserved.", False,
     {"boilerplate"}),
    ("en title case", EN + EN_BODY, EN.replace("urges cooperation", "Urges Cooperation") + EN_BODY, False,
     {"case"}),
    # --- Chinese: substantive -------------------------------------------------------------------------------
    ("zh month 3 月 -> 4 月", ZH + ZH_BODY, ZH + ZH_BODY.replace("3 月", "4 月"), True, {"date"}),
    ("zh entity 日本 -> 韓國", ZH + ZH_BODY, ZH + ZH_BODY.replace("日本", "韓國"), True, {"entity"}),
    ("zh numeral 三百 -> 兩百", ZH + ZH_BODY, ZH + ZH_BODY.replace("三百", "兩百"), True, {"number"}),
    ("zh amount", ZH + ZH_BODY, ZH + ZH_BODY.replace("12億", "15億"), True, {"number"}),
    ("zh negation removed", ZH + ZH_BODY, ZH + ZH_BODY.replace("不會放棄", "會放棄"), True, {"negation"}),
    ("zh modal 將 -> 可能", ZH + ZH_BODY, ZH + ZH_BODY.replace("將深化", "可能深化"), True, {"modality"}),
    ("zh quote", ZH + ZH_BODY, ZH + ZH_BODY.replace("夥伴關係", "合作關係"), True, {"quote"}),
    ("zh other CJK wording", ZH + ZH_BODY, ZH + ZH_BODY.replace("人工智慧", "綠色能源"), True, {"wording"}),
    ("zh sentence removed", ZH + ZH_BODY, ZH + ZH_BODY.replace("雙方預計3 月簽署備忘錄。", ""), True,
     {"sentence_removed"}),
    ("zh sentence added", ZH + ZH_BODY, ZH + ZH_BODY.replace("12億元。", "12億元。其餘細節尚未公布。"), True,
     {"sentence_added"}),
    ("zh title", ZH + ZH_BODY, ZH.replace("台北", "東京") + ZH_BODY, True, {"title"}),
    # --- Chinese: cosmetic ----------------------------------------------------------------------------------
    ("zh full-width digits 12 -> １２", ZH + ZH_BODY, ZH + ZH_BODY.replace("12億", "１２億"), False, {"width"}),
    ("zh punctuation forms", ZH + ZH_BODY, ZH + ZH_BODY.replace("，", ",").replace("。", "."), False,
     {"punctuation"}),
    ("zh quote forms", ZH + ZH_BODY, ZH + ZH_BODY.replace("「", "“").replace("」", "”"), False, {"punctuation"}),
    ("zh spaces around digits", ZH + ZH_BODY, ZH + ZH_BODY.replace("為12億元", "為 12 億元"), False,
     {"whitespace"}),
    ("zh paragraph split", ZH + ZH_BODY, ZH + ZH_BODY.replace("合作。雙方", "合作。\n雙方"), False,
     {"split_merge"}),
    ("zh hard-wrapped line merged", ZH + "論壇共有三百\n人出席。", ZH + "論壇共有三百人出席。", False,
     {"split_merge"}),
    ("zh boilerplate", ZH + ZH_BODY, ZH + ZH_BODY + "\n分享\n列印\n回上頁", False, {"boilerplate"}),
    # --- Indonesian: substantive ----------------------------------------------------------------------------
    ("id tidak akan removed", ID + ID_BODY, ID + ID_BODY.replace("tidak akan menyerah", "menyerah"), True,
     {"negation"}),
    ("id negation added", ID + ID_BODY, ID + ID_BODY.replace("Kedua pihak akan", "Kedua pihak tidak akan"), True,
     {"negation"}),
    ("id modal akan -> mungkin", ID + ID_BODY, ID + ID_BODY.replace("pihak akan", "pihak mungkin"), True,
     {"modality"}),
    ("id decimal comma", ID + ID_BODY, ID + ID_BODY.replace("2,5 persen", "3,5 persen"), True, {"number"}),
    ("id numeral words", ID + ID_BODY, ID + ID_BODY.replace("tiga puluh", "empat puluh"), True, {"number"}),
    ("id date", ID + ID_BODY, ID + ID_BODY.replace("20 Januari", "21 Januari"), True, {"date"}),
    ("id month", ID + ID_BODY, ID + ID_BODY.replace("Januari", "Februari"), True, {"date"}),
    ("id entity", ID + ID_BODY, ID + ID_BODY.replace("delegasi Indonesia", "delegasi Filipina"), True,
     {"entity"}),
    ("id quote", ID + ID_BODY, ID + ID_BODY.replace("harus bekerja", "ingin bekerja"), True, {"modality", "quote"}),
    ("id sentence removed", ID + ID_BODY, ID + ID_BODY.replace(" Kedua pihak akan menandatangani nota kesepahaman.",
                                                               ""), True, {"sentence_removed"}),
    ("id wording", ID + ID_BODY, ID + ID_BODY.replace("perdagangan", "investasi"), True, {"wording"}),
    # --- Indonesian: cosmetic -------------------------------------------------------------------------------
    ("id typo fixed", ID + ID_BODY.replace("perusahaan", "perusahan"), ID + ID_BODY, False, {"typo"}),
    ("id kerja sama spacing", ID + ID_BODY, ID + ID_BODY.replace("bekerja sama", "bekerja  sama"), False,
     {"whitespace"}),
    ("id straight quotes", ID + ID_BODY, ID + ID_BODY.replace("“", '"').replace("”", '"'), False,
     {"punctuation"}),
    ("id boilerplate", ID + ID_BODY, ID + ID_BODY + "\nBagikan\nCetak", False, {"boilerplate"}),
    ("id paragraph merged", ID + ID_BODY, ID + ID_BODY.replace("kesepahaman.\n", "kesepahaman. "), False,
     {"split_merge"}),
]


@pytest.mark.parametrize(("name", "old", "new", "substantive", "classes"), CASES, ids=[case[0] for case in CASES])
def test_table(name: str, old: str, new: str, substantive: bool, classes: set[str]) -> None:
    analysis = analyse_edit(old, new)
    assert analysis.substantive is substantive, analysis.to_json()
    assert classes <= set(analysis.classes), analysis.to_json()
    if not substantive:
        assert set(analysis.classes) <= COSMETIC_CLASSES
    assert analysis.classes == tuple(sorted(set(analysis.classes)))
    assert all(change.substantive == (change.cls in SUBSTANTIVE_CLASSES) for change in analysis.changes)


def test_every_class_is_covered_by_the_table() -> None:
    covered = set().union(*(case[4] for case in CASES))
    assert covered == (SUBSTANTIVE_CLASSES | COSMETIC_CLASSES) - {"attachment"}  # files only: see below


def test_a_file_edit_names_its_files_and_keeps_their_changes_through_json() -> None:
    edited = FileChange("https://example.org/mou.pdf", "MOU (PDF)", "edited")
    removed = FileChange("https://example.org/annex.pdf", "Annex", "removed")
    analysis = files_edit([(edited, analyse_file_edit("Worth NT$1.25 bn.", "Worth NT$1.5 bn."))],
                          [removed])
    assert analysis.substantive and analysis.classes == ("attachment", "number")
    assert [(change.old, change.new) for change in analysis.changes] == [("1.25", "1.5")]
    assert analysis.files == (edited, removed)
    assert EditAnalysis.from_json(analysis.to_json()) == analysis
    assert "files" not in analyse_edit(EN + EN_BODY, EN + EN_BODY.replace("3", "4")).to_json()  # pages: as before
    with pytest.raises(ValueError, match="unknown file change 'moved'"):
        FileChange.from_json({"url": "u", "name": "n", "kind": "moved"})


def test_a_file_s_first_line_is_text_not_a_title() -> None:
    analysis = analyse_file_edit("Taiwan will sign the pact.\nMore.", "Taiwan may sign the pact.\nMore.")
    assert analysis.classes == ("modality",)


def test_identical_texts() -> None:
    for text in ("", EN + EN_BODY, ZH + ZH_BODY, ID + ID_BODY):
        analysis = analyse_edit(text, text)
        assert analysis == EditAnalysis(False, (), ())


def test_empty_texts() -> None:
    assert analyse_edit("", EN + EN_BODY).substantive
    assert analyse_edit(EN + EN_BODY, "").substantive
    assert analyse_edit("", "\n\n").classes == ()
    assert not analyse_edit("Title", "Title\n").substantive


def test_changes_carry_spans_and_context() -> None:
    analysis = analyse_edit(EN + EN_BODY, EN + EN_BODY.replace("NT$1.25 trillion", "NT$1.5 trillion"))
    (change,) = analysis.changes
    assert (change.cls, change.old, change.new) == ("number", "1.25", "1.5")
    assert change.old_context == "The budget is NT$1.25 trillion, up 3.5% from last year."
    assert change.new_context == "The budget is NT$1.5 trillion, up 3.5% from last year."
    assert (change.old_paragraph, change.new_paragraph) == (1, 1)


def test_json_round_trip() -> None:
    analysis = analyse_edit(ZH + ZH_BODY, ZH + ZH_BODY.replace("日本", "韓國").replace("，", ","))
    data = analysis.to_json()
    assert data["substantive"] is True
    assert data["classes"] == ["entity", "punctuation"]
    assert {"class", "old", "new", "old_context", "new_context"} <= set(data["changes"][0])
    assert EditAnalysis.from_json(data) == analysis
    with pytest.raises(ValueError, match="unknown edit class"):
        Change.from_json({"class": "nonsense"})


def _long_article(words: int) -> list[str]:
    paragraphs: list[str] = []
    count = 0
    number = 0
    while count < words:
        sentences = [
            f"Delegation {number + k} from district {k} met officials on day {number % 28 + 1} to discuss item "
            f"{number * 7 + k} of the agenda and the budget of NT${number + k}.{k} million."
            for k in range(4)
        ]
        number += 4
        paragraphs.append(" ".join(sentences))
        count += sum(len(sentence.split()) for sentence in sentences)
    return paragraphs


def test_one_sentence_removed_from_a_3000_word_article_is_substantive() -> None:
    paragraphs = _long_article(3000)
    old = "A long article\n" + "\n".join(paragraphs)
    middle = paragraphs[len(paragraphs) // 2]
    shortened = middle[: middle.index(". ") + 1]
    new = old.replace(middle, shortened)
    analysis = analyse_edit(old, new)  # its time is measured in tests/bench/edits.py, never asserted here
    assert analysis.substantive
    assert analysis.classes == ("sentence_removed",)
    assert len(analysis.changes) == 3


def test_a_megabyte_does_not_blow_up() -> None:
    paragraphs = _long_article(180_000)
    old = "Big\n" + "\n".join(paragraphs)
    assert len(old) > 1_000_000
    rewritten = "Big\n" + "\n".join(reversed(paragraphs[: len(paragraphs) // 2]))
    analysis = analyse_edit(old, rewritten)
    assert analysis.substantive
    assert len(analysis.to_json()["changes"]) < 10_000  # the work is capped: a bounded number of changes


# --- property: cosmetic transforms never make an edit substantive --------------------------------------------

_WORDS = st.sampled_from(
    _split(
        "Taiwan Japan Indonesia minister will not sign cooperation agreement 2025 12 NT$1.5 trillion 3.5% said "
        "the and kerja sama tidak akan harus Menteri Luar Negeri 20 Januari"
    )
)
_CJK = st.sampled_from(["台灣", "日本", "將", "不會", "簽署", "合作", "3月", "12億元", "外交部", "表示"])


@st.composite
def _sentence(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        words = draw(st.lists(_WORDS, min_size=2, max_size=10))
        if draw(st.booleans()):
            at = draw(st.integers(0, len(words) - 1))
            words[at] = '"' + words[at] + '"'
        text = " ".join(words)
        return text[0].upper() + text[1:] + draw(st.sampled_from([".", "!", "?"]))
    parts = draw(st.lists(_CJK, min_size=2, max_size=8))
    if draw(st.booleans()):
        parts[0] = "「" + parts[0] + "」"
    return "，".join(parts) + "。"


@st.composite
def _text(draw: st.DrawFn) -> tuple[str, list[list[str]]]:
    title = draw(_sentence())
    paragraphs = draw(st.lists(st.lists(_sentence(), min_size=1, max_size=4), min_size=1, max_size=5))
    return title, paragraphs


def _render(title: str, paragraphs: list[list[str]]) -> str:
    return "\n".join([title, *(" ".join(sentences) for sentences in paragraphs)])


_FULL_WIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})


@settings(max_examples=300, deadline=None)
@given(_text(), st.data())
def test_cosmetic_transforms_are_never_substantive(text: tuple[str, list[list[str]]], data: st.DataObject) -> None:
    title, paragraphs = text
    old = _render(title, paragraphs)
    new_paragraphs = [list(sentences) for sentences in paragraphs]
    if data.draw(st.booleans(), "re-split paragraphs"):
        flat = [sentence for sentences in new_paragraphs for sentence in sentences]
        cuts = sorted(set(data.draw(st.lists(st.integers(1, max(1, len(flat) - 1)), max_size=4), "cuts")))
        new_paragraphs, start = [], 0
        for cut in [*cuts, len(flat)]:
            if cut > start:
                new_paragraphs.append(flat[start:cut])
                start = cut
    new = _render(title, new_paragraphs)
    if data.draw(st.booleans(), "re-space"):
        spaces = data.draw(st.sampled_from(["  ", "\u00a0", " \t ", "\u3000"]), "space")
        new = new.replace(" ", spaces) if data.draw(st.booleans(), "all") else new.replace(" ", spaces, 3)
    if data.draw(st.booleans(), "width"):
        new = new.translate(_FULL_WIDTH) if data.draw(st.booleans(), "to full") else new
    if data.draw(st.booleans(), "quote forms"):
        curly = iter(["“", "”"] * 200)
        new = "".join(next(curly) if char == '"' else char for char in new).replace("「", "『").replace("」", "』")
    if data.draw(st.booleans(), "case"):
        new = new.upper()
    analysis = analyse_edit(old, new)
    assert not analysis.substantive, (old, new, analysis.to_json())
