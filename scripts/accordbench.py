"""What the benchmark scripts share: real `accord serve` processes on 127.0.0.1, pinned to
each other through the operator API, and readings from /proc."""
import base64
import hashlib
import json
import os
import socket
import subprocess
import time
import urllib.request

TICKS = os.sysconf("SC_CLK_TCK")


def free_ports(n):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def api(url, token, method="GET", body=None, timeout=30):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        raw = r.read()
        return r.status, raw


def start_nodes(accord, work, count, prefix="n"):
    """Initialises and starts `count` nodes under `work`; returns them once each answers."""
    nodes = []
    for i, port in enumerate(free_ports(count)):
        name = f"{prefix}{i + 1:03d}"
        data = f"{work}/{name}"
        subprocess.run([accord, "init", "--name", name, "--data", data, "--port", str(port), "--organisation", f"Node {i + 1}",
                        "--country", "XB", "--roles", "technical"], check=True, capture_output=True)
        token = subprocess.run([accord, "token", "create", "--data", data, "--name", "bench", "--role", "admin"],
                               check=True, capture_output=True, text=True).stdout.strip()
        nodes.append({"name": name, "data": data, "url": f"http://127.0.0.1:{port}", "token": token, "accord": accord})
    return serve(nodes)


def serve(nodes):
    """Starts `accord serve` for each node (again, after stop_nodes); returns once each answers."""
    for n in nodes:
        n["proc"] = subprocess.Popen([n["accord"], "serve", "--data", n["data"], "--log-level", "error"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for n in nodes:
        for _ in range(1200):
            try:
                urllib.request.urlopen(n["url"] + "/healthz", timeout=1)
                break
            except Exception:
                time.sleep(0.05)
    return nodes


def pin_all(nodes):
    """Pins every pair, each by the fingerprint of the other's signing key."""
    fingerprints = {}
    for n in nodes:
        with urllib.request.urlopen(n["url"] + "/.well-known/accord/profile", timeout=10) as r:
            profile = json.loads(r.read())
        fingerprints[n["name"]] = hashlib.sha256(base64.b64decode(profile["body"]["signing_key"])).hexdigest()
    for n in nodes:
        for p in nodes:
            if p is not n:
                api(n["url"] + "/api/v1/peers", n["token"], "POST", {"url": p["url"], "fingerprint": fingerprints[p["name"]]})


def stop_nodes(nodes):
    for n in nodes:
        n["proc"].terminate()
    for n in nodes:
        try:
            n["proc"].wait(timeout=10)
        except subprocess.TimeoutExpired:
            n["proc"].kill()


def status_kb(pid, field):
    """A field of /proc/PID/status in KiB (VmRSS, VmHWM)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def wait_idle(node, share=0.05, window=3.0, limit=3600):
    """Waits until `node` uses under `share` of a core over `window` seconds (a node that was
    just given many events fetches their inclusion receipts first); returns the seconds waited."""
    start = time.time()
    while time.time() - start < limit:
        before = cpu_seconds(node["proc"].pid)
        time.sleep(window)
        if cpu_seconds(node["proc"].pid) - before < share * window:
            break
    return time.time() - start
