"""`python -m schemas` writes schemas/record-v1.schema.json from the model."""

from __future__ import annotations

import json
from pathlib import Path

from schemas.record import Record

SCHEMA_FILE = Path(__file__).with_name("record-v1.schema.json")


def render() -> str:
    schema = Record.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://sohoa.example/schemas/record-v1.schema.json"
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    SCHEMA_FILE.write_text(render(), encoding="utf-8")
    print(SCHEMA_FILE)
