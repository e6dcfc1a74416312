#!/usr/bin/env python3
"""Bytes a browser downloads from /pkg for a first visit, measured through the server.

Usage: bundle_weight.py BASE_URL OUTPUT_MD

Reads the sign-in page (the first settings page, API Keys, loads the same main bundle),
takes every /pkg address it names, plus the split loader the JS imports when the build
is split per page, and fetches each three times: without compression, with gzip only,
and as a current browser asks (br first). The wire bytes are the response bodies as
sent. It also records each file's Cache-Control, which decides whether a repeat visit
downloads it again. A second table lists what each page loaded on first visit adds
(its chunks, from the split manifest).
"""

import json

import re
import sys
import urllib.error
import urllib.request
from datetime import datetime, timezone

GOAL_BYTES = 300 * 1000
SPLIT_LOADER = "__wasm_split.______________________.js"
SPLIT_MANIFEST = "__wasm_split_manifest.json"
ENCODINGS = [("identity", "raw"), ("gzip", "gzip"), ("gzip, deflate, br", "brotli")]


def fetch(url, accept_encoding):
    request = urllib.request.Request(url, headers={"Accept-Encoding": accept_encoding})
    with urllib.request.urlopen(request) as response:
        body = response.read()
        return (
            len(body),
            response.headers.get("Content-Encoding", "identity"),
            response.headers.get("Cache-Control", "(none)"),
        )


def main():
    base, output = sys.argv[1], sys.argv[2]
    with urllib.request.urlopen(f"{base}/login") as response:
        page = response.read().decode()
    addresses = sorted(set(re.findall(r'"(/pkg/[^"]+\.[a-z]+)"', page)))
    if not addresses:
        sys.exit("the page names no /pkg address: is the site built?")
    app_dir = next(a for a in addresses if a.endswith(".js")).rsplit("/", 1)[0]
    manifest = None
    try:
        with urllib.request.urlopen(f"{base}{app_dir}/{SPLIT_MANIFEST}") as response:
            manifest = json.loads(response.read())
        addresses.append(f"{app_dir}/{SPLIT_LOADER}")
    except urllib.error.HTTPError:
        pass

    rows, totals = [], {label: 0 for _, label in ENCODINGS}
    for address in addresses:
        sizes, cache_control, sent_as = {}, None, None
        for accept, label in ENCODINGS:
            size, encoding, cache_control = fetch(base + address, accept)
            sizes[label] = size
            totals[label] += size
            if label == "brotli":
                sent_as = encoding
        rows.append((address, sizes, sent_as, cache_control))

    wire = totals["brotli"]
    verdict = "met" if wire <= GOAL_BYTES else "NOT met"
    lines = [
        "# Bundle weight (first visit)",
        "",
        f"- Date: {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- Page: `/login` (the API Keys page loads the same main bundle; the other settings pages add their chunks, below)",
        f"- Goal: at most {GOAL_BYTES // 1000} KB on the wire for a current browser: **{verdict}** ({wire / 1000:.1f} KB)",
        "",
        "| address | raw bytes | gzip bytes | brotli bytes | sent to a browser as | Cache-Control |",
        "| --- | ---: | ---: | ---: | --- | --- |",
    ]
    for address, sizes, sent_as, cache_control in rows:
        lines.append(
            f"| `{address}` | {sizes['raw']:,} | {sizes['gzip']:,} | {sizes['brotli']:,} "
            f"| {sent_as} | `{cache_control}` |"
        )
    lines.append(
        f"| **total** | **{totals['raw']:,}** | **{totals['gzip']:,}** | **{totals['brotli']:,}** | | |"
    )
    lines.append("")
    if manifest:
        lines += [
            "What a page loaded on first visit adds (its split and the chunks it shares with",
            "other such pages; a chunk fetched once is cached for every page that needs it):",
            "",
            "| page split | files | brotli bytes |",
            "| --- | --- | ---: |",
        ]
        for split, stems in sorted(manifest.items()):
            sizes = [fetch(f"{base}{app_dir}/{stem}.wasm", "gzip, deflate, br")[0] for stem in stems]
            lines.append(f"| `{split}` | {', '.join(stems)} | {sum(sizes):,} |")
        lines.append("")
    with open(output, "w") as out:
        out.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
