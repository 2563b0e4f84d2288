#!/usr/bin/env python3
"""Hand-judged search evaluation on the synthetic catalog (`aisle synth --items-output`).

Each line of bench/search-judged.jsonl is a shopper query with grading rules; an item's grade
is the highest grade among the rules it matches (2 = what the shopper asked for, 1 = a
reasonable partial match, else 0). Grades are computed from the rules over the whole catalog,
so the judgments stay complete however the catalog's items are ranked.

  search_judged.py qrels   ITEMS.jsonl QUERIES.jsonl              relevant counts; exit 1 if any query has < 3
  search_judged.py score   ITEMS.jsonl QUERIES.jsonl RUN.tsv...   mean NDCG@10 and P@10 per run (EN / ZH / all) [--split]
  search_judged.py tantivy ITEMS.jsonl QUERIES.jsonl OUT.tsv      Tantivy BM25 runs (OUT.tsv and OUT-jieba.tsv)
  search_judged.py calibrate ITEMS.jsonl QUERIES.jsonl CANDIDATES.tsv [--langs en]
                                                                  the similarity threshold and margin below the
                                                                  nearest item with the best F1 over the held-in
                                                                  (odd) queries' items found by meaning alone
                                                                  (aisle-bench search-judged --calibrate)

A run file has lines `query_id<TAB>rank<TAB>item_id`, rank 1-based.
"""
import argparse
import json
import math
import re
import sys

RULE_KEYS = {"grade", "category", "brand", "title_all", "title_any", "title_none"}
MIN_RELEVANT = 3


def load_jsonl(path):
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def load_queries(path):
    queries = load_jsonl(path)
    seen = set()
    for query in queries:
        # Catch typos in hand-written rules early: an unknown key would silently match everything.
        for rule in query["grades"]:
            unknown = set(rule) - RULE_KEYS
            if unknown or rule.get("grade") not in (1, 2):
                sys.exit(f"{query['id']}: bad rule {rule}")
        if query["id"] in seen or query["lang"] not in ("en", "zh"):
            sys.exit(f"{query['id']}: duplicate id or unknown lang")
        seen.add(query["id"])
    return queries


def matches(rule, item):
    title = item["title"].lower()
    if "category" in rule:
        path = rule["category"]
        if not any(c == path or c.startswith(path + " > ") for c in item.get("categories", [])):
            return False
    if "brand" in rule and (item.get("brand") or "").lower() != rule["brand"].lower():
        return False
    if "title_all" in rule and not all(s.lower() in title for s in rule["title_all"]):
        return False
    if "title_any" in rule and not any(s.lower() in title for s in rule["title_any"]):
        return False
    if "title_none" in rule and any(s.lower() in title for s in rule["title_none"]):
        return False
    return True


def judge(items, queries):
    """{query id: {item id: grade}} for every item with grade >= 1."""
    qrels = {}
    for query in queries:
        grades = {}
        for item in items:
            grade = max((rule["grade"] for rule in query["grades"] if matches(rule, item)), default=0)
            if grade:
                grades[item["id"]] = grade
        qrels[query["id"]] = grades
    return qrels


def cmd_qrels(args):
    items, queries = load_jsonl(args.items), load_queries(args.queries)
    qrels = judge(items, queries)
    short = []
    print(f"{'id':<6} {'grade2':>6} {'grade1':>6}  query")
    for query in queries:
        grades = list(qrels[query["id"]].values())
        two, one = grades.count(2), grades.count(1)
        print(f"{query['id']:<6} {two:>6} {one:>6}  {query['query']}")
        if two + one < MIN_RELEVANT:
            short.append(query["id"])
    for lang in ("en", "zh"):
        counts = sorted(len(qrels[q["id"]]) for q in queries if q["lang"] == lang)
        if counts:
            print(f"{lang}: {len(counts)} queries; relevant items per query min {counts[0]}, "
                  f"median {counts[len(counts) // 2]}, max {counts[-1]}")
    if short:
        print(f"fewer than {MIN_RELEVANT} relevant items: {', '.join(short)}", file=sys.stderr)
        sys.exit(1)


