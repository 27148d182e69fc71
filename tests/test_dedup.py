"""Canonical URLs, hashes and fingerprints."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storage.dedup import canonical_url, content_hash, hamming, shingles, simhash, url_key
from tests.shared import CORPUS, HAS_SHARED, REASON, SEEDS


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://WWW.Mofa.GOV.tw/News/Detail?b=2&a=1#x", "https://www.mofa.gov.tw/News/Detail?a=1&b=2"),
        ("http://example.com:80", "http://example.com/"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://x.tw/a?utm_source=rss&utm_medium=x&id=5&fbclid=1&gclid=2", "https://x.tw/a?id=5"),
        ("https://x.tw/a?mc_cid=1&mc_eid=2&igshid=3&ref_src=4&spm=5&UTM_Campaign=6", "https://x.tw/a"),
        ("https://x.tw/a?empty=&flag&z=1", "https://x.tw/a?empty=&flag&z=1"),
        ("https://x.tw/a?q=%E5%8F%B0%E7%81%A3", "https://x.tw/a?q=%E5%8F%B0%E7%81%A3"),
        ("http://例え.テスト/パス", "http://xn--r8jz45g.xn--zckzah/パス"),
        ("http://[::1]:80/x", "http://[::1]/x"),
        ("https://user@Example.com/", "https://user@example.com/"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@given(st.lists(st.sampled_from(["a=1", "b=", "c=3", "utm_x=1", "d=%20"]), max_size=6, unique=True))
def test_canonical_url_ignores_query_order_and_is_idempotent(params: list[str]) -> None:
    url = "https://Example.com/p?" + "&".join(params)
    reordered = "https://example.com/p?" + "&".join(reversed(params))
    assert canonical_url(url) == canonical_url(reordered)
    assert canonical_url(canonical_url(url)) == canonical_url(url)


def test_url_key_and_content_hash() -> None:
    assert url_key("https://X.tw/a#f") == hashlib.sha256(b"https://x.tw/a").hexdigest()[:16]
    assert content_hash("台灣") == hashlib.sha256("台灣".encode()).hexdigest()


LATIN = (
    "Taiwan and Indonesia signed a memorandum on artificial intelligence cooperation on Tuesday, "
    "the foreign ministry said, adding that both sides would exchange researchers and share data."
)
CJK = "外交部今天表示，台灣與印尼簽署人工智慧合作備忘錄，雙方將交流研究人員並共享資料，深化新南向夥伴關係。"


@pytest.mark.parametrize("text", [LATIN, CJK])
def test_simhash_is_signed_64_bit_and_near_for_small_edits(text: str) -> None:
    fingerprint = simhash(text)
    assert -(2**63) <= fingerprint < 2**63
    assert hamming(fingerprint, simhash(text + " 今天")) <= 12
    assert hamming(simhash(LATIN), simhash(CJK)) > 12


@given(st.integers(-(2**63), 2**63 - 1), st.integers(-(2**63), 2**63 - 1))
def test_hamming_is_a_metric(a: int, b: int) -> None:
    assert hamming(a, a) == 0
    assert hamming(a, b) == hamming(b, a) <= 64
def _simhash_by_strings(text: str) -> int:
    """The reference: the bit-string SimHash the vectorised one replaced."""
    from storage.dedup import shingles

    grams = shingles(text)
    rows = [hashlib.blake2b(gram.encode("utf-8"), digest_size=8).digest().hex() for gram in grams]
    columns = zip(*(format(int(row, 16), "064b") for row in rows), strict=True)
    majority = "".join("1" if 2 * column.count("1") > len(grams) else "0" for column in columns)
    unsigned = int(majority or "0", 2)
    return unsigned - (1 << 64) if unsigned >= 1 << 63 else unsigned


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_vectorised_simhash_equals_the_reference(text: str) -> None:
    assert simhash(text) == _simhash_by_strings(text)


def _numpy_simhash(text: str) -> int:
    """The first form of simhash (numpy's bit columns), kept as the reference the stored values were made with."""
    np = pytest.importorskip("numpy")
    grams = sorted(shingles(text))
    if not grams:
        return 0
    digests = b"".join(hashlib.blake2b(gram.encode("utf-8"), digest_size=8).digest() for gram in grams)
    bits = np.unpackbits(np.frombuffer(digests, dtype=np.uint8).reshape(len(grams), 8), axis=1)
    majority = np.packbits(2 * bits.sum(axis=0, dtype=np.int64) > len(grams))
    unsigned = int.from_bytes(majority.tobytes(), "big")
    return unsigned - (1 << 64) if unsigned >= 1 << 63 else unsigned


def _reference_shingles(text: str) -> set[str]:
    """The first form of shingles (slices and a generator per gram)."""
    import unicodedata

    from storage.dedup import _CJK_RUN, _LATIN_WORD

    folded = unicodedata.normalize("NFKC", text).casefold()
    result: set[str] = set()
    for run in _CJK_RUN.findall(folded):
        result.update(run[i : i + 2] for i in range(max(1, len(run) - 1)))
    words = _LATIN_WORD.findall(_CJK_RUN.sub(" ", folded))
    if 0 < len(words) < 3:
        result.add(" ".join(words))
    result.update(" ".join(words[i : i + 3]) for i in range(len(words) - 2))
    return result


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab cD\n,.今天台灣ＡＢｃﬁ1-éü")), max_size=300))
def test_shingles_and_simhash_equal_their_first_forms(text: str) -> None:
    assert shingles(text) == _reference_shingles(text)
    assert simhash(text) == _numpy_simhash(text)


@pytest.mark.skipif(not HAS_SHARED, reason=REASON)
def test_simhash_of_real_pages_equals_its_first_form() -> None:
    paths = sorted(SEEDS.glob("clean/*.txt")) + sorted(CORPUS.rglob("*.txt"))[:300]
    texts = [path.read_text(encoding="utf-8", errors="replace") for path in paths]
    assert len(texts) > 5
    for text in [*texts, "x " * 5000, "今" * 3000]:
        assert simhash(text) == _numpy_simhash(text)


def test_fingerprinting_an_article_loads_no_numpy() -> None:
    """numpy (~15 MiB, ~120 ms) stays out of a daemon that stores articles; only language detection needs it."""
    import subprocess
    import sys

    probe = ("import sys\nimport storage.entries\nfrom storage.dedup import simhash\n"
             "assert simhash('Taiwan and Poland sign a pact on AI 台灣與波蘭') != 0\nprint('numpy' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
