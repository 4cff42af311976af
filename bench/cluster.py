#!/usr/bin/env python3
"""`podsec cluster report --live` against a generated cluster: memory flat
in the cluster's size.

Serves a mock API server on loopback (plain HTTP, lists paged by the
client's `limit` with `continue` tokens, as the API server pages them) with
N pods spread over 50 namespaces: pods owned by ReplicaSets of
Deployments (ten per ReplicaSet), plus one bare pod in ten. Runs the report
for each N and prints wall time and peak RSS (GNU time), then whether the
peak at the largest N is within 10% of the peak at the smallest (target: flat).

    bench/cluster.py                 N = 5,000 and 50,000
    bench/cluster.py 1000 10000      other sizes
"""

import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from urllib.parse import parse_qs, urlparse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAMESPACES = 50


def pod(i, ns, owner):
    p = {
        "metadata": {"name": f"app-{i}", "namespace": ns, "uid": f"pod-{i}"},
        "spec": {
            "containers": [
                {"name": "app", "image": "registry.example/app:1",
                 "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}},
                 "securityContext": {"allowPrivilegeEscalation": i % 3 != 0}},
                {"name": "sidecar", "image": "envoyproxy/envoy:v1.31.2"},
            ],
            "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        },
    }
    if owner:
        p["metadata"]["ownerReferences"] = [
            {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": owner, "uid": owner, "controller": True}
        ]
    return p


class Cluster:
    def __init__(self, n):
        self.n = n

    def items(self, resource):
        """Generated lazily: the mock holds no list in memory either."""
        if resource == "namespaces":
            for k in range(NAMESPACES):
                yield {"metadata": {"name": f"ns-{k}", "labels": {"pod-security.kubernetes.io/enforce": "baseline"}}}
        elif resource == "pods":
            for i in range(self.n):
                ns = f"ns-{i % NAMESPACES}"
                owner = None if i % 10 == 9 else f"rs-{ns}-{(i // NAMESPACES) // 10}"
                yield pod(i, ns, owner)
        elif resource == "replicasets":
            seen = set()
            for i in range(self.n):
                if i % 10 == 9:
                    continue
                ns = f"ns-{i % NAMESPACES}"
                rs = f"rs-{ns}-{(i // NAMESPACES) // 10}"
                if rs in seen:
                    continue
                seen.add(rs)
                dep = "dep-" + rs
                r = {"metadata": {"name": rs, "namespace": ns, "uid": rs,
                                  "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": dep, "uid": dep, "controller": True}]},
                     "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": pod(i, ns, None)}}
                yield r
        elif resource == "deployments":
            for r in self.items("replicasets"):
                d = {"metadata": {"name": "dep-" + r["metadata"]["name"], "namespace": r["metadata"]["namespace"], "uid": "dep-" + r["metadata"]["uid"]},
                     "spec": r["spec"]}
                yield d


def serve(cluster):
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def do_GET(self):
            u = urlparse(self.path)
            q = parse_qs(u.query)
            resource = u.path.rsplit("/", 1)[-1]
            limit = int(q.get("limit", ["500"])[0])
            start = int(q.get("continue", ["0"])[0] or 0)
            page = []
            more = False
            for i, it in enumerate(cluster.items(resource)):
                if i < start:
                    continue
                if len(page) == limit:
                    more = True
                    break
                page.append(it)
            body = json.dumps({"kind": "List", "apiVersion": "v1",
                               "metadata": {"continue": str(start + limit) if more else ""},
                               "items": page}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def main():
    sizes = [int(a) for a in sys.argv[1:]] or [5000, 50000]
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    binary = os.path.join(ROOT, "target/release/podsec")
    peaks = []
    for n in sizes:
        srv = serve(Cluster(n))
        with tempfile.TemporaryDirectory() as d:
            kc = os.path.join(d, "kubeconfig")
            with open(kc, "w") as f:
                f.write(f"""apiVersion: v1
kind: Config
clusters: [{{name: mock, cluster: {{server: "http://127.0.0.1:{srv.server_address[1]}"}}}}]
users: [{{name: u, user: {{token: t}}}}]
contexts: [{{name: mock, context: {{cluster: mock, user: u}}}}]
current-context: mock
""")
            t = time.time()
            r = subprocess.run(["/usr/bin/time", "-f", "%M", binary, "cluster", "report", "--live", "--format", os.environ.get("FORMAT", "json")],
                               env=dict(os.environ, KUBECONFIG=kc), capture_output=True, text=True)
            wall = time.time() - t
            srv.shutdown()
            if r.returncode != 0:
                print(r.stderr, file=sys.stderr)
                sys.exit(1)
            peak = int(r.stderr.strip().splitlines()[-1])
            peaks.append(peak)
            print(f"{n:>7} pods: {wall:6.1f} s, peak RSS {peak / 1024:6.1f} MiB; {r.stderr.strip().splitlines()[-2]}")
    growth = (peaks[-1] - peaks[0]) * 100 / peaks[0]
    ok = growth <= 10
    print(f"{'ok    ' if ok else 'MISSED'}  peak RSS at {sizes[-1]} pods within 10% of {sizes[0]}: {growth:+.1f}%")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
