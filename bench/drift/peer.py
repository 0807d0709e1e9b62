"""Python side of the drift benchmark (see bench/drift/README.md).

  streams     generate the synthetic streams with river (CSV, for our detector) and run river's ADWIN and PageHinkley
              on the same rows
  throughput  bin the second half of flights-3m into the reference edges and compute KL and PSI with NumPy/SciPy,
              and run Evidently's kl_div and psi stattests on the same columns

Everything is written to .mlops/bench/drift/ as JSON for bench/drift/report.ts.
"""

import json
import math
import os
import sys
import time
from importlib.metadata import version

import numpy as np

OUT = os.path.join(".mlops", "bench", "drift")
STREAMS = os.path.join(OUT, "streams")

# Shared with bench/drift/detection.ts through streams.json.
WINDOW = 1000
REFERENCE_WINDOWS = 5
STATIONARY_WINDOWS = 60
SEEDS = [int(s) for s in os.environ.get("DRIFT_SEEDS", "1,2,3,4,5").split(",")]


def stream_specs():
    from river.datasets import synth

    # Drift starts at the first row after the stationary windows: windows REFERENCE_WINDOWS .. +59 are stationary.
    first_drift_row = (REFERENCE_WINDOWS + STATIONARY_WINDOWS) * WINDOW
    # ConceptDriftStream mixes the streams with a sigmoid centred on `position`: the share of new rows is
    # 1 / (1 + exp(-4 (t - position) / width)). Its exp overflows for widths below ~370 rows at this position, so the
    # abrupt drift has width 400, centred 200 rows after the drift start: 12 % new rows at the start, 88 % 400 rows
    # later. The gradual drift is centred five windows after the start (1.8 % new rows at the start). Either way the
    # last stationary window holds about 13 rows of the new concept (1.3 %), and the earlier ones fewer.
    abrupt = 400
    gradual = 5 * WINDOW
    return [
        dict(
            name="sea-abrupt",
            about="SEA, y = x0 + x1 > 7 → > 9.5 (positive share 75.5 % → 54.9 %; features unchanged)",
            make=lambda seed: synth.ConceptDriftStream(
                stream=synth.SEA(variant=2, seed=seed),
                drift_stream=synth.SEA(variant=3, seed=seed + 1000),
                position=first_drift_row + abrupt // 2,
                width=abrupt,
                seed=seed,
            ),
            width=abrupt,
            position=first_drift_row + abrupt // 2,
            rows=80 * WINDOW,
            scale=10.0,
        ),
        dict(
            name="rbf-abrupt",
            about="RandomRBF, 3 features, 4 centroids; new centroids (model seed +1000)",
            make=lambda seed: synth.ConceptDriftStream(
                stream=synth.RandomRBF(seed_model=seed, seed_sample=seed, n_features=3, n_centroids=4),
                drift_stream=synth.RandomRBF(seed_model=seed + 1000, seed_sample=seed + 1, n_features=3, n_centroids=4),
                position=first_drift_row + abrupt // 2,
                width=abrupt,
                seed=seed,
            ),
            width=abrupt,
            position=first_drift_row + abrupt // 2,
            rows=80 * WINDOW,
            scale=1.0,
        ),
        dict(
            name="rbf-gradual",
            about="RandomRBF as above, drifting over 5 windows",
            make=lambda seed: synth.ConceptDriftStream(
                stream=synth.RandomRBF(seed_model=seed, seed_sample=seed, n_features=3, n_centroids=4),
                drift_stream=synth.RandomRBF(seed_model=seed + 1000, seed_sample=seed + 1, n_features=3, n_centroids=4),
                position=first_drift_row + gradual,
                width=gradual,
                seed=seed,
            ),
            width=gradual,
            position=first_drift_row + gradual,
            rows=85 * WINDOW,
            scale=1.0,
        ),
    ]


def detections(detector_factory, column):
    detector = detector_factory()
    rows = []
    for i, value in enumerate(column):
        detector.update(value)
        if detector.drift_detected:
            rows.append(i)
    return rows


def streams():
    from river import drift

    os.makedirs(STREAMS, exist_ok=True)
    detectors = {"ADWIN": drift.ADWIN, "PageHinkley": drift.PageHinkley}
    results = []
    first_drift_row = (REFERENCE_WINDOWS + STATIONARY_WINDOWS) * WINDOW
    t0 = time.perf_counter()
    for spec in stream_specs():
        for seed in SEEDS:
            xs, ys = [], []
            for x, y in spec["make"](seed).take(spec["rows"]):
                xs.append([float(v) for v in x.values()])
                ys.append(int(y))
            x = np.asarray(xs)
            y = np.asarray(ys, dtype=float)
            file = os.path.join(STREAMS, f"{spec['name']}-{seed}.csv")
            with open(file, "w") as f:
                f.write(",".join([f"x{j}" for j in range(x.shape[1])] + ["y"]) + "\n")
                for row, label in zip(xs, ys):
                    f.write(",".join(repr(v) for v in row) + f",{label}\n")
            # Per-row statistics: every feature (scaled to about [0, 1], the range ADWIN's bound is stated for) and
            # the label; a detector alarms when any column's detector fires.
            columns = [x[:, j] / spec["scale"] for j in range(x.shape[1])] + [y]
            found = {}
            for name, factory in detectors.items():
                found[name] = sorted(set(r for c in columns for r in detections(factory, c.tolist())))
            results.append(
                dict(
                    stream=spec["name"],
                    about=spec["about"],
                    seed=seed,
                    file=file,
                    rows=spec["rows"],
                    position=spec["position"],
                    width=spec["width"],
                    driftStart=first_drift_row,
                    detections=found,
                )
            )
            print(f"{spec['name']} seed {seed}: " + ", ".join(f"{k} {len(v)}" for k, v in found.items()), flush=True)
    with open(os.path.join(OUT, "streams.json"), "w") as f:
        json.dump(
            dict(
                window=WINDOW,
                referenceWindows=REFERENCE_WINDOWS,
                stationaryWindows=STATIONARY_WINDOWS,
                seconds=time.perf_counter() - t0,
                versions={"river": version("river"), "numpy": np.__version__},
                runs=results,
            ),
            f,
            indent=1,
        )


