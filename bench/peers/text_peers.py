"""The Ground Truth-style peer for the text benchmark (`make bench`).

The same loop as `learn_peers.py` (a random validation share, a point-
estimate threshold, the least confident items to people next), on TF-IDF
features with logistic regression, as Ground Truth's text classification
would be reproduced in scikit-learn. The texts are a folder with one
subfolder per class, read as Triage reads it: every `.txt` file that is
valid UTF-8.

Usage: text_peers.py FOLDER [--batch 50] [--rounds 12] [--target 0.95]
"""

import argparse
import pathlib
import time

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from learn_peers import run, spread


def read_folder(root):
    texts, labels = [], []
    for path in sorted(pathlib.Path(root).glob("*/*")):
        if path.suffix.lower() != ".txt":
            continue
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            continue  # Triage refuses it too
        if text.strip():
            texts.append(text)
            labels.append(path.parent.name)
    return texts, np.array(labels)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=12)
    ap.add_argument("--target", type=float, default=0.95)
    args = ap.parse_args()
    texts, y = read_folder(args.folder)
    x = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2).fit_transform(texts)
    shares, accs = [], []
    start = time.perf_counter()
    for seed in range(1, 6):
        share, acc, humans = run(
            x, y, lambda: LogisticRegression(max_iter=1000), seed,
            args.batch, args.rounds, args.target,
        )
        shares.append(share)
        accs.append(acc)
        print(
            f"  ground-truth-style tfidf+logistic seed {seed}: {humans} human, "
            f"{share * 100:.1f}% auto, true accuracy {acc:.4f}"
        )
    label = "sklearn GT-style tfidf"
    print(f"{label:<22} auto-labeled share {spread(shares)}")
    print(f"{'':<22} true accuracy      {spread(accs)}")
    print(f"{'':<22} seconds for 5 seeds {time.perf_counter() - start:.1f}")


if __name__ == "__main__":
    main()
