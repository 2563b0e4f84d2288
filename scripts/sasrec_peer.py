#!/usr/bin/env python3
"""A PyTorch SASRec of the same size and loss as Aisle's `transformer`, for the side-by-side
speed comparison in docs/BENCHMARKS.md (scripts/bench-transformer.sh runs both).

Same network as SequentialModel: item embedding x sqrt(d) + learned position (0 = newest item),
pre-LayerNorm blocks of causal multi-head attention and a GELU (tanh) feed-forward layer, final
LayerNorm, scores h . E^T + b with tied item embeddings; cross-entropy over every item at every
position; AdamW (0.9, 0.98); sequences cut from the newest end into windows of max_len + 1.
Batches are padded on the right to their longest sequence (PyTorch's usual way; Aisle packs
without padding); causal attention keeps real tokens from seeing the padding after them.

Usage: sasrec_peer.py --split DIR [--epochs N] [--threads 2] [--out recs.tsv] [--fit train|train+valid]
Prints one line per epoch (loss, validation NDCG@10 when fitting on train, seconds) and a
summary line `epochs_per_second=...`.
"""
import argparse
import csv
import math
import random
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read(path):
    with open(path) as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return [(r["user_id"], r["item_id"], float(r["timestamp"])) for r in rows]


class SASRec(nn.Module):
    def __init__(self, items, dim, blocks, heads, hidden, max_len, dropout):
        super().__init__()
        self.items = nn.Embedding(items, dim)
        self.bias = nn.Parameter(torch.zeros(items))
        self.positions = nn.Embedding(max_len, dim)
        self.dropout = nn.Dropout(dropout)
        self.blocks = nn.ModuleList()
        for _ in range(blocks):
            self.blocks.append(nn.ModuleDict({
                "norm1": nn.LayerNorm(dim, eps=1e-6),
                "attention": nn.MultiheadAttention(dim, heads, dropout=0.0, batch_first=True),
                "norm2": nn.LayerNorm(dim, eps=1e-6),
                "up": nn.Linear(dim, hidden),
                "down": nn.Linear(hidden, dim),
            }))
        self.final = nn.LayerNorm(dim, eps=1e-6)
        self.scale = math.sqrt(dim)
        nn.init.uniform_(self.items.weight, -0.02 * math.sqrt(3), 0.02 * math.sqrt(3))
        nn.init.uniform_(self.positions.weight, -0.02 * math.sqrt(3), 0.02 * math.sqrt(3))

    def forward(self, seqs, positions):
        x = self.dropout(self.items(seqs) * self.scale + self.positions(positions))
        length = seqs.shape[1]
        causal = torch.triu(torch.ones(length, length, dtype=torch.bool), diagonal=1)
        for block in self.blocks:
            a = block["norm1"](x)
            attended, _ = block["attention"](a, a, a, attn_mask=causal, need_weights=False)
            x = x + self.dropout(attended)
            f = block["down"](F.gelu(block["up"](block["norm2"](x)), approximate="tanh"))
            x = x + self.dropout(f)
        return self.final(x)

    def logits(self, h):
        return h @ self.items.weight.T + self.bias


def windows(histories, max_len):
    result = []
    for items in histories:
        end = len(items)
        while end >= 2:
            result.append(items[max(0, end - max_len - 1):end])
            end -= max_len
    return result


