#!/usr/bin/env python3
"""lantern-help sends the tickets it queued, once a relay is reachable (--relay), under Xvfb.

  delivery_test.py APP BUNDLE RELAY GROUP

GROUP relay:   filed with no relay, then with the relay down (a closed port): both stay queued
               (the UI says so); then the real lantern-relay on loopback receives each exactly once,
               read back through its agent API; a further run sends nothing again.
GROUP refused: a relay answering 422 (the ticket shows as refused and is never retried) and 503
               with Retry-After (seconds and an HTTP date: the next attempt waits that long).
GROUP https:   the real relay over HTTPS: a wrong --pin and an untrusted certificate keep the
               ticket queued; --ca-file with the right --pin delivers it.
GROUP idle:    the interactive app (no --frames) on its own Xvfb: an answer that arrives while the
               loop sleeps in glfwWaitEvents is handled at once (the worker wakes it); the Close
               button ends the app cleanly while an exchange is in flight (its answer is dropped,
               the ticket stays queued and goes out, with the same key, on the next start).

Every run of the app is bounded (--frames, timeout); servers listen on 127.0.0.1 only.
"""
import base64
import email.utils
import hashlib
import http.server
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

APP, BUNDLE, RELAY, GROUP = sys.argv[1:5]
WORK = tempfile.mkdtemp(prefix="lantern-help-delivery-")
AGENT_KEY = "desktop-delivery-test-agent-key"
PROCS = []


def fail(msg):
    sys.exit(f"delivery ({GROUP}): {msg}")


def check(cond, msg):
    if not cond:
        fail(msg)


def ticket_json(form, **fields):
    return json.dumps({"form": form, "fields": fields})


def run_app(name, data, *args, expect_rc=0):
    """One bounded run of lantern-help; returns (a11y nodes, stderr)."""
    tree = os.path.join(WORK, name + ".json")
    cmd = ["timeout", "120", "xvfb-run", "-a", "-s", "-screen 0 1024x768x24", APP, BUNDLE, "--data", data, "--lang", "en",
           "--frames", "5", "--size", "800x700", "--a11y", tree, *args]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != expect_rc:
        fail(f"{name}: lantern-help exited {p.returncode}, expected {expect_rc}\n{p.stderr}")
    nodes = json.load(open(tree, encoding="utf-8"))["nodes"] if expect_rc == 0 else []
    return nodes, p.stderr


def has(nodes, role, text):
    return any(n["role"] == role and text in n["name"] for n in nodes)


def describe(nodes):
    return ", ".join(f"{n['role']}:{n['name'][:60]}" for n in nodes if n["role"] in ("heading", "status", "alert", "link"))


def store(data, prefix):
    """The app's file storage (make_file_storage): one file per key, '/' written as %2F."""
    out = {}
    if not os.path.isdir(data):
        return out
    for f in sorted(os.listdir(data)):
        key = urllib.parse.unquote(f)
        if key.startswith(prefix) and not f.endswith(".tmp"):
            out[key[len(prefix):]] = open(os.path.join(data, f), encoding="utf-8").read()
    return out


def outbox(data):
    return {k: json.loads(v) for k, v in store(data, "outbox/").items()}


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_relay(name, *extra):
    cfg = os.path.join(WORK, name + "-config.json")
    with open(cfg, "w") as f:
        json.dump({"agent_keys": [{"name": "test", "key_sha256": hashlib.sha256(AGENT_KEY.encode()).hexdigest()}]}, f)
    log = open(os.path.join(WORK, name + "-relay.log"), "w+")
    proc = subprocess.Popen([RELAY, "--bundle", BUNDLE, "--listen", "127.0.0.1:0", "--data", os.path.join(WORK, name + "-store"),
                             "--config", cfg, *extra], stdout=log, stderr=subprocess.STDOUT, text=True)
    PROCS.append(proc)
    end = time.time() + 15
    while time.time() < end:
        log.seek(0)
        text = log.read()
        if "(port " in text:
            return proc, int(text.split("(port ", 1)[1].split(")", 1)[0])
        if proc.poll() is not None:
            fail(f"the relay exited {proc.returncode}: {text}")
        time.sleep(0.05)
    fail("the relay did not start")


