"""sohoa's processing library: scanned dossiers in, archived electronic records out.

Stages in data-flow order (each a module with one typed entry point):
intake → pages → ocr → searchable → extract → archive. `pipeline.document` wires them
for one document; orchestration (Prefect) lives in `flows/` and is never imported here.
"""

from __future__ import annotations

__version__ = "0.1.0"
