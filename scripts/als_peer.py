#!/usr/bin/env python3
"""Times `implicit`'s CPU ALS fit on an interaction file, for the side-by-side run with Aisle
(scripts/bench-als.sh). Reads `user<TAB>item<TAB>weight` (header first), builds the user x item
CSR matrix (float32, duplicates summed) outside the timed part, then times one `fit`.

Usage: als_peer.py --input FILE [--factors 64] [--iterations 15] [--regularization 0.1]
                   [--alpha 1] [--threads 2]
"""

import argparse
import sys
import time

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True)
    parser.add_argument("--factors", type=int, default=64)
    parser.add_argument("--iterations", type=int, default=15)
    parser.add_argument("--regularization", type=float, default=0.1)
    parser.add_argument("--alpha", type=float, default=1.0)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    import implicit
    from implicit.cpu.als import AlternatingLeastSquares

    start = time.perf_counter()
    users, items, weights = {}, {}, []
    rows, cols = [], []
    with open(args.input, encoding="utf-8") as handle:
        next(handle)
        for line in handle:
            user, item, weight = line.rstrip("\n").split("\t")[:3]
            rows.append(users.setdefault(user, len(users)))
            cols.append(items.setdefault(item, len(items)))
            weights.append(float(weight))
    matrix = sp.csr_matrix(
        (np.asarray(weights, dtype=np.float32), (np.asarray(rows), np.asarray(cols))),
        shape=(len(users), len(items)),
    )
    matrix.sum_duplicates()
    print(f"implicit {implicit.__version__}: {matrix.shape[0]} users x {matrix.shape[1]} items, "
          f"{matrix.nnz} non-zeros (loaded in {time.perf_counter() - start:.1f} s)", flush=True)

    model = AlternatingLeastSquares(
        factors=args.factors, regularization=args.regularization, alpha=args.alpha,
        iterations=args.iterations, num_threads=args.threads, random_state=42,
        calculate_training_loss=False,
    )
    # implicit asks for single-threaded BLAS (its own threads parallelise the solves).
    with threadpool_limits(limits=1, user_api="blas"):
        start = time.perf_counter()
        model.fit(matrix, show_progress=False)
        seconds = time.perf_counter() - start
    print(f"implicit: fit {seconds:.2f} s (factors {args.factors}, {args.iterations} iterations, "
          f"{args.threads} threads)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
