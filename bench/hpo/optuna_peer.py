"""Optuna side of bench/hpo: GPSampler and TPESampler (seeded, default settings) on the same five test functions
and domains as bench/hpo/functions.ts, each run starting with the same 10 initial points our arms got (read from
.mlops/bench/hpo/initial-<fn>-<seed>.json and enqueued with study.enqueue_trial), same budgets. Records the
best-so-far value per evaluation and the wall time of each suggestion (study.ask with the search space, which runs
the sampler), then GPSampler's single-suggestion time on the synthetic Hartmann6 histories run-ours.ts wrote.
Writes .mlops/bench/hpo/optuna.json. Run by bench/hpo/run.sh.

Usage: optuna_peer.py [runs|timing|all]   (seeds 1..HPO_SEEDS, default 20)"""

import importlib.metadata
import json
import math
import os
import platform
import sys
import time
import warnings

import numpy as np
import optuna
import scipy
import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".mlops", "bench", "hpo")
N_INITIAL = 10
TIMING_SIZES = [200, 500]
TIMING_REPETITIONS = {200: 5, 500: 3}

# Our TypeScript optimiser is single-threaded: hold torch to one thread too.
torch.set_num_threads(1)
optuna.logging.set_verbosity(optuna.logging.WARNING)
warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)


def branin(x):
    x1, x2 = x
    b = 5.1 / (4 * math.pi**2)
    c = 5 / math.pi
    t = 1 / (8 * math.pi)
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


H6_ALPHA = [1.0, 1.2, 3.0, 3.2]
H6_A = [
    [10, 3, 17, 3.5, 1.7, 8],
    [0.05, 10, 17, 0.1, 8, 14],
    [3, 3.5, 1.7, 10, 17, 8],
    [17, 8, 0.05, 10, 0.1, 14],
]
H6_P = [
    [v * 1e-4 for v in row]
    for row in [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
]


def hartmann6(x):
    total = 0.0
    for i in range(4):
        inner = sum(H6_A[i][j] * (x[j] - H6_P[i][j]) ** 2 for j in range(6))
        total += H6_ALPHA[i] * math.exp(-inner)
    return -total


def levy(x):
    w = [1 + (v - 1) / 4 for v in x]
    total = math.sin(math.pi * w[0]) ** 2
    for i in range(len(w) - 1):
        total += (w[i] - 1) ** 2 * (1 + 10 * math.sin(math.pi * w[i] + 1) ** 2)
    return total + (w[-1] - 1) ** 2 * (1 + math.sin(2 * math.pi * w[-1]) ** 2)


def rosenbrock(x):
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (x[i] - 1) ** 2 for i in range(len(x) - 1))


def ackley(x):
    d = len(x)
    sum_sq = sum(v * v for v in x)
    sum_cos = sum(math.cos(2 * math.pi * v) for v in x)
    return -20 * math.exp(-0.2 * math.sqrt(sum_sq / d)) - math.exp(sum_cos / d) + 20 + math.e


# name: (objective, bounds, budget) — the same as FUNCTIONS in functions.ts.
FUNCTIONS = {
    "branin": (branin, [(-5, 10), (0, 15)], 50),
    "hartmann6": (hartmann6, [(0, 1)] * 6, 100),
    "levy4": (levy, [(-10, 10)] * 4, 100),
    "rosenbrock4": (rosenbrock, [(-5, 10)] * 4, 100),
    "ackley5": (ackley, [(-32.768, 32.768)] * 5, 100),
}

SAMPLERS = {
    "Optuna GPSampler": lambda seed: optuna.samplers.GPSampler(seed=seed),
    "Optuna TPESampler": lambda seed: optuna.samplers.TPESampler(seed=seed),
}


def load(name):
    with open(os.path.join(OUT, name)) as f:
        return json.load(f)


def distributions(bounds):
    return {f"x{i + 1}": optuna.distributions.FloatDistribution(lo, hi) for i, (lo, hi) in enumerate(bounds)}


