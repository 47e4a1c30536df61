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
# promtool (Debian package prometheus) for the alert rules' check and unit tests (config/alerts).
# Only the tool is wanted: where systemd started the packaged Prometheus server, it is stopped again.
if ! command -v promtool >/dev/null 2>&1; then
  echo "Installing promtool (Debian package prometheus)…"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
    systemctl disable --now prometheus >/dev/null 2>&1 || true
  fi
fi
