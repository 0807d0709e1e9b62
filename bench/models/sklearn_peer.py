"""scikit-learn side of bench/models: reads the matrices our TypeScript benchmark wrote to .mlops/bench/ (already
preprocessed by our fitPreprocessor/transformRows), fits the equivalent scikit-learn models with the same
hyperparameters, and writes .mlops/bench/sklearn.json. Run by bench/models/run.sh, single-threaded."""

import json
import os
import platform
import statistics
import sys
import time
import warnings

import numpy as np
import scipy
import sklearn
import threadpoolctl
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, log_loss, mean_squared_error, r2_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

OUT = os.path.join(os.path.dirname(__file__), "..", "..", ".mlops", "bench")
warnings.filterwarnings("ignore", category=ConvergenceWarning)


def load(name):
    with open(os.path.join(OUT, name)) as f:
        return json.load(f)


def arrays(task):
    xs = {s: np.asarray(task[s]["x"], dtype=np.float64) for s in ("train", "validation")}
    ys = {s: np.asarray(task[s]["y"], dtype=np.float64) for s in ("train", "validation")}
    if task["task"] == "classification":
        ys = {s: y.astype(np.int64) for s, y in ys.items()}
    return xs["train"], ys["train"], xs["validation"], ys["validation"]


def mlp_kwargs(hp, task, seed, early_stopping, fraction=0.1):
    # Our loss: mean(data loss) + (l2/2)·‖W‖², by Adam. sklearn's: mean(data loss) + alpha/(2·batch)·‖W‖², where
    # its squared loss is half the MSE. Adam ignores a constant gradient scale, so the same problem needs
    # alpha = l2·batch/2 for regression (our MSE is twice sklearn's) and alpha = l2·batch for classification.
    alpha = hp["l2"] * hp["batchSize"] * (0.5 if task == "regression" else 1.0)
    return dict(
        hidden_layer_sizes=(hp["hiddenUnits"],) * hp["hiddenLayers"],
        activation="relu",
        solver="adam",
        learning_rate_init=hp["learningRate"],
        batch_size=hp["batchSize"],
        alpha=alpha,
        max_iter=hp["epochs"],
        shuffle=True,
        random_state=seed,
        early_stopping=early_stopping,
        validation_fraction=fraction,
        n_iter_no_change=hp["patience"],
        tol=0.0,
    )


def regressor(hp, seed, early_stopping, fraction=0.1, scale_target=True):
    # Our MLP standardises inputs and the target itself; StandardScaler + TransformedTargetRegressor do the same.
    net = make_pipeline(StandardScaler(), MLPRegressor(**mlp_kwargs(hp, "regression", seed, early_stopping, fraction)))
    return TransformedTargetRegressor(regressor=net, transformer=StandardScaler()) if scale_target else net


def regression_metrics(y, pred):
    return {"rmse": float(np.sqrt(mean_squared_error(y, pred))), "r2": float(r2_score(y, pred))}


def classification_metrics(y, proba, k):
    return {
        "accuracy": float(accuracy_score(y, proba.argmax(axis=1))),
        "logLoss": float(log_loss(y, proba, labels=list(range(k)))),
    }


def averaged(dataset, model, per_seed, **extra):
    keys = per_seed[0].keys()
    metrics = {k: float(np.mean([m[k] for m in per_seed])) for k in keys}
    return {"dataset": dataset, "model": model, "metrics": metrics, "perSeed": per_seed, **extra}


def mlp_epochs(est):
    net = est.regressor_ if isinstance(est, TransformedTargetRegressor) else est
    mlp = net[-1]
    scores = mlp.validation_scores_
    return int(np.argmax(scores)) + 1 if scores else mlp.n_iter_


