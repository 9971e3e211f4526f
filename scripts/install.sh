#!/usr/bin/env bash
# Installs everything sohoa needs on Debian (run as root): system packages only when missing,
# then Python dependencies from requirements.lock into .venv. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# postgresql: the tests run the PostgreSQL search backend against a throw-away cluster (tests/pgserver.py)
APT_PACKAGES=(tesseract-ocr tesseract-ocr-vie tesseract-ocr-osd fonts-noto-core fonts-dejavu-core postgresql)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "installing system packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
pip_quiet() {  # pip's output only when it fails (the local index mirrors print noisy warnings)
  local log
  log=$(mktemp)
  if ! .venv/bin/python -m pip install -q --disable-pip-version-check "$@" >"$log" 2>&1; then
    grep -v "^WARNING: Location" "$log" >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}
pip_quiet -r requirements.lock
pip_quiet --no-deps -e .
# Bytecode for the project's own modules now: where PYTHONDONTWRITEBYTECODE is set (some CI images),
# every run would otherwise compile all of them again, in the CLI and in the page workers' forkserver.
.venv/bin/python -m compileall -q pipeline flows schemas >/dev/null
.venv/bin/sohoa --help >/dev/null  # fail loudly if the install did not work
