#!/usr/bin/env python3
"""Writes a FAQ set of N entries for the assistant benchmark (docs/BENCHMARKS.md): the 48 demo
FAQs, then generated ones in English and Chinese, as varied as a big shop's help centre (topics
x products x details), deterministic for a seed. Usage: assistant_faqs.py N OUT.json"""
import json
import random
import sys

count, out = int(sys.argv[1]), sys.argv[2]
rng = random.Random(7)
demo = json.load(open("bench/assistant/demo-faqs.json"))["faqs"]
products = ["running shoes", "rain jacket", "headphones", "sofa", "coffee maker", "phone case", "yoga mat",
            "winter boots", "desk lamp", "backpack", "smart watch", "baby stroller", "gaming chair", "blender",
            "Blu-ray box set", "printer ink", "bike helmet", "contact lenses", "dog bed", "tent"]
products_zh = ["跑步鞋", "雨衣", "耳机", "沙发", "咖啡机", "手机壳", "瑜伽垫", "雪地靴", "台灯", "双肩包", "智能手表",
               "婴儿车", "电竞椅", "破壁机", "蓝光碟", "墨盒", "骑行头盔", "隐形眼镜", "狗窝", "帐篷"]
questions = ["How do I clean my {p}?", "Is the {p} covered by warranty in {r}?", "Can I return a {p} bought on sale?",
             "How long does delivery of a {p} take to {r}?", "Do you offer assembly for the {p}?",
             "What is the battery life of the {p}?", "Can I buy a spare part for my {p}?",
             "Is the {p} available in store pickup in {r}?", "How do I register my {p} for the {n}-year plan?",
             "Can I pay for a {p} in {n} instalments?"]
questions_zh = ["{p}怎么清洗？", "{p}在{r}保修吗？", "打折买的{p}可以退吗？", "{p}送到{r}要几天？", "{p}提供安装服务吗？",
                "{p}的电池能用多久？", "{p}可以单独买配件吗？", "{p}能在{r}门店自提吗？", "{p}怎么登记{n}年延保？",
                "{p}可以分{n}期付款吗？"]
regions = ["Canada", "the UK", "Germany", "California", "Texas", "France", "Japan", "Spain"]
regions_zh = ["上海", "北京", "广州", "深圳", "成都", "杭州", "武汉", "西安"]
models = ["Lite", "Pro", "Max", "Mini", "2025", "Plus", "Air", "S", "X", "Classic"]
faqs = list(demo)
seen = set(f["question"] for f in faqs)
index = 0
while len(faqs) < count:
    index += 1
    if index % 2:
        p, r, n = rng.choice(products) + " " + rng.choice(models), rng.choice(regions), rng.randint(2, 24)
        q = rng.choice(questions).format(p=p, r=r, n=n)
        a = f"For the {p}: see the product page's care and service section; in {r} our team answers within {n} hours."
        if q in seen:
            continue
        seen.add(q)
        faqs.append({"id": f"gen-{index}", "question": q, "answer": a, "language": "en"})
    else:
        p, r, n = rng.choice(products_zh) + " " + rng.choice(models), rng.choice(regions_zh), rng.randint(2, 24)
        q = rng.choice(questions_zh).format(p=p, r=r, n=n)
        a = f"关于{p}：请查看商品页的售后说明，{r}地区客服会在{n}小时内回复。"
        if q in seen:
            continue
        seen.add(q)
        faqs.append({"id": f"gen-{index}-zh", "question": q, "answer": a, "language": "zh"})
json.dump({"faqs": faqs[:count]}, open(out, "w"), ensure_ascii=False)
