"""Full-text search (pipeline.search): index build, query latency and size at 10k and 100k records.

Records are generated (no OCR): summaries from templates over procedures, places and agencies, Decree 30
numbers and symbols, dates over five years, a ~2,000-character body of administrative sentences per
record, one record in ten typed without marks (as OCR sometimes reads them) and a CCCD in some bodies.

- build: `upsert` in batches of 500, as `sohoa records reindex` writes, then `optimize` — records/s;
- commit: one record per transaction, as the commit hook writes during a run — ms per record;
- queries: a fixed mix (with and without marks, phrases, prefixes, a field, filters), each run
  `--repeat` times on a warm index — p50/p95 ms;
- size: the index file (both FTS5 tables and the text, after optimize) per record; for PostgreSQL the
  table, its TOAST and its GIN indexes.

    .venv/bin/python bench/search.py [--sizes 10000,100000] [--repeat 20] [--postgres 10000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import SENTENCES, SIGNERS, emit
from pipeline.search import Filters, SearchIndex, parse
from pipeline.search.fold import fold
from pipeline.search.model import IndexDoc, doc_from_record
from pipeline.search.sqlite import SqliteIndex

PROCEDURES = ["giao đất", "thu hồi đất", "cấp giấy chứng nhận quyền sử dụng đất", "chuyển mục đích sử dụng đất",
              "đăng ký kinh doanh hộ cá thể", "cấp phép xây dựng", "hỗ trợ hộ nghèo", "đăng ký khai sinh",
              "phê duyệt dự án đầu tư", "bồi thường, hỗ trợ tái định cư", "điều chỉnh quy hoạch chi tiết"]
PLACES = ["xã Đức Phong, huyện Mộ Đức", "phường Trần Phú, thành phố Quảng Ngãi", "xã Bình Sơn, huyện Bình Sơn",
          "thị trấn Châu Ổ", "xã Nghĩa Hành", "phường Nghĩa Chánh", "xã Tịnh Kỳ", "xã Phổ Thạnh, thị xã Đức Phổ",
          "phường Bến Nghé, Quận 1", "xã Hòa Vang", "thị trấn Đông Anh, huyện Đông Anh"]
AGENCIES = ["ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI", "ỦY BAN NHÂN DÂN HUYỆN MỘ ĐỨC", "SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG",
            "SỞ XÂY DỰNG", "ỦY BAN NHÂN DÂN THÀNH PHỐ HỒ CHÍ MINH", "SỞ KẾ HOẠCH VÀ ĐẦU TƯ", "CÔNG AN TỈNH"]
TYPES = [("Quyết định", "QĐ"), ("Công văn", ""), ("Tờ trình", "TTr"), ("Thông báo", "TB"), ("Kế hoạch", "KH"),
         ("Báo cáo", "BC")]
QUERIES = [
    ("marked", "giao đất Mộ Đức", {}),
    ("unmarked", "giao dat mo duc", {}),
    ("partial marks", "thu hồi dat Nghia Chánh", {}),
    ("phrase", '"quyền sử dụng đất"', {}),
    ("prefix", "chuyển mục*", {}),
    ("number/symbol", "15/2024/QĐ-UBND", {}),
    ("common word", "ngân sách", {}),
    ("field summary", "hỗ trợ hộ nghèo", {"field": "summary"}),
    ("kind + dates", "đất", {"kind": "Quyết định", "date_from": "2023", "date_to": "2023-12"}),
    ("dossier", "đất", {"dossier": "HS-00042"}),
    ("OR / NOT", "khai sinh OR kinh doanh -Bình", {}),
    ("no hit", "tàu vũ trụ", {}),
]


def records(n: int, seed: int = 7) -> Iterator[IndexDoc]:
    rng = random.Random(seed)
    for i in range(n):
        dtype, code = rng.choice(TYPES)
        year, agency = rng.randint(2021, 2025), rng.choice(AGENCIES)
        summary = f"Về việc {rng.choice(PROCEDURES)} tại {rng.choice(PLACES)}"
        body = " ".join(rng.sample(SENTENCES, 5)) + f" {summary}. Người ký: {rng.choice(SIGNERS)}. " + \
            " ".join(rng.sample(SENTENCES, 4))
        if rng.random() < 0.3:
            body += f" Ông/bà có CCCD số 0{rng.randint(10, 96)}2{rng.randint(10**7, 10**8 - 1)}."
        if rng.random() < 0.1:  # OCR that lost the marks
            summary, body = fold(summary).capitalize(), fold(body)
        number = rng.randint(1, 3000)
        symbol = f"{number}/{year}/{code}-UBND" if code else f"{number}/UBND"
        if i == n // 2:
            symbol = "15/2024/QĐ-UBND"  # the number/symbol query's one record
        rec = {"document_id": f"{i:064x}", "dossier_id": f"HS-{i // 8:05d}", "metadata": {
            "document_type": dtype, "number_symbol": symbol,
            "issued_date": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", "summary": summary,
            "issuing_agency": agency, "signer_title": "CHỦ TỊCH", "signer_name": rng.choice(SIGNERS),
            "citizen_ids": []}}
        yield doc_from_record(rec, body)


def run(n: int, repeat: int, index: SearchIndex) -> dict[str, object]:
    docs = records(n)
    t0 = time.perf_counter()
    while batch := [d for _, d in zip(range(500), docs, strict=False)]:
        index.upsert(batch)
    index.optimize()
    build = time.perf_counter() - t0
    extra = list(records(200, seed=n + 1))
    t0 = time.perf_counter()
    for i, d in enumerate(extra):
        index.upsert([IndexDoc(**{**d.__dict__, "document_id": f"c{i:063x}"})])
    commit_ms = (time.perf_counter() - t0) * 1000 / len(extra)
    stats = index.stats()
    latencies: dict[str, list[float]] = {}
    hits: dict[str, int] = {}
    for _ in range(repeat):
        for name, text, kw in QUERIES:
            q = parse(text, kw.get("field"))
            filters = Filters(**{k: v for k, v in kw.items() if k != "field"})
            t0 = time.perf_counter()
            hits[name] = len(index.search(q, filters))
            latencies.setdefault(name, []).append((time.perf_counter() - t0) * 1000)
    every = sorted(x for v in latencies.values() for x in v)
    index.close()
    return {"backend": index.backend, "records": n, "build records/s": round(n / build), "build s": round(build, 1),
            "commit ms/record": round(commit_ms, 2),
            "query p50 ms": round(statistics.median(every), 2),
            "query p95 ms": round(every[int(0.95 * (len(every) - 1))], 2),
            "slowest query (p50 ms)": max(latencies, key=lambda k: statistics.median(latencies[k])),
            "bytes/record": round(stats["bytes"] / (n + len(extra))),
            "_per_query": {k: {"p50": round(statistics.median(v), 2), "hits": hits[k]} for k, v in latencies.items()}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--postgres", default="", help="sizes for the PostgreSQL backend too (a throw-away server "
                                                   "from Debian's postgresql, as the tests start it), e.g. 10000")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="sohoa-bench-search-") as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            rows.append(run(n, args.repeat, SqliteIndex(Path(tmp) / f"bench-{n}.sqlite")))
            print(f"sqlite {n}: done", file=sys.stderr)
    if args.postgres:
        from pipeline.search.postgres import PostgresIndex
        from tests.pgserver import start_postgres

        server = start_postgres()
        try:
            for n in (int(s) for s in args.postgres.split(",")):
                rows.append(run(n, args.repeat, PostgresIndex(server.dsn, schema=f"bench_{n}")))
                print(f"postgres {n}: done", file=sys.stderr)
        finally:
            server.stop()
    per_query = {f"{r['backend']} {r['records']}": r.pop("_per_query") for r in rows}
    emit("search", rows, title="Full-text search", extra={"per_query": per_query}, notes=[
        f"{len(QUERIES)} queries x {args.repeat} rounds per size, limit 20, snippets included; "
        "~2,000 characters of body per record, 10% without marks."])
    for n, qs in per_query.items():
        print(f"\n{n}: " + ", ".join(f"{k} {v['p50']} ms ({v['hits']} hits)" for k, v in qs.items()))


if __name__ == "__main__":
    main()
