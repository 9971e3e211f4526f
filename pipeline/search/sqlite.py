"""The embedded search backend: one SQLite file with two FTS5 indexes over one copy of the text.

- `texts` holds each record's searchable fields once, in `fold.index_form` (đ stored as ď).
- `folded` (tokenizer `unicode61 remove_diacritics 2`) finds: tone and vowel marks, case and — through
  the ď — đ are folded, so a query with, without or with partial marks matches.
- `marked` (`remove_diacritics 0`, case-folded only) says which of the query's marked words matched as
  typed: records matching more of them rank first, then bm25 with metadata fields weighted above the
  body (model.WEIGHTS). Both are external-content tables over `texts`, so the text is stored once and
  `snippet()` shows it with its marks. They are kept in step by explicit statements, not triggers:
  FTS5 flushes its pending terms at every statement savepoint a trigger opens (3x slower builds).
- `documents` holds what a hit shows and what filters compare; `dossiers` every dossier a document
  belongs to (a file found in two hồ sơ is in both).

Concurrency: WAL, one connection per thread, write transactions taken up front (BEGIN IMMEDIATE) and a
busy timeout, so the threads of a run and several processes on one machine write in turn while readers
go on reading the last committed state. The file must sit on a local disk (SQLite over NFS is unsafe).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from pipeline.archive import keys
from pipeline.errors import SearchIndexError, SearchIndexMissingError
from pipeline.search.fold import display_form, index_form
from pipeline.search.model import FIELDS, WEIGHTS, Hit, IndexDoc, kind_key
from pipeline.search.query import Filters, Query, Unit

SCHEMA_VERSION = 1
BUSY_SECONDS = 30.0
SNIPPET_TOKENS = 20
_COLS = ", ".join(FIELDS)
_FTS_OPTIONS = "content='texts', content_rowid='id'"
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents(
    id INTEGER PRIMARY KEY, document_id TEXT NOT NULL UNIQUE, dossier_id TEXT, kind TEXT, kind_key TEXT,
    document_type TEXT, number_symbol TEXT, issued_date TEXT, summary TEXT,
    record_sha TEXT NOT NULL, indexed_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS documents_kind ON documents(kind_key);
CREATE INDEX IF NOT EXISTS documents_date ON documents(issued_date);
CREATE TABLE IF NOT EXISTS dossiers(dossier TEXT NOT NULL, id INTEGER NOT NULL, PRIMARY KEY(dossier, id))
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS texts(id INTEGER PRIMARY KEY, {_COLS});
CREATE VIRTUAL TABLE IF NOT EXISTS folded USING fts5({_COLS}, {_FTS_OPTIONS},
    tokenize='unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE IF NOT EXISTS marked USING fts5({_COLS}, {_FTS_OPTIONS},
    tokenize='unicode61 remove_diacritics 0');
"""


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


