"""`sohoa digitize … --archive s3://…` gives the same records as a local directory, and the
`records` verbs work on both; the S3 secret never shows in output, records or stored objects.

Both runs are real `sohoa` processes (Prefect ephemeral mode) started side by side to share the
start-up time; born-digital PDFs keep Tesseract out of it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from pipeline.archive.s3 import S3Archive
from tests import archive_fixtures
from tests.archive_fixtures import new_bucket, s3_config
from tests.conftest import born_digital_pdf
from tests.s3server import ACCESS_KEY, SECRET_KEY

s3_server = archive_fixtures.s3_server
ROOT = Path(__file__).resolve().parents[1]
SOHOA = [sys.executable, "-c", "from flows.cli import main; main()"]
SHARED = {("dossier-a", "quyết định 1.pdf"), ("dossier-b", "bản sao.pdf")}  # the same bytes in two dossiers


def _inbox(root: Path) -> Path:
    for dossier, n in (("dossier-a", 1), ("dossier-a", 2), ("dossier-b", 3)):
        folder = root / dossier
        folder.mkdir(parents=True, exist_ok=True)
        born_digital_pdf(folder / f"quyết định {n}.pdf", ["ỦY BAN NHÂN DÂN TỈNH CẦN THƠ", f"Số: {n}/2024/QĐ-UBND",
                                                          "Cần Thơ, ngày 05 tháng 01 năm 2024", "QUYẾT ĐỊNH"])
    shutil.copy(root / "dossier-a" / "quyết định 1.pdf", root / "dossier-b" / "bản sao.pdf")  # one file, two dossiers
    return root


def _sohoa(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SOHOA, *args], capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)


def _comparable(stdout: str) -> list[dict[str, Any]]:
    """Records without the run-dependent parts: the time, and which of the two copies of the shared
    file was recorded first (documents run concurrently, so either dossier may win)."""
    recs = [json.loads(line) for line in stdout.splitlines() if line.strip()]
    for r in recs:
        r.pop("processed_at")
        if (r["source"]["dossier_path"], r["source"]["filename"]) in SHARED:
            r["dossier_id"] = r["source"]["dossier_path"] = r["source"]["filename"] = "(shared)"
    return sorted(recs, key=lambda r: r["document_id"])


@pytest.mark.slow
@pytest.mark.server
def test_digitize_to_s3_exports_the_same_records_as_local(s3_server, tmp_path: Path) -> None:
    bucket = new_bucket()
    uri = f"s3://{bucket}/sohoa"
    env = {**os.environ, **s3_server.env(), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "SOHOA_INDEX_KEY": "cli-test-index-key", "SOHOA_WORK_DIR": str(tmp_path / "work")}
    local = tmp_path / "archive"
    args = ["--min-file-age", "0", "--jobs", "1"]
    inbox = _inbox(tmp_path / "in-s3")
    shutil.copytree(inbox, tmp_path / "in-local")  # the same bytes: runs move their inbox to processed/
    runs = {
        "s3": subprocess.Popen([*SOHOA, "digitize", str(inbox), "--archive", uri, *args],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),
        "local": subprocess.Popen([*SOHOA, "digitize", str(tmp_path / "in-local"), "--archive", str(local), *args],
                                  cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),
    }
    outputs = []
    for name, proc in runs.items():
        out, err = proc.communicate(timeout=300)
        outputs += [out, err]
        assert proc.returncode == 0, f"{name}: {out[-2000:]}\n{err[-3000:]}"

    exported = {}
    for name, archive in (("s3", uri), ("local", str(local))):
        res = _sohoa("records", "export", "--archive", archive, env=env)
        outputs += [res.stdout, res.stderr]
        assert res.returncode == 0, res.stderr
        exported[name] = _comparable(res.stdout)
    assert len(exported["s3"]) == 3
    assert exported["s3"] == exported["local"]

    ids = {r["source"]["filename"]: r["document_id"] for r in exported["s3"]}
    ids["quyết định 1.pdf"] = ids.pop("(shared)")
    for archive in (uri, str(local)):
        found = _sohoa("records", "find", "--dossier", "dossier-b", "--ids", "--archive", archive, env=env)
        assert sorted(found.stdout.split()) == sorted([ids["quyết định 1.pdf"], ids["quyết định 3.pdf"]])
        found = _sohoa("records", "find", "--number-symbol", "2/2024/QĐ-UBND", "--ids", "--archive", archive, env=env)
        assert found.stdout.split() == [ids["quyết định 2.pdf"]]
        checked = _sohoa("records", "verify", "--archive", archive, env=env)
        assert checked.returncode == 0 and "OK" in checked.stdout, checked.stdout
        outputs += [found.stdout, found.stderr, checked.stdout, checked.stderr]

    url = _sohoa("records", "url", ids["quyết định 3.pdf"][:12], "--archive", uri, env=env)
    assert url.returncode == 0, url.stderr
    with urllib.request.urlopen(url.stdout.strip(), timeout=10) as resp:
        assert resp.read(5) == b"%PDF-"

    # a presigned URL names its signing key id (SigV4): with a read-only presign key it is that one's
    assert ACCESS_KEY in url.stdout and SECRET_KEY not in url.stdout
    url = _sohoa("records", "url", ids["quyết định 3.pdf"], "--archive", uri,
                 env={**env, "SOHOA_S3_PRESIGN_ACCESS_KEY": "readonly-id", "SOHOA_S3_PRESIGN_SECRET_KEY": "ro-secret"})
    assert "Credential=readonly-id" in url.stdout and ACCESS_KEY not in url.stdout
    outputs += [url.stdout, url.stderr]

    # the secret is nowhere: not in any output, not in any stored object, not in the local archive
    text = "\n".join(outputs)
    assert SECRET_KEY not in text
    assert ACCESS_KEY not in text
    store = S3Archive(bucket, "", s3_config(s3_server))
    for key in store.list():
        data = store.get_bytes(key)
        assert SECRET_KEY.encode() not in data and ACCESS_KEY.encode() not in data, key
    for path in local.rglob("*"):
        if path.is_file():
            assert SECRET_KEY.encode() not in path.read_bytes(), path