def run(fn_name, seed, arm):
    f, bounds, budget = FUNCTIONS[fn_name]
    design = load(f"initial-{fn_name}-{seed}.json")
    # The same objective in both languages: the design's values were computed by functions.ts.
    for x, v in zip(design["points"], design["values"]):
        assert abs(f(x) - v) <= 1e-9 * max(1.0, abs(v)), (fn_name, x, f(x), v)
    dists = distributions(bounds)
    study = optuna.create_study(direction="minimize", sampler=SAMPLERS[arm](seed))
    for x in design["points"][:N_INITIAL]:
        study.enqueue_trial({name: v for name, v in zip(dists, x)})
    values, suggest_ms = [], []
    for i in range(budget):
        start = time.perf_counter()
        trial = study.ask(dists)
        elapsed = (time.perf_counter() - start) * 1000
        if i >= N_INITIAL:
            suggest_ms.append({"n": i, "ms": elapsed})
        x = [trial.params[name] for name in dists]
        if i < N_INITIAL:
            assert x == design["points"][i], "enqueued point changed"
        value = f(x)
        study.tell(trial, value)
        values.append(value)
    best = list(np.minimum.accumulate(values))
    return {"fn": fn_name, "seed": seed, "arm": arm, "best": [float(b) for b in best], "suggestMs": suggest_ms}


def timing():
    """GPSampler's single-suggestion time on the synthetic Hartmann6 histories of run-ours.ts (median of 5 or 3)."""
    f, bounds, _ = FUNCTIONS["hartmann6"]
    dists = distributions(bounds)
    results = []
    for n in TIMING_SIZES:
        history = load(f"history-hartmann6-{n}.json")
        trials = [
            optuna.trial.create_trial(params={name: v for name, v in zip(dists, x)}, distributions=dists, value=value)
            for x, value in zip(history["points"], history["values"])
        ]
        ms = []
        reps = range(0, TIMING_REPETITIONS[n] + 1) if n == TIMING_SIZES[0] else range(1, TIMING_REPETITIONS[n] + 1)
        for rep in reps:  # rep 0 is a warm-up, not counted (as on our side)
            study = optuna.create_study(direction="minimize", sampler=SAMPLERS["Optuna GPSampler"](rep))
            study.add_trials(trials)
            start = time.perf_counter()
            study.ask(dists)
            elapsed = (time.perf_counter() - start) * 1000
            if rep > 0:
                ms.append(elapsed)
        print(f"  GPSampler ask at n={n}: {', '.join(f'{v:.0f}' for v in ms)} ms", flush=True)
        results.append({"arm": "Optuna GPSampler", "n": n, "ms": ms})
    return results


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "all"
    seeds = list(range(1, int(os.environ.get("HPO_SEEDS", "20")) + 1))
    arms = [a.strip() for a in os.environ.get("HPO_OPTUNA_ARMS", ",".join(SAMPLERS)).split(",") if a.strip()]
    path = os.path.join(OUT, "optuna.json")
    previous = load("optuna.json") if os.path.exists(path) else {}
    out = {
        "versions": {
            "python": platform.python_version(),
            "optuna": optuna.__version__,
            "torch": torch.__version__,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "torch_threads": str(torch.get_num_threads()),
            "greenlet": importlib.metadata.version("greenlet"),
        },
        "seeds": seeds,
        "runs": previous.get("runs", []) if mode == "timing" else [],
        "timing": previous.get("timing", []) if mode == "runs" else [],
    }
    if mode in ("runs", "all"):
        started = time.perf_counter()
        for seed in seeds:
            for fn_name in FUNCTIONS:
                for arm in arms:
                    out["runs"].append(run(fn_name, seed, arm))
            with open(path, "w") as f:
                json.dump(out, f)
            print(f"  seed {seed} done ({time.perf_counter() - started:.0f} s)", flush=True)
    if mode in ("timing", "all"):
        out["timing"] = timing()
    with open(path, "w") as f:
        json.dump(out, f)
    print(f"wrote {os.path.normpath(path)}")


if __name__ == "__main__":
    main()