def quality():
    results = []
    w = load("quality-seattle-weather.json")
    x, y, xv, yv = arrays(w)
    # Our ridge penalises standardised weights: (ZᵀZ + l2·I)β = Zᵀ(y − ȳ), Z scaled by the population std.
    # StandardScaler (population std) + Ridge(alpha=l2) minimises ‖y − ȳ − Zβ‖² + l2·‖β‖²: the same problem.
    ridge = make_pipeline(StandardScaler(), Ridge(alpha=w["ridge"]["l2"])).fit(x, y)
    results.append(averaged(w["name"], "ridge", [regression_metrics(yv, ridge.predict(xv))]))
    # Variants: the target left unscaled (sklearn's plain MLPRegressor), and early_stopping=False (all training
    # rows; stops when the training loss has not improved for `patience` epochs).
    variants = (("mlp", True, True), ("mlp (raw target)", True, False), ("mlp (no early stopping)", False, True))
    for name, early, scale_target in variants:
        per_seed, epochs = [], []
        for seed in w["seeds"]:
            est = regressor(w["mlp"], seed, early, w["earlyStoppingFraction"], scale_target).fit(x, y)
            per_seed.append(regression_metrics(yv, est.predict(xv)))
            epochs.append(mlp_epochs(est))
        results.append(averaged(w["name"], name, per_seed, bestEpoch=float(np.mean(epochs))))

    p = load("quality-penguins.json")
    x, y, xv, yv = arrays(p)
    k = len(p["classes"])
    # Ours: mean cross-entropy + (l2/2)·‖W‖² on standardised features. sklearn: C·Σ loss + ½‖W‖², i.e. divided
    # by C·n: mean loss + 1/(2·C·n)·‖W‖². Equal when C = 1/(l2·n). lbfgs to convergence (ours: a fixed Adam run).
    c = 1.0 / (p["logistic"]["l2"] * len(y))
    logistic = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=10000, tol=1e-8)).fit(x, y)
    results.append(averaged(p["name"], "logistic", [classification_metrics(yv, logistic.predict_proba(xv), k)], C=c))
    for name, early in (("mlp", True), ("mlp (no early stopping)", False)):
        per_seed, epochs = [], []
        for seed in p["seeds"]:
            kwargs = mlp_kwargs(p["mlp"], "classification", seed, early, p["earlyStoppingFraction"])
            est = make_pipeline(StandardScaler(), MLPClassifier(**kwargs)).fit(x, y)
            per_seed.append(classification_metrics(yv, est.predict_proba(xv), k))
            epochs.append(mlp_epochs(est))
        results.append(averaged(p["name"], name, per_seed, bestEpoch=float(np.mean(epochs))))
    return results


def speed():
    f = load("speed-flights.json")
    x = np.ascontiguousarray(np.asarray(f["x"], dtype=np.float64))
    y = np.asarray(f["y"], dtype=np.float64)
    inf = f["inference"]
    rows = inf["batchRows"]
    batches = [np.ascontiguousarray(x[b * rows : (b + 1) * rows]) for b in range(inf["batches"])]
    results = []
    for config in f["configs"]:
        hp = config["hp"]
        seconds, est = [], None
        for rep in range(f["repetitions"]):
            est = regressor(hp, rep + 1, early_stopping=False)
            start = time.perf_counter()
            est.fit(x, y)
            seconds.append(time.perf_counter() - start)
            assert est.regressor_[-1].n_iter_ == hp["epochs"], "sklearn stopped before the fixed epoch count"
            print(f"  sklearn {config['name']}: rep {rep + 1} {seconds[-1]:.2f} s", flush=True)
        for b in batches:  # warm-up, as our side runs every batch once to check the ONNX outputs
            est.predict(b)
        rates = []
        for _ in range(inf["repetitions"]):
            start = time.perf_counter()
            for b in batches:
                est.predict(b)
            rates.append(len(batches) * inf["batchRows"] / (time.perf_counter() - start))
        results.append(
            {
                "config": config["name"],
                "trainRows": len(y),
                "trainSamplesPerSecond": hp["epochs"] * len(y) / statistics.median(seconds),
                "trainSeconds": seconds,
                "inferenceRowsPerSecond": statistics.median(rates),
            }
        )
    return results


def main():
    with threadpoolctl.threadpool_limits(limits=1):
        print("quality: seattle-weather and penguins (scikit-learn)", flush=True)
        q = quality()
        for r in q:
            print(f"  {r['dataset']} {r['model']}: {json.dumps(r['metrics'])}", flush=True)
        print("speed: flights-200k (scikit-learn)", flush=True)
        s = speed()
        for r in s:
            print(
                f"  {r['config']}: train {r['trainSamplesPerSecond']:.0f} samples/s, "
                f"predict {r['inferenceRowsPerSecond']:.0f} rows/s",
                flush=True,
            )
        pools = threadpoolctl.threadpool_info()
        blas = [f"{p.get('internal_api')} {p.get('version')} ({p.get('num_threads')} thread)" for p in pools]
    versions = {
        "python": platform.python_version(),
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "threadpools": blas,
    }
    with open(os.path.join(OUT, "sklearn.json"), "w") as out:
        json.dump({"versions": versions, "quality": q, "speed": s}, out, indent=1)
    print(f"wrote {os.path.normpath(os.path.join(OUT, 'sklearn.json'))}", file=sys.stderr)


if __name__ == "__main__":
    main()
