#!/usr/bin/env bash
# The runs behind docs/performance.md, in order. Each run recreates the gb_bench database
# and saves its JSON under bench/results/.
# Usage: bash bench/matrix.sh [extra run.py options, e.g. --quiet-wait 300]; RATE=30 by default.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
RATE=${RATE:-30}
EXTRA=("$@")

for combo in "uvicorn pubsub" "uvicorn core" "daphne pubsub"; do
  read -r server layer <<<"$combo"
  $PY bench/run.py --scenario throughput,broadcast --server "$server" --layer "$layer" --workers 2 \
    --rooms 100 --clients-per-room 8 --rate "$RATE" --duration 20 "${EXTRA[@]}" >/dev/null
done
# The reference load (200 updates/s): shows where this machine stops keeping up.
$PY bench/run.py --scenario broadcast --server uvicorn --layer pubsub --rate 200 --duration 20 "${EXTRA[@]}" >/dev/null
# Idle sockets on one worker, then all closed, then connect/disconnect churn.
$PY bench/run.py --scenario connections --server uvicorn --layer pubsub --connections 2000 "${EXTRA[@]}" >/dev/null
