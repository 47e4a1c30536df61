#!/usr/bin/env bash
# Every test: type check, unit tests, then integration and fault tests against a real RabbitMQ and
# PostgreSQL (started in .stack/test on loopback ports of their own, unless RABBITMQ_URL or
# RABBITMQ_ADMIN_URL — an administrator — and DATABASE_URL point at servers of yours).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/node-runtime.sh
bash scripts/ensure-deps.sh
echo "== type check (everything, then what npm start builds)"
npx tsc -p tsconfig.json --noEmit
npx tsc -p tsconfig.build.json --noEmit
mkdir -p test-artifacts
echo "== unit and integration tests"
status=0
npx jest --runInBand --json --outputFile=test-artifacts/jest-results.json "$@" || status=$?
# One plain closing line that any CI can read.
node -e '
  const r = require("./test-artifacts/jest-results.json");
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
' || true
exit "$status"
