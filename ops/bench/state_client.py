#!/usr/bin/env python3
"""Drives a running `liquida serve` for ops/bench/state (standard library only).

  state_client.py health PORT TIMEOUT_S       seconds until /healthz answers (any status)
  state_client.py cold PORT TOKEN N           N providers' first command, then the same again:
                                              p50/p99 ms of each (the command is refused by the
                                              domain, 422, after the provider's state is loaded)
  state_client.py load PORT TOKEN SECONDS C   C connections sending upload_document for SECONDS
"""
import http.client
import json
import sys
import threading
import time


def health(port, timeout):
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/healthz")
            status = c.getresponse().status
            print(f"healthz {status} after {time.monotonic() - start:.2f} s")
            return 0
        except OSError:
            time.sleep(0.02)
    print(f"healthz: no answer in {timeout} s")
    return 1


def post(conn, token, body):
    conn.request("POST", "/v1/commands", json.dumps(body),
                 {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    r = conn.getresponse()
    r.read()
    return r.status


def providers(conn, token):
    ids, offset = [], 0
    while True:
        conn.request("GET", f"/v1/views/padron?limit=5000&offset={offset}", headers={"Authorization": "Bearer " + token})
        page = json.loads(conn.getresponse().read())
        ids += [row["provider"] for row in page["rows"]]
        if "next_offset" not in page:
            return ids
        offset = page["next_offset"]


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p * len(v)))]


def cold(port, token, n):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    ids = providers(conn, token)[:n]
    for label in ("cold", "warm"):
        lat, statuses = [], {}
        for i, p in enumerate(ids):
            body = {"command": "approve_order", "provider": p, "order_id": f"no-such-order-{label}-{i}"}
            t0 = time.monotonic()
            s = post(conn, token, body)
            lat.append((time.monotonic() - t0) * 1000)
            statuses[s] = statuses.get(s, 0) + 1
        print(f"{label}: {len(lat)} providers' commands, p50 {pct(lat, 0.5):.2f} ms, p99 {pct(lat, 0.99):.2f} ms, "
              f"max {max(lat):.2f} ms, statuses {statuses}")
    return 0


def load(port, token, seconds, connections):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    ids = providers(conn, token)
    stop = time.monotonic() + seconds
    done = [0] * connections
    accepted = [0] * connections

    def run(c):
        h = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        p = ids[c % len(ids)]
        i = 0
        while time.monotonic() < stop:
            # Accepted whatever the provider's standing: a document uploaded, pending review.
            s = post(h, token, {"command": "upload_document", "provider": p, "type": "rnp",
                                "document_id": f"bench-{c}-{i}-{time.time_ns()}", "reference": "s3://bench",
                                "expires_on": "2035-12-31"})
            accepted[c] += s == 201
            i += 1
        done[c] = i

    threads = [threading.Thread(target=run, args=(c,)) for c in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"load: {sum(done)} commands ({sum(accepted)} accepted) in {seconds} s over {connections} connections")
    return 0


if __name__ == "__main__":
    cmd, port = sys.argv[1], int(sys.argv[2])
    if cmd == "health":
        sys.exit(health(port, float(sys.argv[3])))
    if cmd == "cold":
        sys.exit(cold(port, sys.argv[3], int(sys.argv[4])))
    if cmd == "load":
        sys.exit(load(port, sys.argv[3], float(sys.argv[4]), int(sys.argv[5])))
    sys.exit(f"unknown: {cmd}")
