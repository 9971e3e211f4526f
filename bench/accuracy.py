"""Field scores of the whole pipeline on a folder of real scans with ground truth (e.g. ../shared/eval/real-dev).

The PDFs are copied into a fresh inbox, `sohoa digitize` archives them into a temporary archive,
`sohoa records export` writes the records, and the set's `score.py` (one folder up) prints its table.
The set is not part of the repository; without it this script says so and exits 0. The summary row
counts the documents needing review (any field in `review.fields`).

    .venv/bin/python bench/accuracy.py --set ../shared/eval/real-dev
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PYTHON, RESULTS, ROOT, SOHOA, emit, sohoa_digitize
from bench.devcache import DEV


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", type=Path, default=DEV)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--tree", type=Path, default=ROOT, help="run the code of another checkout (before/after)")
    args = ap.parse_args()
    folder: Path = args.set.resolve()
    truth, score = folder / "truth.jsonl", folder.parent / "score.py"
    if not truth.exists() or not score.exists():
        print(f"no evaluation set at {folder} (needs truth.jsonl and ../score.py); nothing to do")
        return

    with tempfile.TemporaryDirectory(prefix="sohoa-bench-acc-") as t:
        tmp = Path(t)
        inbox = tmp / "inbox"
        inbox.mkdir()
        docs = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".pdf", ".tif", ".tiff", ".jpg", ".png"))
        for p in docs:
            shutil.copy2(p, inbox / p.name)
        run = sohoa_digitize(inbox, tmp / "archive", args.jobs, tree=args.tree)
        records = RESULTS / "accuracy-records.jsonl"
        RESULTS.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, PREFECT_LOGGING_LEVEL="WARNING", PYTHONPATH=str(args.tree))
        with records.open("w", encoding="utf-8") as f:
            subprocess.run([*SOHOA, "records", "export", "--archive", str(tmp / "archive")], cwd=args.tree, env=env,
                           stdout=f, check=True)
    table = subprocess.run([PYTHON, str(score), str(truth), str(records)], capture_output=True, text=True,
                           check=True).stdout
    print(table)
    totals = run.report["totals"]
    exported = [json.loads(line) for line in records.read_text(encoding="utf-8").splitlines() if line.strip()]
    review = sum(bool((r.get("review") or {}).get("fields")) for r in exported)
    emit("accuracy", [{"set": str(folder), "tree": str(args.tree), "documents": len(docs), "pages": totals["pages"],
                       "archived": totals["archived"], "quarantined": totals["quarantined"],
                       "needing review": review, "seconds": run.seconds,
                       "pipeline pages/min": totals["pages_per_minute"]}],
         title="Real scans: run summary (field scores above, from score.py)",
         notes=[f"records: {records}"], extra={"score_table": table})


if __name__ == "__main__":
    main()
