"""Story linking (issue #13): anchor extractors in zh/en/id, near-duplicates, links and non-links, JSON, and a
sanity floor on the real development set ../shared/corpus/stories-dev/."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from rules.stories import (
    Anchors,
    LinkEvidence,
    StoryDoc,
    anchors_of,
    candidate_keys,
    choose_story,
    link_score,
    lookup_keys,
    needs_text,
    rank_candidates,
    time_agreement,
)
from rules.stories.amounts import numbers_in, zh_numeral
from rules.stories.dates import mentioned_dates, url_day
from rules.stories.gazetteer import gazetteer_hits
from rules.stories.names import latin_names, parenthesised_chinese
from rules.stories.sketch import jaccard, shingles, sketch_of
from rules.stories.urls import parallel_key
from tests.shared import CORPUS as SHARED_CORPUS
from tests.shared import REASON

TAIPEI = timezone(timedelta(hours=8))
CORPUS = SHARED_CORPUS / "stories-dev" / "stories.jsonl"


def doc(entry_id: int, text: str, language: str, published: str | None = "2025-03-12", title: str | None = None,
        url: str | None = None, source: str = "site", alternates: tuple[str, ...] = ()) -> StoryDoc:
    seen = datetime(2025, 3, 12, 15, 0, tzinfo=TAIPEI)
    return StoryDoc(entry_id, language, title, text, published, seen, url or f"https://{source}.example/{entry_id}",
                    source, alternates)


# --- numbers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("a bilateral trade volume of US$14.42 billion", "en", {"1.442e+10", "~1.4e+10"}),
        ("perdagangan bilateral mencapai USD 14,42 miliar", "id", {"1.442e+10", "~1.4e+10"}),
        ("雙邊貿易額達144.2億美元", "zh", {"1.442e+10", "~1.4e+10"}),
        ("economic growth of 5.7 percent", "en", {"5.7%"}),
        ("pertumbuhan ekonomi 5,7 persen", "id", {"5.7%"}),
        ("經濟成長率5.7%", "zh", {"5.7%"}),
        ("more than 2,000 companies", "en", {"2000"}),
        ("lebih dari 2.000 perusahaan", "id", {"2000"}),
        ("the 77th anniversary", "en", {"77"}),
        ("獨立七十七週年", "zh", {"77"}),
        ("第十三大貿易夥伴", "zh", {"13"}),
        ("NT$1.5 billion", "en", {"1.5e+09", "~1.5e+09"}),
        ("新台幣15億元", "zh", {"1.5e+09", "~1.5e+09"}),
        ("逾600萬人次", "zh", {"6000000", "~6e+06"}),
        ("新台幣785百萬元", "zh", {"7.85e+08", "~7.8e+08"}),  # digits then a compound scale: 785 million
        ("新台幣3千萬元", "zh", {"3e+07", "~3e+07"}),
        ("US$785 million", "en", {"7.85e+08", "~7.8e+08"}),
    ],
)
def test_numbers_normalise_across_languages(text: str, language: str, expected: set[str]) -> None:
    assert numbers_in(text, language) == expected


def test_chinese_numerals() -> None:
    numerals = ("七十七", "十四", "一百二十", "三千五百萬", "二〇二五")
    assert [zh_numeral(n) for n in numerals] == [77, 14, 120, 35_000_000, 2025]


def test_a_compact_day_stamp_is_not_an_amount() -> None:
    """CNA ends an article with its ROC day (``1150620``: year 115, June 20); every report of that day has it, so
    read as an exact amount it made two stories of one day share a "specific" figure. A 7-digit number that is
    no day (``1153467``) and an 8-digit AD day (``20260620``) are told apart."""
    assert numbers_in("政府將公布報告。（編輯：邱俊欽）1150620", "zh") == set()
    assert numbers_in("an order code 20260620", "en") == set()
    assert numbers_in("1153467 visitors", "en") == {"1153467", "~1.2e+06"}


def test_dates_are_not_numbers() -> None:
    anchors = anchors_of(doc(1, "On January 20, 2026, 1月20日 and 20 Januari 2026 the minister met 3 envoys.", "en"))
    assert anchors.numbers == {"3"}


# --- dates -------------------------------------------------------------------------------------------

REF = date(2026, 1, 21)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("on January 20, 2026 in Taipei", {"2026-01-20"}),
        ("speaking Jan. 20 at the forum", {"2026-01-20"}),
        ("Honolulu, Nov. 30 (CNA)", {"2025-11-30"}),
        ("Selasa, 20 Januari 2026.", {"2026-01-20"}),
        ("pada tanggal 22 November 2023", {"2023-11-22"}),
        ("pada 25-30 Agustus 2025", {"2025-08-25", "2025-08-30"}),
        ("el 30 de noviembre de 2024", {"2024-11-30"}),
        ("外交部長林佳龍1月20日表示", {"2026-01-20"}),
        ("2026年1月20日", {"2026-01-20"}),
        ("林佳龍今（20）日在外交部召開會議", {"2026-01-20"}),
        ("昨(14)日中午款宴", {"2026-01-14"}),
        ("於本(111)年9月14日晚間", {"2022-09-14"}),
        ("民國113年11月30日", {"2024-11-30"}),
        ("8月25日至30日率團", {"2025-08-25", "2025-08-30"}),
    ],
)
def test_dates_in_each_language(text: str, expected: set[str]) -> None:
    assert set(mentioned_dates(text, REF)) == expected


def test_weekdays_resolve_against_a_publication_day() -> None:
    assert set(mentioned_dates("Tang on Thursday visited the Seimas", date(2023, 1, 15))) == {"2023-01-12"}


def test_dates_without_year_in_an_undated_entry_keep_their_month_and_day() -> None:
    assert set(mentioned_dates("speaking Nov. 22 in Taipei", date(2026, 1, 21), partial=True)) == {
        "2025-11-22", "--11-22"}


def test_publication_day_from_url() -> None:
    assert url_day("https://www.ettoday.net/news/20260115/3101855.htm") == date(2026, 1, 15)
    assert url_day("https://taipeitimes.com/News/taiwan/archives/2022/10/07/2003786629") == date(2022, 10, 7)
    assert url_day("https://example.org/news/12345") is None


# --- names -------------------------------------------------------------------------------------------


def test_parenthesised_chinese_names_in_english_and_in_chinese() -> None:
    assert parenthesised_chinese("Kung Ming-hsin (龔明鑫) and Eric Huang (黃鈞耀) met") == {"zh:龚明鑫", "zh:黄钧耀"}
    assert parenthesised_chinese("印尼駐台代表章溥帝(Budi Santoso)致詞") == {"zh:章溥帝"}


def test_parenthesised_name_gives_both_forms() -> None:
    anchors = anchors_of(doc(1, "Taiwan's representative Eric Huang (黃鈞耀) attended.", "en"))
    assert {"eric huang", "zh:黄钧耀"} <= anchors.names


def test_latin_names_drop_titles_and_sentence_openers() -> None:
    names = latin_names("Deputy Foreign Minister Tien Chung-kwang met KDEI head Budi Santoso.\nSpeaking there, he "
                        "thanked Gubernur Hawaii Josh Green.")
    assert {"tien chung-kwang", "budi santoso", "KDEI", "josh green"} <= names
    assert "speaking" not in names and "deputy" not in names


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("外交部長林佳龍", {"o:mofa", "p:lin-chia-lung"}),
        ("外交部长林佳龙", {"o:mofa", "p:lin-chia-lung"}),
        ("Minister of Foreign Affairs Lin Chia-lung", {"o:mofa", "p:lin-chia-lung"}),
        ("Menteri Luar Negeri Lin Chia-lung (Kementerian Luar Negeri)", {"o:mofa", "p:lin-chia-lung"}),
        ("美國與印尼", {"c:us", "c:indonesia"}),
        ("the United States and Indonesia", {"c:us", "c:indonesia"}),
        ("Amerika Serikat dan Indonesia", {"c:us", "c:indonesia"}),
        ("President Tsai Ing-wen", {"p:tsai-ing-wen"}),
    ],
)
def test_gazetteer_equivalence(text: str, ids: set[str]) -> None:
    assert gazetteer_hits(text).ids == ids


def test_gazetteer_name_is_not_counted_twice() -> None:
    anchors = anchors_of(doc(1, "President Tsai Ing-wen welcomed the guests.", "en"))
    assert "p:tsai-ing-wen" in anchors.names and "ing-wen" not in anchors.names


# --- near-duplicates ---------------------------------------------------------------------------------

RELEASE = (
    "外交部長林佳龍今（12）日與史瓦帝尼經濟規劃部長彭大偉簽署經濟合作協定，雙方同意共同投資5,000萬美元建設工業園區，"
    "並將在農業、醫療與職業訓練等領域深化合作。林佳龍表示，台史邦誼穩固，此協定將為兩國人民帶來具體利益。"
    "彭大偉感謝台灣長期協助史瓦帝尼發展，盼未來擴大雙邊貿易與投資。"
)


def test_near_copy_in_the_same_language_is_a_near_duplicate() -> None:
    copy = RELEASE.replace("今（12）日", "12日") + "（中央社）"
    evidence = link_score(doc(1, RELEASE, "zh"), anchors_of(doc(1, RELEASE, "zh")), doc(2, copy, "zh", source="b"),
                          anchors_of(doc(2, copy, "zh", source="b")))
    assert evidence is not None and evidence.reason == "near_duplicate" and evidence.score >= 0.6


def test_sketch_estimates_jaccard() -> None:
    a = shingles(" ".join(f"word{i}" for i in range(300)))
    b = shingles(" ".join(f"word{i}" for i in range(150, 450)))
    assert abs(jaccard(sketch_of(a), sketch_of(b)) - len(a & b) / len(a | b)) < 0.15
    assert jaccard(sketch_of(a), sketch_of(a)) == 1.0


# --- links and non-links -----------------------------------------------------------------------------

SIGNING_EN = (
    "Foreign Minister Lin Chia-lung and Eswatini Minister of Economic Planning Tambo Gina (彭大偉) signed an economic "
    "cooperation agreement on March 12, 2025 in Taipei. Under the agreement the two countries will invest "
    "US$50 million in an industrial park, and deepen cooperation in agriculture, health care and vocational "
    "training. Lin said the agreement would bring concrete benefits to the people of both countries."
)
SIGNING_ID = (
    "Menteri Luar Negeri Lin Chia-lung dan Menteri Perencanaan Ekonomi Eswatini Tambo Gina menandatangani perjanjian "
    "kerja sama ekonomi pada 12 Maret 2025 di Taipei. Kedua negara akan berinvestasi USD 50 juta untuk kawasan "
    "industri."
)
OTHER_MEETING_EN = (
    "Foreign Minister Lin Chia-lung on March 12, 2025 received a delegation of Japanese lawmakers led by Keiji "
    "Furuya in Taipei, discussing regional security and Taiwan-Japan relations. Lin thanked Japan for its support."
)
DINNER_EN = (
    "Foreign Minister Lin Chia-lung hosted a dinner for Eswatini Minister of Economic Planning Tambo Gina on March "
    "12, 2025 at the Taipei Guest House, where the two toasted 57 years of diplomatic relations and 1,200 "
    "Eswatini students trained in Taiwan."
)


def _pair(a: StoryDoc, b: StoryDoc) -> LinkEvidence | None:
    return link_score(a, anchors_of(a), b, anchors_of(b))


def test_translations_of_one_event_link_by_anchors() -> None:
    zh, en, id_ = doc(1, RELEASE, "zh"), doc(2, SIGNING_EN, "en"), doc(3, SIGNING_ID, "id")
    for a, b in ((zh, en), (en, id_), (zh, id_)):
        evidence = _pair(a, b)
        assert evidence is not None and evidence.reason == "anchors", (a.language, b.language)
        assert "p:lin-chia-lung" in evidence.shared["names"]
        assert "5e+07" in evidence.shared["numbers"]


def test_chinese_name_in_parentheses_meets_the_chinese_text() -> None:
    evidence = _pair(doc(1, RELEASE, "zh"), doc(2, SIGNING_EN, "en"))
    assert evidence is not None and "zh:彭大伟" in evidence.shared["names"]


def test_another_event_of_the_same_minister_on_the_same_day_is_not_linked() -> None:
    assert _pair(doc(1, SIGNING_EN, "en"), doc(2, OTHER_MEETING_EN, "en", source="b")) is None
    assert _pair(doc(1, RELEASE, "zh"), doc(2, OTHER_MEETING_EN, "en")) is None


def test_another_event_of_the_same_people_on_the_same_day_is_not_linked() -> None:
    assert _pair(doc(1, SIGNING_EN, "en"), doc(2, DINNER_EN, "en", source="b")) is None
    assert _pair(doc(1, SIGNING_ID, "id"), doc(2, DINNER_EN, "en")) is None


def test_the_same_event_on_other_days_is_not_linked() -> None:
    later = SIGNING_ID.replace("12 Maret 2025", "19 Maret 2025")
    assert _pair(doc(1, SIGNING_EN, "en"), doc(2, later, "id", published="2025-03-19")) is None


def test_alternate_link_and_parallel_url() -> None:
    a = doc(1, "Short note.", "en", url="https://moda.gov.tw/en/press/press-releases/3727.html",
            alternates=("https://moda.gov.tw/press/press-releases/3727.html",))
    b = doc(2, "簡短說明。", "zh", url="https://moda.gov.tw/press/press-releases/3727.html")
    assert (evidence := _pair(a, b)) is not None and evidence.reason == "alternate_link"
    a = doc(1, "Short note.", "en", url="https://moda.gov.tw/en/press/press-releases/3727.html")
    assert (evidence := _pair(a, b)) is not None and evidence.reason == "parallel_url"
    assert parallel_key("https://nspp.mofa.gov.tw/nsppid/news.php?post=1&unit=4") == parallel_key(
        "https://nspp.mofa.gov.tw/nspp/news.php?post=1&unit=9")


def test_choose_story_picks_the_best_story_or_none() -> None:
    zh, en, other = doc(1, RELEASE, "zh"), doc(2, SIGNING_EN, "en"), doc(3, OTHER_MEETING_EN, "en")
    candidates = [(10, zh, anchors_of(zh)), (30, other, anchors_of(other))]
    chosen = choose_story(en, anchors_of(en), candidates)
    assert chosen is not None and chosen[0] == 10
    assert choose_story(other, anchors_of(other), [(10, zh, anchors_of(zh))]) is None
    assert choose_story(en, anchors_of(en), []) is None


def test_linked_entries_meet_through_blocking_keys() -> None:
    stored = [doc(1, RELEASE, "zh"), doc(2, SIGNING_ID, "id", published=None)]
    new = doc(3, SIGNING_EN, "en", published="2025-03-13")
    for old in stored:
        assert candidate_keys(anchors_of(old)) & lookup_keys(anchors_of(new))
    far = doc(4, SIGNING_EN, "en", published="2025-04-20")
    assert not candidate_keys(anchors_of(doc(1, RELEASE, "zh"))) & lookup_keys(anchors_of(far)) - {
        k for k in lookup_keys(anchors_of(far)) if k.startswith("nd:")}


def test_days_meet_within_one_day_and_month_days_within_one_day_over_years() -> None:
    base = anchors_of(doc(1, SIGNING_EN, "en"))
    for shift, meets in ((-2, False), (-1, True), (0, True), (1, True), (2, False)):
        day = (date(2025, 3, 12) + timedelta(days=shift)).isoformat()
        other = anchors_of(doc(2, SIGNING_ID.replace(" pada 12 Maret 2025", ""), "id", published=day))
        shared = {k for k in candidate_keys(base) & lookup_keys(other) if not k.startswith("nd:")}
        assert bool(shared) == meets, shift
    undated = anchors_of(doc(3, SIGNING_ID.replace(" 2025", ""), "id", published=None))
    assert "--03-12" in undated.dates
    for day, meets in (("2021-03-11", True), ("2021-03-13", True), ("2021-03-14", False)):
        dated = anchors_of(doc(4, SIGNING_EN.replace(" on March 12, 2025", ""), "en", published=day))
        assert bool({k for k in candidate_keys(dated) & lookup_keys(undated) if k.startswith("md:")}) == meets, day


def test_an_undated_entry_with_a_full_date_meets_one_with_that_month_and_day_only() -> None:
    dated_by_text = anchors_of(doc(1, SIGNING_ID, "id", published=None))
    month_day_only = anchors_of(doc(2, SIGNING_EN.replace(", 2025", ""), "en", published=None))
    assert not dated_by_text.published and "2025-03-12" in dated_by_text.dates
    assert candidate_keys(dated_by_text) & lookup_keys(month_day_only)
    assert candidate_keys(month_day_only) & lookup_keys(dated_by_text)


def test_undated_entries_first_seen_together_need_more_evidence() -> None:
    no_date = SIGNING_EN.replace(" on March 12, 2025", "")
    a = anchors_of(doc(1, no_date, "en", published=None))
    b = anchors_of(doc(2, SIGNING_ID.replace(" pada 12 Maret 2025", ""), "id", published=None))
    assert not a.dates and not b.dates
    window = time_agreement(a, b)
    assert window is not None and window.startswith("event day")  # both placed on the day first seen
    dated_by_text = anchors_of(doc(3, SIGNING_ID.replace("2025", "2021"), "id", published=None))
    window = time_agreement(a, dated_by_text)
    assert window is not None and window.startswith("first seen together")
    assert candidate_keys(dated_by_text) & lookup_keys(a) and candidate_keys(a) & lookup_keys(dated_by_text)
    assert time_agreement(anchors_of(doc(4, SIGNING_EN, "en", published=None)), dated_by_text) is None
    two_days_later = replace(anchors_of(doc(6, SIGNING_ID.replace("2025", "2021"), "id", published=None)),
                             day="2025-03-14")
    assert time_agreement(a, two_days_later) is None


def test_an_amount_stated_at_the_precision_the_other_rounds_to_is_shared() -> None:
    a = doc(1, "Lin Chia-lung said bilateral trade was over US$14 billion.", "en")
    b = doc(2, "Lin Chia-lung mengatakan perdagangan mencapai USD 14,42 miliar.", "id")
    c = doc(3, "Lin Chia-lung mengatakan perdagangan mencapai USD 14,43 miliar.", "id")
    from rules.stories.link import explain

    assert "≈1.4e+10" in explain(a, anchors_of(a), b, anchors_of(b))["numbers"]
    assert explain(b, anchors_of(b), c, anchors_of(c))["numbers"] == ["~1.4e+10"]


def test_candidates_are_ranked_by_the_rarity_of_the_keys_they_share() -> None:
    postings = {"crowded": list(range(100, 200)), "rare": [7, 150], "rarer": [7]}
    ranked = rank_candidates(postings, limit=3)
    assert ranked[:2] == [7, 150]
    assert ranked[2] == 199  # then the newest of the crowded key
    assert sorted(rank_candidates({"k": [3, 1, 2]})) == [1, 2, 3]


def test_only_chinese_names_against_a_chinese_candidate_need_its_text() -> None:
    en, zh = anchors_of(doc(1, SIGNING_EN, "en")), anchors_of(doc(2, RELEASE, "zh"))
    assert needs_text(en, zh)
    assert not needs_text(zh, en)
    assert not needs_text(en, anchors_of(doc(3, SIGNING_ID, "id")))
    assert not needs_text(en, replace(zh, day="2024-01-01"))  # no agreement in time: the text is never read


# --- JSON --------------------------------------------------------------------------------------------


def test_anchors_json_round_trip() -> None:
    anchors = anchors_of(doc(1, SIGNING_EN, "en"))
    assert Anchors.from_json(anchors.to_json()) == anchors
    assert json.loads(anchors.to_json())["day"] == "2025-03-12"
    stored_before = {**json.loads(anchors.to_json()), "sketch": list(anchors.sketch)}  # a JSON list then
    assert Anchors.from_json(json.dumps(stored_before)) == anchors


def test_evidence_json_round_trip() -> None:
    evidence = _pair(doc(1, RELEASE, "zh"), doc(2, SIGNING_EN, "en"))
    assert evidence is not None
    assert LinkEvidence.from_json(evidence.to_json()) == LinkEvidence(
        round(evidence.score, 4), evidence.reason, evidence.shared)


# --- the development set -----------------------------------------------------------------------------


def test_stories_dev_sanity_floor() -> None:
    if not CORPUS.exists():
        pytest.skip(REASON)
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows.sort(key=lambda row: (row["published"] or "9999", row["id"]))
    crawl = datetime(2026, 11, 21, 12, tzinfo=TAIPEI)
    story: dict[int, int] = {}
    members: list[tuple[int, StoryDoc, Anchors]] = []
    for index, row in enumerate(rows):
        seen = datetime.fromisoformat(f"{row['published']}T12:00+08:00") if row["published"] else crawl
        new = StoryDoc(index, row["language"], row["title"], row["text"], row["published"], seen, row["url"],
                       row["site"])
        anchors = anchors_of(new)
        keys = lookup_keys(anchors)
        candidates = [(story[d.entry_id], d, a) for _, d, a in members if candidate_keys(a) & keys]
        chosen = choose_story(new, anchors, candidates)
        story[index] = chosen[0] if chosen else index
        members.append((story[index], new, anchors))
    pairs = list(itertools.combinations(range(len(rows)), 2))
    linked = [(i, j) for i, j in pairs if story[i] == story[j]]
    true = [(i, j) for i, j in linked if rows[i]["cluster"] == rows[j]["cluster"]]
    relevant = sum(1 for i, j in pairs if rows[i]["cluster"] == rows[j]["cluster"])
    assert linked and len(true) / len(linked) >= 0.9
    assert len(true) / relevant >= 0.5
