#!/usr/bin/env python3
"""Regenerate itaiji.tsv (Japanese kanji variant -> standard form) for name search.

Standard library only (sqlite3). Input: the SQLite database shipped in the npm
package @mandel59/mojidata (tested with 1.8.1):

    cd /tmp && npm pack @mandel59/mojidata@1.8.1
    tar xzf mandel59-mojidata-1.8.1.tgz package/dist/moji.db
    python3 itaiji.py package/dist/moji.db > itaiji.tsv

Edges (first edge for a source wins; order U1, U2, M, C):
  U1  Unihan kJinmeiyoKanji "2010:U+X": char -> X (230; the 人名用漢字 別表第二 variant
      forms, e.g. 國->国). For the 18 pairs where X is itself plain jinmeiyo (槙/槇,
      亘/亙, 遥/遙 ...) the pair is turned toward the JIS X 0208 member with the
      lower row/cell (槇->槙, 亙->亘).
  U2  Unihan kJoyoKanji "U+X": X -> char (剝->剥, 𠮟->叱, 塡->填, 頰->頬).
  M   MJ縮退マップ table 戸籍統一文字情報_親字正字 (via mji.実装したUCS): per code point
      that is not joyo/jinmeiyo, the target at the highest hop count. If targets
      disagree, kept only when they fold to one final char (邉->辺|邊). Dropped when
      source and target are both JIS X 0208 and no Japanese cjkvi-variants table
      links them (傅->伝, 燗->爛 ...).
  C   CURATED (藪->薮, 籔->薮); each must be attested in those cjkvi tables.
Targets are followed to a fixed point; a cycle folds to its JIS X 0208 member
(lowest code point if none is in JIS X 0208).
"""
import collections
import sqlite3
import sys

CURATED = [  # (variant, standard); not covered by Unihan or by the MJ 親字正字 table
    ("藪", "薮"),
    ("籔", "薮"),
]

# cjkvi-variants tables of Japanese scope (MIT), bundled in moji.db as kdpv_*
JA_CJKVI_TABLES = ["kdpv_joyo/variant", "kdpv_jinmei1/variant", "kdpv_jinmei2/variant",
                   "kdpv_jisx0212/variant", "kdpv_jisx0213/variant", "kdpv_koseki/variant",
                   "kdpv_jp/old-style", "kdpv_hyogai/variant", "kdpv_ucs-scs/variant"]


def cp(s):
    return chr(int(s[2:], 16))


