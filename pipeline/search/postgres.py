"""The PostgreSQL search backend: full-text search with `unaccent`, for an index shared by many machines.

The same interface and the same answers as the SQLite backend (the tests run on both):
- Words are split in Python exactly as SQLite's unicode61 splits them (`fold.words` without folding),
  so both backends see the same tokens; PostgreSQL does the folding, with a text search configuration
  `{schema}.vi_fold` = `unaccent` then `simple` (Debian's unaccent.rules folds every Vietnamese letter,
  đ → d included; a test checks it against `fold`).
- `folded`: the fields' tsvectors, weighted A (summary, number/symbol), B (type, agency),
  C (signer, place), D (body), GIN-indexed, ranked with ts_rank; `marked`: the same words unfolded
  (`simple`), which says which of the query's marked words matched as typed (they rank first).
- Snippets: `ts_headline` over the stored text with the `vi_fold` configuration, so they keep the marks.
- Several processes and machines write at once: one connection per thread, row locks per document.

Settings: `SOHOA_SEARCH_BACKEND=postgres`, `SOHOA_SEARCH_DSN` (libpq; the password through PGPASSWORD or
~/.pgpass), `SOHOA_SEARCH_PG_SCHEMA` (default `sohoa_search`). The user needs CREATE on the database, and
`unaccent` must be installable by it (a trusted extension since PostgreSQL 13) or already created.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterable, Iterator
from typing import Any

import psycopg
from psycopg import sql

from pipeline.archive import keys
from pipeline.errors import SearchIndexError, SearchIndexMissingError
from pipeline.search.fold import WORD, nfc
from pipeline.search.model import FIELDS, Hit, IndexDoc
from pipeline.search.query import Filters, Query, Unit
from pipeline.search.sqlite import filter_sql, now

_WEIGHT = {"summary": "A", "number_symbol": "A", "document_type": "B", "issuing_agency": "B", "signer": "C",
           "issued_place": "C", "text": "D"}
RANK_WEIGHTS = "{0.125, 0.33, 0.5, 1.0}"  # D, C, B, A: body ×1 … summary ×8, as model.WEIGHTS
_SCHEMA = """
CREATE SCHEMA IF NOT EXISTS {s};
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE TABLE IF NOT EXISTS {s}.meta(key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS {s}.documents(
    id bigserial PRIMARY KEY, document_id text NOT NULL UNIQUE, dossier_id text, kind text, kind_key text,
    document_type text, number_symbol text, issued_date text, summary text, record_sha text NOT NULL,
    indexed_at text NOT NULL, {texts}, {tokens}, folded tsvector NOT NULL, marked tsvector NOT NULL);
CREATE INDEX IF NOT EXISTS documents_folded ON {s}.documents USING gin(folded);
CREATE INDEX IF NOT EXISTS documents_marked ON {s}.documents USING gin(marked);
CREATE INDEX IF NOT EXISTS documents_kind ON {s}.documents(kind_key);
CREATE INDEX IF NOT EXISTS documents_date ON {s}.documents(issued_date);
CREATE TABLE IF NOT EXISTS {s}.dossiers(dossier text NOT NULL,
    id bigint NOT NULL REFERENCES {s}.documents(id) ON DELETE CASCADE, PRIMARY KEY(dossier, id));
"""
_TOKEN_TYPES = ("asciiword, word, numword, asciihword, hword, numhword, hword_asciipart, hword_part, hword_numpart, "
                "int, uint, float, sfloat, version, file")


def tokens(text: str) -> str:
    """The words of `text` as SQLite's unicode61 splits them, case-folded, marks kept, space-separated."""
    return " ".join(WORD.findall(nfc(text).casefold()))


class PostgresIndex:
    backend = "postgres"

    def __init__(self, dsn: str, *, schema: str = "sohoa_search", create: bool = True) -> None:
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", schema):
            raise SearchIndexError(f"schema name {schema!r}: use lower-case letters, digits and _")
        self.dsn, self.schema = dsn, schema
        info = psycopg.conninfo.conninfo_to_dict(dsn)  # no password in what we show
        self.location = f"postgresql://{info.get('user', '')}@{info.get('host', '')}:{info.get('port', '')}/" \
                        f"{info.get('dbname', '')}#{schema}"
        self._local = threading.local()
        self._s = sql.Identifier(schema)
        self._cfg = f"{schema}.vi_fold"
        with self._errors("open"):
            conn = self._conn()
            exists = conn.execute("SELECT to_regclass(%s)", (f"{schema}.documents",)).fetchone()[0]
            if exists is None:
                if not create:
                    raise SearchIndexMissingError(self.location)
                self._setup(conn)

    def _conn(self) -> psycopg.Connection[Any]:
        conn: psycopg.Connection[Any] | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = psycopg.connect(self.dsn, autocommit=True)
            self._local.conn = conn
        return conn

    def _setup(self, conn: psycopg.Connection[Any]) -> None:
        texts = ", ".join(f"t_{f} text NOT NULL DEFAULT ''" for f in FIELDS)
        toks = ", ".join(f"k_{f} text NOT NULL DEFAULT ''" for f in FIELDS)
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self.schema,))  # one creator at a time
            for stmt in _SCHEMA.format(s=self.schema, texts=texts, tokens=toks).split(";"):
                if stmt.strip():
                    conn.execute(stmt)
            if conn.execute("SELECT 1 FROM pg_ts_config c JOIN pg_namespace n ON n.oid = c.cfgnamespace "
                            "WHERE n.nspname = %s AND c.cfgname = 'vi_fold'", (self.schema,)).fetchone() is None:
                conn.execute(f"CREATE TEXT SEARCH CONFIGURATION {self._cfg} (COPY = simple)")
                conn.execute(f"ALTER TEXT SEARCH CONFIGURATION {self._cfg} ALTER MAPPING FOR {_TOKEN_TYPES} "
                             "WITH unaccent, simple")

    @contextlib.contextmanager
    def _errors(self, op: str) -> Iterator[None]:
        try:
            yield
        except psycopg.Error as e:
            raise SearchIndexError(f"{op} {self.location}: {str(e).strip().splitlines()[0]}") from e

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
        self._local = threading.local()

    # -- writing ----------------------------------------------------------------------------
    def upsert(self, docs: Iterable[IndexDoc], *, unless_indexed_since: str | None = None) -> int:
        changed = 0
        with self._errors("write"):
            conn = self._conn()
            with conn.transaction():
                for doc in docs:
                    changed += self._upsert_one(conn, doc, unless_indexed_since)
        return changed

    def _upsert_one(self, conn: psycopg.Connection[Any], doc: IndexDoc, since: str | None) -> int:
        row = conn.execute(sql.SQL("SELECT id, record_sha, indexed_at, t_text FROM {}.documents "
                                   "WHERE document_id = %s FOR UPDATE").format(self._s), (doc.document_id,)).fetchone()
        if row is not None and since is not None and row[2] >= since:
            return 0
        values = {f: doc.fields.get(f) or "" for f in FIELDS}
        if doc.fields.get("text") is None:
            values["text"] = row[3] if row is not None else ""
        if row is not None and row[1] == doc.record_sha and row[3] == values["text"]:
            self._add_dossier(conn, row[0], doc.dossier_id)
            return 0
        cols = ["document_id", "dossier_id", "kind", "kind_key", "document_type", "number_symbol", "issued_date",
                "summary", "record_sha", "indexed_at"]
        params: list[Any] = [doc.document_id, doc.dossier_id, doc.kind, doc.kind_key, doc.document_type,
                             doc.number_symbol, doc.issued_date, doc.summary, doc.record_sha, now()]
        cols += [f"t_{f}" for f in FIELDS] + [f"k_{f}" for f in FIELDS]
        params += [values[f] for f in FIELDS] + [tokens(values[f]) for f in FIELDS]
        folded = " || ".join(f"setweight(to_tsvector('{self._cfg}', %s), '{_WEIGHT[f]}')" for f in FIELDS)
        marked = " || ".join("to_tsvector('simple', %s)" for _ in FIELDS)
        params += [tokens(values[f]) for f in FIELDS] * 2
        stmt = (f"INSERT INTO {self.schema}.documents({', '.join(cols)}, folded, marked) "
                f"VALUES ({', '.join(['%s'] * len(cols))}, {folded}, {marked}) ON CONFLICT (document_id) DO UPDATE SET "
                + ", ".join(f"{c} = EXCLUDED.{c}" for c in [*cols[1:], "folded", "marked"]) + " RETURNING id")
        rowid = conn.execute(stmt, params).fetchone()[0]
        self._add_dossier(conn, rowid, doc.dossier_id)
        return 1

    def _add_dossier(self, conn: psycopg.Connection[Any], rowid: int, dossier: str | None) -> None:
        if dossier:
            conn.execute(sql.SQL("INSERT INTO {}.dossiers(dossier, id) VALUES (%s, %s) ON CONFLICT DO NOTHING")
                         .format(self._s), (keys.component(dossier), rowid))

    def add_dossiers(self, pairs: Iterable[tuple[str, str]]) -> int:
        n = 0
        with self._errors("write"):
            conn = self._conn()
            with conn.transaction():
                for document_id, dossier in pairs:
                    row = conn.execute(sql.SQL("SELECT id FROM {}.documents WHERE document_id = %s").format(self._s),
                                       (document_id,)).fetchone()
                    if row:
                        self._add_dossier(conn, row[0], dossier)
                        n += 1
        return n

    def remove(self, document_ids: Iterable[str], *, unless_indexed_since: str | None = None) -> int:
        with self._errors("write"):
            cur = self._conn().execute(
                sql.SQL("DELETE FROM {}.documents WHERE document_id = ANY(%s) "
                        "AND (%s::text IS NULL OR indexed_at < %s)").format(self._s),
                (list(document_ids), unless_indexed_since, unless_indexed_since))
            return cur.rowcount

    def optimize(self) -> None:
        with self._errors("optimize"):
            self._conn().execute(sql.SQL("VACUUM ANALYZE {}.documents").format(self._s))

    def set_meta(self, key: str, value: str) -> None:
        with self._errors("write"):
            self._conn().execute(sql.SQL("INSERT INTO {}.meta(key, value) VALUES (%s, %s) ON CONFLICT (key) "
                                         "DO UPDATE SET value = EXCLUDED.value").format(self._s), (key, value))

    def get_meta(self, key: str) -> str | None:
        with self._errors("read"):
            row = self._conn().execute(sql.SQL("SELECT value FROM {}.meta WHERE key = %s").format(self._s),
                                       (key,)).fetchone()
        return row[0] if row else None

    # -- reading ----------------------------------------------------------------------------
    def has(self, document_id: str) -> bool:
        with self._errors("read"):
            return self._conn().execute(sql.SQL("SELECT 1 FROM {}.documents WHERE document_id = %s").format(self._s),
                                        (document_id,)).fetchone() is not None

    def document_ids(self) -> set[str]:
        return set(self.record_shas())

    def record_shas(self) -> dict[str, str]:
        with self._errors("read"):
            return dict(self._conn().execute(sql.SQL("SELECT document_id, record_sha FROM {}.documents")
                                             .format(self._s)).fetchall())

    def search(self, query: Query, filters: Filters, mark: tuple[str, str] = ("«", "»")) -> list[Hit]:
        cfg, s = self._cfg, self.schema
        params: dict[str, Any] = {"q": tsquery(query), "limit": filters.limit}
        folded = f"to_tsvector('{cfg}', d.k_{query.field})" if query.field else "d.folded"
        marked = f"to_tsvector('simple', d.k_{query.field})" if query.field else "d.marked"
        exact = " + ".join(f"({marked} @@ to_tsquery('simple', %(x{i})s))::int"
                           for i in range(len(query.exact_units))) or "0"
        for i, unit in enumerate(query.exact_units):
            params[f"x{i}"] = _operand(unit)
        where, more = filter_sql(filters, lambda name: f"%({name})s", f"{s}.")
        where = ["d.folded @@ q.q", *([f"{folded} @@ q.q"] if query.field else []), *where]
        params.update(more)
        stmt = (f"SELECT d.id, d.document_id, d.dossier_id, d.kind, d.document_type, d.number_symbol, d.issued_date, "
                f"d.summary, ts_rank('{RANK_WEIGHTS}'::float4[], {folded}, q.q) AS score, {exact} AS exact "
                f"FROM {s}.documents d, to_tsquery('{cfg}', %(q)s) AS q(q) WHERE {' AND '.join(where)} "
                f"ORDER BY exact DESC, score DESC, d.document_id LIMIT %(limit)s")
        with self._errors("search"):
            conn = self._conn()
            rows = conn.execute(stmt, params).fetchall()
            snippets = self._snippets(conn, params["q"], [r[0] for r in rows], query.field, mark)
        return [Hit(*r[1:8], snippet=snippets.get(r[0], ""), score=round(float(r[8]), 4), exact=r[9]) for r in rows]

    def _snippets(self, conn: psycopg.Connection[Any], q: str, rowids: list[int], field: str | None,
                  mark: tuple[str, str]) -> dict[int, str]:
        """ts_headline of the first field (in weight order) that matches, or of `field`."""
        if not rowids:
            return {}
        cfg = self._cfg
        opts = f'StartSel="{mark[0]}", StopSel="{mark[1]}", MaxWords=24, MinWords=8, MaxFragments=2, ' \
               'FragmentDelimiter=" … "'
        cases = " ".join(f"WHEN to_tsvector('{cfg}', k_{f}) @@ q.q THEN ts_headline('{cfg}', t_{f}, q.q, %(o)s)"
                         for f in ([field] if field else FIELDS))
        stmt = (f"SELECT id, CASE {cases} ELSE '' END FROM {self.schema}.documents, to_tsquery('{cfg}', %(q)s) "
                f"AS q(q) WHERE id = ANY(%(ids)s)")
        return dict(conn.execute(stmt, {"q": q, "o": opts, "ids": rowids}).fetchall())

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        s = self.schema
        with self._errors("read"):
            conn = self._conn()
            docs = conn.execute(f"SELECT document_id, dossier_id, kind, kind_key, document_type, number_symbol, "
                                f"issued_date, summary, record_sha FROM {s}.documents ORDER BY document_id").fetchall()
            texts = conn.execute(f"SELECT document_id, {', '.join('t_' + f for f in FIELDS)} FROM {s}.documents "
                                 "ORDER BY document_id").fetchall()
            dossiers = conn.execute(f"SELECT x.dossier, d.document_id FROM {s}.dossiers x JOIN {s}.documents d "
                                    "ON d.id = x.id ORDER BY 1, 2").fetchall()
        return {"documents": docs, "texts": texts, "dossiers": dossiers}

    def stats(self) -> dict[str, Any]:
        s = self.schema
        with self._errors("read"):
            n, size = self._conn().execute(
                f"SELECT count(*), pg_total_relation_size('{s}.documents') + pg_total_relation_size('{s}.dossiers') "
                f"FROM {s}.documents").fetchone()
        return {"backend": self.backend, "location": self.location, "documents": n, "bytes": size}


def _operand(unit: Unit) -> str:
    """One unit as a tsquery operand: its words joined by <-> (a phrase), the last one a prefix if asked."""
    words = [f"'{w}'" for w in tokens(unit.text).split()]
    if unit.prefix:
        words[-1] += ":*"
    return "(" + " <-> ".join(words) + ")"


def tsquery(query: Query) -> str:
    """The to_tsquery text of a parsed query (AND of OR-groups, AND NOT the excluded)."""
    expr = " & ".join("(" + " | ".join(_operand(u) for u in group) + ")" for group in query.groups)
    if query.excluded:
        expr += " & !(" + " | ".join(_operand(u) for u in query.excluded) + ")"
    return expr
