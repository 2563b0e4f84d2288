#!/usr/bin/env python3
"""Out-of-domain check for the review polarity embedding head (issue 18), over cached vectors.

Trains a logistic regression (Newton, L2 on the weights) on eight shopping categories' train rows
(hash 2-4 modulo 5, 酒店 left out as in train-sentiment) and scores the ninth category's rows,
for each of the nine; prints the mean, and the in-domain validation part (hash 1). Reads the
vectors `aisle-bench search-zh --model-dir models/multilingual-e5-small` (passages) and
`aisle-bench review-polarity --part validation --as-queries …` (queries) cached in
bench-out/search-zh. Needs numpy.

  python3 scripts/sentiment_head_loco.py
"""
import csv, glob, gzip, sys
import numpy as np

ROOT = "bench-out/search-zh/documents."
DATA = "../shared/data/reviews-zh/online_shopping_10_cats.csv.gz"


def fnv(text):
    h = 0xCBF29CE484222325
    for b in text.encode():
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def rows():
    # The same rows, in the same order, as SentimentCorpus.chinese.
    out = []
    with gzip.open(DATA, "rt", encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        for fields in reader:
            review = ",".join(fields[2:]).replace("\ufeff", "")
            if review.strip():
                out.append((fields[0], int(fields[1]), review))
    return out


def fit(x, y, lam):
    n, d = x.shape
    a = np.hstack([x, np.ones((n, 1))])
    w = np.zeros(d + 1)
    for _ in range(30):
        p = 1 / (1 + np.exp(-a @ w))
        g = a.T @ (p - y) + lam * np.r_[w[:-1], 0]
        h = (a * (p * (1 - p))[:, None]).T @ a + lam * np.diag(np.r_[np.ones(d), 0])
        step = np.linalg.solve(h, g)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def accuracy(w, x, y):
    return float((((x @ w[:-1] + w[-1]) > 0) == y).mean())


def main():
    data = rows()
    cats = np.array([c for c, _, _ in data])
    labels = np.array([l for _, l, _ in data])
    part = np.array([fnv(t) % 5 for _, _, t in data])
    kept = cats != "酒店"
    for kind in ["multilingual-e5-small.f32", "multilingual-e5-small.query.f32"]:
        paths = glob.glob(ROOT + kind + ".*")
        if not paths:
            print(f"{kind}: no cached vectors (see the docstring)", file=sys.stderr)
            continue
        x = np.fromfile(paths[0], dtype=np.float32).reshape(len(data), -1).astype(np.float64)
        for lam in [0.1, 1.0]:
            scores = []
            for c in sorted(set(cats[kept])):
                train = (part >= 2) & kept & (cats != c)
                scores.append(accuracy(fit(x[train], labels[train], lam), x[cats == c], labels[cats == c]))
            train = (part >= 2) & kept
            valid = (part == 1) & kept
            v = accuracy(fit(x[train], labels[train], lam), x[valid], labels[valid])
            print(f"{kind} L2 {lam}: leave-one-category-out mean {np.mean(scores):.4f}, validation {v:.4f}", flush=True)


if __name__ == "__main__":
    main()
