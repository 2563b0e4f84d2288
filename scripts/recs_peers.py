#!/usr/bin/env python3
"""Peer recommender baselines (MostPopular, ItemKNN-cosine, ALS, BPR, EASE) on a split.py split.

Protocol (shared/bench/recs/PEERS.md, "How to reproduce"), per model:
  1. grid search: fit on train, recommend with history = train, score valid NDCG@10 with
     evaluate.py's own functions;
  2. refit the best point on train+valid and write top-50 lists (history train+valid removed) to
     OUT/<model>.recs.tsv, one line per user with train+valid history, raw ids;
  3. record the best point, its valid NDCG@10, grid search seconds, the final fit's seconds and one
     batch recommend call's seconds in OUT/peers.json.
Score the lists with `evaluate.py --split DIR --recs OUT/<model>.recs.tsv --target test`.

Needs numpy, scipy, implicit 0.7.x (ALS, BPR, ItemKNN) and threadpoolctl, e.g. in a virtualenv:
    python3 -m venv bench-out/venv-recs && bench-out/venv-recs/bin/pip install implicit==0.7.3 threadpoolctl
    bench-out/venv-recs/bin/python scripts/recs_peers.py --split bench-out/splits/ml-100k-loo --out bench-out/peers
This script never sets OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE; the calling shell decides, and the
BLAS kernel in use is printed and recorded in peers.json.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import scipy
import scipy.sparse as sp
from threadpoolctl import threadpool_info, threadpool_limits

ROOT = Path(__file__).resolve().parent.parent  # the repository root
N_RECS = 50

# Grids exactly as PEERS.md; points are tried in this order and the first best one wins.
GRIDS = {
    "mostpop": {},
    "itemknn": {"K": [10, 20, 50, 100, 200, 400]},
    "als": {"factors": [32, 64, 128], "regularization": [0.01, 0.1, 1.0],
            "alpha": [1.0, 10.0], "iterations": [15, 30]},
    "bpr": {"factors": [64, 128], "learning_rate": [0.01, 0.05],
            "regularization": [0.001, 0.01], "iterations": [100, 300]},
    "ease": {"lambda": [10, 50, 100, 200, 300, 500, 1000, 2000, 5000]},
}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def top_n(scores: np.ndarray, history: sp.csr_matrix, n: int) -> list[np.ndarray]:
    """Best n item indices per row of a dense score matrix, history items excluded.
    Ties are broken by item index, so the lists are deterministic."""
    scores = np.array(scores, dtype=np.float32)  # a copy: history is overwritten
    rows, cols = history.nonzero()
    scores[rows, cols] = -np.inf
    n = min(n, scores.shape[1])
    part = np.argpartition(-scores, n - 1, axis=1)[:, :n]
    out = []
    for row, cand in enumerate(part):
        values = scores[row, cand]
        order = np.lexsort((cand, -values))
        out.append(cand[order][np.isfinite(values[order])])
    return out


# ---------------------------------------------------------------- models
# Each model: __init__(threads, **point), fit(X) on a users x items CSR matrix of 1.0s, and
# recommend(users, history) -> one array of item indices per user (best first, history excluded).


class MostPop:
    def __init__(self, threads):
        pass

    def fit(self, X):
        self.counts = np.asarray(X.sum(axis=0)).ravel().astype(np.float32)

    def recommend(self, users, history):
        return top_n(np.broadcast_to(self.counts, (len(users), len(self.counts))), history, N_RECS)


class EASE:
    """Steck 2019, closed form: P = (XᵀX + λI)⁻¹, B = -P / diag(P) column-wise, diag(B) = 0."""

    def __init__(self, threads, **point):
        self.lam = float(point["lambda"])

    def fit(self, X):
        gram = (X.T @ X).toarray().astype(np.float64)
        gram[np.diag_indices_from(gram)] += self.lam
        p = np.linalg.inv(gram)
        b = -p / np.diag(p)  # divides column j by P[j, j]
        b[np.diag_indices_from(b)] = 0.0
        self.B = b.astype(np.float32)

    def recommend(self, users, history):
        return top_n(history.astype(np.float32) @ self.B, history, N_RECS)


class Implicit:
    """Wraps an implicit 0.7.x CPU model (CosineRecommender, ALS or BPR)."""

    def __init__(self, model, positive_only=False):
        self.model = model
        self.positive_only = positive_only
        self.history_dropped = 0
        self.call_seconds = 0.0

    def fit(self, X):
        self.model.fit(X, show_progress=False)

    def recommend(self, users, history):
        start = time.perf_counter()
        ids, scores = self.model.recommend(users, history, N=N_RECS, filter_already_liked_items=True)
        self.call_seconds = time.perf_counter() - start
        # implicit pads short results with id -1 / score -float32.max, and filtered items can come
        # back at -inf. CosineRecommender also fills a list it cannot complete with score-0 items,
        # history items among them despite filter_already_liked_items: those are dropped here and
        # the caller fills the slots with popular items instead.
        valid = (ids >= 0) & np.isfinite(scores) & (scores > -np.finfo(np.float32).max)
        rows = np.repeat(np.arange(len(users)), ids.shape[1])
        seen = np.asarray(history[rows, np.where(valid, ids, 0).ravel()]).reshape(ids.shape) != 0
        seen &= valid
        self.history_dropped = int(seen.sum())
        keep = valid & ~seen
        if self.positive_only:
            keep &= scores > 0
        lists = [row_ids[row_keep] for row_ids, row_keep in zip(ids, keep)]
        return lists


def make_model(name: str, point: dict, threads: int):
    if name == "mostpop":
        return MostPop(threads)
    if name == "ease":
        return EASE(threads, **point)
    from implicit.cpu.als import AlternatingLeastSquares
    from implicit.cpu.bpr import BayesianPersonalizedRanking
    from implicit.nearest_neighbours import CosineRecommender
    if name == "itemknn":
        # CosineRecommender.fit hands implicit a COO matrix internally; the warning is noise.
        warnings.filterwarnings("ignore", message="Method expects CSR input")
        return Implicit(CosineRecommender(K=point["K"], num_threads=threads), positive_only=True)
    common = dict(dtype=np.float32, random_state=42, num_threads=threads)
    if name == "als":
        return Implicit(AlternatingLeastSquares(**point, **common))
    if name == "bpr":
        return Implicit(BayesianPersonalizedRanking(**point, **common))
    raise ValueError(f"unknown model {name!r}")


# ---------------------------------------------------------------- data


def id_order(ids):
    """Numeric order when every id is an integer (as split.py does), string order otherwise."""
    ids = set(ids)
    if all(i.lstrip("+-").isdigit() for i in ids):
        return sorted(ids, key=lambda i: (int(i), i))
    return sorted(ids)


class Data:
    def __init__(self, split):
        self.users = id_order(split.users)          # every user of the split
        self.items = id_order(split.catalog)        # catalog = train + valid + test items
        self.user_index = {u: i for i, u in enumerate(self.users)}
        self.item_index = {v: j for j, v in enumerate(self.items)}
        self.train = self.matrix(split.train)
        self.train_valid = self.matrix(split.train + split.valid)

    def matrix(self, pairs) -> sp.csr_matrix:
        rows = [self.user_index[u] for u, _ in pairs]
        cols = [self.item_index[v] for _, v in pairs]
        X = sp.csr_matrix((np.ones(len(pairs), np.float32), (rows, cols)),
                          shape=(len(self.users), len(self.items)))
        X.sum_duplicates()
        X.data[:] = 1.0  # implicit feedback: a pair counts once
        return X


def recommend_all(model, X, popularity):
    """Top-N lists for every user with history in X, timed as one batch call.
    A list shorter than N (ItemKNN has few neighbours to draw on for a user with little history)
    is filled up with the most popular unseen items, so that evaluate.py accepts it.
    Returns (users, lists, stats)."""
    users = np.flatnonzero(np.diff(X.indptr)).astype(np.int32)
    history = X[users]
    start = time.perf_counter()
    lists = model.recommend(users, history)
    padded = 0
    for k in range(len(users)):
        missing = N_RECS - len(lists[k])
        if missing > 0:
            seen = set(history.indices[history.indptr[k]:history.indptr[k + 1]].tolist())
            seen.update(lists[k].tolist())
            fill = list(itertools.islice((j for j in popularity if j not in seen), missing))
            if fill:
                padded += 1
                lists[k] = np.concatenate([lists[k], np.asarray(fill, dtype=lists[k].dtype)])
    seconds = time.perf_counter() - start
    stats = {"seconds": seconds, "padded": padded, "model_call_seconds": getattr(model, "call_seconds", seconds),
             "history_dropped": getattr(model, "history_dropped", 0)}
    return users, lists, stats


def as_raw(data: Data, users, lists) -> dict:
    return {data.users[u]: [data.items[j] for j in items] for u, items in zip(users, lists)}


# ---------------------------------------------------------------- protocol


def run_model(name, data, split, bench, threads, out_dir):
    grid = GRIDS[name]
    points = [dict(zip(grid, values)) for values in itertools.product(*grid.values())]
    popularity = {key: np.argsort(-np.asarray(X.sum(axis=0)).ravel(), kind="stable").tolist()
                  for key, X in (("train", data.train), ("train_valid", data.train_valid))}

    results, best = [], None
    grid_start = time.perf_counter()
    for number, point in enumerate(points, start=1):
        start = time.perf_counter()
        model = make_model(name, point, threads)
        model.fit(data.train)
        users, lists, _ = recommend_all(model, data.train, popularity["train"])
        scored = bench.evaluate(split, as_raw(data, users, lists), target="valid")
        ndcg = scored["metrics"]["NDCG@10"]
        results.append({"point": point, "valid_ndcg10": ndcg})
        if best is None or ndcg > best["valid_ndcg10"]:
            best = results[-1]
        label = " ".join(f"{k}={v}" for k, v in point.items()) or "-"
        log(f"[{name}] {number}/{len(points)} {label}: valid NDCG@10 {ndcg:.4f} "
            f"({time.perf_counter() - start:.2f} s)")
    grid_seconds = time.perf_counter() - grid_start

    # Final: one fit on train+valid with the best point, one batch recommend call for all users.
    model = make_model(name, best["point"], threads)
    start = time.perf_counter()
    model.fit(data.train_valid)
    fit_seconds = time.perf_counter() - start
    users, lists, stats = recommend_all(model, data.train_valid, popularity["train_valid"])
    batch_seconds = stats["seconds"]
    path = out_dir / f"{name}.recs.tsv"
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write("user_id\titems\n")
        for user, items in as_raw(data, users, lists).items():
            handle.write(f"{user}\t{','.join(items)}\n")
    log(f"[{name}] best {best['point']} valid NDCG@10 {best['valid_ndcg10']:.4f}; grid {grid_seconds:.1f} s, "
        f"final fit {fit_seconds:.3f} s, batch recommend {batch_seconds * 1000:.1f} ms for {len(users)} users "
        f"-> {path}")
    return {
        "best_point": best["point"],
        "valid_ndcg10": best["valid_ndcg10"],
        "grid_points": len(points),
        "grid_search_s": round(grid_seconds, 3),
        "fit_s": round(fit_seconds, 4),
        "batch_recommend_s": round(batch_seconds, 4),  # all users, clean-up and padding included
        "model_call_s": round(stats["model_call_seconds"], 4),  # the library's batch call alone
        "users_recommended": len(users),
        "lists_padded_with_popular": stats["padded"],
        "history_items_dropped_from_model_output": stats["history_dropped"],
        "recs": str(path),
        "grid": results,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Run the peer recommender baselines on a split.py split.")
    parser.add_argument("--split", required=True, help="folder written by split.py")
    parser.add_argument("--out", required=True, help="output folder for <model>.recs.tsv and peers.json")
    parser.add_argument("--models", default=",".join(GRIDS), help=f"comma-separated subset of {','.join(GRIDS)}")
    parser.add_argument("--threads", type=int, default=2, help="threads for implicit and BLAS (default 2)")
    parser.add_argument("--bench-dir", default=str(ROOT.parent / "shared" / "bench" / "recs"),
                        help="folder of evaluate.py (default: ../shared/bench/recs from the repo root)")
    args = parser.parse_args(argv)

    models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = [m for m in models if m not in GRIDS]
    if unknown or not models:
        parser.error(f"unknown model(s) {unknown}; choose from {','.join(GRIDS)}")
    if args.threads < 1:
        parser.error("--threads must be at least 1")
    sys.path.insert(0, str(Path(args.bench_dir).resolve()))
    import evaluate as bench  # noqa: E402  (shared/bench/recs/evaluate.py)

    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        split = bench.Split(args.split)
    except bench.EvalError as error:
        log(f"recs_peers.py: error: {error}")
        return 2
    data = Data(split)
    log(f"split {args.split}: {len(data.users)} users, {len(data.items)} items, "
        f"{data.train.nnz} train / {data.train_valid.nnz - data.train.nnz} valid pairs")

    versions = {"python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__}
    if any(m in ("itemknn", "als", "bpr") for m in models):
        import implicit
        versions["implicit"] = implicit.__version__
    report = {
        "split": str(Path(args.split).resolve()),
        "split_manifest": split.manifest,
        "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "threads": args.threads,
        "env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS")},
        "versions": versions,
        "lists": N_RECS,
        "models": {},
    }
    # BLAS threads follow --threads too (implicit's ALS warns that it prefers 1; PEERS.md left 2).
    with threadpool_limits(limits=args.threads):
        blas = [{k: lib.get(k) for k in ("internal_api", "version", "architecture", "num_threads", "filepath")}
                for lib in threadpool_info() if lib.get("user_api") == "blas"]
        report["blas"] = blas
        for lib in blas:
            log(f"BLAS: {lib['internal_api']} {lib['version']} kernel {lib['architecture']}, "
                f"{lib['num_threads']} threads")
        for name in models:
            report["models"][name] = run_model(name, data, split, bench, args.threads, out_dir)
            # written after every model so a long run leaves partial results behind
            with open(out_dir / "peers.json", "w", encoding="utf-8") as handle:
                json.dump(report, handle, indent=2)
                handle.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
