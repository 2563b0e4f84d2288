#!/usr/bin/env python3
"""Chooses the review polarity calibration for other domains (issue 18): leave one category out.

For each of the nine shopping categories C (酒店 is never trained on), an n-gram model trained
without C (`aisle train-sentiment --validation --exclude-category 酒店 --exclude-category C`) and
an embedding head trained without C (logistic regression on the cached multilingual-e5-small
vectors, L2 0.1 as shipped, train part = hash 2-4 modulo 5) read C's reviews, as a model reads
a shop's reviews of a kind it never saw. The calibration's decision (ReviewAnalyzer.decide) is
replayed over a grid; the figure is the mean polarity accuracy over the nine categories, mixed
and neutral counting as wrong, beside the in-domain validation part (hash 1) read by models
trained on every category. Neither the test part nor the hotel reviews are read.

Needs numpy, release builds of aisle and aisle-bench, and the vectors cached by
`aisle-bench review-polarity --embedding-model models/multilingual-e5-small --part validation`:

  python3 scripts/sentiment_calibration_loco.py            # writes its models and readings to bench-out/calibration-loco
"""
import csv, glob, gzip, itertools, os, subprocess, sys
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from sentiment_head_loco import fit, fnv, rows  # noqa: E402

OUT = "bench-out/calibration-loco"
CATEGORIES = ["书籍", "平板", "手机", "水果", "洗发水", "热水器", "蒙牛", "衣服", "计算机"]


def readings(name):
    """The readings `aisle-bench review-polarity --part all --dump-readings` wrote for model `name`."""
    path = f"{OUT}/readings-{name}.zh-shopping.tsv"
    if not os.path.exists(path):
        model = f"{OUT}/ngrams-{name}.aisle"
        if not os.path.exists(model):
            left_out = [] if name == "all" else ["--exclude-category", name]
            subprocess.run([".build/release/aisle", "train-sentiment", "--validation", "--exclude-category", "酒店",
                            *left_out, "--out", model], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([".build/release/aisle-bench", "review-polarity", "--part", "all", "--model", model,
                        "--dump-readings", f"{OUT}/readings-{name}"], check=True, stdout=subprocess.DEVNULL)
    with open(path) as f:
        reader = csv.reader(f, delimiter="\t")
        next(reader)
        table = list(reader)
    source = np.array([r[0] for r in table])
    label = np.array([int(r[1]) for r in table])
    part = np.array([int(r[2]) for r in table])
    values = np.array([[float(v) for v in r[3:]] for r in table])  # lexicon classifier embedding coverage + - size
    return source, label, part, values


def score(values, head, lexicon_weight, covered_weight, embedding_weight):
    """ReviewAnalyzer.decide's overall score; a missing part (nan) leaves the others, as there."""
    lexicon, ngrams, coverage = values[:, 0], values[:, 1], values[:, 3]
    weight = lexicon_weight + (covered_weight - lexicon_weight) * coverage
    blended = (1 - embedding_weight) * ngrams + embedding_weight * head
    classifier = np.where(np.isnan(head), ngrams, np.where(np.isnan(ngrams), head, blended))
    overall = np.where(np.isnan(classifier), lexicon, weight * lexicon + (1 - weight) * classifier)
    overall = np.where(np.isnan(lexicon), classifier, overall)
    return np.nan_to_num(overall)


def decide(overall, values, undecided, neutral):
    opposed = (values[:, 4] > 0) & (values[:, 5] > 0)
    band = np.where(opposed, undecided, neutral)
    return np.where((overall >= band) & (overall > 0), 1, np.where((overall <= -band) & (overall < 0), 0, -1))


def main():
    os.makedirs(OUT, exist_ok=True)
    data = rows()
    categories = np.array([c for c, _, _ in data])
    labels = np.array([l for _, l, _ in data])
    parts = np.array([fnv(t) % 5 for _, _, t in data])
    kept = categories != "酒店"
    paths = glob.glob("bench-out/search-zh/documents.multilingual-e5-small.f32.*")
    if not paths:
        sys.exit("no cached vectors: run aisle-bench review-polarity --embedding-model models/multilingual-e5-small --part validation")
    x = np.fromfile(paths[0], dtype=np.float32).reshape(len(data), -1).astype(np.float64)

    def head(train, rows_):
        w = fit(x[train], labels[train], 0.1)
        return np.tanh((x[rows_] @ w[:-1] + w[-1]) / 2)  # 2·P(positive) − 1

    held_out = {}
    for category in CATEGORIES:
        source, label, _, values = readings(category)
        mine = source == category
        head_scores = head((parts >= 2) & kept & (categories != category), kept & (categories == category))
        held_out[category] = (label[mine], values[mine], head_scores)
        print(f"{category}: {mine.sum()} reviews read by models trained without it", flush=True)
    _, label, part, values = readings("all")
    validation = part == 1
    in_domain = (label[validation], values[validation], head((parts >= 2) & kept, kept)[validation])

    def accuracy(read, settings, with_head=True):
        label_, values_, head_ = read
        head_ = head_ if with_head else np.full(len(head_), np.nan)
        return (decide(score(values_, head_, *settings[:3]), values_, *settings[3:]) == label_).mean()

    grid = itertools.product([0.0, 0.05, 0.1, 0.2, 0.3], [0.3, 0.5, 0.8], [0.5, 0.6, 0.7], [0.05, 0.1],
                             [0.0, 0.02, 0.05, 0.1])
    results = []
    for settings in grid:
        out = np.mean([accuracy(held_out[c], settings) for c in CATEGORIES])
        results.append((out, accuracy(in_domain, settings), settings))
    results.sort(key=lambda r: -r[0])
    print("lexicon weight, covered, embedding weight, undecided (mixed), neutral: held-out-category mean / validation")
    for out, valid, settings in results[:10]:
        print(f"  {settings}: {out:.4f} / {valid:.4f}")
    for settings in [(0.3, 0.8, 0.5, 0.1, 0.1), (0.1, 0.8, 0.6, 0.1, 0.02)]:
        out = np.mean([accuracy(held_out[c], settings) for c in CATEGORIES])
        bare = np.mean([accuracy(held_out[c], settings, False) for c in CATEGORIES])
        print(f"{settings}: {out:.4f} / {accuracy(in_domain, settings):.4f}; without the head "
              f"{bare:.4f} / {accuracy(in_domain, settings, False):.4f}")


if __name__ == "__main__":
    main()
