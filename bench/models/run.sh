#!/usr/bin/env bash
# Model benchmark: our ridge/logistic/MLP against scikit-learn on identical preprocessed data, plus MLP training and
# ONNX inference speed. Writes the "Models (bench/models)" section of bench/RESULTS.md. See bench/models/README.md.
set -euo pipefail
cd "$(dirname "$0")/../.."

VENV=.mlops/bench/venv
# numpy 2.5 needs Python >= 3.12; 2.4.6 has wheels for 3.11 to 3.14.
PEER_PACKAGES=(scikit-learn==1.9.1 numpy==2.4.6 scipy==1.17.1 threadpoolctl==3.8.0)

source bench/python-peers.sh
python_peers "$VENV" "${PEER_PACKAGES[@]}"

echo '== ours (TypeScript): shared matrices, quality, speed'
node --import tsx bench/models/main.ts
echo '== scikit-learn peer'
# One thread for every BLAS/OpenMP pool (the peer also calls threadpool_limits(1)); our trainer is single-threaded.
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 "$VENV/bin/python" bench/models/sklearn_peer.py
echo '== report'
node --import tsx bench/models/report.ts
