"""Shared pieces of the benchmarks: test material, the raw-Tesseract bound, process-tree memory, output.

Every bench script prints one markdown table (paste it into docs/performance.md) and writes the same
numbers as JSON to bench/results/<name>.json (gitignored). Pages are rendered with `pipeline.synth`,
so nothing is downloaded and every page comes with its ground truth.
"""

from __future__ import annotations

import json
import os
import platform
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/x.py` puts bench/ first, not the repo
    sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402
from rapidfuzz.distance import Levenshtein  # noqa: E402

from pipeline.synth import BODY, Document, render_page, save_pdf  # noqa: E402

RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
SOHOA = [PYTHON, "-m", "flows.cli"]

# Sentences of the kind that fill the body of a quyết định / công văn; shuffled per page so pages differ.
SENTENCES = [
    "Giao Sở Nội vụ chủ trì, phối hợp với các sở, ban, ngành tổ chức triển khai thực hiện Quyết định này.",
    "Chánh Văn phòng Ủy ban nhân dân tỉnh, Giám đốc các sở, Thủ trưởng các cơ quan, đơn vị có liên quan chịu "
    "trách nhiệm thi hành Quyết định này.",
    "Kinh phí thực hiện được bố trí từ nguồn ngân sách nhà nước theo phân cấp hiện hành và các nguồn hợp "
    "pháp khác.",
    "Ủy ban nhân dân các huyện, thị xã, thành phố có trách nhiệm rà soát, cập nhật dữ liệu hồ sơ thủ tục "
    "hành chính lên Hệ thống thông tin giải quyết thủ tục hành chính của tỉnh trước ngày 30 tháng 6 năm 2025.",
    "Việc số hóa hồ sơ phải bảo đảm tính chính xác, đầy đủ, toàn vẹn và an toàn thông tin theo quy định "
    "tại Thông tư số 05/2025/TT-BNV.",
    "Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, các cơ quan, đơn vị kịp thời phản ánh về Sở Nội "
    "vụ để tổng hợp, báo cáo Ủy ban nhân dân tỉnh xem xét, quyết định.",
    "Quyết định này có hiệu lực kể từ ngày ký và thay thế Quyết định số 1520/QĐ-UBND ngày 14 tháng 9 năm 2023.",
    "Điều 1. Phê duyệt Kế hoạch số hóa hồ sơ, kết quả giải quyết thủ tục hành chính giai đoạn 2025 - 2026.",
]
SIGNERS = ["Nguyễn Văn An", "Trần Thị Bích Hạnh", "Lê Hoàng Phúc", "Phạm Minh Đức", "Võ Thị Thu Trang"]
TYPES = ["QUYẾT ĐỊNH", "CHỈ THỊ", "KẾ HOẠCH", "THÔNG BÁO", None]


def dense_document(i: int) -> Document:
    """A page with the text density of a real administrative page (~2,000 characters)."""
    rng = random.Random(i)
    paras = [" ".join(rng.sample(SENTENCES, 3)) for _ in range(3)]
    return Document(number=str(10 + i), day=f"{1 + i % 28:02d}", type_name=TYPES[i % len(TYPES)],
                    summary_lines=("Về việc số hóa hồ sơ, kết quả giải quyết", "thủ tục hành chính"),
                    body=BODY, extra_body_lines=paras, signer_name=SIGNERS[i % len(SIGNERS)])


def sparse_document(i: int) -> Document:
    """A short page (a few lines): per-page overhead dominates here."""
    return Document(number=str(10 + i), type_name=TYPES[i % len(TYPES)], body="Nội dung ngắn.",
                    signer_name=SIGNERS[i % len(SIGNERS)])


@dataclass
class ScanSet:
    """Image-only PDFs of rendered pages, their truths, and the same page images as JPEG files."""

    pdfs: list[Path]
    truths: list[list[str]]  # per PDF, per page
    images: list[Path] = field(default_factory=list)  # the JPEG streams of the PDFs, page order

    @property
    def pages(self) -> int:
        return sum(len(t) for t in self.truths)

    @property
    def input_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.pdfs)


def scanned_set(folder: Path, pages: int, per_doc: int, *, dense: bool = True, dpi: int = 300,
                distinct: int | None = None, seal: bool = False) -> ScanSet:
    """`pages` A4 pages at `dpi` as image-only PDFs of `per_doc` pages each (JPEG q80, like a scanner).

    `distinct` renders only that many different pages and repeats them (for the long memory runs);
    `seal` stamps a red seal on every page (a colour scan, the seal over the signer block).
    """
    folder.mkdir(parents=True, exist_ok=True)
    make = dense_document if dense else sparse_document
    cache: dict[int, tuple[Image.Image, str]] = {}
    out = ScanSet([], [])
    for start in range(0, pages, per_doc):
        imgs, truths = [], []
        for i in range(start, min(pages, start + per_doc)):
            key = i % distinct if distinct else i
            if key not in cache:
                doc = make(key)
                cache[key] = render_page(replace(doc, red_seal=True) if seal else doc, dpi=dpi)
                if not distinct:
                    cache = {key: cache[key]}
            im, truth = cache[key]
            imgs.append(im)
            truths.append(truth)
        path = folder / f"scan{start // per_doc + 1:03d}.pdf"
        save_pdf(imgs, path, dpi=dpi)
        out.pdfs.append(path)
        out.truths.append(truths)
    return out


def extract_jpegs(pdfs: Sequence[Path], folder: Path) -> list[Path]:
    """The page images exactly as embedded in the PDFs (DCT streams, not re-encoded)."""
    import pikepdf

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for pdf_path in pdfs:
        with pikepdf.open(pdf_path) as pdf:
            for n, page in enumerate(pdf.pages, start=1):
                (xobj,) = page.images.values()
                path = folder / f"{pdf_path.stem}-{n:04d}.jpg"
                path.write_bytes(xobj.read_raw_bytes())
                paths.append(path)
    return paths


def raw_tesseract(images: Sequence[Path], jobs: int, language: str = "vie") -> tuple[float, list[str]]:
    """The physical bound: `tesseract IMG - -l vie`, `jobs` at a time, single-threaded each."""
    env = dict(os.environ, OMP_THREAD_LIMIT="1")

    def one(path: Path) -> str:
        return subprocess.run(["tesseract", str(path), "-", "-l", language], env=env, capture_output=True,
                              text=True, check=True).stdout

    t0 = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        texts = list(pool.map(one, images))
    return time.perf_counter() - t0, texts


def cer(got: str, truth: str) -> float:
    """Character error rate on the sorted words (as tests/conftest.py): column reading order does not count."""
    a, b = " ".join(sorted(got.split())), " ".join(sorted(truth.split()))
    return Levenshtein.distance(a, b) / max(1, len(b))


def pdf_page_texts(path: Path) -> list[str]:
    """The text layer of every page (what a search index sees)."""
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return [p.extract_text() or "" for p in pdf.pages]


class TreeMemory:
    """Peak memory of a process and all its descendants (forkserver workers, Tesseract), sampled.

    The tree total sums PSS (shared pages split between the processes that map them), so forked
    workers are not counted twice; single-process peaks are RSS.
    """

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        import psutil

        self._psutil = psutil
        self.root = psutil.Process(pid)
        self.interval = interval
        self.peak_total = 0  # bytes, PSS summed over the tree at one instant
        self.peak_single = 0
        self.peak_main = 0
        self.at_peak: list[tuple[str, int]] = []  # (process, MB) when the tree peaked
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        ps = self._psutil
        try:
            procs = [self.root, *self.root.children(recursive=True)]
        except ps.Error:
            return
        total = 0
        parts = []
        for p in procs:
            try:
                info = p.memory_full_info()  # PSS: pages shared between forked workers count once
                rss = info.rss
                parts.append((f"{p.pid}<{p.ppid()} " + " ".join(p.cmdline()[:3])[-50:], rss // 2**20))
            except ps.Error:
                continue
            total += getattr(info, "pss", rss)
            self.peak_single = max(self.peak_single, rss)
            if p.pid == self.root.pid:
                self.peak_main = max(self.peak_main, rss)
        if total > self.peak_total:
            self.peak_total, self.at_peak = total, parts

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class CliRun:
    seconds: float  # wall time of the whole command (interpreter, Prefect, pipeline)
    report: dict[str, Any]
    peak_total_mb: float = 0.0
    peak_single_mb: float = 0.0
    peak_main_mb: float = 0.0
    at_peak: list[tuple[str, int]] = field(default_factory=list)


def sohoa_digitize(inbox: Path, archive: Path, jobs: int, *, work_dir: Path | None = None,
                   memory: bool = False, tree: Path = ROOT, api_url: str | None = None) -> CliRun:
    """Run `sohoa digitize INBOX --archive DIR` as a user would; the run report is read back.

    `tree` runs the code of another checkout (e.g. the commit before a change) with this venv, so a
    before/after comparison can be interleaved in one benchmark run. `api_url`: a running Prefect
    server to report to, as in production, instead of the CLI's temporary one.
    """
    args = [*SOHOA, "digitize", str(inbox), "--archive", str(archive), "--jobs", str(jobs), "--min-file-age", "0",
            "--force"]  # --force: no Prefect result cache across benchmark rounds
    if work_dir:
        args += ["--work-dir", str(work_dir)]
    env = dict(os.environ, PREFECT_LOGGING_LEVEL="WARNING", PYTHONPATH=str(tree))
    if api_url:
        env["PREFECT_API_URL"] = api_url
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, cwd=tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    mem = TreeMemory(proc.pid) if memory else None
    if mem:
        mem.__enter__()
    out, _ = proc.communicate()
    if mem:
        mem.__exit__()
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"sohoa digitize exited {proc.returncode}:\n{out[-3000:]}")
    (report_path,) = sorted((archive / "runs").glob("*/report.json"), key=lambda p: p.stat().st_mtime)[-1:]
    report = json.loads(report_path.read_text(encoding="utf-8"))
    run = CliRun(seconds, report)
    if mem:
        run.peak_total_mb, run.peak_single_mb, run.peak_main_mb = (
            mem.peak_total / 2**20, mem.peak_single / 2**20, mem.peak_main / 2**20)
        run.at_peak = mem.at_peak
    return run


@contextmanager
def prefect_server(home: Path) -> Iterator[str]:
    """A real `prefect server start --no-ui` on a loopback port (its own PREFECT_HOME); yields its API URL."""
    from flows.server import free_port, wait_healthy

    port = free_port()
    env = dict(os.environ, PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    env.pop("PREFECT_API_URL", None)
    proc = subprocess.Popen([str(Path(PYTHON).with_name("prefect")), "server", "start", "--host", "127.0.0.1",
                             "--port", str(port), "--no-ui"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        if not wait_healthy(port, proc, 90):
            raise RuntimeError("prefect server did not start")
        time.sleep(5)  # let its services settle before anything is timed
        yield f"http://127.0.0.1:{port}/api"
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(30)


def archived_texts(archive: Path) -> dict[str, list[str]]:
    """filename → per-page text (text.txt pages are separated by form feeds)."""
    out = {}
    for rec_path in (archive / "records").glob("*/record.json"):
        rec = json.loads(rec_path.read_text(encoding="utf-8"))
        text = (rec_path.parent / "text.txt").read_text(encoding="utf-8")
        out[rec["source"]["filename"]] = text.split("\f")
    return out


def archived_pdfs(archive: Path) -> dict[str, Path]:
    out = {}
    for rec_path in (archive / "records").glob("*/record.json"):
        rec = json.loads(rec_path.read_text(encoding="utf-8"))
        out[rec["source"]["filename"]] = archive / rec["artifacts"]["searchable_pdf"]
    return out


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    tess = subprocess.run(["tesseract", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cores": os.cpu_count(), "cpu": model, "memory_gib": round(mem_gb, 1), "tesseract": tess,
            "python": platform.python_version(), "load_avg_at_start": [round(x, 2) for x in os.getloadavg()]}


def fmt(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.3f}" if abs(v) < 10 else f"{v:.1f}"
    return "" if v is None else str(v)


def emit(name: str, rows: list[dict[str, Any]], *, title: str, notes: Sequence[str] = (),
         extra: dict[str, Any] | None = None) -> None:
    """Print the rows as a markdown table and write bench/results/<name>.json."""
    cols: list[str] = []
    for r in rows:
        cols += [k for k in r if k not in cols]
    lines = [f"### {title}", "", "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(fmt(r.get(c)) for c in cols) + " |" for r in rows]
    m = machine()
    lines += ["", f"Machine: {m['cores']} cores, {m['cpu']}, {m['memory_gib']} GiB; {m['tesseract']}; "
              f"load average at start {m['load_avg_at_start']}."]
    lines += [f"{n}" for n in notes]
    print("\n".join(lines))
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {"name": name, "title": title, "machine": m, "rows": rows, "notes": list(notes), **(extra or {}),
               "time": time.strftime("%Y-%m-%dT%H:%M:%S")}
    text = json.dumps(payload, ensure_ascii=False, indent=2, default=str)
    (RESULTS / f"{name}.json").write_text(text, encoding="utf-8")


@contextmanager
def timer() -> Iterator[Callable[[], float]]:
    t0 = time.perf_counter()
    end: list[float] = []
    yield lambda: (end[0] if end else time.perf_counter()) - t0
    end.append(time.perf_counter())