# ---------------------------------------------------------------- throughput

SMOOTHING = 1e-4
REPEATS = int(os.environ.get("DRIFT_REPEATS", "7"))


def bin_counts(values, edges):
    """Counts in the reference bins exactly as lib/data/histogram.ts binCounts: underflow, [e[i-1], e[i]) with the last
    inner bin closed on the right, overflow. Non-finite values are missing."""
    finite = np.isfinite(values)
    missing = int(values.size - np.count_nonzero(finite))
    if missing:
        values = values[finite]
    index = np.searchsorted(edges, values, side="right")
    index -= values == edges[-1]
    return np.bincount(index, minlength=edges.size + 1), missing


def smoothed(counts):
    counts = np.asarray(counts, dtype=float)
    return (counts / counts.sum() + SMOOTHING) / (1 + counts.size * SMOOTHING)


def kl_psi(reference_counts, live_counts):
    from scipy.stats import entropy

    p, q = smoothed(reference_counts), smoothed(live_counts)
    return float(entropy(p, q)), float(np.sum((q - p) * np.log(q / p)))


def timed(fn, repeats=REPEATS):
    times, result = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    # The fastest call: the one least disturbed by other jobs on the shared cores (the TypeScript side does the same).
    return float(np.min(times)), result


def throughput():
    import pandas as pd
    import pyarrow.parquet as pq
    from threadpoolctl import threadpool_info

    data = json.load(open(os.path.join(OUT, "flights-reference.json")))
    table = pq.read_table(data["file"], columns=[c["column"] for c in data["columns"]])
    results = []
    half = data["half"]
    window = data["window"]
    for col in data["columns"]:
        raw = table.column(col["column"])
        if col["column"] == "date":
            values = raw.cast("int64").to_numpy().astype(float) / 86_400_000_000  # µs → epoch days
        else:
            values = raw.to_numpy().astype(float)
        live = np.ascontiguousarray(values[half:])
        edges = np.asarray(col["edges"], dtype=float)
        reference_counts = np.asarray(col["counts"] + [col["missing"], 0], dtype=float)

        def whole():
            counts, missing = bin_counts(live, edges)
            return kl_psi(reference_counts, np.append(counts, [missing, 0])), counts

        def windows():
            out = []
            for start in range(0, live.size, window):
                counts, missing = bin_counts(live[start : start + window], edges)
                out.append(kl_psi(reference_counts, np.append(counts, [missing, 0])))
            return out

        seconds, ((kl, psi_value), counts) = timed(whole)
        window_seconds, _ = timed(windows)
        results.append(
            dict(
                side="numpy",
                column=col["column"],
                rows=int(live.size),
                seconds=seconds,
                windowSeconds=window_seconds,
                kl=kl,
                psi=psi_value,
                counts=counts.tolist(),
            )
        )
        print(f"numpy {col['column']}: {live.size / seconds:,.0f} rows/s", flush=True)

    from evidently.legacy.calculations.stattests import kl_div_stat_test, psi_stat_test

    for col in data["columns"]:
        raw = table.column(col["column"])
        values = (
            raw.cast("int64").to_numpy().astype(float) / 86_400_000_000
            if col["column"] == "date"
            else raw.to_numpy().astype(float)
        )
        reference = pd.Series(values[:half])
        current = pd.Series(values[half:])

        def both():
            kl, _ = kl_div_stat_test.func(reference, current, "num", 0.1)
            psi_value, _ = psi_stat_test.func(reference, current, "num", 0.1)
            return float(kl), float(psi_value)

        ev_window = pd.Series(values[half : half + window])

        def one_window():
            kl_div_stat_test.func(reference, ev_window, "num", 0.1)
            psi_stat_test.func(reference, ev_window, "num", 0.1)

        seconds, (kl, psi_value) = timed(both, max(1, REPEATS // 2))
        window_seconds, _ = timed(one_window, max(1, REPEATS // 2))
        results.append(
            dict(
                side="evidently",
                column=col["column"],
                rows=int(current.size),
                seconds=seconds,
                # One window of `window` rows, scaled to the windows the others compute.
                windowSeconds=window_seconds * math.ceil(current.size / window),
                kl=kl,
                psi=psi_value,
            )
        )
        print(f"evidently {col['column']}: {current.size / seconds:,.0f} rows/s", flush=True)

    pools = [f"{p['internal_api']} {p['version']} ({p['num_threads']} thread)" for p in threadpool_info()]
    with open(os.path.join(OUT, "throughput-peer.json"), "w") as f:
        json.dump(
            dict(
                versions={
                    "python": sys.version.split()[0],
                    "numpy": np.__version__,
                    "scipy": version("scipy"),
                    "pandas": pd.__version__,
                    "pyarrow": version("pyarrow"),
                    "evidently": version("evidently"),
                },
                pools=pools,
                results=results,
            ),
            f,
            indent=1,
        )


if __name__ == "__main__":
    {"streams": streams, "throughput": throughput}[sys.argv[1]]()
