#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""bench.py: the measuring half of bench/run.sh (which sets the stage and calls it).

  bench.py gen --generator PATH --workdir TMPFS_DIR --counts 1,100,1000 --reps 30
      tsproxy-generator on N `[Instance]`-only files, fresh output dirs per repetition
      (made and removed untimed), as systemd runs it: three directory arguments.
  bench.py sandbox --libexec DIR --shell-dir DIR --reps 10
      INSIDE the sandbox only: systemd starting the chain, the helpers run directly and
      the equivalent ip/nft shell sequence (bench/shell-up.sh, shell-down.sh).
  bench.py table --meta K=V... FILE.json...
      the side-by-side table of what the other two wrote.

Every time is wall clock (CLOCK_MONOTONIC, perf_counter_ns) from just before
posix_spawn() (vfork, no Python fork overhead) to the moment the child has exited (a
pidfd becomes readable) or, for tsproxy-nat, to the moment its READY=1 arrives on our
notify socket. Each series is run once untimed first (warm-up: page cache, nf_tables
modules) and pauses between repetitions so that the kernel's asynchronous
namespace cleanup of one repetition does not bill the next. A failed step stops its
series and is reported as such: nothing is retried or hidden.
"""

import argparse
import difflib
import json
import math
import os
import re
import select
import shutil
import signal
import socket
import sys
import time

SETTLE_S = 0.3  # pause between repetitions in the sandbox
TIMEOUT_S = 30  # any single step


class BenchError(Exception):
    pass


class Log:
    """One file collecting the children's output, so a failure can say why."""

    def __init__(self, path):
        self.path = path
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)

    def note(self, text):
        os.write(self.fd, (text.rstrip("\n") + "\n").encode())

    def tail(self, n=12):
        with open(self.path, errors="replace") as f:
            return "".join(f.readlines()[-n:])


def which(name):
    p = shutil.which(name, path=os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"))
    if not p:
        raise BenchError(f"'{name}' not found")
    return p


def spawn(argv, log, env=None):
    """posix_spawn argv (argv[0] absolute), stdin /dev/null, stdout+stderr to the log."""
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
        (os.POSIX_SPAWN_DUP2, log.fd, 1),
        (os.POSIX_SPAWN_DUP2, log.fd, 2),
    ]
    return os.posix_spawn(argv[0], argv, env if env is not None else os.environ, file_actions=actions)


def wait_exit(pid, timeout=TIMEOUT_S):
    """Wait for pid to end; returns (exit code, monotonic ns when it was seen ending)."""
    fd = os.pidfd_open(pid)
    try:
        ready, _, _ = select.select([fd], [], [], timeout)
        t = time.perf_counter_ns()
        if not ready:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise BenchError(f"pid {pid} did not exit within {timeout} s")
    finally:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), t


def run(argv, log, env=None, check=True):
    """Run argv to its end; returns the elapsed time in ms."""
    log.note("$ " + " ".join(argv))
    t0 = time.perf_counter_ns()
    pid = spawn(argv, log, env)
    rc, t1 = wait_exit(pid)
    if check and rc != 0:
        raise BenchError(f"'{' '.join(argv)}' exited with {rc}:\n{log.tail()}")
    return (t1 - t0) / 1e6


def capture(argv, log):
    """Untimed helper: run argv, return its stdout (stderr to the log)."""
    r, w = os.pipe2(os.O_CLOEXEC)
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
        (os.POSIX_SPAWN_DUP2, w, 1),
        (os.POSIX_SPAWN_DUP2, log.fd, 2),
    ]
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions)
    os.close(w)
    chunks = []
    with os.fdopen(r, "rb") as f:
        chunks.append(f.read())
    rc, _ = wait_exit(pid)
    return rc, b"".join(chunks).decode(errors="replace")


def series(row, label, target=None, target_ms=None):
    return {"row": row, "label": label, "samples": [], "target": target, "target_ms": target_ms, "error": None}


# --- row 1: the generator -------------------------------------------------------------


