#!/usr/bin/env python3
"""Language centering for multilingual-e5-small's cross-language search (docs/SEARCH.md, "The
text model search uses"), as measured before it is built into the server. The means come from
300 Chinese and 300 English titles of a catalog (the seed-7 validation catalog), embedded with
`aisle embed` as passages and as queries; then each product of a cross-language set is ranked
for its query by cosine over the set, raw and centred (vector − share × its language's mean,
normalised), and hit@1 and hit@3 are printed per setting.

    aisle synth --seed 7 --users 10 --items 5000 --events 0 --output /dev/null \
        --items-output bench-out/validation/items.jsonl
    python3 scripts/e5_language_centering.py bench-out/validation/items.jsonl \
        bench/cross-language-validation.jsonl        # choose the setting here
    python3 scripts/e5_language_centering.py bench-out/validation/items.jsonl \
        bench/cross-language.jsonl                   # then measure it once here
    python3 scripts/e5_language_centering.py bench-out/validation/items.jsonl \
        --write Sources/AisleSearch/LanguageCentering+E5.swift   # the means search uses
"""
import json
import random
import subprocess
import sys

import numpy as np

AISLE = ".build/release/aisle"
MODEL = "models/multilingual-e5-small"


def embed(texts, kind):
    vectors = []
    for first in range(0, len(texts), 100):
        out = subprocess.run([AISLE, "embed", "--model", MODEL, "--input-type", kind] + texts[first:first + 100],
                             capture_output=True, text=True, check=True).stdout
        vectors += [json.loads(line) for line in out.strip().split("\n")]
    return np.array(vectors)


def chinese(text):
    return any("\u4e00" <= c <= "\u9fff" for c in text)


def write_swift(path, means):
    def floats(values):
        rows = [", ".join(f"{v:.6f}" for v in values[i:i + 8]) for i in range(0, len(values), 8)]
        return "[\n            " + ",\n            ".join(rows) + ",\n        ]"
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"""// Written by scripts/e5_language_centering.py --write: the mean passage vectors of 300 Chinese
// and 300 other titles of the seed-7 validation catalog (aisle synth --seed 7), with
// multilingual-e5-small. Do not edit by hand.
extension LanguageCentering {{
    /// multilingual-e5-small's centering (share 0.75, chosen on bench/cross-language-validation.jsonl).
    public static let multilingualE5 = LanguageCentering(
        cjkMean: {floats(means[("zh", "passage")])},
        otherMean: {floats(means[("en", "passage")])},
        share: 0.75
    )
}}
""")
    print(f"wrote {path}")


def main():
    catalog, products = sys.argv[1], sys.argv[2]
    titles = [json.loads(line)["title"] for line in open(catalog, encoding="utf-8")]
    random.seed(3)
    sample = {"zh": random.sample([t for t in titles if chinese(t)], 300),
              "en": random.sample([t for t in titles if not chinese(t)], 300)}
    means = {(lang, kind): embed(texts, kind).mean(0) for lang, texts in sample.items() for kind in ("passage", "query")}
    if products == "--write":
        write_swift(sys.argv[3], means)
        return
    entries = [json.loads(line) for line in open(products, encoding="utf-8")]
    passages = embed([e["title"] for e in entries], "passage")
    queries = embed([e["query"] for e in entries], "query")
    passage_langs = ["zh" if chinese(e["title"]) else "en" for e in entries]
    query_langs = ["zh" if chinese(e["query"]) else "en" for e in entries]

    def unit(vectors):
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def score(p, q, name):
        similarity = q @ p.T
        top = [np.argsort(-similarity[i])[:3] for i in range(len(entries))]
        hit1 = np.mean([top[i][0] == i for i in range(len(entries))])
        hit3 = np.mean([i in top[i] for i in range(len(entries))])
        print(f"{name:<52} hit@1 {hit1:.3f} hit@3 {hit3:.3f}")

    print(f"{products}: {len(entries)} products")
    score(passages, queries, "raw")
    for share in (0.5, 0.75, 1.0):
        centred = unit(passages - share * np.array([means[(lang, "passage")] for lang in passage_langs]))
        by_query = unit(queries - share * np.array([means[(lang, "query")] for lang in query_langs]))
        by_passage = unit(queries - share * np.array([means[(lang, "passage")] for lang in query_langs]))
        score(centred, by_query, f"share {share}, queries by query means")
        score(centred, by_passage, f"share {share}, queries by passage means")


if __name__ == "__main__":
    main()
