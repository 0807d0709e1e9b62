#!/usr/bin/env bash
# Drift benchmark: KL + PSI throughput of lib/drift against NumPy/SciPy and Evidently on flights-3m, and detection
# delay / false alarms of the windowed alarm rule against river's ADWIN and PageHinkley on synthetic streams with
# known drift points. Writes the "Drift statistics (bench/drift)" section of bench/RESULTS.md. See
# bench/drift/README.md. Run it as `flock /tmp/mlops-cpu.lock bash bench/drift/run.sh` (the cores are shared).
# Environment: DRIFT_SEEDS (default 1,...,10), DRIFT_REPEATS (timing repetitions, default 7).
set -euo pipefail
cd "$(dirname "$0")/../.."

VENV=.mlops/bench/drift/venv
OUT=.mlops/bench/drift
# Evidently 0.7.23 imports a pandas internal that pandas 3 removed: pandas 2.3. numpy 2.4.x: 2.5 needs Python >= 3.12.
PEER_PACKAGES=(evidently==0.7.23 river==0.26.1 numpy==2.4.6 scipy==1.17.1 pandas==2.3.3 pyarrow==26.0.1 threadpoolctl==3.8.0)
export DRIFT_SEEDS="${DRIFT_SEEDS:-1,2,3,4,5,6,7,8,9,10}"
# Single-threaded on both sides: our kernels are single-threaded.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

source bench/python-peers.sh
python_peers "$VENV" "${PEER_PACKAGES[@]}"

mkdir -p "$OUT"
uptime > "$OUT/load.txt"
start=$(date +%s)
echo '== throughput, ours (TypeScript): reference histograms from the first half of flights-3m, drift of the second'
node --import tsx bench/drift/throughput.ts
echo '== throughput, NumPy/SciPy and Evidently'
"$VENV/bin/python" -W ignore bench/drift/peer.py throughput
echo "== streams (river ConceptDriftStream; seeds $DRIFT_SEEDS), ADWIN and PageHinkley"
"$VENV/bin/python" bench/drift/peer.py streams
echo '== detection, ours'
node --import tsx bench/drift/detection.ts
elapsed=$(($(date +%s) - start))
echo "$((elapsed / 60)) min $((elapsed % 60)) s (without the pip step and the report)" > "$OUT/wall.txt"
uptime >> "$OUT/load.txt"
echo '== report'
node --import tsx bench/drift/report.ts