def cmd_gen(a):
    log = Log(os.path.join(a.workdir, "gen.log"))
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "SYSTEMD_LOG_TARGET": "console"}
    out = []

    ref = series(1, "reference: posix_spawn + wait of /bin/true (process start cost)")
    true = which("true")
    for i in range(a.warmup + a.reps):
        t = run([true], log, env)
        if i >= a.warmup:
            ref["samples"].append(t)

    for n in a.counts:
        s = series(1, f"tsproxy-generator, {n} instance{'s' if n != 1 else ''}",
                   *(("< 50 ms for 1000", 50.0) if n == 1000 else ()))
        out.append(s)
        root = os.path.join(a.workdir, f"root-{n}")
        conf = os.path.join(root, "etc", "tsproxy")
        os.makedirs(conf)
        for k in range(n):
            with open(os.path.join(conf, f"i{k:04d}.conf"), "w") as f:
                f.write("[Instance]\n")
        genv = dict(env, TSPROXY_ROOT=root)
        try:
            for i in range(a.warmup + a.reps):
                base = os.path.join(a.workdir, "out")
                dirs = [os.path.join(base, d) for d in ("normal", "early", "late")]
                for d in dirs:
                    os.makedirs(d)
                t = run([a.generator] + dirs, log, genv)
                if i == 0:
                    # 3 drop-ins per instance plus its multi-user.target.wants link (AutoStart=yes).
                    files = sum(len(fs) for _, _, fs in os.walk(dirs[0]))
                    if files != 4 * n:
                        raise BenchError(f"expected {4 * n} generated files, found {files}:\n{log.tail()}")
                if i >= a.warmup:
                    s["samples"].append(t)
                shutil.rmtree(base)
        except BenchError as e:
            s["error"] = str(e)
    out.append(ref)
    json.dump(out, sys.stdout)


# --- rows 2 and 3: inside the sandbox ------------------------------------------------------


