"""The review loop in a real browser: a real `prefect server` (with its UI), `sohoa serve`, a digitize-inbox
run on a rendered document with a blank number and day, the review run it starts, and Debian's headless
Chromium driven by Playwright through the paused run's page: screenshots (PNG) of the run with its
evidence artifact, of the Resume form, and of the finished run; each step timed.

    .venv/bin/pip install -e .[bench]   # playwright's Python package only: never `playwright install`
    apt-get install chromium            # /usr/bin/chromium
    .venv/bin/python bench/review_ui.py [--out bench/results/review-ui]

Prints the step times as a markdown table + JSON (bench/results/review_ui.json) and checks the archived
record afterwards (corrected number, source operator, history, index, verify).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import emit  # noqa: E402
from flows.server import free_port, stop_group, wait_healthy  # noqa: E402

BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DOSSIER = "000.00.20.H27-240126-0077"
OPTIONS = {"jobs": 1, "ocr_dpi": 150, "detect_orientation": False, "min_file_age_seconds": 0}


def start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(cmd, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
                            cwd=ROOT)


@contextlib.contextmanager
def stack(tmp: Path) -> Iterator[tuple[str, str, dict[str, str], Path, Path]]:
    """prefect server (UI on) + sohoa serve; yields (api url, ui url, env, inbox, archive)."""
    port = free_port()
    ui, api = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(tmp / "prefect-home"), "PREFECT_API_URL": api,
           "PREFECT_UI_URL": ui, "PREFECT_UI_API_URL": api, "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_RUNNER_POLL_FREQUENCY": "1", "PREFECT_LOGGING_LEVEL": "INFO"}
    env.pop("PREFECT_PROFILE", None)
    inbox, archive = tmp / "inbox", tmp / "archive"
    inbox.mkdir()
    server = start([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)], env,
                   tmp / "server.log")
    serve = None
    try:
        if not wait_healthy(port, server, 90):
            raise RuntimeError((tmp / "server.log").read_text()[-2000:])
        serve = start([str(BIN / "sohoa"), "serve", "--inbox", str(inbox), "--archive", str(archive),
                       "--no-nightly"], env, tmp / "serve.log")
        yield api, ui, env, inbox, archive
    finally:
        if serve is not None:
            stop_group(serve)
        stop_group(server)


def wait_for(what: str, check: Any, timeout: float, log: Path | None = None) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            raise TimeoutError(what + ("\n" + log.read_text()[-3000:] if log else ""))
        time.sleep(0.5)


def paused_review_run(client: Any, deployment: str) -> Any:
    """The review run once it waits for input (Paused or Suspended)."""
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    dep = client.read_deployment_by_name(deployment)
    runs = client.read_flow_runs(deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[dep.id])))
    return next((r for r in runs if r.state and r.state.is_paused()), None)


def digitize_and_wait_for_review(env: dict[str, str], inbox: Path, tmp: Path, wait: str) -> tuple[Any, float]:
    """Digitize; the run starts the review itself (suspend), or (pause) a review run is started by hand."""
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    from pipeline.synth import Document, render_page

    (inbox / DOSSIER).mkdir()
    page, _ = render_page(Document(number=None, day="    "), dpi=150)
    page.convert("L").save(inbox / DOSSIER / "quyet-dinh-so-trong.png", dpi=(150, 150))
    with get_client(sync_client=True) as client:
        wait_for("deployments registered", lambda: _has(client, "review/on-demand"), 60, tmp / "serve.log")
        t0 = time.monotonic()
        if wait == "suspend":
            run_deployment("digitize-inbox/on-demand", parameters={"options": OPTIONS}, timeout=0, as_subflow=False)
        else:
            done = run_deployment("digitize-inbox/on-demand", parameters={
                "options": OPTIONS, "settings": {"start_review": False}}, timeout=300, as_subflow=False)
            assert done.state and done.state.is_completed(), done.state
            run_deployment("review/on-demand", parameters={"request": {"wait": "pause"}}, timeout=0,
                           as_subflow=False)
        run = wait_for("review run paused", lambda: paused_review_run(client, "review/on-demand"), 180,
                       tmp / "serve.log")
        return run, time.monotonic() - t0


def _has(client: Any, name: str) -> bool:
    try:
        client.read_deployment_by_name(name)
        return True
    except Exception:
        return False


def browse(ui: str, run_id: str, out: Path) -> list[dict[str, Any]]:
    """Open the paused run, screenshot it, open the Resume form, fill it, submit; time every step."""
    from playwright.sync_api import sync_playwright

    steps: list[dict[str, Any]] = []

    def step(name: str, t0: float, shot: str | None = None) -> None:
        steps.append({"step": name, "seconds": round(time.monotonic() - t0, 2), "screenshot": shot or ""})

    with tempfile.TemporaryDirectory(prefix="sohoa-chromium-") as profile, sync_playwright() as p:
        # A new empty profile (--user-data-dir): Playwright takes it as the persistent context's folder.
        browser = p.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                                       viewport={"width": 1280, "height": 1400})
        page = browser.new_page()
        t0 = time.monotonic()
        page.goto(f"{ui}/runs/flow-run/{run_id}", wait_until="networkidle")
        page.get_by_text("Artifacts", exact=True).first.click()
        page.wait_for_timeout(1500)
        page.screenshot(path=out / "1-paused-run-artifacts.png", full_page=True)
        step("open the paused run and its Artifacts tab", t0, "1-paused-run-artifacts.png")
        t0 = time.monotonic()
        page.get_by_role("button", name="Resume").first.click()
        page.get_by_text("Your name (reviewed_by)").first.wait_for(timeout=20000)
        page.wait_for_timeout(1000)
        page.locator(".p-modal__body img").first.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        page.screenshot(path=out / "2-resume-form.png")
        step("open the Resume form (crop + prefilled fields)", t0, "2-resume-form.png")
        t0 = time.monotonic()
        fill(page, "Your name (reviewed_by)", "Nguyễn Thị Lan")
        fill(page, "Số (number)", "5a")
        page.get_by_role("button", name="Submit").first.click()
        page.get_by_text("Validation failed").first.wait_for(timeout=20000)
        page.screenshot(path=out / "3-number-with-letters-refused.png")
        step("a number with letters: refused by the API, the run stays suspended", t0,
             "3-number-with-letters-refused.png")
        dismiss_toasts(page)
        t0 = time.monotonic()
        fill(page, "Số (number)", "51")
        fill(page, "Ngày ban hành (issue date)", "2025-02-30")
        page.get_by_role("button", name="Submit").first.click()
        try:
            wait_resumed_and_paused_again(run_id)
        except TimeoutError:
            page.screenshot(path=out / "error-no-second-form.png")
            raise
        step("a date that does not exist: Submit → the run waits on the next form (the flow refused it)", t0)
        t0 = time.monotonic()
        page.reload(wait_until="networkidle")
        page.get_by_role("button", name="Resume").first.click()
        page.get_by_text("Answer refused").first.wait_for(timeout=20000)
        page.screenshot(path=out / "4-impossible-date-refused.png")
        step("reload the page, Resume: the form is back with the reason", t0, "4-impossible-date-refused.png")
        t0 = time.monotonic()
        fill(page, "Ngày ban hành (issue date)", "2025-01-17")
        page.get_by_role("button", name="Submit").first.click()
        page.get_by_role("button", name="Resume").first.wait_for(state="hidden", timeout=30000)
        step("correct the date and Submit (accepted)", t0)
        t0 = time.monotonic()
        wait_final(run_id)
        page.reload(wait_until="networkidle")
        page.screenshot(path=out / "5-review-done.png")
        step("the run commits the new revision and completes", t0, "5-review-done.png")
        browser.close()
    return steps


def wait_resumed_and_paused_again(run_id: str) -> None:
    """The run resumes (a suspended one is re-executed from the top by `sohoa serve`), refuses the answer
    and waits again, on the form of the next attempt (its pause key ends in -1)."""
    from prefect.client.orchestration import get_client

    def asked_again() -> bool:
        state = client.read_flow_run(run_id).state
        return bool(state and state.is_paused() and (state.state_details.pause_key or "").endswith("-1"))

    with get_client(sync_client=True) as client:
        wait_for("form asked again", asked_again, 180)


def wait_final(run_id: str) -> Any:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return wait_for("review run finished", lambda: _final(client, run_id), 120)


def dismiss_toasts(page: Any) -> None:
    """Close the error toast: it sits over the dialog's Submit button."""
    toast = page.locator(".p-toast")
    for i in range(toast.count()):
        with contextlib.suppress(Exception):
            toast.nth(i).locator("button").first.click(timeout=2000)
    with contextlib.suppress(Exception):
        page.get_by_text("Validation failed").first.wait_for(state="hidden", timeout=15000)


