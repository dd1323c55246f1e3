#!/usr/bin/env python3
"""Run the sample gateway through a scripted scenario and record what it exposes.

Starts four loopback backends (demo-1..3 fast, demo-4-slow), the sample gateway in
front of them (latency-lb on, admission with small bulkheads so that a surge queues),
drives traffic through it, and every 2 s scrapes /actuator/prometheus. Also saves
/actuator/latencylb responses at a few moments. Output: a directory with
scrapes.jsonl (one scrape per line), endpoint-*.json and events.json, which
render-dashboard.py turns into docs/images/dashboard.png.

Phases (seconds from start of traffic):
  0   steady: 8 clients, 70% with one of 200 session cookies, 30% keyless
  40  drain demo-2 through the endpoint's write operation
  80  make demo-2 active again
  100 surge: 60 more clients without think time, for 30 s; health checks every 200 ms
  150 demo-3 stops (connection refused): retries, ejection, flows move
  200 end

Usage: capture-scenario.py GATEWAY_JAR OUT_DIR  (Python 3 standard library only)
"""
import http.client
import http.server
import json
import os
import random
import socketserver
import subprocess
import sys
import threading
import time

JAR, OUT = sys.argv[1], sys.argv[2]
os.makedirs(OUT, exist_ok=True)
GATEWAY_PORT = 18090
STOP = threading.Event()


class Backend:
    def __init__(self, instance_id, delay):
        self.id = instance_id
        self.dead = False
        backend = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                if backend.dead:
                    # Stopped: drop kept-alive connections too (the client sees a reset).
                    self.close_connection = True
                    self.connection.close()
                    return
                if not self.path.startswith("/health"):
                    time.sleep(delay)
                body = json.dumps({"instance": backend.id}).encode() + b"\n"
                self.send_response(200)
                self.send_header("X-Instance", backend.id)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            allow_reuse_address = True
            request_queue_size = 256

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.dead = True
        self.server.shutdown()
        self.server.server_close()


def request(conn_holder, method, path, headers=None, body=None, timeout=10):
    conn = conn_holder.get("c")
    if conn is None:
        conn = http.client.HTTPConnection("127.0.0.1", GATEWAY_PORT, timeout=timeout)
        conn_holder["c"] = conn
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return response.status, data
    except Exception:
        conn.close()
        conn_holder.pop("c", None)
        return None, b""


def client(think, sessions, until):
    holder = {}
    rng = random.Random()
    while not STOP.is_set() and time.time() < until():
        headers = {}
        if rng.random() < 0.7:
            headers["Cookie"] = "SESSION=s-%d" % rng.randrange(sessions)
        request(holder, "GET", "/work", headers)
        if think:
            time.sleep(think)


def health_checks(until, results):
    holder = {}
    while not STOP.is_set() and time.time() < until:
        status, _ = request(holder, "GET", "/health", {"User-Agent": "kube-probe/1.29"}, timeout=1)
        results.append(status)
        time.sleep(0.2)


def get_json(path):
    status, data = request({}, "GET", path)
    return json.loads(data) if status == 200 else {"status": status}


def post_json(path, payload):
    status, data = request({}, "POST", path, {"Content-Type": "application/json"}, json.dumps(payload))
    return {"status": status, "body": json.loads(data) if data else None}


def main():
    backends = [Backend("demo-1", 0.005), Backend("demo-2", 0.005), Backend("demo-3", 0.005),
                Backend("demo-4-slow", 0.05)]
    args = ["java", "-Xmx512m", "-jar", JAR, "--server.port=%d" % GATEWAY_PORT,
            "--sample.demo-backends.enabled=false",
            "--management.endpoint.latencylb.access=unrestricted",
            "--latency-lb.bulkhead.max-concurrent-calls=6", "--latency-lb.queue.timeout=500ms",
            "--latency-lb.queue.max-length=40", "--spring.cloud.loadbalancer.cache.enabled=false"]
    for i, b in enumerate(backends):
        args.append("--spring.cloud.discovery.client.simple.instances.demo[%d].uri=http://127.0.0.1:%d" % (i, b.port))
        args.append("--spring.cloud.discovery.client.simple.instances.demo[%d].instance-id=%s" % (i, b.id))
    log = open(os.path.join(OUT, "gateway.log"), "w")
    gateway = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(120):
            if get_json("/actuator/health").get("status") == "UP":
                break
            time.sleep(1)
        start = time.time()
        events = []
        scrapes = open(os.path.join(OUT, "scrapes.jsonl"), "w")

        def scraper():
            holder = {}
            while not STOP.is_set():
                status, data = request(holder, "GET", "/actuator/prometheus")
                if status == 200:
                    lines = [l for l in data.decode().splitlines()
                             if l.startswith(("latencylb_", "resilience4j_bulkhead_"))]
                    scrapes.write(json.dumps({"t": round(time.time() - start, 3), "lines": lines}) + "\n")
                    scrapes.flush()
                time.sleep(2)

        threading.Thread(target=scraper, daemon=True).start()
        end = start + 200
        steady = [threading.Thread(target=client, args=(0.02, 200, lambda: end), daemon=True) for _ in range(8)]
        for t in steady:
            t.start()

        def at(second):
            time.sleep(max(0, start + second - time.time()))

        at(35)
        json.dump(get_json("/actuator/latencylb"), open(os.path.join(OUT, "endpoint-services.json"), "w"), indent=2)
        json.dump(get_json("/actuator/latencylb/demo"), open(os.path.join(OUT, "endpoint-demo.json"), "w"), indent=2)
        at(40)
        drained = post_json("/actuator/latencylb/demo", {"instance": "demo-2", "state": "draining"})
        json.dump(drained, open(os.path.join(OUT, "endpoint-drain.json"), "w"), indent=2)
        events.append({"t": 40, "event": "drain demo-2", "status": drained["status"]})
        at(80)
        activated = post_json("/actuator/latencylb/demo", {"instance": "demo-2", "state": "active"})
        events.append({"t": 80, "event": "activate demo-2", "status": activated["status"]})
        at(100)
        events.append({"t": 100, "event": "surge starts"})
        surge_end = start + 130
        surge = [threading.Thread(target=client, args=(0, 200, lambda: surge_end), daemon=True) for _ in range(60)]
        for t in surge:
            t.start()
        health = []
        checker = threading.Thread(target=health_checks, args=(surge_end, health), daemon=True)
        checker.start()
        at(115)
        json.dump(get_json("/actuator/latencylb/demo"), open(os.path.join(OUT, "endpoint-demo-surge.json"), "w"),
                  indent=2)
        at(130)
        checker.join()
        events.append({"t": 130, "event": "surge ends", "health_checks": len(health),
                       "health_ok": sum(1 for s in health if s == 200)})
        at(150)
        backends[2].stop()
        events.append({"t": 150, "event": "demo-3 stops"})
        at(170)
        json.dump(get_json("/actuator/latencylb/demo"), open(os.path.join(OUT, "endpoint-demo-down.json"), "w"),
                  indent=2)
        at(200)
        STOP.set()
        time.sleep(2.5)
        json.dump(events, open(os.path.join(OUT, "events.json"), "w"), indent=2)
    finally:
        STOP.set()
        gateway.terminate()
        gateway.wait(30)
        for b in backends:
            try:
                b.stop()
            except Exception:
                pass


if __name__ == "__main__":
    main()
