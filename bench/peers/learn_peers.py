"""The Ground Truth-style peer for the cluster benchmark (`make bench`).

SageMaker Ground Truth's automated labeling, as its documentation tells it:
people label a random sample, part of which is held out for validation; a
model trains on the rest; the confidence threshold is the lowest at which
the model's accuracy on the validation items reaches the target (a point
estimate); items above it are auto-labeled; the least confident of the rest
go to people next. This loop runs it in scikit-learn with the same table,
label budget, seeds and target as Triage's run, for three models: logistic
regression (the linear model), a random forest and gradient-boosted trees.

Usage: learn_peers.py TABLE.csv [--batch 200] [--rounds 11] [--target 0.95]
"""

import argparse
import time

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

RANDOM_SHARE = 0.1
# Ground Truth holds out part of the random labels for validation.
VALIDATION_SHARE = 0.5


def models(seed):
    return {
        "logistic": lambda: LogisticRegression(max_iter=1000),
        "forest": lambda: RandomForestClassifier(n_estimators=100, n_jobs=-1, random_state=seed),
        "boosted": lambda: HistGradientBoostingClassifier(random_state=seed),
    }


def threshold(conf, right, target):
    """The lowest confidence whose validation items at or above it are at
    least `target` accurate (point estimate), or None."""
    order = np.argsort(-conf)
    hits = np.cumsum(right[order])
    n = np.arange(1, len(order) + 1)
    ok = hits / n >= target
    if not ok.any():
        return None
    return conf[order][np.nonzero(ok)[0].max()]


def run(x, y, make, seed, batch, rounds, target):
    rng = np.random.default_rng(seed)
    n = len(y)
    human = np.zeros(n, bool)
    validation = np.zeros(n, bool)
    auto = np.zeros(n, bool)
    predicted = np.zeros(n, y.dtype)
    for r in range(rounds):
        open_rows = np.nonzero(~human)[0]
        train = human & ~validation
        auto[:] = False
        margin = None
        if r > 0 and len(np.unique(y[train])) > 1:
            model = make()
            model.fit(x[train], y[train])
            p_open = model.predict_proba(x[open_rows])
            p_val = model.predict_proba(x[validation])
            classes = model.classes_
            right = classes[p_val.argmax(1)] == y[validation]
            t = threshold(p_val.max(1), right, target)
            if t is not None:
                take = p_open.max(1) >= t
                auto[open_rows[take]] = True
                predicted[open_rows] = classes[p_open.argmax(1)]
            top2 = np.sort(p_open, 1)[:, -2:]
            margin = top2[:, 1] - top2[:, 0]
        # The next batch: random at first, then a random share (held out
        # for validation) and the least confident of the rest.
        n_random = batch if margin is None else int(round(batch * RANDOM_SHARE))
        picks = rng.choice(open_rows, n_random, replace=False)
        validation[picks[rng.random(len(picks)) < VALIDATION_SHARE]] = True
        if margin is not None:
            rest = np.isin(open_rows, picks, invert=True)
            order = np.argsort(margin[rest])
            picks = np.concatenate([picks, open_rows[rest][order[: batch - n_random]]])
        human[picks] = True
        auto[picks] = False
    share = auto.sum() / n
    accuracy = (predicted[auto] == y[auto]).mean() if auto.any() else float("nan")
    return share, accuracy, int(human.sum())


def spread(v):
    """min, median and max of the values that are numbers (a seed that
    auto-labeled nothing has no accuracy), with how many there are."""
    v = sorted(x for x in v if not np.isnan(x))
    if not v:
        return "- (0 seeds)"
    return f"min {v[0]:.4f}  median {v[len(v) // 2]:.4f}  max {v[-1]:.4f} ({len(v)} seeds)"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("table")
    ap.add_argument("--batch", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=11)
    ap.add_argument("--target", type=float, default=0.95)
    args = ap.parse_args()
    df = pd.read_csv(args.table)
    y = df["truth"].to_numpy()
    x = StandardScaler().fit_transform(df.drop(columns=["id", "truth"]).to_numpy())
    for name in models(0):
        shares, accs = [], []
        start = time.perf_counter()
        for seed in range(1, 6):
            share, acc, humans = run(
                x, y, models(seed)[name], seed, args.batch, args.rounds, args.target
            )
            shares.append(share)
            accs.append(acc)
            print(
                f"  ground-truth-style {name} seed {seed}: {humans} human, "
                f"{share * 100:.1f}% auto, true accuracy {acc:.4f}"
            )
        label = f"sklearn GT-style {name}"
        print(f"{label:<22} auto-labeled share {spread(shares)}")
        print(f"{'':<22} true accuracy      {spread(accs)}")
        print(f"{'':<22} seconds for 5 seeds {time.perf_counter() - start:.1f}")


if __name__ == "__main__":
    main()