def fill(page: Any, label: str, value: str) -> None:
    """Type into the form input whose label starts with `label` (Prefect's schema form)."""
    prop = page.locator(".schema-form-property", has=page.locator(".schema-form-property__label",
                                                                     has_text=label)).first
    prop.locator("textarea, input").first.fill(value)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "review-ui")
    ap.add_argument("--wait", choices=["suspend", "pause"], default="suspend",
                    help="how the review run waits (suspend: as digitize-inbox starts it)")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with tempfile.TemporaryDirectory(prefix="sohoa-review-ui-") as d:
        tmp = Path(d)
        with stack(tmp) as (api, ui, env, inbox, archive), temporary_settings({PREFECT_API_URL: api}):
            run, to_pause = digitize_and_wait_for_review(env, inbox, tmp, args.wait)
            steps = [{"step": "digitize-inbox run → review run waiting for input", "seconds": round(to_pause, 1),
                      "screenshot": ""}]
            steps += browse(ui, str(run.id), args.out)
            final = wait_final(str(run.id))
            checks = check_archive(archive)
            print(json.dumps({"state": final.state.name, **checks}, ensure_ascii=False))
    emit(f"review_ui_{args.wait}", steps,
         title=f"One review in the Prefect UI ({args.wait}), driven by Playwright (headless Chromium)",
         notes=[f"Screenshots in {args.out}.", f"Review run ended {final.state.name}; archive checks: {checks}"],
         extra={"checks": checks})


def _final(client: Any, run_id: Any) -> Any:
    run = client.read_flow_run(run_id)
    return run if run.state and run.state.is_final() else None


def check_archive(archive: Path) -> dict[str, Any]:
    from pipeline.archive import LocalArchive
    from pipeline.archive import records as store
    from pipeline.reader import Reader

    a = LocalArchive(archive)
    (rec,) = list(store.iter_records(a))
    r = Reader(a)
    return {"number": rec["metadata"]["number"], "number_symbol": rec["metadata"]["number_symbol"],
            "issued_date": rec["metadata"]["issued_date"], "status": rec["review"]["status"],
            "revision": rec.get("revision"), "history": len(store.get_history(a, rec["document_id"])),
            "index_hit": bool(r.find(number_symbol=rec["metadata"]["number_symbol"] or "-")),
            "verify_ok": r.verify().ok}


if __name__ == "__main__":
    main()