class SqliteIndex:
    backend = "sqlite"

    def __init__(self, path: Path, *, create: bool = True) -> None:
        self.path = Path(path)
        self.location = str(self.path)
        if not create and not self.path.exists():
            raise SearchIndexMissingError(str(self.path))
        self._local = threading.local()  # a thread's connection closes when the thread or this object ends
        with self._errors("open"):
            if create:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._setup(self._conn())

    # -- connections ------------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None)
            conn.execute("PRAGMA synchronous=NORMAL")  # WAL: durable at checkpoints, never corrupt
            self._local.conn = conn
        return conn

    def _setup(self, conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return
        if version != 0:
            raise SearchIndexError(f"{self.path} has index format {version}, this sohoa writes {SCHEMA_VERSION}: "
                                   "delete it and run `sohoa records reindex`")
        conn.execute("PRAGMA journal_mode=WAL")
        try:  # IF NOT EXISTS throughout: a second process creating it at the same time changes nothing
            conn.executescript("BEGIN IMMEDIATE;" + _SCHEMA + f"PRAGMA user_version={SCHEMA_VERSION}; COMMIT;")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    @contextlib.contextmanager
    def _write(self, conn: sqlite3.Connection | None = None) -> Iterator[sqlite3.Connection]:
        """One write transaction, its lock taken up front: waiting writers queue on the busy timeout
        instead of failing on a read-to-write upgrade."""
        conn = conn or self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @contextlib.contextmanager
    def _errors(self, op: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as e:
            raise SearchIndexError(f"{op} {self.path}: {e}") from e

    def close(self) -> None:
        """Close this thread's connection (other threads' close with them)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
        self._local = threading.local()

    # -- writing ----------------------------------------------------------------------------
    def upsert(self, docs: Iterable[IndexDoc], *, unless_indexed_since: str | None = None) -> int:
        """Add or replace documents in one transaction; returns how many changed.

        A document without body text (`fields["text"] is None`) keeps the text the index has. With
        `unless_indexed_since`, rows written at or after that time are left alone: a rebuild that read
        a record before a run re-committed it must not put the older version back."""
        changed = 0
        with self._errors("write"), self._write() as conn:
            for doc in docs:
                changed += self._upsert_one(conn, doc, unless_indexed_since)
        return changed

    def _upsert_one(self, conn: sqlite3.Connection, doc: IndexDoc, since: str | None) -> int:
        row = conn.execute("SELECT id, record_sha, indexed_at FROM documents WHERE document_id = ?",
                           (doc.document_id,)).fetchone()
        values = {f: index_form(v) for f, v in doc.fields.items() if v is not None}
        display = (doc.dossier_id, doc.kind, doc.kind_key, doc.document_type, doc.number_symbol, doc.issued_date,
                   doc.summary, doc.record_sha, now())
        if row is None:
            rowid = conn.execute(
                "INSERT INTO documents(document_id, dossier_id, kind, kind_key, document_type, number_symbol, "
                "issued_date, summary, record_sha, indexed_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (doc.document_id, *display)).lastrowid
            values.setdefault("text", "")
            new = tuple(values.get(f, "") for f in FIELDS)
            conn.execute(f"INSERT INTO texts(id, {_COLS}) VALUES (?{', ?' * len(FIELDS)})", (rowid, *new))
            _fts(conn, rowid, new)
        else:
            rowid, sha, indexed_at = row
            if since is not None and indexed_at >= since:
                return 0
            if sha == doc.record_sha and ("text" not in values or self._text(conn, rowid) == values["text"]):
                self._add_dossier(conn, rowid, doc.dossier_id)
                return 0
            conn.execute("UPDATE documents SET dossier_id=?, kind=?, kind_key=?, document_type=?, number_symbol=?, "
                         "issued_date=?, summary=?, record_sha=?, indexed_at=? WHERE id=?", (*display, rowid))
            old = _texts(conn, rowid)
            new = tuple(values.get(f, o) for f, o in zip(FIELDS, old, strict=True))
            _fts(conn, rowid, old, delete=True)
            conn.execute(f"UPDATE texts SET {', '.join(f + '=?' for f in FIELDS)} WHERE id=?", (*new, rowid))
            _fts(conn, rowid, new)
        self._add_dossier(conn, rowid, doc.dossier_id)
        return 1

    @staticmethod
    def _text(conn: sqlite3.Connection, rowid: int) -> str | None:
        row = conn.execute("SELECT text FROM texts WHERE id = ?", (rowid,)).fetchone()
        return row[0] if row else None

    @staticmethod
    def _add_dossier(conn: sqlite3.Connection, rowid: int, dossier: str | None) -> None:
        if dossier:
            conn.execute("INSERT OR IGNORE INTO dossiers(dossier, id) VALUES (?, ?)", (keys.component(dossier), rowid))

    def add_dossiers(self, pairs: Iterable[tuple[str, str]]) -> int:
        """Record more dossiers of indexed documents ((document_id, dossier) pairs); unknown ids are skipped."""
        n = 0
        with self._errors("write"), self._write() as conn:
            for document_id, dossier in pairs:
                row = conn.execute("SELECT id FROM documents WHERE document_id = ?", (document_id,)).fetchone()
                if row:
                    self._add_dossier(conn, row[0], dossier)
                    n += 1
        return n

    def remove(self, document_ids: Iterable[str], *, unless_indexed_since: str | None = None) -> int:
        n = 0
        with self._errors("write"), self._write() as conn:
            for document_id in document_ids:
                row = conn.execute("SELECT id, indexed_at FROM documents WHERE document_id = ?",
                                   (document_id,)).fetchone()
                if row is None or (unless_indexed_since is not None and row[1] >= unless_indexed_since):
                    continue
                _fts(conn, row[0], _texts(conn, row[0]), delete=True)
                conn.execute("DELETE FROM texts WHERE id = ?", (row[0],))
                conn.execute("DELETE FROM dossiers WHERE id = ?", (row[0],))
                conn.execute("DELETE FROM documents WHERE id = ?", (row[0],))
                n += 1
        return n

    def optimize(self) -> None:
        """Merge the FTS segments into one (after a rebuild: smaller file, faster queries)."""
        with self._errors("optimize"), self._write() as conn:
            for t in ("folded", "marked"):
                conn.execute(f"INSERT INTO {t}({t}) VALUES ('optimize')")
        with self._errors("checkpoint"):
            self._conn().execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def set_meta(self, key: str, value: str) -> None:
        with self._errors("write"), self._write() as conn:
            conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def get_meta(self, key: str) -> str | None:
        with self._errors("read"):
            row = self._conn().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    # -- reading ----------------------------------------------------------------------------
    def has(self, document_id: str) -> bool:
        with self._errors("read"):
            return self._conn().execute("SELECT 1 FROM documents WHERE document_id = ?",
                                        (document_id,)).fetchone() is not None

    def document_ids(self) -> set[str]:
        return set(self.record_shas())

    def record_shas(self) -> dict[str, str]:
        """document id → SHA-256 of the record.json indexed (a rebuild skips the records that match)."""
        with self._errors("read"):
            return dict(self._conn().execute("SELECT document_id, record_sha FROM documents"))

    def search(self, query: Query, filters: Filters, mark: tuple[str, str] = ("«", "»")) -> list[Hit]:
        where, params = filter_sql(filters, lambda name: f":{name}")
        conditions = "".join(" AND " + w for w in where)
        exact = " + ".join(f"(f.rowid IN (SELECT rowid FROM marked WHERE marked MATCH :x{i}))"
                           for i in range(len(query.exact_units))) or "0"
        for i, unit in enumerate(query.exact_units):
            params[f"x{i}"] = _scope(query.field, _unit(unit))
        params["q"] = match_expression(query)
        params["limit"] = filters.limit
        weights = ", ".join(str(WEIGHTS[f]) for f in FIELDS)
        sql = (f"SELECT f.rowid, d.document_id, d.dossier_id, d.kind, d.document_type, d.number_symbol, "
               f"d.issued_date, d.summary, -bm25(folded, {weights}) AS score, {exact} AS exact "
               f"FROM folded f JOIN documents d ON d.id = f.rowid WHERE folded MATCH :q{conditions} "
               f"ORDER BY exact DESC, score DESC, d.document_id LIMIT :limit")
        with self._errors("search"):
            conn = self._conn()
            rows = conn.execute(sql, params).fetchall()
            snippets = self._snippets(conn, params["q"], [r[0] for r in rows], mark)
        return [Hit(*r[1:8], snippet=snippets.get(r[0], ""), score=round(r[8], 4), exact=r[9]) for r in rows]

    @staticmethod
    def _snippets(conn: sqlite3.Connection, q: str, rowids: list[int], mark: tuple[str, str]) -> dict[int, str]:
        """Snippets for the hits only (snippet() re-reads and re-tokenizes the text: not for every match)."""
        if not rowids:
            return {}
        marks = ",".join("?" * len(rowids))
        rows = conn.execute(f"SELECT rowid, snippet(folded, -1, ?, ?, '…', {SNIPPET_TOKENS}) FROM folded "
                            f"WHERE folded MATCH ? AND rowid IN ({marks})", (*mark, q, *rowids))
        return {r: display_form(s or "") for r, s in rows}

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every indexed value by document id (not row id or time): two indexes built apart compare equal."""
        with self._errors("read"):
            conn = self._conn()
            docs = conn.execute("SELECT document_id, dossier_id, kind, kind_key, document_type, number_symbol, "
                                "issued_date, summary, record_sha FROM documents ORDER BY document_id").fetchall()
            texts = conn.execute(f"SELECT d.document_id, {', '.join('t.' + f for f in FIELDS)} FROM texts t "
                                 "JOIN documents d ON d.id = t.id ORDER BY d.document_id").fetchall()
            dossiers = conn.execute("SELECT s.dossier, d.document_id FROM dossiers s JOIN documents d ON d.id = s.id "
                                    "ORDER BY 1, 2").fetchall()
        return {"documents": docs, "texts": texts, "dossiers": dossiers}

    def stats(self) -> dict[str, Any]:
        with self._errors("read"):
            n = self._conn().execute("SELECT count(*) FROM documents").fetchone()[0]
        size = sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*") if p.is_file())
        return {"backend": self.backend, "location": self.location, "documents": n, "bytes": size}


def filter_sql(filters: Filters, placeholder: Callable[[str], str],
               schema: str = "") -> tuple[list[str], dict[str, Any]]:
    """The SQL conditions on `documents d` (and `dossiers`) of the filters, with their parameters; both
    backends' tables have these columns, `placeholder` writes a named parameter in the driver's style."""
    where: list[str] = []
    params: dict[str, Any] = {}
    if filters.dossier:
        where.append(f"d.id IN (SELECT id FROM {schema}dossiers WHERE dossier = {placeholder('dossier')})")
        params["dossier"] = keys.component(filters.dossier)
    if filters.kind:
        where.append(f"d.kind_key = {placeholder('kind')}")
        params["kind"] = kind_key(filters.kind)
    lo, hi = filters.date_bounds()
    if lo:
        where.append(f"d.issued_date >= {placeholder('lo')}")
        params["lo"] = lo
    if hi:
        where.append(f"d.issued_date <= {placeholder('hi')}")
        params["hi"] = hi
    return where, params


def _texts(conn: sqlite3.Connection, rowid: int) -> tuple[str, ...]:
    return tuple(conn.execute(f"SELECT {_COLS} FROM texts WHERE id = ?", (rowid,)).fetchone())


def _fts(conn: sqlite3.Connection, rowid: int, values: tuple[str, ...], *, delete: bool = False) -> None:
    """Add a row's values to both FTS5 tables, or take them out (external content: FTS5 needs the old values)."""
    marks = ", ?" * len(FIELDS)
    for t in ("folded", "marked"):
        if delete:
            conn.execute(f"INSERT INTO {t}({t}, rowid, {_COLS}) VALUES ('delete', ?{marks})", (rowid, *values))
        else:
            conn.execute(f"INSERT INTO {t}(rowid, {_COLS}) VALUES (?{marks})", (rowid, *values))


def _unit(unit: Unit) -> str:
    """An FTS5 string (its own tokens, punctuation inside is fine), prefix-marked when asked."""
    text = '"' + index_form(unit.text).replace('"', '""') + '"'
    return text + " *" if unit.prefix else text


def _scope(field: str | None, expr: str) -> str:
    return f"{{{field}}} : ({expr})" if field else expr


def match_expression(query: Query) -> str:
    """The FTS5 MATCH string of a parsed query (AND of OR-groups, NOT the excluded)."""
    expr = " AND ".join("(" + " OR ".join(_unit(u) for u in group) + ")" for group in query.groups)
    if query.excluded:
        expr = f"({expr}) NOT (" + " OR ".join(_unit(u) for u in query.excluded) + ")"
    return _scope(query.field, expr)
