#!/usr/bin/env bash
# One command: install everything, then lint and run the whole test suite (real Tesseract,
# a real S3 server and a real Prefect server started by the tests on loopback ports).
set -euo pipefail
cd "$(dirname "$0")"
scripts/install.sh
export PREFECT_SERVER_ANALYTICS_ENABLED=false
.venv/bin/ruff check .
set +e
.venv/bin/python -m pytest "$@"
code=$?
set -e
if [ "$code" -eq 5 ]; then
  echo "pytest collected no tests: failing" >&2
  exit 1
fi
exit "$code"
