#!/usr/bin/env python3
"""Regenerate takasaki_postcodes.tsv: 郵便番号 -> 町字 of 高崎市 (群馬県, 全国地方公共団体コード
10202), for the check that a 郵便番号 belongs to the address's 町.

Source: 日本郵便「郵便番号データ」(KEN_ALL, 読み仮名データの促音・拗音を小書きで表記するもの),
which 日本郵便 distributes freely ("郵便番号データに限っては日本郵便株式会社は著作権を主張
しません"), as kufu/jpostcode-data (MIT) keeps it by prefix in data/json/370.json. Tested with
commit e68e3ad2f843d62ff402a62d58ab4d3106d02bd8 (2026-08-04). Standard library only:

    git clone https://github.com/kufu/jpostcode-data && cd jpostcode-data
    python3 takasaki_postcodes.py data/json/370.json > takasaki_postcodes.tsv

The city-wide 370-0000 (no 町) is left out. A 事業所個別郵便番号 (a large office's own
number, such as the city hall's 370-8501) is kept with a third column, 事業所: it belongs to
the 町 of the office's address too.
"""
import json
import sys

with open(sys.argv[1], encoding="utf-8") as f:
    data = json.load(f)
rows = set()
for entries in data.values():
    for e in entries if isinstance(entries, list) else [entries]:
        if e["city"] == "高崎市" and e["town"]:
            rows.add((e["postcode"], e["town"], "事業所" if e.get("office_name") else ""))
print("# 郵便番号\t町字\t事業所 (高崎市; 日本郵便 KEN_ALL via kufu/jpostcode-data e68e3ad, see takasaki_postcodes.py)")
for code, town, office in sorted(rows):
    print(f"{code[:3]}-{code[3:]}\t{town}\t{office}".rstrip("\t"))