def ndcg_at_10(ranked, grades):
    dcg = sum(grades.get(item, 0) / math.log2(rank + 2) for rank, item in enumerate(ranked[:10]))
    ideal = sorted(grades.values(), reverse=True)[:10]
    idcg = sum(grade / math.log2(rank + 2) for rank, grade in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def precision_at_10(ranked, grades):
    # Missing ranks count as misses: a run that returns 3 good items scores 0.3.
    return sum(1 for item in ranked[:10] if grades.get(item, 0) > 0) / 10


def load_run(path):
    ranked = {}
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                query_id, rank, item_id = line.rstrip("\n").split("\t")
                ranked.setdefault(query_id, []).append((int(rank), item_id))
    run = {}
    for query_id, pairs in ranked.items():
        ids = []
        for _, item_id in sorted(pairs):
            if item_id not in ids:  # a duplicate must not earn its gain twice
                ids.append(item_id)
        run[query_id] = ids
    return run


def cmd_score(args):
    items, queries = load_jsonl(args.items), load_queries(args.queries)
    qrels = judge(items, queries)
    subsets = [("all", lambda n: True)]
    if args.split:
        subsets += [("held-in", lambda n: n % 2 == 1), ("held-out", lambda n: n % 2 == 0)]
    number = {q["id"]: int(re.search(r"\d+", q["id"]).group()) for q in queries}
    width = max(len(path) for path in args.runs)
    print(f"{'run':<{width}}  {'queries':<8}  {'EN':>6}  {'ZH':>6}  {'all':>6}   NDCG@10   "
          f"{'EN':>6}  {'ZH':>6}  {'all':>6}   P@10")
    for path in args.runs:
        run = load_run(path)
        # A query missing from the run scores 0, so runs are always averaged over the same queries.
        measures = [{q["id"]: measure(run.get(q["id"], []), qrels[q["id"]]) for q in queries}
                    for measure in (ndcg_at_10, precision_at_10)]
        # Over every result the run lists (Aisle's runs list them all, up to 1,000; Tantivy's the
        # top 10): how many a query gets, how many of those are relevant, and how many queries
        # get none.
        listed = [run.get(q["id"], []) for q in queries]
        results = sum(len(ranked) for ranked in listed)
        relevant = sum(1 for q, ranked in zip(queries, listed) for item in ranked if qrels[q["id"]].get(item, 0) > 0)
        empty = sum(1 for ranked in listed if not ranked)
        print(f"{path}: {results / len(queries):.1f} results a query, {relevant / max(results, 1):.4f} of them "
              f"relevant, {empty} queries without results")
        for name, keep in subsets:
            chosen = [q for q in queries if keep(number[q["id"]])]
            cells = []
            for scores in measures:
                for lang in ("en", "zh", None):
                    values = [scores[q["id"]] for q in chosen if lang is None or q["lang"] == lang]
                    cells.append(f"{sum(values) / len(values):.4f}" if values else "   -  ")
            counts = f"{sum(q['lang'] == 'en' for q in chosen)}/{sum(q['lang'] == 'zh' for q in chosen)}"
            print(f"{path:<{width}}  {name:<8}  {cells[0]:>6}  {cells[1]:>6}  {cells[2]:>6}            "
                  f"{cells[3]:>6}  {cells[4]:>6}  {cells[5]:>6}   (EN/ZH {counts})")


def cmd_calibrate(args):
    """The bars an item found by meaning alone must clear: a similarity threshold and a margin
    below the query's nearest item, the pair with the best F1 (relevant = grade >= 1) pooled over
    the held-in (odd-numbered) queries in the model's languages (--langs)."""
    items, queries = load_jsonl(args.items), load_queries(args.queries)
    qrels = judge(items, queries)
    langs = set(args.langs.split(","))
    held_in = {q["id"] for q in queries
               if int(re.search(r"\d+", q["id"]).group()) % 2 == 1 and q["lang"] in langs}
    candidates = []
    with open(args.candidates, encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                query_id, item_id, similarity, nearest = line.rstrip("\n").split("\t")
                if query_id in held_in:
                    candidates.append((float(similarity), float(nearest), qrels[query_id].get(item_id, 0) > 0))
    relevant = sum(1 for *_, good in candidates if good)
    print(f"calibrate: {len(candidates)} candidates of {len(held_in)} held-in {'/'.join(sorted(langs))} "
          f"queries, {relevant} relevant")

    def f1(threshold, margin):
        kept = [good for similarity, nearest, good in candidates
                if similarity >= threshold and similarity >= nearest - margin]
        hits = sum(kept)
        precision = hits / len(kept) if kept else 1.0
        recall = hits / relevant if relevant else 0.0
        return (2 * precision * recall / (precision + recall) if precision + recall else 0.0), precision, recall

    # Thresholds 0.20-0.95 by 0.01: e5's similarities sit higher than MiniLM's (unrelated
    # titles at 0.75-0.80), and its margins are narrower (0.01-0.04 matter).
    margins = [0.01, 0.02, 0.03, 0.04] + [step / 100 for step in range(5, 55, 5)] + [math.inf]
    best = None
    for margin in margins:
        row = max((f1(step / 100, margin) + (step / 100,) for step in range(20, 96)), key=lambda r: r[0])
        print(f"  margin {margin:>4}: best threshold {row[3]:.2f}, F1 {row[0]:.4f} "
              f"(precision {row[1]:.4f}, recall {row[2]:.4f})")
        if best is None or row[0] > best[0]:
            best = (row[0], row[3], margin)
    print(f"calibrate: best F1 {best[0]:.4f} at threshold {best[1]:.2f}, margin {best[2]}")


def words(text):
    # As scripts/search_peer.py: keep word characters only, which also drops query-parser syntax.
    return re.findall(r"\w+", text.lower())


def cmd_tantivy(args):
    import jieba
    import tantivy

    jieba.setLogLevel(60)
    items, queries = load_jsonl(args.items), load_queries(args.queries)
    # Mirrors scripts/search_peer.py (title and categories joined by spaces, default tokenizer,
    # BM25 via the query parser) plus, as scripts/search_zh_peer.py, whitespace-tokenised fields
    # holding jieba's words (not lower-cased there; the query terms are).
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", stored=False)
    builder.add_text_field("categories", stored=False)
    builder.add_text_field("title_words", stored=False, tokenizer_name="whitespace")
    builder.add_text_field("categories_words", stored=False, tokenizer_name="whitespace")
    schema = builder.build()
    index = tantivy.Index(schema)
    writer = index.writer()

    def segment(text):
        return [word for word in jieba.cut(text) if word.strip()]

    for item in items:
        categories = " ".join(item.get("categories", []))
        writer.add_document(tantivy.Document(
            id=item["id"], title=item["title"], categories=categories,
            title_words=" ".join(segment(item["title"])), categories_words=" ".join(segment(categories))))
    writer.commit()
    index.reload()
    searcher = index.searcher()

    def top10(query):
        if query is None:
            return []
        return [searcher.doc(address)["id"][0] for _, address in searcher.search(query, 10).hits]

    def default_query(text):
        cleaned = " ".join(words(text))
        return index.parse_query(cleaned, ["title", "categories"]) if cleaned else None

    def jieba_query(text):
        clauses = [(tantivy.Occur.Should, tantivy.Query.term_query(schema, field, term.lower()))
                   for term in segment(text) for field in ("title_words", "categories_words")]
        return tantivy.Query.boolean_query(clauses) if clauses else None

    jieba_path = re.sub(r"\.tsv$", "", args.out) + "-jieba.tsv"
    with open(args.out, "w", encoding="utf-8") as plain, open(jieba_path, "w", encoding="utf-8") as seg:
        for query in queries:
            ids = top10(default_query(query["query"]))
            # English queries keep the default-tokenizer ranking in the jieba run, so the two runs'
            # "all" figures differ only by the Chinese treatment.
            seg_ids = top10(jieba_query(query["query"])) if query["lang"] == "zh" else ids
            for out, ranked in ((plain, ids), (seg, seg_ids)):
                for rank, item_id in enumerate(ranked, 1):
                    out.write(f"{query['id']}\t{rank}\t{item_id}\n")
    print(f"tantivy: {len(items)} items, {len(queries)} queries -> {args.out}, {jieba_path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("qrels", "score", "tantivy", "calibrate"):
        command = commands.add_parser(name)
        command.add_argument("items")
        command.add_argument("queries")
        if name == "calibrate":
            command.add_argument("candidates")
            command.add_argument("--langs", default="en", help="the text model's languages (comma-separated)")
        elif name == "score":
            command.add_argument("runs", nargs="+")
            command.add_argument("--split", action="store_true", help="also odd (held-in) / even (held-out) ids")
        elif name == "tantivy":
            command.add_argument("out")
    args = parser.parse_args()
    {"qrels": cmd_qrels, "score": cmd_score, "tantivy": cmd_tantivy, "calibrate": cmd_calibrate}[args.command](args)


if __name__ == "__main__":
    main()
