#!/usr/bin/env bash
# HPO benchmark: our GP-EI `suggest` and random search against Optuna's GPSampler and TPESampler on five synthetic
# functions from shared initial designs, plus suggestion wall time. Writes the "Hyperparameter optimisation
# (bench/hpo)" section of bench/RESULTS.md, bench/hpo/convergence.svg and bench/hpo/mlp-sweep.svg (GP-EI and random
# search tuning the Seattle weather MLP). See bench/hpo/README.md.
# Environment: HPO_SEEDS (default 20), HPO_MLP_SEEDS (10), HPO_MLP_TRIALS (40).
set -euo pipefail
cd "$(dirname "$0")/../.."

VENV=.mlops/bench/venv
# torch: GPSampler needs it. PyPI has only the CUDA build for Linux x86_64 (it pulls ~3 GB of nvidia-* wheels);
# it runs on the CPU here. greenlet: Optuna's optional extra that lets GPSampler batch its L-BFGS-B restarts.
PEER_PACKAGES=(optuna==5.0.0 torch==2.15.0 greenlet==3.5.6 numpy==2.4.6 scipy==1.17.1)
OUT=.mlops/bench/hpo
export HPO_SEEDS="${HPO_SEEDS:-20}"
# Single-threaded on both sides: our optimiser is single-threaded; the peer also calls torch.set_num_threads(1).
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

source bench/python-peers.sh
python_peers "$VENV" "${PEER_PACKAGES[@]}"

mkdir -p "$OUT"
# The 2 cores are shared: the load average before and after the run goes into the report.
uptime > "$OUT/load.txt"
start=$(date +%s)
echo "== shared initial designs ($HPO_SEEDS seeds)"
node --import tsx bench/hpo/run-ours.ts designs
echo '== optimisation runs: ours (TypeScript) and Optuna, in parallel'
node --import tsx bench/hpo/run-ours.ts runs > "$OUT/ours.log" 2>&1 &
ours_pid=$!
trap 'kill "$ours_pid" 2>/dev/null || true' EXIT
"$VENV/bin/python" bench/hpo/optuna_peer.py runs
if ! wait "$ours_pid"; then
  cat "$OUT/ours.log"
  exit 1
fi
trap - EXIT
cat "$OUT/ours.log"
echo '== suggestion time on synthetic Hartmann6 histories (one side at a time)'
node --import tsx bench/hpo/run-ours.ts timing
"$VENV/bin/python" bench/hpo/optuna_peer.py timing
elapsed=$(($(date +%s) - start))
echo "$((elapsed / 60)) min $((elapsed % 60)) s (runs and timings, without the pip step, the MLP sweep and the report)" > "$OUT/wall.txt"
echo '== the seed'"'"'s Fig. 3: GP-EI and random search tuning the Seattle weather MLP'
node --import tsx bench/hpo/mlp-sweep.ts
uptime >> "$OUT/load.txt"
echo '== report'
node --import tsx bench/hpo/report.ts
