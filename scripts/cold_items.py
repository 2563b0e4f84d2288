#!/usr/bin/env python3
"""Test Recall@10 of a recs.tsv per target item, split by how often the item was seen.

Reads a split written by ../shared/bench/recs/split.py (loo: one test item per user) and a
recs.tsv as evaluate.py does (history = train + valid removed from each list). Counts every test
interaction once: is its item in the user's top K, and its discounted gain 1/log2(rank + 1)
(with one target per user, as in loo, these are HR@K and NDCG@K). Reports all test
interactions, then those whose item has fewer than --threshold interactions in train + valid
(cold items: what a model fitted on train + valid saw of them), then the others.

    python3 scripts/cold_items.py --split bench-out/splits/ml-100k-loo --recs recs.tsv
"""

from __future__ import annotations

import argparse
import collections
import csv
import math
import sys


def read_rows(path: str) -> list[tuple[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle, delimiter="\t")
        header = next(reader)
        user, item = header.index("user_id"), header.index("item_id")
        return [(row[user], row[item]) for row in reader if row]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", required=True)
    parser.add_argument("--recs", required=True)
    parser.add_argument("--threshold", type=int, default=5)
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()

    seen = collections.Counter()
    history: dict[str, set[str]] = collections.defaultdict(set)
    for name in ("train", "valid"):
        for user, item in read_rows(f"{args.split}/{name}.tsv"):
            seen[item] += 1
            history[user].add(item)
    targets = collections.defaultdict(set)
    for user, item in read_rows(f"{args.split}/test.tsv"):
        targets[user].add(item)
    lists: dict[str, list[str]] = {}
    with open(args.recs, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            fields = line.rstrip("\n").split("\t")
            if number == 1 and fields[0] == "user_id":
                continue
            if len(fields) != 2:
                print(f"{args.recs}:{number}: expected user<TAB>items", file=sys.stderr)
                return 2
            lists[fields[0]] = [item for item in fields[1].split(",") if item not in history[fields[0]]]

    # Per target interaction: is it in the user's top K (recall), and at what discount (the
    # target's share of DCG, 1/log2(rank + 1)). A user's targets may fall in both groups.
    cold, warm = f"cold (< {args.threshold} seen)", f"warm (>= {args.threshold} seen)"
    groups: dict[str, list[tuple[float, float]]] = {"all": [], cold: [], warm: []}
    for user, items in targets.items():
        if not history[user]:
            continue
        top = lists.get(user, [])[: args.k]
        for item in items:
            rank = top.index(item) if item in top else None
            score = (0.0, 0.0) if rank is None else (1.0, 1 / math.log2(rank + 2))
            groups["all"].append(score)
            groups[cold if seen[item] < args.threshold else warm].append(score)
    print(f"targets\tRecall@{args.k}\tDCG@{args.k} per target\tgroup")
    for name, scores in groups.items():
        count = len(scores)
        recall = sum(s[0] for s in scores) / count if count else 0.0
        gain = sum(s[1] for s in scores) / count if count else 0.0
        print(f"{count}\t{recall:.4f}\t{gain:.4f}\t{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
