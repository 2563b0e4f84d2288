#!/usr/bin/env python3
"""The PyTorch peer of `aisle-bench encoder` (scripts/bench-encoder.sh): sentence-transformers
on CPU with the same model folder, texts, batch size, thread count and single query, measured
the same way (load time, batch throughput, single-query latency in-process, RSS)."""
import argparse
import resource
import time


def rss_mib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) // 1024
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="models/all-MiniLM-L6-v2")
    parser.add_argument("--texts", required=True)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--query", default="red running shoes for men size 10 wide")
    parser.add_argument("--queries", type=int, default=1000)
    args = parser.parse_args()

    import torch
    torch.set_num_threads(args.threads)
    from sentence_transformers import SentenceTransformer

    start = time.perf_counter()
    model = SentenceTransformer(args.model, device="cpu")
    load = time.perf_counter() - start
    texts = [line for line in open(args.texts, encoding="utf-8").read().split("\n") if line]
    print(f"pytorch {torch.__version__}: loaded in {load:.3f} s, RSS {rss_mib('VmRSS')} MiB; {len(texts)} texts")
    with torch.inference_mode():
        model.encode(texts[: args.batch], batch_size=args.batch)
        start = time.perf_counter()
        embedded = 0
        for _ in range(args.rounds):
            for first in range(0, len(texts), args.batch):
                chunk = texts[first: first + args.batch]
                embedded += len(model.encode(chunk, batch_size=args.batch, convert_to_numpy=True))
        seconds = time.perf_counter() - start
        print(f"pytorch: batches of {args.batch} on {args.threads} threads: {embedded} texts in {seconds:.2f} s = {int(embedded / seconds)} texts/s")
        for _ in range(50):
            model.encode([args.query])
        latencies = []
        for _ in range(args.queries):
            began = time.perf_counter()
            model.encode([args.query])
            latencies.append((time.perf_counter() - began) * 1000)
    latencies.sort()
    p50 = latencies[int(0.5 * len(latencies))]
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
    print(f"pytorch: single query, {args.queries} runs: p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    print(f"pytorch: peak RSS {rss_mib('VmHWM')} MiB")


if __name__ == "__main__":
    main()
