"""Static checks of the production files (no Docker engine on development machines or CI):
docker-compose.yml, Dockerfile, .env.example, prefect.yaml, and the in-code deployments."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def prefect_yaml() -> dict:
    return yaml.safe_load((ROOT / "prefect.yaml").read_text())


def _env_example() -> dict[str, str]:
    out = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            out[key.strip()] = value.strip()
    return out


def test_compose_has_the_services_with_healthchecks(compose: dict) -> None:
    services = compose["services"]
    assert {"postgres", "prefect-server", "minio", "minio-init", "deploy", "worker"} <= set(services)
    for name in ("postgres", "prefect-server", "minio", "worker"):
        assert services[name]["healthcheck"]["test"], name
    assert services["minio"]["image"].startswith("minio/minio:RELEASE.2025-"), "pin a MinIO release that exists"
    assert all(":" in s["image"] and not s["image"].endswith(":latest")
               for n, s in services.items() if "image" in s and "build" not in s)


def test_prefect_server_runs_on_postgres(compose: dict) -> None:
    server = compose["services"]["prefect-server"]
    url = server["environment"]["PREFECT_API_DATABASE_CONNECTION_URL"]
    assert url.startswith("postgresql+asyncpg://") and "@postgres:5432/" in url
    assert server["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert server["environment"]["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"


def test_buckets_are_created_at_start(compose: dict) -> None:
    init = compose["services"]["minio-init"]
    script = " ".join(init["command"])
    assert "mc mb --ignore-existing" in script and "SOHOA_BUCKET" in script
    assert init["depends_on"]["minio"]["condition"] == "service_healthy"


def test_worker_scales_and_reaches_everything(compose: dict) -> None:
    worker = compose["services"]["worker"]
    assert "container_name" not in worker and "ports" not in worker, "--scale worker=N needs neither"
    assert worker["build"] == "."
    env = worker["environment"]
    for var in ("PREFECT_API_URL", "SOHOA_ARCHIVE", "SOHOA_INBOX", "SOHOA_S3_ENDPOINT", "SOHOA_S3_ACCESS_KEY",
                "SOHOA_S3_SECRET_KEY"):
        assert env.get(var), var
    assert env["SOHOA_ARCHIVE"].startswith("s3://")
    deps = worker["depends_on"]
    assert deps["prefect-server"]["condition"] == "service_healthy"
    assert deps["minio-init"]["condition"] == deps["deploy"]["condition"] == "service_completed_successfully"
    deploy_cmd = " ".join(compose["services"]["deploy"]["command"])
    assert "work-pool create sohoa --type process" in deploy_cmd and "deploy --all" in deploy_cmd
    assert "concurrency-limit create tesseract" in deploy_cmd


def test_secrets_come_from_env_file(compose: dict) -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    used = set(re.findall(r"(?<!\$)\$\{([A-Z_][A-Z0-9_]*)", text))
    example = _env_example()
    assert used <= set(example), f"document in .env.example: {sorted(used - set(example))}"
    for secret in ("POSTGRES_PASSWORD", "MINIO_ROOT_PASSWORD"):
        assert secret in used and example[secret].startswith("change-me")
    assert len(example["MINIO_ROOT_PASSWORD"]) >= 8  # MinIO refuses shorter ones
    assert ".env" in (ROOT / ".dockerignore").read_text().split()


def test_dockerfile_installs_tesseract_vie_and_downloads_nothing_at_run_time() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim-(bookworm|trixie)$", text, re.M), "a Debian base"
    assert "tesseract-ocr-vie" in text and "tesseract --list-langs | grep -qx vie" in text
    assert "pip install -r requirements.lock" in text
    assert not re.search(r"\b(curl|wget)\b|^ADD\s+https?://", text, re.M)
    assert re.search(r'^CMD \["prefect", "worker", "start", "--pool", "sohoa"', text, re.M)
    assert "HEALTHCHECK" in text and "USER sohoa" in text


def test_prefect_yaml_nightly_schedule_and_importable_entrypoints(prefect_yaml: dict) -> None:
    from prefect import Flow

    deps = {(d["entrypoint"], d["name"]): d for d in prefect_yaml["deployments"]}
    nightly = deps[("flows/digitize.py:digitize_inbox", "nightly")]
    (sched,) = nightly["schedules"]
    assert sched["cron"] == "0 1 * * *" and sched["timezone"] == "Asia/Ho_Chi_Minh"
    assert ("flows/digitize.py:digitize_inbox", "on-demand") in deps
    assert {d["work_pool"]["name"] for d in deps.values()} == {"sohoa"}
    for entrypoint in {e for e, _ in deps}:
        path, func = entrypoint.split(":")
        spec = importlib.util.spec_from_file_location(f"_entry_{func}", ROOT / path)
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        sys.modules[spec.name] = module  # type: ignore[union-attr]
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        flow = getattr(module, func)
        assert isinstance(flow, Flow)
        for d in (d for (e, _), d in deps.items() if e == entrypoint):
            flow.validate_parameters({**{k: "x" for k in ("inbox", "archive", "dossier")
                                         if k in flow.parameters.properties}, **{
                k: v for k, v in d.get("parameters", {}).items() if not str(v).startswith("{{")}})


def test_code_deployments_match_prefect_yaml(prefect_yaml: dict) -> None:
    from flows.deployments import build

    built = build("/data/inbox", "s3://sohoa-archive/")
    names = {(d.flow_name, d.name) for d in built}
    flow_names = {"digitize_inbox": "digitize-inbox", "digitize_dossier": "digitize-dossier", "reprocess": "reprocess",
                  "review": "review"}
    assert names == {(flow_names[d["entrypoint"].split(":")[1]], d["name"]) for d in prefect_yaml["deployments"]}
    nightly = next(d for d in built if d.name == "nightly")
    (sched,) = nightly.schedules
    assert sched.schedule.cron == "0 1 * * *" and sched.schedule.timezone == "Asia/Ho_Chi_Minh"
    assert all(not d.schedules for d in built if d.name != "nightly")


def test_flow_parameters_render_as_forms() -> None:
    from flows.digitize import digitize_dossier, digitize_inbox

    schema = digitize_inbox.parameters.model_dump()
    assert {"inbox", "archive", "options", "force", "settings"} <= set(schema["properties"])
    settings = schema["definitions"]["RunSettings"]["properties"]
    assert settings["max_dossiers"]["title"] == "Dossiers per run" and settings["max_dossiers"]["minimum"] == 0
    assert schema["definitions"]["Options"]["properties"]["ocr_dpi"]["maximum"] == 600
    assert "dossier" in digitize_dossier.parameters.required