def main(db_path):
    db = sqlite3.connect(db_path)
    q = lambda sql, *a: db.execute(sql, a).fetchall()

    joyo = dict(q('SELECT UCS, value FROM "unihan_kJoyoKanji"'))
    jinmei = dict(q('SELECT UCS, value FROM "unihan_kJinmeiyoKanji"'))
    jis0 = dict(q('SELECT UCS, value FROM "unihan_kJis0"'))  # JIS X 0208 row/cell
    standard = set(joyo) | set(jinmei)  # every joyo / jinmeiyo char (MJ edges never remap these)
    jis_rank = lambda ch: int(jis0[ch]) if ch in jis0 else 99999
    cjkvi_ja = set()
    for t in JA_CJKVI_TABLES:
        for a, b in q(f'SELECT subject, object FROM "{t}"'):
            cjkvi_ja |= {(a, b), (b, a)}

    edges, tag = {}, {}

    def add(src, dst, t):
        if src != dst and src not in edges:
            edges[src], tag[src] = dst, t

    # U1 (for the 18 pairs of 別表第二(一) where both members are jinmeiyo, e.g. 槙/槇, 亘/亙,
    # fold toward the JIS X 0208 first-level member, i.e. the lower JIS row)
    for c, v in jinmei.items():
        for part in v.split():
            if ":" in part:
                a, b = c, cp(part.split(":")[1])
                if jinmei.get(b) == "2010" and jis_rank(a) < jis_rank(b):
                    a, b = b, a
                add(a, b, "U1")
    # U2
    for c, v in joyo.items():
        if v.startswith("U+"):
            add(cp(v), c, "U2")
    # M
    rows = q('SELECT m."実装したUCS", s."縮退UCS", s."ホップ数" FROM mji m '
             'JOIN "mjsm_戸籍統一文字情報_親字正字" s ON s."MJ文字図形名" = m."MJ文字図形名" '
             'WHERE m."実装したUCS" IS NOT NULL')
    best = collections.defaultdict(dict)  # char -> {hop: {targets}}
    for u, t, h in rows:
        if len(u) == 1 and len(t) == 1:
            best[u].setdefault(h, set()).add(t)
    ambiguous, dropped, pending = 0, [], []
    for u, by_hop in best.items():
        if u in standard:
            continue
        targets = by_hop[max(by_hop)]
        if len(targets) != 1:
            pending.append((u, targets))  # retried below, once the other edges are known
            continue
        t = next(iter(targets))
        if t == u:
            continue
        if u in jis0 and t in jis0 and (u, t) not in cjkvi_ja:
            dropped.append(u + t)  # both are everyday JIS X 0208 chars and no Japanese
            continue               # variant table links them (e.g. 傅->伝, 燗->爛): keep apart
        add(u, t, "M")
    # ambiguous MJ sources: keep when every target folds to the same final char (邉 -> 辺|邊 -> 辺)
    def final(ch):
        seen = {ch}
        while ch in edges and edges[ch] not in seen:
            ch = edges[ch]
            seen.add(ch)
        return ch
    for u, targets in pending:
        finals = {final(t) for t in targets}
        if len(finals) == 1 and u not in finals:
            add(u, finals.pop(), "M")
        else:
            ambiguous += 1
    # C
    for a, b in CURATED:
        if (a, b) not in cjkvi_ja:
            sys.exit(f"curated pair {a}->{b} not attested in cjkvi-variants")
        add(a, b, "C")

    # transitive closure
    out, cycles = {}, []
    for src in edges:
        seen, cur = {src}, edges[src]
        while cur in edges and cur not in seen:
            seen.add(cur)
            cur = edges[cur]
        if cur in seen and cur in edges:  # cycle: pick one member (JIS X 0208 first, then lowest)
            cycles.append(src)
            ring, x = [cur], edges[cur]
            while x != cur:
                ring.append(x)
                x = edges[x]
            cur = min(ring, key=lambda ch: (ch not in jis0, ord(ch)))
        if cur != src:
            out[src] = cur

    counts = collections.Counter(tag[s] for s in out)
    w = sys.stdout.write
    w("# itaiji.tsv: Japanese kanji variant (異体字) -> standard form, for the resident search key\n")
    w("# Generated by itaiji.py (beside this file) from npm @mandel59/mojidata 1.8.1 (dist/moji.db), which bundles:\n")
    w("#   - MJ縮退マップ Ver.1.2.0 / MJ文字情報一覧表 (c) IPA / CITPC, CC BY-SA 2.1 JP\n")
    w("#     https://moji.or.jp/mojikiban/map/  (table 戸籍統一文字情報_親字正字)\n")
    w("#   - Unicode Unihan 17.0.0 kJoyoKanji, kJinmeiyoKanji (c) Unicode, Inc., Unicode-3.0\n")
    w("#   - cjkvi-variants (Kanji Database Project, MIT), used only to check the curated pairs\n")
    w("# This file is an adaptation of the MJ data and is licensed CC BY-SA 2.1 JP.\n")
    w(f"# pairs: {len(out)} (Unihan kJinmeiyoKanji {counts['U1']}, Unihan kJoyoKanji {counts['U2']}, "
      f"MJ {counts['M']}, curated {counts['C']}); MJ ambiguous skipped: {ambiguous}; MJ dropped (0208<->0208 unattested): {len(dropped)}; cycle members resolved: {len(cycles)}\n")
    w("# columns: variant<TAB>standard (one code point each; strip IVS/VS selectors and NFC before lookup)\n")
    for s in sorted(out, key=ord):
        w(f"{s}\t{out[s]}\n")
    print(f"pairs={len(out)} {dict(counts)} ambiguous={ambiguous} dropped={' '.join(dropped)} cycles={''.join(cycles)} "
          f"targets_not_in_JIS_X_0208={sum(1 for t in out.values() if t not in jis0)}",
          file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "package/dist/moji.db")
