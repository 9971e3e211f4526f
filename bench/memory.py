"""Peak memory of `sohoa digitize` on one long scanned PDF, for two page counts: it must stay flat.

The whole process tree is sampled (psutil, every 100 ms): the CLI, Prefect's server, the forkserver
page workers and their Tesseract children. "peak tree" is the largest sum of PSS over the tree at one
instant; "peak main" and "peak one process" are RSS.

    .venv/bin/python bench/memory.py [--pages 30,300] [--dense] [--seal]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import emit, scanned_set, sohoa_digitize


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", default="30,300", help="comma-separated page counts, one PDF each")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--dense", action="store_true", help="full pages (slower) instead of short ones")
    ap.add_argument("--seal", action="store_true", help="a red seal on every page: colour scans")
    args = ap.parse_args()

    rows = []
    for n in (int(x) for x in args.pages.split(",")):
        with tempfile.TemporaryDirectory(prefix="sohoa-bench-mem-") as t:
            tmp = Path(t)
            scans = scanned_set(tmp / "inbox" / "dossier-mem", n, n, dense=args.dense, distinct=10, seal=args.seal)
            size = scans.input_bytes  # the inbox file is moved away once archived
            run = sohoa_digitize(tmp / "inbox", tmp / "archive", args.jobs, memory=True)
            out = next((tmp / "archive").glob("records/*/searchable.pdf"), None)
            rows.append({"pages": n, "input MB": size / 1e6, "seconds": run.seconds,
                         "peak tree PSS MB": run.peak_total_mb, "peak main RSS MB": run.peak_main_mb,
                         "peak worker/any RSS MB": run.peak_single_mb,
                         "out/in size": out.stat().st_size / size if out else None})
        print(f"{n} pages: {rows[-1]}\n  at peak: {run.at_peak}", file=sys.stderr)
    emit("memory", rows, title="Peak RSS of `sohoa digitize` (process tree)",
         notes=[f"One image-only PDF per row, A4 300 dpi, {'dense' if args.dense else 'short'} pages"
                f"{' with a red seal (colour)' if args.seal else ''}, "
                f"--jobs {args.jobs}. Target: < 1 GB and flat in page count."])


if __name__ == "__main__":
    main()
