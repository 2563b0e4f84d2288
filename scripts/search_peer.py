#!/usr/bin/env python3
"""Tantivy on the known-item queries `aisle-bench search` wrote (docs/BENCHMARKS.md): the same
documents (title and categories) and queries, scored with MRR@10 and Recall@10, in two modes:
plain BM25 through the query parser, and fuzzy term queries (distance 1 for words of 5+
letters, 2 for 9+, the last word also as a prefix), as issue 6 asks."""
import json
import os
import re
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import tantivy

folder = sys.argv[1] if len(sys.argv) > 1 else "bench-out/search"
builder = tantivy.SchemaBuilder()
builder.add_text_field("id", stored=True, tokenizer_name="raw")
builder.add_text_field("title", stored=False)
builder.add_text_field("categories", stored=False)
schema = builder.build()
# On disk, as a store would keep it, so its size can be reported.
path = f"{folder}/tantivy-index"
shutil.rmtree(path, ignore_errors=True)
os.makedirs(path)
index = tantivy.Index(schema, path=path)
writer = index.writer()
start = time.perf_counter()
documents = [json.loads(line) for line in open(f"{folder}/documents.jsonl", encoding="utf-8")]
for document in documents:
    writer.add_document(tantivy.Document(id=document["id"], title=document["title"], categories=document["categories"]))
writer.commit()
index.reload()
seconds = time.perf_counter() - start
with open("/proc/self/status") as status:
    rss = next(int(line.split()[1]) // 1024 for line in status if line.startswith("VmRSS:"))
size = sum(os.path.getsize(os.path.join(path, name)) for name in os.listdir(path))
print(f"tantivy: indexed {len(documents)} documents in {seconds:.3f} s ({int(len(documents) / seconds)} documents/s); index on disk {size / 2**20:.1f} MiB; RSS {rss} MiB")
searcher = index.searcher()
queries = [line.rstrip("\n").split("\t") for line in open(f"{folder}/queries.tsv", encoding="utf-8") if line.strip()]


def words(text):
    return re.findall(r"\w+", text.lower())


def plain(text):
    cleaned = " ".join(words(text))
    return index.parse_query(cleaned, ["title", "categories"]) if cleaned else None


def fuzzy(text):
    terms = words(text)
    clauses = []
    for position, term in enumerate(terms):
        distance = 2 if len(term) >= 9 else 1 if len(term) >= 5 and term.isalpha() else 0
        last = position == len(terms) - 1
        for field in ["title", "categories"]:
            clauses.append((tantivy.Occur.Should, tantivy.Query.fuzzy_term_query(
                schema, field, term, distance=distance, transposition_cost_one=True, prefix=last)))
    return tantivy.Query.boolean_query(clauses) if clauses else None


for name, build in [("bm25", plain), ("fuzzy", fuzzy)]:
    latencies = []
    for kind in ["clean", "typo", "prefix", "typo4"]:
        selected = [q for q in queries if q[1] == kind]
        reciprocal = 0.0
        found = 0
        for item_id, _, text in selected:
            query = build(text)
            if query is None:
                continue
            began = time.perf_counter()
            hits = searcher.search(query, 10).hits
            ids = [searcher.doc(address)["id"][0] for _, address in hits]
            latencies.append((time.perf_counter() - began) * 1000)
            if item_id in ids:
                reciprocal += 1 / (ids.index(item_id) + 1)
                found += 1
        print(f"tantivy {name}: {kind}: {len(selected)} queries, MRR@10 {reciprocal / max(len(selected), 1):.4f}, Recall@10 {found / max(len(selected), 1):.4f}")
    latencies.sort()
    print(f"tantivy {name}: latency over {len(latencies)} queries (with fetching ids): p50 {latencies[len(latencies) // 2]:.3f} ms, p99 {latencies[len(latencies) * 99 // 100]:.3f} ms")


def timed(texts):
    latencies = []
    for text in texts:
        query = plain(text)
        if query is None:
            continue
        began = time.perf_counter()
        hits = searcher.search(query, 10).hits
        [searcher.doc(address)["id"][0] for _, address in hits]
        latencies.append((time.perf_counter() - began) * 1000)
    return latencies


# Two client threads at once, each its share of the queries (Tantivy releases the GIL while it
# searches; fetching the ids holds it).
texts = [q[2] for q in queries]
with ThreadPoolExecutor(2) as pool:
    parts = list(pool.map(timed, [texts[0::2], texts[1::2]]))
latencies = sorted(parts[0] + parts[1])
print(f"tantivy bm25: latency, 2 threads, over {len(latencies)} queries: p50 {latencies[len(latencies) // 2]:.3f} ms, p99 {latencies[len(latencies) * 99 // 100]:.3f} ms")