def fetch(url, headers=None, context=None):
    req = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(req, timeout=10, context=context) as r:
        return r.read().decode()


def agent(base, path, context=None):
    return json.loads(fetch(base + path, {"Authorization": "Bearer " + AGENT_KEY}, context))


def metric(base, name, context=None):
    for line in fetch(base + "/metrics", context=context).splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    fail(f"no metric {name}")


def relay_tickets(base, context=None):
    """Every ticket the relay stored, as received: {idempotency_key: (id, ticket)}."""
    out = {}
    for t in agent(base, "/v1/agent/tickets?limit=1000", context)["tickets"]:
        full = agent(base, "/v1/agent/tickets/" + t["id"], context)
        out[full["ticket"]["idempotency_key"]] = (t["id"], full["ticket"])
    return out


# [SECTION] relay: offline, relay down, relay up, not twice

def group_relay():
    data = os.path.join(WORK, "data")
    a_text = "Offline: the app crashes when I open the markets page."
    b_text = "Relay down: the withdrawal history page stays blank."
    # No --relay: the app stays offline as before; the ticket waits, and the UI says so.
    nodes, _ = run_app("offline", data, "--file-ticket", ticket_json("other", topic="bug", description=a_text))
    check(has(nodes, "heading", "Request received"), "offline: no 'Request received' page: " + describe(nodes))
    check(has(nodes, "status", "Your request is saved on this device"), "offline: the page does not say the ticket waits: " + describe(nodes))
    ob = outbox(data)
    check(len(ob) == 1 and all(e["state"] == "pending" and e["attempts"] == 0 for e in ob.values()),
          f"offline: expected one pending entry never attempted, got {ob}")
    nodes, _ = run_app("offline-tickets", data, "--screen", "tickets")
    check(has(nodes, "status", "1 ticket will be sent when you are back online"), "offline: no outbox line: " + describe(nodes))

    # The relay is down (nothing listens): the attempt fails, the ticket stays queued.
    down = f"http://127.0.0.1:{free_port()}"
    nodes, err = run_app("down", data, "--relay", down, "--file-ticket", ticket_json("other", topic="suggestion", description=b_text))
    check(has(nodes, "status", "You seem to be offline"), "down: the page does not say the ticket waits: " + describe(nodes))
    check("cannot connect" in err, "down: the transport error is not logged: " + err)
    ob = outbox(data)
    check(len(ob) == 2, f"down: expected 2 queued tickets, got {len(ob)}")
    for e in ob.values():
        check(e["state"] == "pending" and e["attempts"] == 1 and "cannot connect" in e["last_error"],
              f"down: expected one failed attempt per ticket, got {e}")
    keys = set(ob)
    texts = {k: json.loads(e["body"])["fields"]["description"] for k, e in ob.items()}

    # The relay is up: both tickets arrive, each once, with their idempotency keys.
    _, port = start_relay("relay")
    base = f"http://127.0.0.1:{port}"
    nodes, _ = run_app("up", data, "--relay", base, "--screen", "tickets")
    got = relay_tickets(base)
    check(set(got) == keys, f"up: the relay holds {sorted(got)}, expected {sorted(keys)}")
    for k, (tid, t) in got.items():
        check(t["fields"]["description"] == texts[k], f"up: ticket {tid} arrived with other text: {t['fields']}")
        check(t["client"]["name"] == "lantern-help", f"up: ticket {tid} names client {t['client']}")
    check(metric(base, "lantern_tickets_created_total") == 2, "up: the relay did not create exactly 2 tickets")
    check(metric(base, "lantern_tickets_replayed_total") == 0, "up: a ticket was sent twice")
    check(outbox(data) == {}, f"up: the outbox is not empty: {outbox(data)}")
    receipts = {k: json.loads(v) for k, v in store(data, "receipt/").items()}
    check(set(receipts) == keys and {r["id"] for r in receipts.values()} == {tid for tid, _ in got.values()},
          f"up: receipts {receipts} do not match the relay's tickets")
    for tid, _ in got.values():
        check(has(nodes, "link", tid), f"up: My tickets does not list {tid}: " + describe(nodes))
    check(not has(nodes, "status", "will be sent"), "up: the outbox line is still shown: " + describe(nodes))

    # Once more: nothing is pending, so nothing is sent again.
    run_app("again", data, "--relay", base, "--screen", "tickets")
    check(len(relay_tickets(base)) == 2, "again: the relay holds another ticket")
    check(metric(base, "lantern_tickets_created_total") == 2 and metric(base, "lantern_tickets_replayed_total") == 0,
          "again: a ticket was sent a second time")
    print("delivery (relay): offline, relay down, delivered once, not resent: ok")


