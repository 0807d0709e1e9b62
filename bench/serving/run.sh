#!/usr/bin/env bash
# Model-server throughput and latency against the bare-HTTP and in-process onnxruntime limits, measured in the same
# run. Starts the model server and a bare Node HTTP server as their own processes on 127.0.0.1 (free ports) and stops
# them; autocannon runs in the benchmark process. Writes the "Serving (bench/serving)" section of bench/RESULTS.md
# and raw numbers to .mlops/bench/serving/results.json. See bench/serving/README.md.
# Run it alone on the machine: flock /tmp/mlops-cpu.lock bash bench/serving/run.sh
# Environment: SERVING_DURATION (10), SERVING_WARMUP (2), SERVING_CPU_PROF (0), SERVING_WRITE_RESULTS (1),
# SERVING_PARTS (one-row,fixed-rate,large).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec node --import tsx bench/serving/main.ts "$@"
