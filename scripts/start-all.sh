#!/usr/bin/env bash
# Brings the whole system up on this machine: RabbitMQ and PostgreSQL (started in .stack/ on
# loopback ports, unless RABBITMQ_URL / DATABASE_URL point at yours), then the hub, the partner
# sandbox and one adapter per partner of config/partners.yaml. Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/node-runtime.sh
bash scripts/ensure-deps.sh
echo "Building…"
npm run --silent build
node dist/tools/stack.js up
exec node dist/tools/start-all.js "$@"