# [SECTION] refused: 422 and Retry-After from a scripted relay

class Scripted(http.server.BaseHTTPRequestHandler):
    """POST /v1/tickets gets the server's scripted answer; anything else (analytics) 404."""

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        if self.path != "/v1/tickets":
            return self.answer(404, {}, {"error": {"code": "not_found", "message": "no such endpoint"}})
        self.server.tickets.append((self.headers.get("Idempotency-Key"), body))
        time.sleep(self.server.delay)  # a slow relay: the app is idle (or closing) meanwhile
        status, headers, payload = self.server.script
        self.answer(status, headers, payload)

    def answer(self, status, headers, payload):
        raw = json.dumps(payload).encode()
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *a):
        pass


def scripted(status, headers, payload, delay=0.0):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Scripted)
    srv.tickets, srv.script, srv.delay = [], (status, headers, payload), delay
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}"


def group_refused():
    why = "field 'description': refused by the test relay"
    srv, base = scripted(422, {}, {"error": {"code": "invalid_fields", "message": why, "fields": [{"field": "description"}]}})
    data = os.path.join(WORK, "data-422")
    nodes, _ = run_app("422", data, "--relay", base, "--file-ticket",
                       ticket_json("other", topic="bug", description="The markets page shows an error."))
    check(has(nodes, "alert", "Support could not accept this request: " + why), "422: the refusal is not shown: " + describe(nodes))
    check(len(srv.tickets) == 1, f"422: expected one attempt, the relay saw {len(srv.tickets)}")
    ob = outbox(data)
    check(len(ob) == 1 and all(e["state"] == "rejected" and e["attempts"] == 1 and e["last_error"] == why for e in ob.values()),
          f"422: expected one rejected entry with the relay's reason, got {ob}")
    run_app("422-again", data, "--relay", base, "--screen", "tickets")
    check(len(srv.tickets) == 1, f"422: a refused ticket was sent again ({len(srv.tickets)} attempts)")
    check(all(e["state"] == "rejected" for e in outbox(data).values()), "422: the refused ticket changed state")
    srv.shutdown()

    # 503 with Retry-After: the next attempt waits at least that long (the back-off alone is 2 s).
    for label, header, wait_s in (("seconds", "120", 120), ("date", None, 300)):
        if header is None:
            header = email.utils.formatdate(time.time() + wait_s, usegmt=True)
        srv, base = scripted(503, {"Retry-After": header}, {"error": {"code": "store_unavailable", "message": "busy"}})
        data = os.path.join(WORK, "data-503-" + label)
        before = time.time() * 1000
        run_app("503-" + label, data, "--relay", base, "--file-ticket",
                ticket_json("other", topic="bug", description="The markets page shows an error."))
        ob = list(outbox(data).values())
        check(len(srv.tickets) == 1 and len(ob) == 1 and ob[0]["state"] == "pending" and ob[0]["attempts"] == 1,
              f"503 ({label}): expected one attempt and a pending entry, got {len(srv.tickets)} attempts, {ob}")
        # An HTTP date has whole seconds: allow one second of rounding.
        check(ob[0]["next_attempt_ms"] >= before + (wait_s - 1) * 1000,
              f"503 ({label}): Retry-After {header!r} ignored: next attempt in {(ob[0]['next_attempt_ms'] - before) / 1000:.1f} s")
        srv.shutdown()
    print("delivery (refused): 422 shown and never retried, Retry-After in seconds and as a date: ok")


