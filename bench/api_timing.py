#!/usr/bin/env python3
"""`/v1` timing against a running Keyward server (started by scripts/bench.sh).

One run, interleaved rounds: /healthz (baseline, no database), /v1/whoami with a
malformed key (refused by the parser: no database), with a well-formed key that was
never issued (one indexed lookup that misses), with a revoked key (a lookup that hits,
then refused), with a valid key (lookup + membership + handler), and /v1/clients with a
valid key (a list query too). Then throughput of valid /v1/whoami
from parallel clients against /healthz. Ratios within this run are what to compare.
"""
import concurrent.futures
import http.client
import statistics
import sys
import time
import os
import urllib.parse
import zlib

base, valid_key, revoked_key, out_path = sys.argv[1:5]
ROUNDS = int(sys.argv[5]) if len(sys.argv) > 5 else 200
url = urllib.parse.urlparse(base)
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def base62(number, width):
    digits = ""
    while number:
        number, digit = divmod(number, 62)
        digits = BASE62[digit] + digits
    return digits.rjust(width, "0")


def never_issued_key():
    """A key in the documented format (valid checksum) that the server never issued."""
    body = "kw_live_" + base62(int.from_bytes(os.urandom(32), "big"), 43)
    return body + base62(zlib.crc32(body.encode()), 6)


def request(path, key=None, connection=None):
    """One request on a kept-alive connection; returns (seconds, status)."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    start = time.perf_counter()
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.read()
    return time.perf_counter() - start, response.status


cases = {
    "healthz": ("/healthz", None, 200),
    "v1_whoami_malformed_key": ("/v1/whoami", "kw_live_not-a-key", 401),
    "v1_whoami_never_issued_key": ("/v1/whoami", never_issued_key(), 401),
    "v1_whoami_revoked_key": ("/v1/whoami", revoked_key, 401),
    "v1_whoami_valid_key": ("/v1/whoami", valid_key, 200),
    "v1_clients_valid_key": ("/v1/clients", valid_key, 200),
}
connection = http.client.HTTPConnection(url.hostname, url.port)
samples = {name: [] for name in cases}
for name, (path, key, expected) in cases.items():
    _, status = request(path, key, connection)
    if status != expected:
        sys.exit(f"{name}: expected {expected}, got {status}")
for _ in range(ROUNDS):
    for name, (path, key, _) in cases.items():
        samples[name].append(request(path, key, connection)[0])


def summary(values):
    values = sorted(values)
    return statistics.median(values) * 1000, values[int(len(values) * 0.9) - 1] * 1000


def throughput(path, key, workers=8, per_worker=250):
    def worker(_):
        own = http.client.HTTPConnection(url.hostname, url.port)
        for _ in range(per_worker):
            _, status = request(path, key, own)
            if status >= 500:
                raise RuntimeError(f"{path} answered {status}")
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        list(pool.map(worker, range(workers)))
    return workers * per_worker / (time.perf_counter() - start)


rps_health = throughput("/healthz", None)
rps_whoami = throughput("/v1/whoami", valid_key)
results = {name: summary(values) for name, values in samples.items()}
base_ms = results["healthz"][0]
lines = [
    "# /v1 timing",
    "",
    f"Measured {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}, one run, {ROUNDS} interleaved rounds on one kept-alive connection, release build, SQLite. Usage metering on (flush every 5 s).",
    "",
    "| case | median (ms) | p90 (ms) | median / healthz |",
    "| --- | --- | --- | --- |",
]
lines += [f"| {name} | {m:.3f} | {p:.3f} | {m / base_ms:.2f} |" for name, (m, p) in results.items()]
lines += [
    "",
    f"Throughput, 8 parallel clients × 250 requests: /healthz {rps_health:.0f} req/s, /v1/whoami with a valid key {rps_whoami:.0f} req/s (**{rps_whoami / rps_health:.2f}×** healthz; the client is Python on the same 2 cores, so this bounds the server from below).",
    "",
    f"- malformed / never-issued key (median): **{results['v1_whoami_malformed_key'][0] / results['v1_whoami_never_issued_key'][0]:.2f}** — junk is refused before the database",
    f"- valid key / healthz (median): **{results['v1_whoami_valid_key'][0] / base_ms:.2f}×** — what verification (HMAC + 2 indexed reads) adds per request",
    "",
]
with open(out_path, "w") as handle:
    handle.write("\n".join(lines))
print("\n".join(lines))
