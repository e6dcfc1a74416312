#!/usr/bin/env python3
"""Renders the figures scripts/bench-api.sh collected (name=values lines) as
bench/results/v1.md. Every number printed comes from that file; nothing is typed in."""
import datetime
import os
import statistics
import sys

figures_path, commit = sys.argv[1], sys.argv[2]
figures = {}
for line in open(figures_path):
    name, _, values = line.strip().partition("=")
    figures[name] = values.split()


def num(name, index=0):
    return float(figures[name][index])


def row(*cells):
    print("| " + " | ".join(str(cell) for cell in cells) + " |")


def verdict(ok):
    return "met" if ok else "**not met**"


rounds = range(1, int(figures["rounds"][0]) + 1)
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
print("# /v1 benchmark (PostgreSQL; wrk and oha)")
print()
print(f"{now}, commit {commit}, {os.cpu_count()} cores, release build with the `bench` feature,")
if "pinning" in figures:
    server_cpus, load_cpus = figures["pinning"]
    print(f"one run; servers on CPU {server_cpus}, load generators (on loopback) on CPU {load_cpus}.")
else:
    print("one run; load generators on loopback on the same core as the server.")
print(f"{len(rounds)} interleaved rounds per comparison; a target is judged on the median of its")
print("rounds, and every round is shown. Compare ratios within this file.")
print()

print("## 1. Authentication overhead: /v1/whoami vs the same handler unauthenticated")
print()
row("round", "authenticated req/s", "p50 ms", "p99 ms", "unauthenticated req/s", "p50 ms", "p99 ms", "ratio")
row(*["---"] * 8)
ratios = []
for n in rounds:
    auth, opened = figures[f"auth_{n}"], figures[f"open_{n}"]
    ratio = float(auth[0]) / float(opened[0])
    ratios.append(ratio)
    row(n, auth[0], auth[1], auth[2], opened[0], opened[1], opened[2], f"**{ratio:.2f}**")
print()
median_ratio = statistics.median(ratios)
print(f"Median ratio **{median_ratio:.2f}**, worst {min(ratios):.2f}. Target: ratio ≥ 0.90 "
      f"({verdict(median_ratio >= 0.90)}; wrk -t1 -c32, {len(ratios)} rounds).")
print()

if "instructions" in figures:
    auth_ir, open_ir, n, sha_ir = (int(x) for x in figures["instructions"])
    print(f"Instructions per request (callgrind, {n:,} requests of each, user space only; "
          "the same binary and inputs give the same counts, whatever else the machine does): "
          f"authenticated **{auth_ir / n:,.0f}**, unauthenticated **{open_ir / n:,.0f}**, "
          f"a difference of {(auth_ir - open_ir) / n:,.0f}. Of that, {sha_ir / n:,.0f} is "
          "SHA-256 in portable code: valgrind's virtual CPU has no SHA instructions, which "
          "the real one uses for the keyed hash. Without it the difference is "
          f"{(auth_ir - open_ir - sha_ir) / n:,.0f} instructions "
          f"(ratio {open_ir / (auth_ir - sha_ir):.2f}).")
    print()

reads, writes, elapsed = figures["statements"]
idle_reads, idle_writes = figures["idle_statements"]
print("## 2. Database statements during 10,000 warm authenticated requests")
print()
print(f"oha -n 10000 -c 32 took {elapsed} s: **{reads} reads, {writes} writes** through the application's")
print("connection (heartbeats and usage flushes included; the change listener has a connection of")
print(f"its own). The same length of time with no requests: {idle_reads} reads, {idle_writes} writes.")
print(f"Target: 0 reads, ≤ 10 writes ({verdict(int(reads) == 0 and int(writes) <= 10)}).")
print()

median, worst, trials = figures["propagation"]
print("## 3. Revocation seen by a second server process")
print()
print(f"{trials} trials, key revoked by the CLI (another process), server B polled until 401:")
print(f"median **{median} ms**, max **{worst} ms**. Target: max ≤ 1000 ms ({verdict(float(worst) <= 1000)}).")
print()

