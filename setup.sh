#!/usr/bin/env bash
# One command: install everything, then digitize a small generated sample inbox and print the summary.
set -euo pipefail
cd "$(dirname "$0")"
scripts/install.sh
.venv/bin/sohoa sample sample/inbox
.venv/bin/sohoa digitize sample/inbox --archive sample/archive --min-file-age 0
echo
echo "Records: .venv/bin/sohoa records export --archive sample/archive"
