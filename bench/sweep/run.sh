#!/usr/bin/env bash
# Sweep orchestration overhead: sweepWorkflow with no-op trials against a Temporal dev server the benchmark starts
# (127.0.0.1, free port, temp SQLite file) and stops. Writes the "Sweep orchestration overhead (bench/sweep)"
# section of bench/RESULTS.md and raw numbers to .mlops/bench/sweep/results.json. See bench/sweep/README.md.
# Environment: SWEEP_TRIALS (500), SWEEP_REPS (3), SWEEP_P1_TRIALS (200), SWEEP_GP_TRIALS (200),
# SWEEP_STORAGE (disk,tmpfs), SWEEP_WRITE_RESULTS (1).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec node --import tsx bench/sweep/overhead.ts "$@"
