#!/usr/bin/env python3
"""smokecheck benchmark (SPEC §6): one command, prints the table.

Starts a local nginx (its own prefix, pid, logs and CA under a temp dir, 127.0.0.1 high
ports) serving /health -> {"status":"ok"} over HTTP and HTTPS — or smokecheck's demo
target if nginx cannot be had — generates the suites, runs every workload side by side
with `ab` and Hurl (when installed), and prints medians of wall time, CPU time and peak
RSS. Only the standard library: wall time from time.perf_counter(), CPU time and peak
RSS from wait4(2) (the same numbers `/usr/bin/time -v` reports, at µs resolution).

Run it as `bench/run` (see bench/README.md).
"""

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import http.client
import ssl

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------
# Measuring


class Sample:
    def __init__(self, wall, cpu, rss_kb, code):
        self.wall, self.cpu, self.rss_kb, self.code = wall, cpu, rss_kb, code


TIME = "/usr/bin/time"


def measure(cmd, out_path, env=None, cwd=None):
    """Runs cmd once under GNU time: wall seconds, user+sys seconds, peak RSS (KiB), exit
    code.

    Peak RSS comes from GNU time (`%M`): Linux keeps a process's pre-exec high-water mark,
    so a child forked straight from this (large) Python process would report Python's
    size; one forked from the small `time` process reports its own. CPU time comes from
    wait4() on `time` (it includes its child, at µs resolution; `time` prints 10 ms
    steps); wall time from perf_counter() around the whole (the ~1 ms of launching
    `time` is in every tool's figure alike: see the `baseline` line)."""
    stats = out_path + ".time"
    with open(out_path, "wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen([TIME, "-f", "%M %x", "-o", stats, *cmd], stdout=out,
                                stderr=subprocess.STDOUT, env=env, cwd=cwd)
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    rss_kb, code = 0, proc.returncode
    with open(stats) as f:
        last = f.read().strip().splitlines()[-1].split()
    if len(last) == 2:
        rss_kb, code = int(last[0]), int(last[1])
    return Sample(wall, ru.ru_utime + ru.ru_stime, rss_kb, code)


class Result:
    """Medians over the runs of one tool on one workload."""

    def __init__(self, samples, ok, note=""):
        self.samples, self.ok, self.note = samples, ok, note

    @property
    def wall(self):
        return statistics.median(s.wall for s in self.samples)

    @property
    def cpu(self):
        return statistics.median(s.cpu for s in self.samples)

    @property
    def rss_mb(self):
        return statistics.median(s.rss_kb for s in self.samples) / 1024


class Runner:
    """A command to measure, and how to tell that it did the work."""

    def __init__(self, name, cmd, check=None, env=None):
        self.name, self.cmd, self.check, self.env = name, cmd, check, env


def bench(runners, runs, tmp, tag):
    """Runs every runner `runs` times, interleaved (one round = each runner once), after
    one warm-up round: a shared machine's load drifts, interleaving spreads it evenly."""
    samples = {r.name: [] for r in runners}
    failures = {r.name: "" for r in runners}
    for round_ in range(runs + 1):
        for r in runners:
            out = os.path.join(tmp, f"out-{tag}-{r.name.replace(' ', '_').replace('/', '_')}.txt")
            s = measure(r.cmd, out, env=r.env)
            problem = r.check(s, out) if r.check else (None if s.code == 0 else f"exit {s.code}")
            if problem and not failures[r.name]:
                failures[r.name] = problem
            if round_ > 0:
                samples[r.name].append(s)
    return {
        r.name: Result(samples[r.name], not failures[r.name], failures[r.name]) for r in runners
    }


def smokecheck_ok(expected_passed):
    """A smokecheck run did the work: exit 0 and the summary says N passed."""

    def check(s, out):
        with open(out, "rb") as f:
            text = f.read().decode("utf-8", "replace")
        lines = text.strip().splitlines()
        tail = lines[-1] if lines else ""
        if s.code != 0:
            # The first failure says why (e.g. a probe this build does not have yet).
            first = next((l for l in lines if l.startswith(("FAIL", "TIME"))), "")
            why = first.split(" — ", 1)[-1] if first else tail
            return f"exit {s.code}: {tail[:60]}; first failure: {why[:120]}"
        if expected_passed is not None and f"{expected_passed} passed" not in tail:
            return f"unexpected summary: {tail[:160]}"
        return None

    return check