def batch_tensors(seqs, with_targets=True):
    """Inputs, targets (-100 where none), positions (0 = newest) and each row's last index."""
    length = max(len(s) - (1 if with_targets else 0) for s in seqs)
    inputs = torch.zeros(len(seqs), length, dtype=torch.long)
    targets = torch.full((len(seqs), length), -100, dtype=torch.long)
    positions = torch.zeros(len(seqs), length, dtype=torch.long)
    last = torch.zeros(len(seqs), dtype=torch.long)
    for row, s in enumerate(seqs):
        x = s[:-1] if with_targets else s
        n = len(x)
        inputs[row, :n] = torch.tensor(x)
        positions[row, :n] = torch.arange(n - 1, -1, -1)
        last[row] = n - 1
        if with_targets:
            targets[row, :n] = torch.tensor(s[1:])
    return inputs, targets, positions, last


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", required=True)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--blocks", type=int, default=2)
    parser.add_argument("--heads", type=int, default=1)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--max-len", type=int, default=50)
    parser.add_argument("--dropout", type=float, default=0.5)
    parser.add_argument("--lr", type=float, default=0.001)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--fit", default="train")
    parser.add_argument("--out")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    random.seed(args.seed)

    train = read(f"{args.split}/train.tsv")
    valid = read(f"{args.split}/valid.tsv")
    test = read(f"{args.split}/test.tsv")
    rows = train + (valid if args.fit == "train+valid" else [])
    item_ids = sorted({i for _, i, _ in train + valid + test})
    index = {item: n for n, item in enumerate(item_ids)}
    by_user = {}
    for user, item, time_ in rows:
        by_user.setdefault(user, []).append((time_, index[item]))
    users = sorted(by_user)
    histories = []
    for user in users:
        ordered = [i for _, i in sorted(by_user[user])]
        collapsed = [i for n, i in enumerate(ordered) if n == 0 or ordered[n - 1] != i]
        histories.append(collapsed)
    sequences = windows(histories, args.max_len)
    target = {u: index[i] for u, i, _ in (valid if args.fit == "train" else test)}

    model = SASRec(len(item_ids), args.dim, args.blocks, args.heads, args.hidden, args.max_len, args.dropout)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.98), weight_decay=0.0)

    def evaluate():
        model.eval()
        ndcg, count = 0.0, 0
        with torch.no_grad():
            for first in range(0, len(users), 512):
                chunk = [(u, h) for u, h in zip(users[first:first + 512], histories[first:first + 512]) if u in target and h]
                if not chunk:
                    continue
                inputs, _, positions, last = batch_tensors([h[-args.max_len:] for _, h in chunk], False)
                h = model(inputs, positions)[torch.arange(len(chunk)), last]
                scores = model.logits(h)
                for row, (user, history) in enumerate(chunk):
                    scores[row, history] = -float("inf")
                top = torch.topk(scores, 10).indices.numpy()
                for row, (user, _) in enumerate(chunk):
                    hits = np.where(top[row] == target[user])[0]
                    if hits.size:
                        ndcg += 1 / math.log2(hits[0] + 2)
                    count += 1
        model.train()
        return ndcg / max(1, count)

    total = 0.0
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        random.shuffle(sequences)
        loss_sum, tokens = 0.0, 0
        for first in range(0, len(sequences), args.batch):
            inputs, targets, positions, _ = batch_tensors(sequences[first:first + args.batch])
            h = model(inputs, positions)
            mask = targets >= 0
            logits = model.logits(h[mask])
            loss = F.cross_entropy(logits, targets[mask])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * int(mask.sum())
            tokens += int(mask.sum())
        seconds = time.perf_counter() - start
        total += seconds
        line = f"epoch {epoch}: loss {loss_sum / tokens:.4f} in {seconds:.2f} s"
        if args.fit == "train":
            line += f", valid NDCG@10 {evaluate():.4f}"
        print(line, flush=True)
    print(f"epochs_per_second={args.epochs / total:.4f} seconds_per_epoch={total / args.epochs:.3f}", flush=True)
    if args.out:
        model.eval()
        with torch.no_grad(), open(args.out, "w") as f:
            f.write("user_id\titems\n")
            for first in range(0, len(users), 512):
                chunk = [(u, h) for u, h in zip(users[first:first + 512], histories[first:first + 512]) if h]
                inputs, _, positions, last = batch_tensors([h[-args.max_len:] for _, h in chunk], False)
                scores = model.logits(model(inputs, positions)[torch.arange(len(chunk)), last])
                for row, (_, history) in enumerate(chunk):
                    scores[row, history] = -float("inf")
                top = torch.topk(scores, 50).indices.numpy()
                for row, (user, _) in enumerate(chunk):
                    f.write(user + "\t" + ",".join(item_ids[i] for i in top[row]) + "\n")


if __name__ == "__main__":
    main()