print("## 4. /v1 p99 at a fixed rate while 20 sign-ins run")
print()
print(f"oha -q {figures['rate'][0]} (half the median throughput above) for the whole run, with")
print("latency correction; 20 concurrent sign-ins (argon2id) start 1 s in. Each password-hashing")
print("concurrency (`KEYWARD_PASSWORD_HASHING_THREADS`) on a server of its own.")
print()
row("hashing threads", "round", "p99 alone ms", "p99 with sign-ins ms", "ratio", "p99 alone again ms", "alone/alone", "sign-in p50 ms", "sign-in p99 ms", "non-2xx")
row(*["---"] * 10)
ratios_by_threads = {}
noise_by_threads = {}
for threads in (1, 2):
    for n in rounds:
        alone = figures[f"rate_alone_{threads}_{n}"]
        loaded = figures[f"rate_signins_{threads}_{n}"]
        signins = figures[f"signins_{threads}_{n}"]
        ratio = float(loaded[2]) / float(alone[2])
        ratios_by_threads.setdefault(threads, []).append(ratio)
        again = figures.get(f"rate_again_{threads}_{n}")
        noise = float(again[2]) / float(alone[2]) if again else None
        if noise is not None:
            noise_by_threads.setdefault(threads, []).append(max(noise, 1 / noise))
        failed = int(alone[3]) + int(loaded[3]) + int(signins[3]) + (int(again[3]) if again else 0)
        row(threads, n, alone[2], loaded[2], f"**{ratio:.2f}**", again[2] if again else "-",
            f"{noise:.2f}" if noise is not None else "-", signins[1], signins[2], failed)
print()
for threads, ratios in ratios_by_threads.items():
    median_ratio = statistics.median(ratios)
    print(f"- {threads} hashing thread(s): median ratio **{median_ratio:.2f}**, worst {max(ratios):.2f} "
          f"(target ≤ 1.2: {verdict(median_ratio <= 1.2)})")
    if noise_by_threads.get(threads):
        print(f"  - two runs without sign-ins differ by up to {max(noise_by_threads[threads]):.2f}× "
              f"(median {statistics.median(noise_by_threads[threads]):.2f}×): a ratio inside that "
              "band cannot be told from noise")
print()

print("## 5. One organization with 100,000 keys")
print()
print(f"{int(num('key_count')):,} keys in the organization (bulk rows written by bench/sql/hundred_thousand_keys.sql).")
print("Key list server functions, signed in as the owner, oha -c 4:")
print()
row("request", "req/s", "p50 ms", "p99 ms", "target")
row(*["---"] * 5)
for name, label in (("list_first", "key list, first page"), ("list_deep", "key list, page at key 99,000 (cursor)"),
                    ("list_overview", "keys overview (limit and counts)")):
    rps, p50, p99, _ = figures[name]
    target = f"p99 ≤ 20 ms ({verdict(float(p99) <= 20)})" if name != "list_overview" else "(shown beside the list)"
    row(label, rps, p50, p99, target)
print()
row("round", "/v1/whoami req/s, key of the 100,000-key organization", "req/s, key of a 10-key organization", "ratio")
row(*["---"] * 4)
big_ratios = []
for n in rounds:
    big, small = num(f"big_org_{n}"), num(f"small_org_{n}")
    big_ratios.append(big / small)
    row(n, f"{big:.0f}", f"{small:.0f}", f"**{big / small:.2f}**")
print()
median_ratio = statistics.median(big_ratios)
print(f"Median ratio **{median_ratio:.2f}**. Target: within 5 % ({verdict(abs(median_ratio - 1) <= 0.05)}).")
print()

tokens, sent, seconds, rss_before, rss_after = figures["flood"]
print("## 6. Memory under a flood of random never-issued keys")
print()
print(f"{int(sent):,} requests in {seconds} s, {int(tokens):,} distinct checksum-valid keys (per-IP limiter")
print(f"raised): RSS {int(rss_before):,} kB before, **{int(rss_after):,} kB** after. Cache bounds: 100,000")
print("known + 100,000 unknown entries.")
print()
print("Rerun: `make bench` (this part: scripts/bench-api.sh; BENCH_SECONDS, BENCH_TRIALS,")
print("BENCH_RANDOM_TOKENS, BENCH_LIST_REQUESTS, BENCH_ROUNDS, BENCH_SERVER_CPUS and BENCH_LOAD_CPUS")
print("tune it).")