def ab_ok(n):
    def check(s, out):
        with open(out, "rb") as f:
            text = f.read().decode("utf-8", "replace")
        if s.code != 0:
            return f"exit {s.code}"
        if f"Complete requests:      {n}" not in text:
            return "incomplete"
        if "Failed requests:        0" not in text or "Non-2xx" in text:
            return "failed requests"
        return None

    return check


# ---------------------------------------------------------------------------------------
# Tools and the target


def have(tool):
    return shutil.which(tool) is not None


def apt_install(packages):
    """Best effort: only as root with apt-get; never fatal."""
    if os.geteuid() != 0 or not have("apt-get"):
        return False
    log(f"installing {' '.join(packages)} (apt-get)")
    r = subprocess.run(
        ["apt-get", "install", "-y", "-q", *packages],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )
    return r.returncode == 0


def nginx_binary():
    for p in [shutil.which("nginx"), "/usr/sbin/nginx"]:
        if p and os.access(p, os.X_OK):
            return p
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def make_certs(d):
    """A CA and a server certificate for localhost/127.0.0.1 (ECDSA P-256), openssl CLI."""
    run = lambda *a: subprocess.run(a, check=True, cwd=d, capture_output=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("openssl", "req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "7",
        "-subj", "/CN=smokecheck bench CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("openssl", "req", *ec, "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=localhost")
    with open(os.path.join(d, "server.ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                "basicConstraints=critical,CA:FALSE\n"
                "keyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=serverAuth\n")
    run("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.pem", "-days", "7", "-extfile", "server.ext")
    return os.path.join(d, "ca.pem")


class Target:
    def __init__(self, kind, http_base, https_base, ca_file, stop):
        self.kind, self.http_base, self.https_base, self.ca_file = kind, http_base, https_base, ca_file
        self.stop = stop
        self.http_port = int(http_base.rsplit(":", 1)[1])
        self.https_port = int(https_base.rsplit(":", 1)[1])


def start_nginx(tmp, workers):
    nginx = nginx_binary()
    if not nginx:
        apt_install(["nginx"])
        nginx = nginx_binary()
    if not nginx or not have("openssl"):
        return None
    prefix = os.path.join(tmp, "nginx")
    for sub in ["tmp", "logs"]:
        os.makedirs(os.path.join(prefix, sub), exist_ok=True)
    ca = make_certs(prefix)
    http_port, https_port = free_port(), free_port()
    with open(os.path.join(BENCH, "nginx.conf.in")) as f:
        conf = f.read()
    for k, v in {"PREFIX": prefix, "HTTP_PORT": http_port, "HTTPS_PORT": https_port,
                 "WORKERS": workers}.items():
        conf = conf.replace(f"@{k}@", str(v))
    conf_path = os.path.join(prefix, "nginx.conf")
    with open(conf_path, "w") as f:
        f.write(conf)
    base = [nginx, "-p", prefix, "-c", conf_path, "-e", os.path.join(prefix, "error.log")]
    r = subprocess.run([*base, "-g", "daemon on;"], capture_output=True, text=True)
    if r.returncode != 0:
        log(f"nginx did not start: {r.stderr.strip()[:300]}")
        return None

    def stop():
        subprocess.run([*base, "-s", "quit"], capture_output=True)
        pid_file = os.path.join(prefix, "nginx.pid")
        end = time.monotonic() + 5
        while os.path.exists(pid_file) and time.monotonic() < end:
            time.sleep(0.05)

    if not (wait_port(http_port) and wait_port(https_port)):
        stop()
        return None
    return Target("nginx", f"http://127.0.0.1:{http_port}", f"https://127.0.0.1:{https_port}",
                  ca, stop)


def start_demo_target(tmp):
    """Fallback: smokecheck's own demo target as a separate process (bench/target.rs)."""
    exe = os.path.join(ROOT, "target", "release", "examples", "bench_target")
    r = subprocess.run(["cargo", "build", "--release", "--example", "bench_target"], cwd=ROOT)
    if r.returncode != 0 or not os.path.exists(exe):
        return None
    proc = subprocess.Popen([exe], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline().split()
    if len(line) != 3:
        proc.kill()
        return None
    http_url, https_url, ca = line
    # The demo certificate covers 127.0.0.1 too: use it, like with nginx.
    https_url = https_url.replace("localhost", "127.0.0.1")

    def stop():
        proc.stdin.close()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()

    return Target("demo target", http_url, https_url, ca, stop)


def verify_target(t):
    """One real GET over each scheme, before anything is measured."""
    for base in [t.http_base, t.https_base]:
        host_port = base.split("://")[1]
        if base.startswith("https"):
            ctx = ssl.create_default_context(cafile=t.ca_file)
            conn = http.client.HTTPSConnection(host_port, context=ctx, timeout=5)
        else:
            conn = http.client.HTTPConnection(host_port, timeout=5)
        conn.request("GET", "/health")
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        if resp.status != 200 or b'"status":"ok"' not in body:
            raise RuntimeError(f"{base}/health answered {resp.status} {body[:80]!r}")


def hurl_version():
    if not have("hurl"):
        return None
    r = subprocess.run(["hurl", "--version"], capture_output=True, text=True)
    first = (r.stdout or "").split("\n")[0].split()
    return first[1] if len(first) > 1 else "?"


# ---------------------------------------------------------------------------------------
# Suites


def http_suite(path, n, url, ca_file=None, name="w1"):
    with open(path, "w") as f:
        f.write(f"suite: {name}\nchecks:\n")
        for i in range(n):
            f.write(f"  - name: health {i:05d}\n    http:\n      url: {url}\n")
            if ca_file:
                f.write(f"      ca_file: {ca_file}\n")
            f.write("    expect:\n      status: 200\n      json: { \"$.status\": \"ok\" }\n")


def tls_suite(path, n, port, ca_file):
    with open(path, "w") as f:
        f.write("suite: w3\nchecks:\n")
        for i in range(n):
            f.write(f"  - name: certificate {i:04d}\n    tls:\n      host: 127.0.0.1\n"
                    f"      port: {port}\n      ca_file: {ca_file}\n"
                    "    expect:\n      valid_for: 1d\n      covers: [localhost]\n")


def pg_suite(path, n, url):
    with open(path, "w") as f:
        f.write("suite: w4\nchecks:\n")
        for i in range(n):
            f.write(f"  - name: database {i:03d}\n    postgres:\n      url: {url}\n"
                    "      query: select 1\n    expect:\n      value: \"1\"\n")


def big_suite(path, n):
    """A realistic 10,000-check suite: an environment, variables, defaults, mixed kinds."""
    with open(path, "w") as f:
        f.write("suite: big\ndescription: validate benchmark\n"
                "defaults:\n  timeout: 5s\n  retries: 1\n  retry_delay: 200ms\n"
                "vars:\n  health_path: /health\n"
                "environments:\n  bench:\n    base_url: https://shop.example\n"
                "    host: shop.example\n    db_url: postgres://smoke@db.internal:5432/shop\n"
                "checks:\n")
        for i in range(n):
            k = i % 20
            f.write(f"  - name: check {i:05d}\n    tags: [t{i % 7}, web]\n")
            if k < 14:
                f.write("    http:\n      url: ${base_url}${health_path}?n=" + str(i) + "\n"
                        "      headers: { Accept: application/json, X-Bench: \"" + str(i) + "\" }\n"
                        "    expect:\n      status: [200, 204]\n"
                        "      json: { \"$.status\": \"ok\" }\n      latency_under: 800ms\n")
            elif k < 16:
                f.write("    tls:\n      host: ${host}\n    expect:\n      valid_for: 14d\n"
                        "      covers: [\"${host}\", \"www.${host}\"]\n")
            elif k < 18:
                f.write("    tcp: { host: \"${host}\", port: 443 }\n")
            elif k < 19:
                f.write("    postgres:\n      url: ${db_url}\n      query: select 1\n")
            else:
                f.write("    dns: { name: \"${host}\", type: A }\n    expect: { min_answers: 1 }\n")


def hurl_entry(url):
    return f'GET {url}\nHTTP 200\n[Asserts]\njsonpath "$.status" == "ok"\n\n'


def hurl_files(d, n, url):
    os.makedirs(d, exist_ok=True)
    paths = []
    for i in range(n):
        p = os.path.join(d, f"h{i:05d}.hurl")
        with open(p, "w") as f:
            f.write(hurl_entry(url))
        paths.append(p)
    one = os.path.join(d, "..", os.path.basename(d) + "-one.hurl")
    with open(one, "w") as f:
        for _ in range(n):
            f.write(hurl_entry(url))
    return os.path.abspath(one), paths


# ---------------------------------------------------------------------------------------
# Table


def fmt_ms(s):
    return f"{s * 1000:8.1f} ms"


def row(workload, tool, r, extra=""):
    if r is None:
        return f"{workload:<26} {tool:<34} {'—':>11} {'—':>11} {'—':>9}  {extra}"
    if not r.ok:
        extra = f"FAILED ({r.note}) {extra}".strip()
    return (f"{workload:<26} {tool:<34} {fmt_ms(r.wall)} {fmt_ms(r.cpu)} "
            f"{r.rss_mb:6.1f} MB  {extra}")


def header():
    return (f"{'workload':<26} {'tool':<34} {'wall (med)':>11} {'cpu (u+s)':>11} "
            f"{'peak RSS':>9}  note\n" + "-" * 110)


def verdict(ok):
    return "met" if ok else "NOT MET"


# ---------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="measured runs per figure (median)")
    ap.add_argument("--startup-runs", type=int, default=21, help="runs for W6 (it is short)")
    ap.add_argument("--no-build", action="store_true", help="use target/release as it is")
    ap.add_argument("--bin", help="smokecheck binary to measure (default target/release)")
    ap.add_argument("--baseline", help="another smokecheck binary, measured in the same rounds "
                    "(rows marked [baseline]): before/after comparisons on a noisy machine")
    ap.add_argument("--target", choices=["auto", "nginx", "demo"], default="auto")
    ap.add_argument("--nginx-workers", default="auto", help="nginx worker_processes")
    ap.add_argument("--only", help="comma list of workloads: w1,w2,w3,w4,w5,w6,lin")
    ap.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/test")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (suites, outputs)")
    args = ap.parse_args()
    only = set(args.only.split(",")) if args.only else {"w1", "w2", "w3", "w4", "w5", "w6", "lin"}

    binary = args.bin or os.path.join(ROOT, "target", "release", "smokecheck")
    if not args.no_build and not args.bin:
        log("cargo build --release (a no-op when up to date)")
        if subprocess.run(["cargo", "build", "--release", "--bin", "smokecheck"], cwd=ROOT).returncode:
            sys.exit("bench: the release build failed")
    if not os.access(binary, os.X_OK):
        sys.exit(f"bench: no binary at {binary}")
    if not have("ab"):
        apt_install(["apache2-utils"])
    if not os.access(TIME, os.X_OK):
        apt_install(["time"])
        if not os.access(TIME, os.X_OK):
            sys.exit("bench: GNU time (/usr/bin/time, package `time`) is needed")
    hurl = hurl_version()

    tmp = tempfile.mkdtemp(prefix="smokecheck-bench-")
    target = None
    try:
        if args.target in ("auto", "nginx"):
            target = start_nginx(tmp, args.nginx_workers)
            if target is None and args.target == "nginx":
                sys.exit("bench: nginx could not be started")
        if target is None:
            log("nginx not available: using smokecheck's demo target")
            target = start_demo_target(tmp)
        if target is None:
            sys.exit("bench: no target could be started")
        verify_target(target)
        run_all(args, only, binary, hurl, target, tmp)
    finally:
        if target:
            target.stop()
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def run_all(args, only, binary, hurl, target, tmp):
    runs = args.runs
    http_url = f"{target.http_base}/health"
    https_url = f"{target.https_base}/health"
    ab = have("ab")
    # The binary under test, and optionally a baseline build measured in the same rounds.
    bins = [("smokecheck", binary)]
    if args.baseline:
        bins.append(("baseline", args.baseline))
    goals = []
    load = os.getloadavg()
    for label, path in bins:
        size = os.path.getsize(path) / (1024 * 1024)
        print(f"{label}: {path} ({size:.1f} MB)")
    print(f"target: {target.kind} at {target.http_base} and {target.https_base}; "
          f"{os.cpu_count()} CPUs, load average {load[0]:.2f} at start; "
          f"median of {runs} runs (W6: {args.startup_runs})")
    base = bench([Runner("true", ["true"])], runs, tmp, "baseline")["true"]
    print(f"peers: ab {'yes' if ab else 'not installed'}, "
          f"hurl {hurl if hurl else 'not installed'}; "
          f"baseline (launching `true` the same way): {base.wall * 1000:.1f} ms\n")
    print(header())

    def emit(line):
        print(line, flush=True)

    def ours(what, argv, check):
        """One runner per smokecheck binary: (row name, runner)."""
        out = []
        for label, path in bins:
            name = what if label == "smokecheck" else f"{what} [{label}]"
            out.append((name, Runner(name, [path, *argv], check)))
        return out

    def run_row(label, mine, others, n_runs=None):
        """Measures our runners and the peers together; prints our rows first.
        Returns the results by name, and our main result."""
        res = bench([r for _, r in mine] + others, n_runs or runs, tmp, label.split()[0])
        for i, (name, _) in enumerate(mine):
            emit(row(label if i == 0 else "", name, res[name]))
        return res, res[mine[0][0]]

    def sc_run(suite, *extra):
        return ["run", suite, "--format", "plain", *extra]

    def hurl_runners(url, n, tagdir, cacert=None):
        if not hurl:
            return []
        one, files = hurl_files(os.path.join(tmp, tagdir), n, url)
        extra = ["--cacert", cacert] if cacert else []
        return [
            Runner("hurl (1 file, sequential)", ["hurl", "--no-output", *extra, one]),
            Runner("hurl --parallel --jobs 64", ["hurl", "--parallel", "--jobs", "64",
                                                 "--no-output", *extra, *files]),
        ]

    def http_workload(tag, label, url, ca, ab_note):
        suite = os.path.join(tmp, f"{tag}.yaml")
        http_suite(suite, 1000, url, ca, name=tag)
        mine = ours("smokecheck -c 64", sc_run(suite, "--concurrency", "64"), smokecheck_ok(1000))
        others = []
        if ab:
            others.append(Runner("ab -n 1000 -c 64", ["ab", "-n", "1000", "-c", "64", url],
                                 ab_ok(1000)))
        others += hurl_runners(url, 1000, f"hurl-{tag}", ca)
        res, s = run_row(label, mine, others)
        if ab:
            emit(row("", "ab -n 1000 -c 64", res["ab -n 1000 -c 64"], ab_note))
        hurl_best = None
        for name in ["hurl (1 file, sequential)", "hurl --parallel --jobs 64"]:
            if name in res:
                emit(row("", name, res[name]))
                if res[name].ok and (hurl_best is None or res[name].wall < hurl_best.wall):
                    hurl_best = res[name]
        if not hurl:
            emit(row("", "hurl", None, "not installed"))
        return s, (res.get("ab -n 1000 -c 64") if ab else None), hurl_best

    if "w1" in only:
        s, a, h = http_workload("w1", "W1 http x1000", http_url, None, "")
        if a and a.ok:
            ratio = s.wall / a.wall
            goals.append(f"W1 ≤ 1.5x ab: {ratio:.2f}x — {verdict(s.ok and ratio <= 1.5)}")
        if h:
            ratio = h.wall / s.wall
            goals.append(f"W1 ≥ 2x faster than Hurl's best: {ratio:.2f}x — "
                         f"{verdict(s.ok and ratio >= 2)}")
        goals.append(f"W1 peak RSS < 32 MB: {s.rss_mb:.1f} MB — {verdict(s.rss_mb < 32)}")
    if "w2" in only:
        s, a, h = http_workload("w2", "W2 https x1000", https_url, target.ca_file,
                                "fresh TLS handshake per request, no verification")
        if h:
            ratio = h.wall / s.wall
            goals.append(f"W2 ≥ 2x faster than Hurl's best: {ratio:.2f}x — "
                         f"{verdict(s.ok and ratio >= 2)}")
        goals.append(f"W2 peak RSS < 32 MB: {s.rss_mb:.1f} MB — {verdict(s.rss_mb < 32)}")
    if "w3" in only:
        suite = os.path.join(tmp, "w3.yaml")
        tls_suite(suite, 200, target.https_port, target.ca_file)
        mine = ours("smokecheck -c 64", sc_run(suite, "--concurrency", "64"), smokecheck_ok(200))
        run_row("W3 tls x200", mine, [])
    if "w4" in only:
        host_port = args.pg_url.split("@")[-1].split("/")[0]
        host, _, port = host_port.partition(":")
        try:
            socket.create_connection((host, int(port or 5432)), timeout=1).close()
            reachable = True
        except OSError:
            reachable = False
        if not reachable:
            emit(row("W4 postgres x100", "smokecheck", None, f"skipped: {host_port} unreachable"))
        else:
            suite = os.path.join(tmp, "w4.yaml")
            pg_suite(suite, 100, args.pg_url)
            mine = ours("smokecheck -c 64", sc_run(suite, "--concurrency", "64"),
                        smokecheck_ok(100))
            run_row("W4 postgres x100", mine, [])
    if "w5" in only:
        suite = os.path.join(tmp, "w5.yaml")
        big_suite(suite, 10_000)
        mine = ours("smokecheck validate", ["validate", suite], None)
        _, r = run_row("W5 validate 10k", mine, [])
        goals.append(f"W5 < 200 ms: {r.wall * 1000:.0f} ms — {verdict(r.ok and r.wall < 0.2)}")
    if "w6" in only:
        suite = os.path.join(tmp, "w6.yaml")
        http_suite(suite, 1, http_url, None, name="w6")
        mine = ours("smokecheck (1 check)", sc_run(suite), smokecheck_ok(1))
        others = []
        if ab:
            others.append(Runner("ab -n 1", ["ab", "-n", "1", http_url], ab_ok(1)))
        if hurl:
            one = os.path.join(tmp, "w6.hurl")
            with open(one, "w") as f:
                f.write(hurl_entry(http_url))
            others.append(Runner("hurl (1 request)", ["hurl", "--no-output", one]))
        res, s = run_row("W6 startup, 1 check", mine, others, args.startup_runs)
        for name in ["ab -n 1", "hurl (1 request)"]:
            if name in res:
                emit(row("", name, res[name]))
        if "hurl (1 request)" in res and res["hurl (1 request)"].ok:
            h = res["hurl (1 request)"]
            goals.append(f"W6 no slower than Hurl: {s.wall * 1000:.1f} ms vs "
                         f"{h.wall * 1000:.1f} ms — {verdict(s.ok and s.wall <= h.wall)}")
    if "lin" in only:
        per = {}
        for n in [100, 1000, 10_000]:
            suite = os.path.join(tmp, f"lin{n}.yaml")
            http_suite(suite, n, http_url, None, name=f"lin{n}")
            mine = ours("smokecheck -c 64", sc_run(suite, "--concurrency", "64"),
                        smokecheck_ok(n))
            _, r = run_row(f"W1 x{n} (linearity)", mine, [])
            per[n] = r.wall / n
            emit(f"{'':<26} {'':<34} {r.wall / n * 1e6:8.0f} µs/check")
        if per[1000] > 0:
            goals.append(f"linearity: time per check at 10,000 / at 1,000 = "
                         f"{per[10_000] / per[1000]:.2f}")

    if goals:
        print("\ntargets (SPEC §6):")
        for g in goals:
            print(f"  {g}")


if __name__ == "__main__":
    main()
