#!/usr/bin/env python3
"""Scores the sentiment peers on the same held-out test rows as `aisle train-sentiment`:
VADER (PyPI vadersentiment) on the English sentences, SnowNLP (PyPI snownlp) on the Chinese
reviews. A row is in the test part when FNV-1a (64-bit) of its text's UTF-8 bytes is 0 modulo 5.

VADER: positive when compound >= 0 (its usual neutral band is folded into positive, which is the
better binary cut-off on this data); SnowNLP: positive when sentiments >= 0.5.

SnowNLP is also scored on every hotel review (reviews-zh-hotel, out of domain for both engines;
`aisle-bench review-polarity` scores Aisle on the same rows).

Usage: sentiment_peers.py [--zh FILE.csv.gz] [--en FILE.tsv] [--hotel FILE.csv.gz]
"""

import argparse
import csv
import gzip
import io
import sys
import time


def fnv1a64(text: str) -> int:
    value = 0xCBF29CE484222325
    for byte in text.encode("utf-8"):
        value ^= byte
        value = (value * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return value


def macro_f1(predictions, labels):
    def f1(positive):
        hit = sum(1 for p, l in zip(predictions, labels) if p == positive and l == positive)
        guess = sum(1 for p in predictions if p == positive)
        actual = sum(1 for l in labels if l == positive)
        return 2 * hit / (guess + actual) if guess + actual else 0.0
    accuracy = sum(1 for p, l in zip(predictions, labels) if p == l) / len(labels)
    return accuracy, (f1(1) + f1(0)) / 2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zh", default="../shared/data/reviews-zh/online_shopping_10_cats.csv.gz")
    parser.add_argument("--en", default="../shared/data/reviews-en/sentences.tsv")
    parser.add_argument("--hotel", default="../shared/data/reviews-zh-hotel/ChnSentiCorp_htl_all.csv.gz")
    args = parser.parse_args()

    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    from snownlp import SnowNLP

    with open(args.en, encoding="utf-8") as handle:
        rows = [line.rstrip("\n").split("\t", 2) for line in handle][1:]
    test = [(text, int(label)) for _, label, text in rows if fnv1a64(text) % 5 == 0]
    analyzer = SentimentIntensityAnalyzer()
    start = time.perf_counter()
    predictions = [1 if analyzer.polarity_scores(text)["compound"] >= 0 else 0 for text, _ in test]
    seconds = time.perf_counter() - start
    accuracy, f1 = macro_f1(predictions, [label for _, label in test])
    print(f"en: VADER on {len(test)} test rows: accuracy {accuracy:.4f}, macro-F1 {f1:.4f} ({len(test) / seconds:.0f} rows/s)")

    with gzip.open(args.zh, "rt", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        rows = []
        for record in reader:
            if len(record) < 3:
                continue
            text = ",".join(record[2:]).replace("\ufeff", "")
            if text.strip():
                rows.append((text, int(record[1])))
    test = [(text, label) for text, label in rows if fnv1a64(text) % 5 == 0]
    start = time.perf_counter()
    predictions = [1 if SnowNLP(text).sentiments >= 0.5 else 0 for text, _ in test]
    seconds = time.perf_counter() - start
    accuracy, f1 = macro_f1(predictions, [label for _, label in test])
    print(f"zh: SnowNLP on {len(test)} test rows: accuracy {accuracy:.4f}, macro-F1 {f1:.4f} ({len(test) / seconds:.0f} rows/s)")

    with gzip.open(args.hotel, "rt", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        hotel = [(",".join(r[1:]), int(r[0])) for r in reader if len(r) >= 2 and ",".join(r[1:]).strip()]
    predictions = [1 if SnowNLP(text).sentiments >= 0.5 else 0 for text, _ in hotel]
    accuracy, f1 = macro_f1(predictions, [label for _, label in hotel])
    print(f"zh hotel: SnowNLP on all {len(hotel)} rows: accuracy {accuracy:.4f}, macro-F1 {f1:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
