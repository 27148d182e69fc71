"""What a crawl stored, by natural keys (no row ids, no clock times): two databases filled by two trees (or on
two dialects) from the same replica compare equal when they stored the same rows.

    python -m tests.bench.stored URL_A URL_B     # which tables differ, with a few rows of each side

Entries are keyed by canonical URL, versions by (URL, content hash), raw responses by their SHA-256, matches by
(URL, version hash, rule, kind); ids that point elsewhere become the key of the row they point at. Clock values
(`fetched_at`, `first_seen`, the `Date` response header, ...) and run ids are left out; the replica's port is
masked.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from typing import Any

from sqlalchemy import create_engine, text

_PORT = re.compile(r"127\.0\.0\.1:\d+")
_DATE_HEADER = re.compile(r'\["Date", "[^"]*"\], ?')

QUERIES = {
    "entry": """SELECT e.canonical_url, e.url, e.source_id, e.language, e.title, e.author, e.published, e.updated,
                       e.fingerprint, o.canonical_url, cv.content_hash, e.gone_checks, e.removed_at IS NULL
                FROM entry e LEFT JOIN entry o ON o.id = e.duplicate_of
                LEFT JOIN version cv ON cv.id = e.current_version_id""",
    "version": """SELECT e.canonical_url, v.content_hash, v.text, v.change_class, v.analysis, r.sha256
                  FROM version v JOIN entry e ON e.id = v.entry_id
                  LEFT JOIN raw_response r ON r.id = v.raw_response_id""",
    "raw_response": """SELECT url, method, request_headers, http_version, status, reason, headers, body_codec,
                              body_size, stored_size, body_decoded, sha256 FROM raw_response""",
    "match": """SELECT e.canonical_url, v.content_hash, m.rule, m.kind, m.evidence
                FROM match m JOIN entry e ON e.id = m.entry_id JOIN version v ON v.id = m.version_id""",
    "alert": """SELECT e.canonical_url, m.rule, a.channel, a.status, a.mode, a.attempts, a.last_error
                FROM alert a LEFT JOIN match m ON m.id = a.match_id LEFT JOIN entry e ON e.id = m.entry_id""",
    "http_state": "SELECT url, etag, last_modified, body_hash, status FROM http_state",
    "attachment": """SELECT e.canonical_url, a.url, a.name, a.content_type, a.kind, a.size, a.content_hash,
                            a.has_text, a.missing_count FROM attachment a JOIN entry e ON e.id = a.entry_id""",
    "story_link": """SELECT e.canonical_url, f.canonical_url, l.score, l.reason, l.evidence, l.linked_by, l.anchors
                     FROM story_link l JOIN entry e ON e.id = l.entry_id JOIN story s ON s.id = l.story_id
                     LEFT JOIN entry f ON f.id = s.first_entry_id""",
    "story_key": "SELECT k.key_hash, e.canonical_url FROM story_key k JOIN entry e ON e.id = k.entry_id",
    "run": """SELECT source_id, requests, bytes, not_modified, new_entries, edits, duplicates, errors, error,
                     degraded, cosmetic_edits, removals, restorations FROM run""",
}


def _value(value: Any) -> Any:
    if isinstance(value, str):
        return _DATE_HEADER.sub("", _PORT.sub("REPLICA", value))
    if isinstance(value, float):
        return round(value, 9)
    return value


def stored_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows by natural keys, sorted."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                name: sorted((tuple(_value(v) for v in row) for row in conn.execute(text(query))), key=repr)
                for name, query in QUERIES.items()
            }
    finally:
        engine.dispose()


def stored_digest(url: str) -> str:
    """The first 12 hex digits of a SHA-256 over :func:`stored_rows`, and the row count: equal when equal."""
    rows = stored_rows(url)
    blob = json.dumps({name: [repr(row) for row in found] for name, found in rows.items()}).encode()
    return f"{hashlib.sha256(blob).hexdigest()[:12]} ({sum(map(len, rows.values()))} rows)"


def differences(a: str, b: str, shown: int = 3) -> list[str]:
    """Lines saying which tables differ between two databases, with a few rows only one side holds."""
    left, right = stored_rows(a), stored_rows(b)
    lines = []
    for name in QUERIES:
        in_a, in_b = set(left[name]), set(right[name])
        only_a = [row for row in left[name] if row not in in_b]
        only_b = [row for row in right[name] if row not in in_a]
        if only_a or only_b:
            lines.append(f"{name}: {len(only_a)} rows only in A, {len(only_b)} only in B")
            lines += [f"   A {row!r:.300}" for row in only_a[:shown]] + [f"   B {row!r:.300}" for row in only_b[:shown]]
    return lines


def main() -> None:
    a, b = sys.argv[1:3]
    found = differences(a, b)
    print("\n".join(found) if found else f"same stored rows: {stored_digest(a)}")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
