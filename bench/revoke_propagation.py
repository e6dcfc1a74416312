#!/usr/bin/env python3
"""Times how long server B keeps accepting a key after another process revoked it.

For each trial: issue a key with the CLI, warm it on B (cached), revoke it with the CLI
(another process: the change reaches B only through the change feed), then poll B on a
kept-alive connection until it answers 401. Prints one line of JSON per trial.
"""
import http.client
import json
import subprocess
import sys
import time

server_bin, port_b, org, trials = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
connection = http.client.HTTPConnection("127.0.0.1", port_b)


def whoami(key):
    connection.request("GET", "/v1/whoami", headers={"Authorization": f"Bearer {key}"})
    response = connection.getresponse()
    response.read()
    return response.status


for _ in range(trials):
    created = json.loads(subprocess.check_output(
        [server_bin, "keys", "create", "--org", org, "--name", "propagation", "--mode", "live",
         "--scopes", "*"], stderr=subprocess.DEVNULL))
    for _ in range(3):
        assert whoami(created["secret"]) == 200
    revoke = subprocess.Popen([server_bin, "keys", "revoke", created["id"]],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    revoke.stdout.readline()  # printed right after the commit
    revoked_at = time.perf_counter()
    revoke.wait()
    while whoami(created["secret"]) == 200:
        if time.perf_counter() - revoked_at > 10:
            break
    print(json.dumps({"ms": (time.perf_counter() - revoked_at) * 1000}), flush=True)
