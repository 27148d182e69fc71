"""Page text made safe to show in a message: bounded, no hidden direction or zero-width controls, no mass mentions.

Page text is untrusted. A 1 MB `<title>` must not reach every channel; U+202E must not make "gpj.exe" look like
"exe.jpg"; `@everyone` in a headline must not ping a whole Discord, Slack or Mattermost workspace.

>>> safe_text("\\u202egpj.exe @everyone", limit=40)
'[U+202E]gpj.exe ＠everyone'
"""

from __future__ import annotations

import re

TITLE_CHARS = 300
# Bidirectional formatting controls (Unicode UAX #9): shown as [U+XXXX] so a reader sees the trick.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Zero-width and other invisible format characters: dropped.
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e")
_OTHER_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_MENTION = re.compile(r"@(everyone|here|channel|all|group)\b", re.IGNORECASE)
_SLACK_SPECIAL = re.compile(r"<!(everyone|here|channel)", re.IGNORECASE)


def visible_controls(text: str) -> str:
    """Bidi controls shown as `[U+XXXX]`, zero-width characters and C0/C1 controls (but newline, tab) dropped.

    >>> visible_controls("a\\u200bb\\u2066c\\x07")
    'ab[U+2066]c'
    """
    out = []
    for char in text:
        if char in BIDI_CONTROLS:
            out.append(f"[U+{ord(char):04X}]")
        elif char not in ZERO_WIDTH:
            out.append(char)
    return _OTHER_CONTROLS.sub("", "".join(out))


def neutralise_mentions(text: str) -> str:
    """`@everyone`, `@here`, `@channel`, `@all` and Slack's `<!channel>` no longer notify anyone.

    The at sign becomes the fullwidth `＠` (U+FF20): still readable, never a mention.

    >>> neutralise_mentions("hi @here and <!channel>")
    'hi ＠here and <\\u200a!channel>'
    """
    text = _MENTION.sub(lambda match: "\uff20" + match.group(1), text)
    return _SLACK_SPECIAL.sub(lambda match: "<\u200a!" + match.group(1), text)


def cap(text: str, limit: int) -> str:
    """At most `limit` characters, cut with an ellipsis.

    >>> cap("abcdef", 4)
    'abc…'
    """
    return text if len(text) <= limit else text[: limit - 1] + "…"


def safe_text(text: str, limit: int = TITLE_CHARS) -> str:
    """Controls visible, mentions neutralised, at most `limit` characters; a huge input costs no more than 2x."""
    head = text[: limit * 2]
    clean = neutralise_mentions(visible_controls(head))
    if len(head) < len(text) and len(clean) <= limit:
        clean = clean[: limit - 1] + "…"
    return cap(clean, limit)
