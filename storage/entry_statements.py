"""The statements of `save_article` (storage.entries), built once (see storage.prepared); values are bound at
execution. The hottest run on the driver's cursor (:class:`storage.prepared.DriverStatement`): through
``Connection.execute`` each cost ~40-60 µs of SQLAlchemy's execution context, result and row machinery."""

from __future__ import annotations

from sqlalchemy import Insert, Update, bindparam, insert, literal_column, select, update

from storage.evidence import RAW_VALUE_COLUMNS
from storage.prepared import dialect_insert, driver_once
from storage.schema import entry, raw_response, source, version

ENTRY_BY_URL = (
    select(entry.c.id, entry.c.current_version_id, entry.c.removed_at, version.c.content_hash, version.c.text)
    .outerjoin(version, version.c.id == entry.c.current_version_id)
    .where(entry.c.canonical_url == bindparam("canonical_url"))
)
# The first read of save_article, in one round trip: the entry of this URL (with its current text) if any, and
# what a new entry needs: does its source exist, which entry already has this text.
_SOURCE_KNOWN = select(source.c.id).where(source.c.id == bindparam("source_id")).scalar_subquery()
_ORIGINAL = (
    select(entry.c.id)
    .join(version, version.c.entry_id == entry.c.id)
    .where(version.c.content_hash == bindparam("digest"), entry.c.duplicate_of.is_(None))
    .order_by(entry.c.id)
    .limit(1)
    .scalar_subquery()
)
_ONE_ROW = select(literal_column("1").label("one")).subquery("one_row")
LOOKUP = select(
    _SOURCE_KNOWN.label("known_source"),
    _ORIGINAL.label("original"),
    *ENTRY_BY_URL.selected_columns,
).select_from(
    _ONE_ROW.outerjoin(entry, entry.c.canonical_url == bindparam("canonical_url"))
    .outerjoin(version, version.c.id == entry.c.current_version_id)
)
LOOKUP_NAMES = tuple(str(column.key) for column in LOOKUP.selected_columns)
VERSION_WITH_HASH = select(version.c.id).where(
    version.c.entry_id == bindparam("entry_id"), version.c.content_hash == bindparam("digest")
)
UPDATE_ENTRY = update(entry).where(entry.c.id == bindparam("entry_id_"))  # SET: the columns given
_NEW_ENTRY_COLUMNS = ("url", "source_id", "language", "title", "author", "published", "updated", "last_seen",
                      "fingerprint", "canonical_url", "first_seen", "next_check_at", "duplicate_of")
_VERSION_COLUMNS = ("entry_id", "content_hash", "text", "fetched_at", "change_class", "raw_response_id", "analysis")
# The hottest statements of a new entry run on the driver's cursor (see storage.prepared.DriverStatement): through
# Connection.execute each cost ~40-60 µs of SQLAlchemy's execution context, result and row machinery.
lookup = driver_once(lambda _name: LOOKUP, None)
insert_entry = driver_once(
    lambda name: dialect_insert(name, entry)
    .on_conflict_do_nothing(index_elements=["canonical_url"])
    .returning(entry.c.id),
    _NEW_ENTRY_COLUMNS,
)
insert_version = driver_once(
    lambda name: dialect_insert(name, version)
    .on_conflict_do_nothing(index_elements=["entry_id", "content_hash"])
    .returning(version.c.id),
    _VERSION_COLUMNS,
)
set_current_version = driver_once(lambda _name: UPDATE_ENTRY, ("current_version_id",))


_FIRST_VERSION_COLUMNS = ("entry_id", "content_hash", "text", "fetched_at", "change_class", "analysis")


def _first_version(with_raw: bool) -> Update:
    """PostgreSQL, a new entry's first version in one round trip: its raw response (`with_raw`; else the id of
    one stored already, or none), the version pointing at it, and the entry pointing at the version
    (data-modifying CTEs), returning the version's id. SQLite has no INSERT inside WITH: it takes the same
    statements one by one."""
    values = [bindparam(f"v_{name}", type_=version.c[name].type) for name in _FIRST_VERSION_COLUMNS]
    given_raw = bindparam("v_raw_response_id", type_=version.c.raw_response_id.type)
    rows, names = select(*values, given_raw), [*_FIRST_VERSION_COLUMNS, "raw_response_id"]
    if with_raw:
        raw: Insert = insert(raw_response).values(
            {name: bindparam(f"r_{name}", type_=raw_response.c[name].type) for name in RAW_VALUE_COLUMNS}
        )
        new_raw = raw.returning(raw_response.c.id).cte("new_raw")
        rows = select(*values, new_raw.c.id).select_from(new_raw)
    new_version = (insert(version).from_select(names, rows)
                   .returning(version.c.id, version.c.entry_id).cte("new_version"))
    return (update(entry).where(entry.c.id == new_version.c.entry_id)
            .values(current_version_id=new_version.c.id).returning(new_version.c.id))


FIRST_VERSION = {True: driver_once(lambda _name: _first_version(True)),
                  False: driver_once(lambda _name: _first_version(False))}
