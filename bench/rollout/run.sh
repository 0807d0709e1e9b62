#!/usr/bin/env bash
# Rollout benchmark (the seed's Fig. 4): blue/green through the router, run by the real deploy workflow on a dev
# server this benchmark starts, against a naive stop-then-start on one port, each under an open-loop request loop at a
# fixed rate. Everything runs on 127.0.0.1 in a throw-away MLOPS_HOME and is stopped at the end. Writes the
# "Rollout (bench/rollout)" section of bench/RESULTS.md and bench/rollout/timeline.svg. See bench/rollout/README.md.
# Run it alone on the machine: flock /tmp/mlops-cpu.lock bash bench/rollout/run.sh
# Environment: ROLLOUT_REPS (5), ROLLOUT_RATE (100), ROLLOUT_STEPS (10,50,100), ROLLOUT_STEP_SECONDS (0).
set -euo pipefail
cd "$(dirname "$0")/../.."
node --import tsx bench/rollout/main.ts
node --import tsx bench/rollout/report.ts
