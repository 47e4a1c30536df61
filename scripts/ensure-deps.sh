#!/usr/bin/env bash
# Installs the npm packages when they are missing or older than package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing npm packages (npm ci)…"
  npm ci --no-audit --no-fund --loglevel=error
fi
# Debian's chromium for the console's browser tests (playwright-core drives it; the Playwright
# browser download is not used).
if ! command -v chromium >/dev/null 2>&1; then
  echo "Installing chromium (Debian package)…"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
# poppler's pdftotext, with which the tests read the text of the subject access export's PDF.
if ! command -v pdftotext >/dev/null 2>&1; then
  echo "Installing poppler-utils (Debian package: pdftotext)…"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends poppler-utils >/dev/null
fi