# [SECTION] https: the relay's own TLS, --ca-file and --pin

def group_https():
    cert, key = os.path.join(WORK, "relay.crt"), os.path.join(WORK, "relay.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                   check=True, capture_output=True)
    pub = subprocess.run(["openssl", "x509", "-in", cert, "-pubkey", "-noout"], check=True, capture_output=True).stdout
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=pub, check=True, capture_output=True).stdout
    pin = "sha256/" + base64.b64encode(hashlib.sha256(der).digest()).decode()
    wrong = "sha256/" + base64.b64encode(hashlib.sha256(b"another key").digest()).decode()
    _, port = start_relay("https", "--tls-cert", cert, "--tls-key", key)
    base = f"https://localhost:{port}"
    ctx = ssl.create_default_context(cafile=cert)
    data = os.path.join(WORK, "data-https")

    nodes, err = run_app("wrong-pin", data, "--relay", base, "--ca-file", cert, "--pin", wrong, "--file-ticket",
                         ticket_json("other", topic="api", description="The API returns 500 for the order book."))
    ob = list(outbox(data).values())
    check(len(ob) == 1 and ob[0]["state"] == "pending" and "matches no pin" in ob[0]["last_error"],
          f"wrong pin: expected a pending ticket failing on the pin, got {ob}")
    # Not "offline": the network is fine, the server is not the one pinned.
    check(has(nodes, "status", "The support server could not prove its identity"),
          "wrong pin: the page does not say the server could not be trusted: " + describe(nodes))
    check(has(nodes, "status", "saved on this device"), "wrong pin: the page does not say the ticket waits: " + describe(nodes))
    check(not has(nodes, "status", "You seem to be offline"), "wrong pin: the page calls it offline: " + describe(nodes))
    run_app("untrusted", data, "--relay", base)  # the system store does not know the test CA
    ob = list(outbox(data).values())
    check(len(ob) == 1 and ob[0]["attempts"] == 2 and "not trusted" in ob[0]["last_error"],
          f"untrusted: expected a second failed attempt on the certificate, got {ob}")
    check(metric(base, "lantern_tickets_created_total", ctx) == 0, "https: a ticket got through a failed check")

    nodes, _ = run_app("pinned", data, "--relay", base, "--ca-file", cert, "--pin", wrong, "--pin", pin, "--screen", "tickets")
    got = relay_tickets(base, ctx)
    check(list(got) == [ob[0]["key"]], f"pinned: the relay holds {list(got)}, expected {ob[0]['key']}")
    check(outbox(data) == {}, "pinned: the outbox is not empty")
    check(has(nodes, "link", got[ob[0]["key"]][0]), "pinned: My tickets does not list the ticket: " + describe(nodes))
    check(metric(base, "lantern_tickets_created_total", ctx) == 1, "pinned: not exactly one ticket created")
    print("delivery (https): wrong pin and untrusted certificate keep it queued, --ca-file + --pin deliver it: ok")


# [SECTION] idle: the interactive loop, woken by the worker; Close with an exchange in flight

def start_xvfb():
    r, w = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
                            pass_fds=[w], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    PROCS.append(proc)
    os.close(w)
    num = b""
    while not num.endswith(b"\n"):
        chunk = os.read(r, 16)  # Xvfb writes its display number once it accepts clients
        if not chunk:
            fail("Xvfb did not start")
        num += chunk
    os.close(r)
    return ":" + num.decode().strip()


def xdotool(display, *args):
    p = subprocess.run(["timeout", "20", "xdotool", *args], env=dict(os.environ, DISPLAY=display), capture_output=True, text=True)
    if p.returncode != 0:
        fail(f"xdotool {' '.join(args)}: {p.stderr}")
    return p.stdout.strip()


