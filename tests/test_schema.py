from __future__ import annotations

import json

from schemas.__main__ import SCHEMA_FILE, render


def test_committed_json_schema_matches_the_model():
    assert SCHEMA_FILE.read_text(encoding="utf-8") == render(), "run `python -m schemas` and commit the file"


def test_schema_requires_the_contract_keys():
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    for key in ("document_id", "source", "pages", "metadata", "artifacts", "engine", "processed_at"):
        assert key in schema["required"]
    assert schema["properties"]["schema_version"]["enum"] == ["1.0", "1.1"]
    meta = schema["$defs"]["Metadata"]["properties"]
    for key in ("document_type", "document_type_code", "number", "symbol", "number_symbol", "issued_place",
                "issued_date", "parent_agency", "issuing_agency", "summary", "signer_title", "signer_name",
                "citizen_ids"):
        assert key in meta
