#!/usr/bin/env python3
"""Sign-in timing against a running Keyward server (started by scripts/bench.sh).

Measures, in one run, the latency of /healthz (baseline), and of /api/login with the
right password, a wrong password and an unknown e-mail. The unknown/wrong ratio should
be close to 1: otherwise timing reveals which e-mails have accounts.
"""
import json
import statistics
import sys
import time
import urllib.parse
import urllib.request

base, email, password, out_path = sys.argv[1:5]
ROUNDS = int(sys.argv[5]) if len(sys.argv) > 5 else 40


def timed(request):
    start = time.perf_counter()
    with urllib.request.urlopen(request) as response:
        body = response.read()
    return time.perf_counter() - start, body


def login(email_value, password_value):
    data = urllib.parse.urlencode({"email": email_value, "password": password_value}).encode()
    request = urllib.request.Request(
        f"{base}/api/login", data=data, method="POST",
        headers={"Origin": base, "Accept": "application/json",
                 "Content-Type": "application/x-www-form-urlencoded"},
    )
    return timed(request)


def summary(samples):
    samples = sorted(samples)
    return {
        "n": len(samples),
        "median_ms": round(statistics.median(samples) * 1000, 2),
        "p90_ms": round(samples[int(len(samples) * 0.9) - 1] * 1000, 2),
    }


cases = {
    "healthz": lambda: timed(urllib.request.Request(f"{base}/healthz")),
    "login_right_password": lambda: login(email, password),
    "login_wrong_password": lambda: login(email, password + " but wrong"),
    "login_unknown_email": lambda: login("nobody-" + email, password),
}
expected = {
    "login_right_password": b'"SignedIn"',
    "login_wrong_password": b'"InvalidCredentials"',
    "login_unknown_email": b'"InvalidCredentials"',
}
samples = {name: [] for name in cases}
for name, run in cases.items():  # warm-up, and check the answers are what we measure
    _, body = run()
    if name in expected and body != expected[name]:
        sys.exit(f"{name}: unexpected answer {body!r}")
# Interleave the cases so machine noise hits all of them alike.
for _ in range(ROUNDS):
    for name, run in cases.items():
        samples[name].append(run()[0])

results = {name: summary(values) for name, values in samples.items()}
ratio_unknown_wrong = results["login_unknown_email"]["median_ms"] / results["login_wrong_password"]["median_ms"]
ratio_login_health = results["login_wrong_password"]["median_ms"] / results["healthz"]["median_ms"]

lines = [
    "# Sign-in timing",
    "",
    f"Measured {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}, one run, {ROUNDS} interleaved rounds, release build, SQLite.",
    "",
    "| case | n | median (ms) | p90 (ms) |",
    "| --- | --- | --- | --- |",
]
lines += [f"| {name} | {r['n']} | {r['median_ms']} | {r['p90_ms']} |" for name, r in results.items()]
lines += [
    "",
    f"- unknown e-mail / wrong password (median): **{ratio_unknown_wrong:.2f}** (≈ 1 means no account enumeration by timing)",
    f"- wrong-password sign-in / healthz (median): **{ratio_login_health:.0f}×** (the argon2id cost, by design)",
    "",
]
with open(out_path, "w") as handle:
    handle.write("\n".join(lines))
print("\n".join(lines))
print(json.dumps({"ratio_unknown_wrong": round(ratio_unknown_wrong, 3)}))