def click_close(display, rect):
    """Clicks the Close button where the accessibility tree of the same layout put it."""
    wid = xdotool(display, "search", "--sync", "--name", "Lantern Help").split()[0]
    x, y, w, h = rect
    xdotool(display, "mousemove", "--window", wid, str(int(x + w / 2)), str(int(y + h / 2)))
    time.sleep(0.3)
    xdotool(display, "click", "1")


def wait_for(what, fn, limit):
    end = time.time() + limit
    while time.time() < end:
        v = fn()
        if v:
            return v
        time.sleep(0.05)
    fail("timed out waiting for " + what)


def group_idle():
    display = start_xvfb()
    env = dict(os.environ, DISPLAY=display)
    interactive = ["--lang", "en", "--size", "800x700"]
    home, _ = run_app("layout", os.path.join(WORK, "data-layout"))
    close = next((n["rect"] for n in home if n["role"] == "button" and n["name"] == "Close"), None)
    check(close is not None, "no Close button on Home: " + describe(home))

    # An answer while the loop sleeps: the relay takes 1.5 s, long after the first frames.
    data = os.path.join(WORK, "data-idle")
    run_app("idle-file", data, "--file-ticket", ticket_json("other", topic="bug", description="The chart does not load at all."))
    key = list(outbox(data))[0]
    srv, base = scripted(201, {}, {"id": "T-IDLEWAKE0001", "access_token": "t" * 32, "status": "open"}, delay=1.5)
    start = time.time()
    app = subprocess.Popen([APP, BUNDLE, "--data", data, *interactive, "--relay", base], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    PROCS.append(app)
    # The outbox writes the receipt, then removes the entry (two files): wait for both.
    wait_for("the receipt and an empty outbox", lambda: store(data, "receipt/") and outbox(data) == {}, 30)
    took = time.time() - start
    # Without the wake-up the loop would sleep until the outbox's next timer (60 s in flight).
    check(took < 20, f"idle: the answer was handled only after {took:.1f} s")
    check([k for k, _ in srv.tickets] == [key], f"idle: expected one attempt with {key}, got {srv.tickets}")
    click_close(display, close)
    try:
        rc = app.wait(20)
    except subprocess.TimeoutExpired:
        fail("idle: Close did not end the app")
    check(rc == 0, f"idle: the app exited {rc}: {app.stderr.read()}")
    srv.shutdown()

    # Close while the relay has not answered yet: the app ends (the exchange runs out), no callback
    # runs, and the ticket is still queued; the next start sends it again with the same key.
    data = os.path.join(WORK, "data-closing")
    run_app("closing-file", data, "--file-ticket", ticket_json("other", topic="bug", description="The order form freezes on submit."))
    key = list(outbox(data))[0]
    srv, base = scripted(201, {}, {"id": "T-CLOSING00001", "access_token": "t" * 32, "status": "open"}, delay=4)
    app = subprocess.Popen([APP, BUNDLE, "--data", data, *interactive, "--relay", base], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    PROCS.append(app)
    wait_for("the request", lambda: srv.tickets, 20)
    click_close(display, close)
    try:
        rc = app.wait(30)
    except subprocess.TimeoutExpired:
        fail("closing: the app did not end with an exchange in flight")
    check(rc == 0, f"closing: the app exited {rc}: {app.stderr.read()}")
    check(store(data, "receipt/") == {}, "closing: an answer was handled after Close")
    ob = outbox(data)
    check(list(ob) == [key] and ob[key]["state"] == "pending", f"closing: the ticket is not queued any more: {ob}")
    srv.delay = 0
    run_app("closing-next", data, "--relay", base)
    check([k for k, _ in srv.tickets] == [key, key], f"closing: expected the same key twice, got {srv.tickets}")
    check(outbox(data) == {} and list(store(data, "receipt/")) == [key], "closing: not delivered on the next start")
    srv.shutdown()
    print("delivery (idle): woken by the answer, Close with an exchange in flight: ok")


try:
    {"relay": group_relay, "refused": group_refused, "https": group_https, "idle": group_idle}[GROUP]()
finally:
    for p in PROCS:
        p.terminate()
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
    shutil.rmtree(WORK, ignore_errors=True)