class Sandbox:
    def __init__(self, a):
        self.a = a
        os.makedirs(a.workdir, exist_ok=True)
        self.log = Log(os.path.join(a.workdir, "sandbox.log"))
        self.systemctl = which("systemctl")
        self.journalctl = which("journalctl")
        self.nft = which("nft")
        self.ip = which("ip")
        self.bash = which("bash")
        self.netns_tool = os.path.join(a.libexec, "tsproxy-netns")
        self.nat_tool = os.path.join(a.libexec, "tsproxy-nat")
        for p in (self.netns_tool, self.nat_tool):
            if not os.access(p, os.X_OK):
                raise BenchError(f"'{p}' not found in the sandbox")

    def sysctl(self, *args):
        return run([self.systemctl] + list(args), self.log)

    def floor_series(self, ref):
        """systemd's own floor for the chain's shape: two trivial units, a oneshot /bin/true
        and a Type=exec sleep bound to it and ordered after it, no sandboxing, started by
        one systemctl call. What any pair of units costs before its programs do anything."""
        unit_dir = "/run/systemd/system"
        units = {
            "bench-floor-a@.service": "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n",
            "bench-floor-b@.service": ("[Unit]\nBindsTo=bench-floor-a@%i.service\nAfter=bench-floor-a@%i.service\n"
                                       "[Service]\nType=exec\nExecStart=/bin/sleep infinity\n"),
        }
        os.makedirs(unit_dir, exist_ok=True)
        for name, text in units.items():
            with open(os.path.join(unit_dir, name), "w") as f:
                f.write(text)
        self.sysctl("daemon-reload")
        try:
            for i in range(self.a.reps + 1):
                t = self.sysctl("start", f"bench-floor-b@{i}.service")
                if i > 0:
                    ref["samples"].append(t)
                self.sysctl("stop", f"bench-floor-a@{i}.service")
                time.sleep(SETTLE_S)
        finally:
            for name in units:
                os.unlink(os.path.join(unit_dir, name))
            self.sysctl("daemon-reload")

    def units_of(self, name, with_tailscaled):
        u = [f"ts-netns@{name}.service", f"ts-nat@{name}.service"]
        return u + [f"tailscaled@{name}.service"] if with_tailscaled else u

    def why_failed(self, units):
        lines = []
        for u in units:
            rc, st = capture([self.systemctl, "is-active", u], self.log)
            if st.strip() != "active":
                _, j = capture([self.journalctl, "-b", "-u", u, "-o", "cat", "-n", "4", "--no-pager"], self.log)
                lines.append(f"{u}: {st.strip()}; " + " / ".join(x for x in j.splitlines() if x.strip()))
        return "\n".join(lines) or "systemctl failed, every unit active"

    def write_configs(self, names):
        os.makedirs("/etc/tsproxy", exist_ok=True)
        for n in names:
            with open(f"/etc/tsproxy/{n}.conf", "w") as f:
                f.write("[Instance]\nAutoStart=no\n\n[Namespace]\nUplink=uplink0\n")
        self.sysctl("daemon-reload")
        for n in names:
            p = f"/run/systemd/generator/ts-nat@{n}.service.d/50-tsproxy.conf"
            if not os.path.exists(p):
                raise BenchError(f"the generator wrote no {p}:\n{self.log.tail()}")

    def gone(self, name):
        """Untimed check that an instance left nothing behind."""
        left = []
        if os.path.exists(f"/run/netns/{name}"):
            left.append(f"/run/netns/{name}")
        if os.path.exists(f"/sys/class/net/ts-{name}"):
            left.append(f"ts-{name}")
        rc, _ = capture([self.nft, "list", "table", "inet", f"tsproxy-{name}"], self.log)
        if rc == 0:
            left.append(f"nft table tsproxy-{name}")
        if left:
            raise BenchError(f"instance {name} left behind: {', '.join(left)}")

    # Row 2: systemd starts the chain.
    def systemd_series(self, prefix, start_unit, with_tailscaled, up, down):
        reps = self.a.reps
        names = [f"{prefix}{i}" for i in range(reps + 1)]
        for i, name in enumerate(names):
            units = self.units_of(name, with_tailscaled)
            self.log.note(f"--- {up['label']}: {name}")
            try:
                t = self.sysctl("start", start_unit.format(name))
            except BenchError:
                up["error"] = f"instance {name}: " + self.why_failed(units)
                self.cleanup_units(name)
                return False
            rc, _ = capture([self.systemctl, "is-active", "--quiet"] + units, self.log)
            if rc != 0:
                up["error"] = f"instance {name}: not all active after start:\n" + self.why_failed(units)
                self.cleanup_units(name)
                return False
            if i > 0:
                up["samples"].append(t)
            # Stopping ts-netns@ stops everything bound to it first; the job ends last.
            try:
                t = self.sysctl("stop", f"ts-netns@{name}.service")
                self.gone(name)
            except BenchError as e:
                down["error"] = f"instance {name}: {e}"
                self.cleanup_units(name)
                return False
            if i > 0:
                down["samples"].append(t)
            time.sleep(SETTLE_S)
        return True

    def cleanup_units(self, name):
        run([self.systemctl, "stop", f"tsproxy@{name}.target", f"tailscaled@{name}.service",
             f"ts-nat@{name}.service", f"ts-netns@{name}.service"], self.log, check=False)
        run([self.systemctl, "reset-failed"], self.log, check=False)

    # Row 3: the helpers directly, and the shell sequence.
    @staticmethod
    def params(kind, i):
        third = {"d": 201, "s": 202}[kind]
        net = f"10.{third}.{i}.0"
        return {
            "name": f"{kind}{i}",
            "subnet": f"{net}/30",
            "host": f"10.{third}.{i}.1",
            "ns": f"10.{third}.{i}.2",
            "prefix": "30",
            "port": str(45000 + (0 if kind == "d" else 500) + i),
            "uplink": "uplink0",
        }

    def direct_up(self, p):
        """tsproxy-netns up, then tsproxy-nat until READY=1. Returns (ms, nat pid)."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
        addr = f"tsproxy-bench-{os.getpid()}-{p['name']}"
        sock.bind("\0" + addr)
        env = dict(os.environ, NOTIFY_SOCKET="@" + addr, SYSTEMD_LOG_TARGET="console")
        netns = [self.netns_tool, "up", p["name"], "--subnet", p["subnet"], "--host-if", f"ts-{p['name']}",
                 "--uplink", p["uplink"]]
        nat = [self.nat_tool, p["name"], "--subnet", p["subnet"], "--port", p["port"], "--host-if",
               f"ts-{p['name']}", "--uplink", p["uplink"]]
        self.log.note("$ " + " ".join(netns) + " && " + " ".join(nat))
        try:
            t0 = time.perf_counter_ns()
            rc, _ = wait_exit(spawn(netns, self.log, env))
            if rc != 0:
                raise BenchError(f"tsproxy-netns up exited with {rc}:\n{self.log.tail()}")
            pid = spawn(nat, self.log, env)
            pfd = os.pidfd_open(pid)
            try:
                deadline = time.monotonic() + TIMEOUT_S
                while True:
                    left = deadline - time.monotonic()
                    ready, _, _ = select.select([sock, pfd], [], [], max(left, 0))
                    if sock in ready:
                        msg = sock.recv(4096).decode(errors="replace")
                        if "READY=1" in msg.split("\n"):
                            t1 = time.perf_counter_ns()
                            return (t1 - t0) / 1e6, pid
                        continue
                    if pfd in ready:
                        rc, _ = wait_exit(pid)
                        raise BenchError(f"tsproxy-nat exited with {rc} before READY=1:\n{self.log.tail()}")
                    os.kill(pid, signal.SIGKILL)
                    wait_exit(pid)
                    raise BenchError(f"tsproxy-nat sent no READY=1 within {TIMEOUT_S} s")
            finally:
                os.close(pfd)
        finally:
            sock.close()

    def direct_down(self, p, nat_pid):
        self.log.note(f"$ kill -TERM {nat_pid} && tsproxy-netns down {p['name']}")
        t0 = time.perf_counter_ns()
        os.kill(nat_pid, signal.SIGTERM)
        rc, _ = wait_exit(nat_pid)
        if rc != 0:
            raise BenchError(f"tsproxy-nat exited with {rc} on SIGTERM:\n{self.log.tail()}")
        rc, t1 = wait_exit(spawn([self.netns_tool, "down", p["name"]], self.log))
        if rc != 0:
            raise BenchError(f"tsproxy-netns down exited with {rc}:\n{self.log.tail()}")
        return (t1 - t0) / 1e6

    def shell_up(self, p):
        return run([self.bash, os.path.join(self.a.shell_dir, "shell-up.sh"), p["name"], p["subnet"], p["host"],
                    p["ns"], p["prefix"], p["port"], p["uplink"]], self.log)

    def shell_down(self, p):
        return run([self.bash, os.path.join(self.a.shell_dir, "shell-down.sh"), p["name"], p["subnet"]], self.log)

    def snapshot(self, p):
        """What an instance looks like, with its own names and numbers replaced."""
        parts = []
        for argv in ([self.nft, "list", "table", "inet", f"tsproxy-{p['name']}"],
                     [self.ip, "-n", p["name"], "-4", "-o", "addr"],
                     [self.ip, "-n", p["name"], "-4", "route"],
                     [self.ip, "-n", p["name"], "-o", "link"],
                     [self.ip, "-4", "-o", "addr", "show", "dev", f"ts-{p['name']}"],
                     [self.ip, "-4", "rule", "list", "priority", "5200"]):
            rc, o = capture(argv, self.log)
            parts.append(o if rc == 0 else f"<{' '.join(argv)} failed>")
        with open(f"/proc/sys/net/ipv4/conf/ts-{p['name']}/forwarding") as f:
            parts.append("forwarding " + f.read())
        rc, o = capture([self.ip, "netns", "exec", p["name"], "cat", "/proc/sys/net/ipv4/tcp_tw_reuse"], self.log)
        parts.append("tcp_tw_reuse in the namespace " + (o if rc == 0 else "<unreadable>"))
        text = "\n".join(parts)
        # Only our own rule line; every instance's numbers and names become symbols.
        text = "\n".join(l for l in text.splitlines()
                         if not l.startswith("5200:") or p["subnet"] in l)
        for k in ("subnet", "host", "ns", "port"):
            text = re.sub(r"(?<![\d.])" + re.escape(p[k]) + r"(?![\d])", "<" + k + ">", text)
        text = text.replace(f"tsproxy-{p['name']}", "<table>").replace(f"ts-{p['name']}", "<host-if>")
        text = re.sub(r"\bflags owner\n?|\s*# progname \S+|\s# handle \d+", "", text)
        text = re.sub(r"if\d+|^\d+: |link-netns \S+|link-netnsid \d+|counter packets \d+ bytes \d+"
                      r"|link/ether \S+ brd \S+|valid_lft \S+|preferred_lft \S+|(?<=\\)\s+", "", text, flags=re.M)
        return "\n".join(l.rstrip() for l in text.splitlines() if l.strip())

    def compare_direct_shell(self, sd, ss, notes):
        for kind, text in (("helpers", sd), ("shell", ss)):
            with open(os.path.join(self.a.workdir, f"snapshot-{kind}.txt"), "w") as f:
                f.write(text + "\n")
        if sd == ss:
            notes.append("the helpers' and the shell sequence's result compared equal once per run "
                         "(nft table except 'flags owner', addresses, routes, links, ip rule, forwarding, "
                         "tcp_tw_reuse)")
            return
        diff = "\n".join(difflib.unified_diff(sd.splitlines(), ss.splitlines(), "helpers", "shell", lineterm="", n=0))
        notes.append("WARNING: the helpers and the shell sequence set up different things:\n" + diff)

    def row3(self, out, notes):
        reps = self.a.reps
        d_up = series(3, "helpers run directly: tsproxy-netns up, then tsproxy-nat until READY=1")
        s_up = series(3, "shell sequence: bench/shell-up.sh (12 ip/echo/sysctl steps + nft -f)")
        d_down = series(3, "helpers run directly: SIGTERM to tsproxy-nat, tsproxy-netns down")
        s_down = series(3, "shell sequence: bench/shell-down.sh (nft, ip rule, ip link, ip netns)")
        ref = series(3, "reference: tsproxy-netns --version, then tsproxy-nat --version (process starts)")
        out += [d_up, s_up, d_down, s_down, ref]
        for i in range(reps + 1):
            t = run([self.netns_tool, "--version"], self.log) + run([self.nat_tool, "--version"], self.log)
            if i > 0:
                ref["samples"].append(t)
        for i in range(reps + 1):
            # Alternate which goes first, so that neither always follows the other.
            for kind in ("ds" if i % 2 == 0 else "sd"):
                p = self.params(kind, i)
                up, down = (d_up, d_down) if kind == "d" else (s_up, s_down)
                if up["error"] or down["error"]:
                    continue
                try:
                    if kind == "d":
                        t, nat_pid = self.direct_up(p)
                    else:
                        t = self.shell_up(p)
                except BenchError as e:
                    up["error"] = str(e)
                    continue
                if i == 0:
                    if kind == "d":
                        sd = self.snapshot(p)
                    else:
                        ss = self.snapshot(p)
                else:
                    up["samples"].append(t)
                try:
                    t = self.direct_down(p, nat_pid) if kind == "d" else self.shell_down(p)
                    self.gone(p["name"])
                except BenchError as e:
                    down["error"] = str(e)
                    continue
                if i > 0:
                    down["samples"].append(t)
                time.sleep(SETTLE_S)
            if i == 0 and not d_up["error"] and not s_up["error"]:
                self.compare_direct_shell(sd, ss, notes)


def cmd_sandbox(a):
    out, notes = [], []
    # It makes namespaces, links, rules and tables in the network namespace it runs in.
    if os.uname().nodename != "tsproxy-sandbox":
        raise BenchError("'sandbox' runs only inside the test sandbox (bench/run.sh starts it there)")
    try:
        sb = Sandbox(a)
    except BenchError as e:
        json.dump({"series": [], "notes": [f"ERROR: {e}"]}, sys.stdout)
        return
    reps = a.reps

    t_up = series(2, "systemctl start tsproxy@N.target (ts-netns, ts-nat, fake tailscaled all active)")
    t_down = series(2, "systemctl stop ts-netns@N.service (that chain down again)")
    n_up = series(2, "systemctl start ts-nat@N.service (pulls ts-netns@N: namespace + veth + NAT)")
    n_down = series(2, "systemctl stop ts-netns@N.service (ts-nat@N, then ts-netns@N down)")
    out += [t_up, t_down, n_up, n_down]
    try:
        sb.write_configs([f"{p}{i}" for p in ("t", "n") for i in range(reps + 1)])
        sb.systemd_series("t", "tsproxy@{}.target", True, t_up, t_down)
        sb.systemd_series("n", "ts-nat@{}.service", False, n_up, n_down)
        ref = series(2, "reference: systemctl is-active init.scope (client start + one bus call)")
        out.append(ref)
        for i in range(reps + 1):
            t = run([sb.systemctl, "is-active", "--quiet", "init.scope"], sb.log)
            if i > 0:
                ref["samples"].append(t)
        floor = series(2, "reference: systemctl start of 2 trivial units (oneshot true, exec sleep; no sandbox)")
        out.append(floor)
        sb.floor_series(floor)
    except BenchError as e:
        notes.append(f"ERROR in the systemd rows: {e}")
    try:
        sb.row3(out, notes)
    except BenchError as e:
        notes.append(f"ERROR in the direct/shell rows: {e}")
    json.dump({"series": out, "notes": notes}, sys.stdout)


# --- the table -------------------------------------------------------------------------------


def stats(xs):
    s = sorted(xs)
    n = len(s)
    mid = s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2
    return {"n": n, "median": mid, "min": s[0], "p90": s[max(0, math.ceil(0.9 * n) - 1)], "max": s[-1]}


def fmt(v):
    return f"{v:.2f}" if v < 100 else f"{v:.1f}" if v < 1000 else f"{v:.0f}"


def cmd_table(a):
    meta = dict(kv.split("=", 1) for kv in a.meta)
    rows, notes = [], []  # (row number, series)
    for path in a.files:
        with open(path) as f:
            data = json.load(f)
        if isinstance(data, dict):
            notes += data.get("notes", [])
            data = data["series"]
        rows += [(str(s["row"]), s) for s in data]

    w = max(len(s["label"]) for _, s in rows)
    head = (f"{'row':<4}{'measurement':<{w}}  {'n':>3}  {'median':>8}  {'min':>8}  {'p90':>8}  {'max':>8}"
            f"  target")
    print(f"tsproxy bench, {meta.get('date', '?')} on {meta.get('machine', '?')}")
    print(f"build: {meta.get('build', '?')}; load average before the run: {meta.get('load', '?')}")
    print("times in ms, wall clock; n = timed repetitions, after 1 untimed warm-up; p90 by nearest rank")
    print()
    print(head)
    print("-" * len(head))
    med = {}
    for row, s in rows:
        label = s["label"]
        if s["error"] and not s["samples"]:
            print(f"{row:<4}{label:<{w}}  FAILED: {s['error'].splitlines()[0]}")
            for extra in s["error"].splitlines()[1:6]:
                print(f"{'':<4}{'':<{w}}    {extra}")
            continue
        st = stats(s["samples"])
        med[label] = st["median"]
        target = ""
        if s["target"]:
            target = s["target"] + (": met" if st["median"] < s["target_ms"] else ": NOT met")
        print(f"{row:<4}{label:<{w}}  {st['n']:>3}  {fmt(st['median']):>8}  {fmt(st['min']):>8}  "
              f"{fmt(st['p90']):>8}  {fmt(st['max']):>8}  {target}".rstrip())
        if s["error"]:
            print(f"{'':<4}{'':<{w}}  (stopped early: {s['error'].splitlines()[0]})")

    def find(prefix):
        return next((v for k, v in med.items() if k.startswith(prefix)), None)

    shell = find("shell sequence: bench/shell-up.sh")
    direct = find("helpers run directly: tsproxy-netns up")
    unit = find("systemctl start ts-nat@N.service")
    print()
    print("namespace + veth + NAT up, median over the shell sequence's median "
          "(target: under a third, < 0.33):")
    for what, v in (("helpers run directly / shell sequence", direct),
                    ("systemctl start ts-nat@N / shell sequence", unit)):
        if v is None or shell is None:
            print(f"  {what:<44} n/a (a series failed)")
        else:
            r = v / shell
            print(f"  {what:<44} {r:5.2f}  ({fmt(v)} ms / {fmt(shell)} ms)  {'met' if r < 1 / 3 else 'NOT met'}")
    floor = find("reference: systemctl start of 2 trivial units")
    if floor is not None and shell is not None:
        print(f"  {'(systemd floor: 2 trivial units / shell)':<44} {floor / shell:5.2f}  ({fmt(floor)} ms / "
              f"{fmt(shell)} ms)  no target: what systemd itself costs for two units, before any work")
    if notes:
        print()
        for n in notes:
            print("note: " + n.replace("\n", "\n      "))
    # Incomplete (a row could not be measured) is what the exit status reports; targets are not.
    return 1 if any(s["error"] for _, s in rows) or any(n.startswith("ERROR") for n in notes) else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("--generator", required=True)
    g.add_argument("--workdir", required=True)
    g.add_argument("--counts", type=lambda s: [int(x) for x in s.split(",")], default=[1, 100, 1000])
    g.add_argument("--reps", type=int, default=30)
    g.add_argument("--warmup", type=int, default=1)
    s = sub.add_parser("sandbox")
    s.add_argument("--libexec", required=True)
    s.add_argument("--shell-dir", required=True)
    s.add_argument("--workdir", required=True)
    s.add_argument("--reps", type=int, default=10)
    t = sub.add_parser("table")
    t.add_argument("--meta", action="append", default=[])
    t.add_argument("files", nargs="+")
    a = ap.parse_args()
    try:
        return {"gen": cmd_gen, "sandbox": cmd_sandbox, "table": cmd_table}[a.cmd](a) or 0
    except BenchError as e:
        print(f"bench.py: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
