"""The language of an article whose source does not say it: the page's own `<html lang>`, else detected.

>>> detect_language("Menteri Luar Negeri dan Menteri Urusan Digital menggelar rapat bersama di Taipei.")
'id'
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from selectolax.lexbor import LexborHTMLParser

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

# Indonesian and Malay are close enough for a general model to confuse; tidings' world is these languages.
CANDIDATES = ("en", "id", "zh", "ja", "ko", "vi", "th", "tl", "fr", "de", "es")
UNDETERMINED = "und"


@cache
def _identifier() -> LanguageIdentifier:
    # Imported here: py3langid brings numpy and its model (~100 ms), needed only by a source without a language.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE)
    identifier.set_languages(list(CANDIDATES))
    return identifier


def declared_language(html: str) -> str | None:
    """The `lang` attribute of the page's `<html>` element, if any (`zh-TW`, `en`)."""
    root = LexborHTMLParser(html).css_first("html")
    lang = (root.attributes.get("lang") or "").strip() if root else ""
    return lang or None


def detect_language(text: str) -> str | None:
    """The most likely of CANDIDATES for `text`; None for text too short to tell."""
    if len(text.strip()) < 20:
        return None
    return str(_identifier().classify(text[:4000])[0])


def article_language(html: str, body: str) -> str:
    """What a page without a profile is written in: its declaration, else detection, else `und`."""
    return declared_language(html) or detect_language(body) or UNDETERMINED
