"""Fast extraction-only accuracy loop on the real-dev set (pages cached by `bench/devcache.py`).

usage: python bench/accuracy_dev.py [--no-zone] [--no-signatures] [--out bench/results/records_dev.jsonl]
Runs `pipeline.extract.extract` on each cached document (with the PDF's digital signatures, as
`pipeline.document` does), writes one record line per document
({"source": {"filename"}, "metadata", "review"}) and scores it with the shared `score.py`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from devcache import DEV, cache_pdf, load, signatures  # noqa: E402

from pipeline.extract import extract  # noqa: E402


def main(argv: list[str]) -> int:
    out = Path(argv[argv.index("--out") + 1]) if "--out" in argv else ROOT / "bench" / "results" / "records_dev.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with out.open("w", encoding="utf-8") as f:
        for pdf in sorted(DEV.glob("*.pdf")):
            cache_pdf(pdf)
            sigs = [] if "--no-signatures" in argv else signatures(pdf.stem, pdf.parent)
            ex = extract(load(pdf.stem), zone_ocr="--no-zone" not in argv, signatures=sigs)
            rec = {"source": {"filename": pdf.name}, "metadata": ex.metadata.model_dump(),
                   "review": ex.review.model_dump(),
                   "evidence": {k: v.model_dump() for k, v in ex.evidence.items()}}
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    review = sum(bool(json.loads(line)["review"]["fields"]) for line in out.read_text(encoding="utf-8").splitlines())
    print(f"extracted in {time.monotonic() - started:.1f} s -> {out}; documents needing review: {review}")
    score = DEV.parent / "score.py"
    return subprocess.call([sys.executable, str(score), str(DEV / "truth.jsonl"), str(out)])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
