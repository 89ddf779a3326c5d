#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""bench/proxy/driver.py: the orchestration and the table of bench/proxy.sh.

    driver.py run --bindir DIR [--tsproxy-socks PATH] --workdir DIR [options] > results.json
    driver.py table --meta KEY=VALUE ... results.json

`run` must be started inside a network namespace of its own (bench/proxy.sh does that
with unshare); it refuses to run in the host's. It starts proxy-target, then each row's
proxy in turn (none for "direct"), and drives proxy-load against it: two 1 GiB streams
(with the proxy's CPU time), the connection rate at 1, 64 and 512 clients, and the
proxy's memory with N idle connections. A row whose program is missing is recorded as
such; the other rows still run. `table` prints the side-by-side table and the targets.

The topology is tsproxy's own: the clients and the proxies in one namespace ("near"),
the target in another ("far", netns bench-far) behind a veth pair, as a tailnet peer sits
behind tailscale0. Clients reach the proxies on loopback; "direct" reaches the target
through the veth, as the proxies do.

Every phase gets its own "lane": client source addresses (the 250 addresses 127.K.0.1 to
127.K.0.250 towards a proxy; towards the target, for direct, the near veth's 10.99.1.1 to
10.99.1.250) and a target address 10.99.2.K (proxy-target listens on 0.0.0.0 in the far
namespace). TIME_WAIT sockets left by one phase then share no 4-tuple with the next, so a
row measured late is not slowed down by the ports its predecessors used. Within a phase,
successive connections take the 250 source addresses in turn (proxy-load --bind-count), as
clients on many tailnet hosts would: from one address, 10,000 connections a second leave
tens of thousands of TIME_WAIT sockets towards one destination, and connect()'s search for
a free port then costs the load generator more CPU than the proxy it measures uses.

Rows are data (ROWS): a relay table (issue 4) adds rows of kind "plain", which proxy-load
drives without SOCKS.
"""
import argparse
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time

TARGET_PORT = 9000
FAR_NETNS = "bench-far"   # made by bench/proxy/topology.sh
HEADER = struct.Struct("!c7xQ")
GIB = 1 << 30
MIB = 1 << 20


def die(msg):
    print(f"proxy bench: {msg}", file=sys.stderr)
    sys.exit(1)


def log(msg):
    print(f"proxy bench: {msg}", file=sys.stderr, flush=True)


# --- the topology (bench/proxy/topology.sh made it) --------------------------------------------

class Topology:
    """Where each program runs and which addresses it uses, in one of topology.sh's modes.

    production: proxy-load in bench-client; tsproxy's listening sockets in the caller's
    namespace ("host"), the daemon itself in bench-inst (nsenter, as the units'
    NetworkNamespacePath=), with its units' defaults (Egress=tailnet through tailscale0);
    the peers listen inside bench-inst; proxy-target in bench-far, behind tailscale0.
    one-namespace: the client and every proxy in the caller's namespace, on loopback, with
    --egress any; proxy-target in bench-far behind a veth."""

    def __init__(self, mode):
        self.mode = mode
        self.production = mode == "production"
        prod = self.production
        self.client = ["ip", "netns", "exec", "bench-client"] if prod else []
        self.inst = ["ip", "netns", "exec", "bench-inst"] if prod else []
        self.daemon_ns = ["nsenter", "--net=/run/netns/bench-inst"] if prod else []
        self.allow_from = "10.98.0.0/16" if prod else "127.0.0.0/8"
        # Egress=tailnet and tailscale0 are the daemons' (and units') defaults
        self.egress = [] if prod else ["--egress", "any"]
        self.listen_any = "0.0.0.0" if prod else "127.0.0.1"
        self.external = "100.64.0.1" if prod else "10.99.0.1"
        self.probe_target = ("100.80.0.250" if prod else "10.99.0.2", TARGET_PORT)

    def target(self, k):
        return (f"100.80.0.{k}" if self.production else f"10.99.2.{k}", TARGET_PORT)

    def sources(self, k):
        """proxy-load's source addresses for lane k, towards a proxy."""
        n = os.environ.get("BENCH_SOURCES", "250")
        if self.production:
            return ["--bind", "10.98.1.1", "--bind-count", n]
        return ["--bind", f"127.{k}.0.1", "--bind-count", n]

    def direct_sources(self):
        n = os.environ.get("BENCH_SOURCES", "250")
        return ["--bind", "10.98.1.1" if self.production else "10.99.1.1", "--bind-count", n]

    def host_address(self, k):
        """The address clients of lane k reach a listening socket of the host namespace at."""
        return f"10.98.2.{k}" if self.production else "127.0.0.1"

    def inst_address(self, k):
        """The address clients of lane k reach a peer listening in the instance namespace at."""
        return f"10.97.2.{k}" if self.production else "127.0.0.1"

    def address(self, row, k):
        return self.host_address(k) if row.get("where", "inst") == "host" else self.inst_address(k)


# What socks@.service and ts-relay@.service give the daemons besides their arguments:
# WatchdogSec=4s (the daemons then run a heartbeat timer in every worker; no
# NOTIFY_SOCKET here, so the pings go nowhere).
UNIT_ENV = ["-E", "WATCHDOG_USEC=4000000"]

TOPO = Topology("production")  # replaced by cmd_run/cmd_callgrind from --topology


# --- processes ------------------------------------------------------------------------------

def proc_table():
    """{pid: (ppid, cpu_ticks incl. reaped children, rss_kib, pss_kib)} for every process."""
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
            with open(f"/proc/{name}/status") as f:
                status = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        # after "pid (comm) ": state ppid ... utime(11) stime(12) cutime(13) cstime(14)
        ppid = int(fields[1])
        ticks = sum(int(x) for x in fields[11:15])
        rss = pss = 0
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
        try:
            with open(f"/proc/{name}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss = int(line.split()[1])
        except OSError:
            pass
        table[int(name)] = (ppid, ticks, rss, pss)
    return table


def tree(pid):
    """pid and all its descendants: (number of processes, cpu seconds, rss bytes, pss bytes)."""
    table = proc_table()
    members, todo = set(), [pid]
    while todo:
        p = todo.pop()
        if p in members or p not in table:
            continue
        members.add(p)
        todo.extend(c for c, v in table.items() if v[0] == p)
    hz = os.sysconf("SC_CLK_TCK")
    return (len(members), sum(table[p][1] for p in members) / hz,
            sum(table[p][2] for p in members) * 1024, sum(table[p][3] for p in members) * 1024)


def stop(proc):
    """SIGTERM the proxy and every process under it (dante forks), then SIGKILL stragglers."""
    if proc is None or proc.poll() is not None:
        return
    table = proc_table()
    members, todo = [], [proc.pid]
    while todo:
        p = todo.pop()
        members.append(p)
        todo.extend(c for c, v in table.items() if v[0] == p)
    for p in members:
        try:
            os.kill(p, signal.SIGTERM)
        except ProcessLookupError:
            pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass
    for p in members:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait()


# --- the target protocol (bench/proxy/util.h), for the readiness probe -----------------------

def probe(row, proxy_addr, target, timeout=10.0):
    """One request/reply through the proxy; returns None or the last error."""
    deadline, err = time.monotonic() + timeout, "no attempt"
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(proxy_addr, timeout=2) as s:
                if row["kind"] == "socks":
                    s.sendall(b"\x05\x01\x00")
                    if recv_exact(s, 2) != b"\x05\x00":
                        raise OSError("unexpected SOCKS method selection")
                    s.sendall(b"\x05\x01\x00\x01" + socket.inet_aton(target[0]) +
                              struct.pack("!H", target[1]))
                    head = recv_exact(s, 4)
                    if head[1] != 0:
                        raise OSError(f"SOCKS reply code {head[1]}")
                    recv_exact(s, {1: 6, 4: 18}.get(head[3], 0) or 0)
                s.sendall(HEADER.pack(b"R", 1))
                recv_exact(s, 1)
                return None
        except OSError as e:
            err = str(e) or type(e).__name__
            time.sleep(0.1)
    return err


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise OSError("connection closed")
        buf += chunk
    return buf


# --- the rows ---------------------------------------------------------------------------------

def dante_config(workdir, port):
    path = os.path.join(workdir, "danted.conf")
    with open(path, "w") as f:
        f.write(f"""# written by bench/proxy/driver.py: SOCKS5, no authentication, out through the target's link
logoutput: {workdir}/danted.log
internal: {TOPO.listen_any} port = {port}
external: {TOPO.external}
socksmethod: none
clientmethod: none
user.privileged: root
user.unprivileged: nobody
client pass {{
        from: 0.0.0.0/0 to: 0.0.0.0/0
}}
socks pass {{
        from: 0.0.0.0/0 to: 0.0.0.0/0
        command: connect
}}
""")
    return path


def rows_proxy(args):
    """The proxy table of issue 3: name, kind, port and a function giving argv (or why not)."""
    def tsproxy(port):
        if not args.tsproxy_socks:
            return None, "not built"
        # Under SCHED_BATCH, as socks@.service runs it (CPUSchedulingPolicy=batch); the peers
        # run as their packages run them.
        return ["systemd-socket-activate", "-l", f"{TOPO.listen_any}:{port}"] + UNIT_ENV + TOPO.daemon_ns + [
                "chrt", "--batch", "0", args.tsproxy_socks, "bench"] + TOPO.egress + [
                "--allow-from", TOPO.allow_from, "--max-connections", "20000"], None

    def microsocks(port):
        return TOPO.inst + ["microsocks", "-i", TOPO.listen_any, "-p", str(port)], None

    def dante(port):
        conf = dante_config(args.workdir, port)
        return TOPO.inst + ["danted", "-f", conf, "-p", os.path.join(args.workdir, "danted.pid")], None

    return [
        {"name": "direct", "kind": "direct", "peer": False, "port": None, "argv": None},
        {"name": "tsproxy-socks", "kind": "socks", "peer": False, "port": 1080, "argv": tsproxy, "where": "host"},
        {"name": "microsocks", "kind": "socks", "peer": True, "port": 1081, "argv": microsocks},
        {"name": "dante", "kind": "socks", "peer": True, "port": 1082, "argv": dante},
    ]


def rows_relay(args):
    """The relay table of issue 4: plain TCP relays from a port to the target, driven without
    SOCKS. Each phase gets a fresh relay process whose fixed target is that phase's lane
    (see measure_plain_row): argv(port, target) gives its command line (or why not)."""
    def tsproxy(port, target, addr):
        if not args.tsproxy_relay:
            return None, "not built"
        listen = f"{addr}:{port}"
        return ["systemd-socket-activate", "-l", listen] + UNIT_ENV + TOPO.daemon_ns + [
                args.tsproxy_relay, "bench", "--forward", f"tcp:{listen}={target[0]}:{target[1]}"] + TOPO.egress + [
                "--allow-from", TOPO.allow_from, "--max-connections", "10100"], None

    def socat(port, target, addr):
        # backlog=1024: socat's default of 5 would drop SYNs from 64 or 512 clients.
        return TOPO.inst + ["socat", f"TCP-LISTEN:{port},bind={addr},fork,reuseaddr,backlog=1024",
                f"TCP:{target[0]}:{target[1]}"], None

    def proxyd(port, target, addr):
        # --connections-max: its default of 256 would refuse the 512 clients and the idle ones.
        return TOPO.inst + ["systemd-socket-activate", "-l", f"{addr}:{port}", SOCKET_PROXYD,
                "--connections-max=20000", f"{target[0]}:{target[1]}"], None

    return [
        {"name": "tsproxy-relay", "kind": "plain", "table": "relay", "peer": False, "port": 1100,
         "argv": tsproxy, "where": "host"},
        {"name": "socat", "kind": "plain", "table": "relay", "peer": True, "port": 1200, "argv": socat,
         "idle": False},
        # It holds its two pipes per connection: 6 descriptors each.
        {"name": "socket-proxyd", "kind": "plain", "table": "relay", "peer": True, "port": 1300,
         "argv": proxyd, "fds": 6},
    ]


SOCKET_PROXYD = "/lib/systemd/systemd-socket-proxyd"


class Lanes:
    def __init__(self):
        self.k = 0

    def next(self):
        self.k += 1
        if self.k > 250:
            raise RuntimeError("out of lanes")
        return self.k, TOPO.target(self.k)


def source_args(k):
    """proxy-load's source addresses for lane k, towards a proxy."""
    return TOPO.sources(k)


def load_args(row, lane):
    k, target = lane
    if row["kind"] == "direct":
        return TOPO.direct_sources() + ["--connect", f"{target[0]}:{target[1]}"]
    args = source_args(k) + ["--connect", f"{TOPO.address(row, k)}:{row['port']}"]
    if row["kind"] == "socks":
        args += ["--socks", f"{target[0]}:{target[1]}"]
    return args


# A run during which the hypervisor ran something else on our vCPUs for more than this
# share of the machine's CPU time (steal) is measured again, up to STEAL_TRIES times.
STEAL_LIMIT = float(os.environ.get("BENCH_STEAL_LIMIT", "0.05"))
STEAL_TRIES = 3


def machine_ticks():
    """(steal, all) CPU ticks of the whole machine so far, from /proc/stat."""
    with open("/proc/stat") as f:
        ticks = [int(x) for x in f.readline().split()[1:9]]  # user nice system idle iowait irq softirq steal
    return ticks[7], sum(ticks)


def steal_guarded(res, name, attempt):
    """attempt() measures once, on a lane of its own (a result dict, or None when it failed
    and has noted why). On these shared VMs a minute now and then belongs to another guest:
    the hypervisor's steal time rises to a third of the CPU and the cell says nothing about
    the proxy. So attempt() runs again, up to STEAL_TRIES times, while the steal during it
    was above STEAL_LIMIT; the run with the least steal is returned, its share in "steal".
    res counts the attempts ("runs") and the runs made again ("retried"), and notes a cell
    that found no quiet moment."""
    best = None
    for n in range(STEAL_TRIES):
        if n > 0:
            res["retried"] = res.get("retried", 0) + 1
        s0, t0 = machine_ticks()
        r = attempt()
        s1, t1 = machine_ticks()
        res["runs"] = res.get("runs", 0) + 1
        if r is None:
            return None
        r["steal"] = (s1 - s0) / max(1, t1 - t0)
        if best is None or r["steal"] < best["steal"]:
            best = r
        if r["steal"] <= STEAL_LIMIT:
            break
    if best["steal"] > STEAL_LIMIT:
        res.setdefault("steal_notes", []).append(
            f"{name.replace('_', ' ')}: {best['steal'] * 100:.0f} % of the CPU time stolen in the best of "
            f"{STEAL_TRIES} tries")
    return best


def run_load(load, argv, timeout):
    p = subprocess.run(TOPO.client + [load] + argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(p.stderr.strip().splitlines()[-1] if p.stderr.strip() else f"exit {p.returncode}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def median_run(runs, key):
    """Of repeated runs of one cell, the run with the median value of key (the upper one
    of an even count): its other numbers (latencies) stay those of the same run."""
    return sorted(runs, key=lambda r: r[key])[len(runs) // 2]


def repeat_cell(args, run_once, key):
    """run_once() args.repeat times; the median run by key, or None when a run failed
    (run_once() returns None and has noted why)."""
    runs = []
    for _ in range(args.repeat):
        r = run_once()
        if not r:
            return None
        runs.append(r)
    return median_run(runs, key)


def stream_argv(args, direction):
    return ["stream", f"--{direction}", "--bytes", str(args.bytes)]


def rate_argv(args, clients):
    return ["rate", "--clients", str(clients), "--seconds", str(args.seconds), "--warmup", str(args.warmup)]


def hold_idle(res, load, proc, count, load_argv, who):
    """count idle connections through proc (proxy-load idle), its memory measured while
    they are held; results or the error go into res. who: "proxy" or "relay"."""
    idle = subprocess.Popen(TOPO.client + [load, "idle", "--count", str(count), "--parallel", "128", "--timeout", "60"] + load_argv,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = json.loads(idle.stdout.readline() or "{}")
        if first.get("established") == count and not first.get("timeout"):
            time.sleep(0.5)  # let lazily freed memory settle
            n, _, rss, pss = tree(proc.pid)
            res["idle_rss"], res["idle_pss"], res["idle_processes"] = rss, pss, n
            idle.send_signal(signal.SIGTERM)
            last = json.loads(idle.stdout.readline() or "{}")
            if last.get("closed_early"):
                res["idle_note"] = f"the {who} closed {last['closed_early']} idle connections"
        else:
            res["idle_error"] = (f"only {first.get('established', 0)} of {count} connections: "
                                 f"{first.get('error') or idle.stderr.read().strip()}")
    finally:
        if idle.poll() is None:
            idle.kill()
        idle.wait()


def measure_row(args, row, proc, lanes):
    res = {}
    load = os.path.join(args.bindir, "proxy-load")

    def run_once(name, load_argv, timeout):
        def attempt():
            try:
                return run_load(load, load_argv + load_args(row, lanes.next()), timeout=timeout)
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                res[f"{name}_error"] = str(e)
                return None
        return steal_guarded(res, name, attempt)

    # streams, with the proxy's CPU time around them (and the runs made, retries included)
    cpu0 = tree(proc.pid)[1] if proc else None
    for direction in ("up", "down"):
        log(f"{row['name']}: stream {direction}, {args.bytes >> 20} MiB, {args.repeat} times")
        r = repeat_cell(args, lambda: run_once(f"stream_{direction}", stream_argv(args, direction), 180),
                        "bytes_per_second")
        if r:
            res[f"stream_{direction}"] = r["bytes_per_second"]
    if proc and "stream_up" in res and "stream_down" in res:
        res["cpu_per_gib"] = (tree(proc.pid)[1] - cpu0) / (res["runs"] * args.bytes / GIB)

    for clients in args.clients:
        log(f"{row['name']}: rate, {clients} client{'s' if clients != 1 else ''}, {args.seconds:g} s, "
            f"{args.repeat} times")
        r = repeat_cell(args, lambda: run_once(f"rate_{clients}", rate_argv(args, clients),
                                               args.seconds + args.warmup + 30), "per_second")
        if r:
            res[f"rate_{clients}"] = r

    if proc and args.idle_phase == "yes":
        log(f"{row['name']}: {args.idle} idle connections")
        hold_idle(res, load, proc, args.idle, load_args(row, lanes.next()), "proxy")
    return res


def start_plain(args, row, port, target):
    """Start row's relay on port towards target and wait until it answers: (proc, None) or
    (None, why not)."""
    addr = TOPO.address(row, port - row["port"])
    argv, why = row["argv"](port, target, addr)
    if argv is None:
        return None, why
    prog = main_program(argv)
    if not shutil_which(prog):
        return None, f"{prog} not installed"
    logf = open(os.path.join(args.workdir, f"{row['name']}-{port}.log"), "w")
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf, start_new_session=True)
    logf.close()
    err = probe(row, (addr, port), target)
    if err:
        stop(proc)
        return None, f"did not answer: {err}"
    return proc, None


def measure_plain_row(args, row, lanes):
    """measure_row() for a relay of the relay table: the target of a relay is fixed when it
    starts, so each phase (lane) gets a relay of its own, started before and stopped after it.
    CPU per GiB sums the two stream relays; idle memory is the idle phase's relay."""
    res, cpu = {}, 0.0
    load = os.path.join(args.bindir, "proxy-load")

    def phase(name, load_argv, timeout, after=None):
        """One run on a fresh lane with a fresh relay (steal_guarded); r["after"] is
        after(proc) of that run's relay."""
        def attempt():
            k, target = lanes.next()
            proc, why = start_plain(args, row, row["port"] + k, target)
            if proc is None:
                res.setdefault("missing", why)
                log(f"{row['name']}: {why}")
                return None
            try:
                lane_args = source_args(k) + ["--connect", f"{TOPO.address(row, k)}:{row['port'] + k}"]
                r = run_load(load, load_argv + lane_args, timeout=timeout)
                if after:
                    r["after"] = after(proc)
                return r
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                res[f"{name}_error"] = str(e)
                return None
            finally:
                stop(proc)
        return steal_guarded(res, name, attempt)

    def stream_phase(name, load_argv, cpu_at):
        r = phase(name, load_argv, 180, after=lambda p: tree(p.pid)[1])
        if r:
            cpu_at.append(r["after"])
        return r

    for direction in ("up", "down"):
        log(f"{row['name']}: stream {direction}, {args.bytes >> 20} MiB, {args.repeat} times")
        cpu_at = []
        r = repeat_cell(args, lambda: stream_phase(f"stream_{direction}", stream_argv(args, direction), cpu_at),
                        "bytes_per_second")
        if "missing" in res:
            return res
        if r:
            res[f"stream_{direction}"] = r["bytes_per_second"]
            cpu += sum(cpu_at)
    if "stream_up" in res and "stream_down" in res:
        res["cpu_per_gib"] = cpu / (2 * args.repeat * args.bytes / GIB)

    for clients in args.clients:
        log(f"{row['name']}: rate, {clients} client{'s' if clients != 1 else ''}, {args.seconds:g} s, "
            f"{args.repeat} times")
        r = repeat_cell(args, lambda: phase(f"rate_{clients}", rate_argv(args, clients),
                                            args.seconds + args.warmup + 30), "per_second")
        if r:
            res[f"rate_{clients}"] = r

    if args.idle_phase != "yes":
        return res
    if not row.get("idle", True):
        res["idle_skipped"] = "a process per connection: 10,000 idle connections would be 10,000 processes"
        return res
    count = min(args.idle, (args.nofile - 100) // row.get("fds", 2))
    if count < args.idle:
        res["idle_note"] = (f"idle with {count:,} connections, not {args.idle:,}: it holds {row['fds']} "
                            f"descriptors per connection and RLIMIT_NOFILE is {args.nofile}")
    log(f"{row['name']}: {count} idle connections")
    k, target = lanes.next()
    proc, why = start_plain(args, row, row["port"] + k, target)
    if proc is None:
        res["idle_error"] = why
        return res
    try:
        hold_idle(res, load, proc, count, source_args(k) + ["--connect", f"{TOPO.address(row, k)}:{row['port'] + k}"],
                  "relay")
    finally:
        stop(proc)
    return res


def cmd_run(args):
    global TOPO
    TOPO = Topology(args.topology)
    if os.stat("/proc/self/ns/net").st_ino == args.host_netns:
        die("refusing to run in the host's network namespace (use bench/proxy.sh)")
    target = subprocess.Popen(["ip", "netns", "exec", FAR_NETNS, os.path.join(args.bindir, "proxy-target"),
                               "--listen", f"0.0.0.0:{TARGET_PORT}"], stdout=subprocess.PIPE, text=True)
    results = {"idle": args.idle, "bytes": args.bytes, "seconds": args.seconds, "warmup": args.warmup,
               "clients": args.clients, "nofile": args.nofile, "repeat": args.repeat, "rows": []}
    lanes = Lanes()
    try:
        if target.stdout.readline().strip() != "ready":
            die("proxy-target did not start")
        for row in rows_proxy(args) + rows_relay(args):
            if args.only and row["name"] not in args.only:
                continue
            entry = {"name": row["name"], "peer": row["peer"], "kind": row["kind"],
                     "table": row.get("table", "proxy")}
            results["rows"].append(entry)
            if row["kind"] == "plain":
                entry.update(measure_plain_row(args, row, lanes))
                continue
            proc = None
            if row["argv"]:
                argv, why = row["argv"](row["port"])
                if argv is None:
                    entry["missing"] = why
                    log(f"{row['name']}: {why}")
                    continue
                if not shutil_which(main_program(argv)):
                    entry["missing"] = f"{main_program(argv)} not installed"
                    log(f"{row['name']}: {entry['missing']}")
                    continue
                logf = open(os.path.join(args.workdir, f"{row['name']}.log"), "w")
                proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
                                        start_new_session=True)
                logf.close()
                err = probe(row, (TOPO.address(row, 1), row["port"]), TOPO.probe_target)
                if err:
                    stop(proc)
                    with open(os.path.join(args.workdir, f"{row['name']}.log")) as f:
                        for line in f.read().splitlines()[-5:]:
                            log(f"{row['name']} log: {line}")
                    entry["missing"] = f"did not answer: {err}"
                    log(f"{row['name']}: {entry['missing']}")
                    continue
            try:
                entry.update(measure_row(args, row, proc, lanes))
            finally:
                stop(proc)
    finally:
        target.kill()
        target.wait()
    json.dump(results, sys.stdout, indent=1)
    print()


def main_program(argv):
    """The program a proxy's command line runs, past the wrappers (ip netns exec NS,
    systemd-socket-activate -l ADDR [-E VAR=VALUE], nsenter --net=NS, chrt --batch 0)."""
    skip = {"ip": 4, "systemd-socket-activate": 3, "nsenter": 2, "chrt": 3}
    i = 0
    while i < len(argv) and (os.path.basename(argv[i]) in skip or argv[i] == "-E"):
        i += 2 if argv[i] == "-E" else skip[os.path.basename(argv[i])]
    return argv[i]


def shutil_which(name):
    import shutil
    return shutil.which(name)


# --- the table --------------------------------------------------------------------------------

def fmt_ms(us):
    ms = us / 1000
    if ms < 1:
        return f"{ms:.3f}"
    if ms < 10:
        return f"{ms:.2f}"
    if ms < 100:
        return f"{ms:.1f}"
    return f"{ms:.0f}"


def print_header(clients):
    """The two heading lines of a table (proxy or relay)."""
    head1 = f"{'':15} {'stream MB/s':>15}"
    head2 = f"{'proxy':15} {'up':>7} {'down':>7}"
    for c in clients:
        label = f"{c} client{'s' if c != 1 else ''}"
        head1 += f"  {label:^23}"
        head2 += f"  {'conn/s':>7} {'p50':>7} {'p99':>7}"
    head1 += f"  {'idle, MiB':^17} {'CPU s':>7}"
    head2 += f"  {'RSS':>8} {'PSS':>8} {'per GiB':>7}"
    print(head1)
    print(head2)
    print("-" * len(head2))


def print_rows(rows, clients, problems):
    """One line per row; what could not be measured goes to problems."""
    for r in rows:
        name = r["name"] + (" (limit)" if r["kind"] == "direct" else "")
        if "missing" in r:
            print(f"{name:15} {r['missing']}")
            problems.append(f"{r['name']}: {r['missing']}")
            continue
        line = f"{name:15}"
        for d in ("up", "down"):
            v = r.get(f"stream_{d}")
            line += f" {v / 1e6:7.0f}" if v is not None else f" {'FAILED':>7}"
            if v is None:
                problems.append(f"{r['name']}: stream {d}: {r.get(f'stream_{d}_error')}")
        for c in clients:
            cell = r.get(f"rate_{c}")
            if cell and cell["connections"] > 0:
                line += f"  {cell['per_second']:7.0f} {fmt_ms(cell['p50_us']):>7} {fmt_ms(cell['p99_us']):>7}"
                if cell["errors"]:
                    problems.append(f"note: {r['name']}, {c} client{'s' if c != 1 else ''}: {cell['errors']} failed cycles "
                                    f"({cell['error']}), not counted")
            else:
                line += f"  {'FAILED':>7} {'':7} {'':7}"
                problems.append(f"{r['name']}: rate at {c} client{'s' if c != 1 else ''}: "
                                f"{r.get(f'rate_{c}_error') or (cell and cell['error']) or 'no connection'}")
        if r["kind"] == "direct":
            line += f"  {'-':>8} {'-':>8} {'-':>7}"
        else:
            rss = r.get("idle_rss")
            if r.get("idle_skipped"):
                line += f"  {'-':>8} {'-':>8}"
                problems.append(f"note: {r['name']}: idle not measured: {r['idle_skipped']}")
            else:
                line += f"  {rss / MIB:8.1f} {r['idle_pss'] / MIB:8.1f}" if rss is not None else f"  {'FAILED':>17}"
            if rss is None and not r.get("idle_skipped"):
                problems.append(f"{r['name']}: idle: {r.get('idle_error')}")
            cpu = r.get("cpu_per_gib")
            line += f" {cpu:7.2f}" if cpu is not None else f" {'-':>7}"
        print(line)
        if r.get("idle_processes", 1) > 1:
            problems.append(f"note: {r['name']} ran as {r['idle_processes']} processes with the idle connections; "
                            f"RSS counts their shared pages once per process, PSS divides them")
        if r.get("idle_note"):
            problems.append(f"note: {r['name']}: {r['idle_note']}")
        if r.get("retried"):
            problems.append(f"note: {r['name']}: {r['retried']} of {r['runs']} runs measured again: the hypervisor took "
                            f"more than {STEAL_LIMIT * 100:.0f} % of the CPU time (steal) during them")
        for n in r.get("steal_notes", []):
            problems.append(f"note: {r['name']}, {n}")


def by_round(row, key, others, percent=False):
    """Row's value of key over the best of the others' in the same round, round by round:
    "  rounds: 1.52 1.61 1.70" (or percentages), or "" with fewer than two rounds."""
    mine = row.get(f"{key}_rounds") or []
    theirs = [o.get(f"{key}_rounds") for o in others if o]
    theirs = [t for t in theirs if t and len(t) == len(mine)]
    if len(mine) < 2 or not theirs:
        return ""
    best = [max(t[i] for t in theirs) for i in range(len(mine))]
    if percent:
        return "  rounds: " + " ".join(f"{m / b * 100:.0f}" if b else "-" for m, b in zip(mine, best)) + " %"
    return "  rounds: " + " ".join(f"{m / b:.2f}" if b else "-" for m, b in zip(mine, best))


def print_relay_table(res, relay_rows, direct, clients, problems):
    """The relay table of issue 4 (tsproxy-relay, socat, systemd-socket-proxyd; direct as in
    the proxy table) and its targets, against direct and socket-proxyd."""
    print("relay table (issue 4): plain TCP relays to the target (tsproxy-relay's socket in the host namespace, "
          "the peers' in the instance namespace; in one-namespace mode on 127.0.0.1), each phase with a relay of its "
          "own; rate: connect, 16-byte request, 64-byte reply, close")
    print()
    print_header(clients)
    print_rows(([direct] if direct else []) + relay_rows, clients, problems)
    print()
    rows = {r["name"]: r for r in relay_rows}
    ts, proxyd = rows.get("tsproxy-relay"), rows.get("socket-proxyd")

    def rate(r, c):
        cell = r.get(f"rate_{c}") if r else None
        return cell["per_second"] if cell and cell["connections"] > 0 else None

    def verdict(ok):
        return "met" if ok else "NOT met"

    print("tsproxy-relay against direct and systemd-socket-proxyd (targets of issues 4 and 19):")
    if not ts or "missing" in ts:
        print(f"  not measured: tsproxy-relay {ts['missing'] if ts else 'has no row'}")
        return
    for d in ("up", "down"):
        v, dv = ts.get(f"stream_{d}"), direct.get(f"stream_{d}") if direct else None
        if v is None or dv is None:
            print(f"  throughput {d:4} >= 80% of direct: not measured")
        else:
            print(f"  throughput {d:4} >= 80% of direct             {v / dv * 100:6.1f} %  "
                  f"({v / 1e6:.0f} / {dv / 1e6:.0f} MB/s)  {verdict(v >= 0.8 * dv)}"
                  f"{by_round(ts, f'stream_{d}', [direct], percent=True)}")
    for c in clients:
        v, pv = rate(ts, c), rate(proxyd, c)
        want = ">= 1.5 x socket-proxyd  "
        label = f"conn/s at {c:3} client{'s' if c != 1 else ' '} {want}"
        if v is None or pv is None:
            print(f"  {label}: not measured")
            continue
        ok = v >= 1.5 * pv
        print(f"  {label}{v / pv:6.2f} x  ({v:.0f}/s against {pv:.0f}/s)  {verdict(ok)}"
              f"{by_round(ts, f'rate_{c}', [proxyd])}")
    print()


def cmd_table(args):
    with open(args.results) as f:
        res = json.load(f)
    meta = dict(m.split("=", 1) for m in args.meta)
    clients = res["clients"]
    problems = []
    # The relay table (issue 4) is printed after the proxy table, with the same direct row.
    relay_rows = [r for r in res["rows"] if r.get("table") == "relay"]
    res["rows"] = [r for r in res["rows"] if r.get("table") != "relay"]

    print(f"tsproxy proxy bench, {meta.get('date', '?')} on {meta.get('machine', '?')}")
    print(f"build: {meta.get('build', '?')}; load average before the run: {meta.get('load', '?')}")
    if meta.get("topology", "production") == "production":
        print("production topology (bench/proxy/topology.sh): proxy-load in a client namespace -> veth -> "
              "tsproxy's listening sockets in the host namespace, the daemons in the instance namespace "
              "(Egress=tailnet, out through a veth named tailscale0, WatchdogSec=4s); the peers listen inside the "
              "instance namespace (the host forwards) -> tailscale0 -> proxy-target; direct: client -> host -> "
              "instance -> tailscale0 -> target, forwarded")
    else:
        print("one-namespace topology: proxy-load and the proxies (loopback between them, --egress any) -> veth -> "
              "proxy-target")
    if "tcp" in meta:
        # bbr paces every flow (with no fq qdisc, by the kernel's own timers): a proxied
        # stream is two paced flows in a row, a direct one is one (bench/README.md).
        print(f"TCP: {meta['tcp']}")
    rep, rounds = res.get("repeat", 1), res.get("rounds", 1)
    runs = f" (in each round the median of {rep} runs)" if rep > 1 else ""
    print(f"each stream and rate cell: the median of {rounds} round{'s' if rounds != 1 else ''}{runs}; a round "
          f"measures every row once, in table order, the next round in reverse order;")
    print("every row of a round in network namespaces of its own, each run on a fresh lane (and for a relay a "
          "fresh relay); 'rounds:' under a table gives a target's ratio in each round")
    print(f"steal: a run during which the hypervisor took more than {STEAL_LIMIT * 100:.0f} % of the machine's CPU "
          f"time (/proc/stat) is made again on a fresh lane, up to {STEAL_TRIES} times; the run with the least "
          f"steal counts")
    print(f"stream: one {res['bytes'] / GIB:g} GiB TCP stream each way, MB/s (10^6 bytes); "
          f"CPU: the proxy's processes (user + system) during both streams, per GiB")
    print(f"rate: each client loops connect, SOCKS5 greeting, CONNECT, 16-byte request, 64-byte reply, "
          f"close; {res['seconds']:g} s per cell after {res['warmup']:g} s warm-up; latency of the cycle in ms")
    print("tsproxy-socks runs under SCHED_BATCH, as socks@.service runs it (CPUSchedulingPolicy=batch); "
          "the peers as their packages run them")
    idle_note = "" if res["idle"] >= 10000 else \
        f" (10,000 wanted: RLIMIT_NOFILE here is {res['nofile']}, a proxy needs 2 fds per connection)"
    print(f"idle: VmRSS and PSS summed over the proxy's processes with {res['idle']:,} idle connections "
          f"through it{idle_note}")
    print()

    print_header(clients)
    rows = {r["name"]: r for r in res["rows"]}
    print_rows(res["rows"], clients, problems)
    print()

    # --- the targets of issue 3 ---
    ts, direct = rows.get("tsproxy-socks"), rows.get("direct")
    peers = [r for r in res["rows"] if r["peer"] and "missing" not in r]
    print("tsproxy-socks against direct and the best peer (targets of issues 3 and 19):")
    if not ts or "missing" in ts:
        print(f"  not measured: tsproxy-socks {ts['missing'] if ts else 'has no row'}")
    else:
        def best(key):
            vals = [(p[key], p["name"]) for p in peers if p.get(key) is not None]
            return max(vals) if vals else (None, None)

        def rate(r, c):
            cell = r.get(f"rate_{c}")
            return cell["per_second"] if cell and cell["connections"] > 0 else None

        def verdict(ok):
            return "met" if ok else "NOT met"

        for d in ("up", "down"):
            v, dv = ts.get(f"stream_{d}"), direct.get(f"stream_{d}") if direct else None
            if v is None or dv is None:
                print(f"  throughput {d:4} >= 80% of direct: not measured")
            else:
                print(f"  throughput {d:4} >= 80% of direct           {v / dv * 100:6.1f} %  "
                      f"({v / 1e6:.0f} / {dv / 1e6:.0f} MB/s)  {verdict(v >= 0.8 * dv)}"
                      f"{by_round(ts, f'stream_{d}', [direct], percent=True)}")
            bv, bn = best(f"stream_{d}")
            if v is None or bv is None:
                print(f"  throughput {d:4} above every peer: not measured")
            else:
                print(f"  throughput {d:4} above every peer           {v / bv:6.2f} x  "
                      f"({v / 1e6:.0f} MB/s against {bn} {bv / 1e6:.0f})  {verdict(v > bv)}"
                      f"{by_round(ts, f'stream_{d}', peers)}")
        for c in clients:
            v = rate(ts, c)
            pv = [(rate(p, c), p["name"]) for p in peers if rate(p, c) is not None]
            factor = 1.2 if c == 1 else 1.5
            want = ">= 1.2 x the best peer " if c == 1 else ">= 1.5 x the best peer "
            label = f"conn/s at {c:3} client{'s' if c != 1 else ' '} {want}"
            if v is None or not pv:
                print(f"  {label}: not measured")
                continue
            bv, bn = max(pv)
            ok = v >= factor * bv
            print(f"  {label}{v / bv:6.2f} x  ({v:.0f}/s against {bn} {bv:.0f}/s)  {verdict(ok)}"
                  f"{by_round(ts, f'rate_{c}', peers)}")
        rss = ts.get("idle_rss")
        if rss is None:
            print("  RSS with 10,000 idle connections < 64 MiB: not measured")
        else:
            scaled = rss * 10000 / res["idle"]
            how = "" if res["idle"] == 10000 else f", scaled linearly from {res['idle']:,}"
            print(f"  RSS with 10,000 idle connections < 64 MiB   {scaled / MIB:6.1f} MiB{how}  "
                  f"{verdict(scaled < 64 * MIB)}")
    print()
    if relay_rows:
        print_relay_table(res, relay_rows, rows.get("direct"), clients, problems)
    print()
    for p in dict.fromkeys(problems):  # the direct row is in both tables: its notes once
        print(p if p.startswith("note:") else f"not measured: {p}")
    sys.exit(1 if any(not p.startswith("note:") for p in problems) else 0)


# --- instructions per connection (callgrind) -------------------------------------------------

ECHO_BYTES = 1024


def cmd_cycles(args):
    """count sequential cycles from this namespace: connect, SOCKS5 handshake (with --socks),
    an echo of ECHO_BYTES through proxy-target ('E'), close."""
    host, port = args.connect.rsplit(":", 1)
    socks = None
    if args.socks:
        t, tp = args.socks.rsplit(":", 1)
        socks = socket.inet_aton(t) + struct.pack("!H", int(tp))
    data = HEADER.pack(b"E", 0) + b"x" * ECHO_BYTES
    for _ in range(args.count):
        with socket.create_connection((host, int(port)), timeout=30) as s:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if socks:
                s.sendall(b"\x05\x01\x00")
                if recv_exact(s, 2) != b"\x05\x00":
                    die("unexpected SOCKS method selection")
                s.sendall(b"\x05\x01\x00\x01" + socks)
                head = recv_exact(s, 10)
                if head[1] != 0:
                    die(f"SOCKS reply code {head[1]}")
            s.sendall(data)
            recv_exact(s, ECHO_BYTES)


def callgrind_rows(args):
    """name, kind, the argv of the program under valgrind (listening at addr:port, towards
    target for a relay), where it listens."""
    def vg(out):
        return ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "--quiet"]

    def socks(addr, port, target, out):
        return ["systemd-socket-activate", "-l", f"{TOPO.listen_any}:{port}"] + UNIT_ENV + TOPO.daemon_ns + [
            "chrt", "--batch", "0"] + vg(out) + [args.tsproxy_socks, "bench"] + TOPO.egress + [
            "--allow-from", TOPO.allow_from]

    def microsocks(addr, port, target, out):
        return TOPO.inst + vg(out) + ["microsocks", "-i", TOPO.listen_any, "-p", str(port)]

    def relay(addr, port, target, out):
        return ["systemd-socket-activate", "-l", f"{addr}:{port}"] + UNIT_ENV + TOPO.daemon_ns + vg(out) + [
            args.tsproxy_relay, "bench", "--forward", f"tcp:{addr}:{port}={target[0]}:{target[1]}"] + \
            TOPO.egress + ["--allow-from", TOPO.allow_from]

    def proxyd(addr, port, target, out):
        return TOPO.inst + ["systemd-socket-activate", "-l", f"{addr}:{port}"] + vg(out) + [
            SOCKET_PROXYD, f"{target[0]}:{target[1]}"]

    return [
        {"name": "tsproxy-socks", "kind": "socks", "where": "host", "argv": socks, "need": args.tsproxy_socks},
        {"name": "microsocks", "kind": "socks", "where": "inst", "argv": microsocks, "need": "microsocks"},
        {"name": "tsproxy-relay", "kind": "plain", "where": "host", "argv": relay, "need": args.tsproxy_relay},
        {"name": "socket-proxyd", "kind": "plain", "where": "inst", "argv": proxyd, "need": SOCKET_PROXYD},
    ]


def callgrind_total(path):
    """The instructions (Ir) of a callgrind output file: its totals: or summary: line."""
    with open(path) as f:
        for line in f:
            if line.startswith(("totals:", "summary:")):
                return int(line.split()[1])
    raise RuntimeError(f"no totals in {path}")


def cmd_callgrind(args):
    """Per row: the program under callgrind, args.small and then args.large cycles
    (cmd_cycles) in two runs; instructions per connection = the difference of the two
    runs' totals over the difference of their cycles (start-up and exit cancel out)."""
    global TOPO
    TOPO = Topology(args.topology)
    if os.stat("/proc/self/ns/net").st_ino == args.host_netns:
        die("refusing to run in the host's network namespace (use bench/proxy.sh)")
    target = subprocess.Popen(["ip", "netns", "exec", FAR_NETNS, os.path.join(args.bindir, "proxy-target"),
                               "--listen", f"0.0.0.0:{TARGET_PORT}"], stdout=subprocess.PIPE, text=True)
    out = {"small": args.small, "large": args.large, "echo": ECHO_BYTES, "rows": []}
    port = 1400
    try:
        if target.stdout.readline().strip() != "ready":
            die("proxy-target did not start")
        for row in callgrind_rows(args):
            if args.only and row["name"] not in args.only:
                continue
            entry = {"name": row["name"]}
            out["rows"].append(entry)
            if not row["need"] or not shutil_which(row["need"]) or not shutil_which("valgrind"):
                entry["missing"] = "not built" if not row["need"] else f"{row['need'] or 'valgrind'} not installed"
                continue
            totals = []
            for n in (args.small, args.large):
                port += 1
                k = port % 250 + 1
                addr, tgt = TOPO.address(row, k), TOPO.target(k)
                cg = os.path.join(args.workdir, f"callgrind-{row['name']}-{n}.out")
                logf = open(os.path.join(args.workdir, f"callgrind-{row['name']}-{n}.log"), "w")
                proc = subprocess.Popen(row["argv"](addr, port, tgt, cg), stdin=subprocess.DEVNULL, stdout=logf,
                                        stderr=logf, start_new_session=True)
                logf.close()
                try:
                    err = probe({"kind": row["kind"]}, (addr, port), tgt, timeout=30)
                    if err:
                        entry["missing"] = f"did not answer: {err}"
                        break
                    c = subprocess.run(TOPO.client + [sys.executable, os.path.abspath(__file__), "cycles",
                                                      "--connect", f"{addr}:{port}", "--count", str(n)] +
                                       (["--socks", f"{tgt[0]}:{tgt[1]}"] if row["kind"] == "socks" else []),
                                       timeout=600)
                    if c.returncode != 0:
                        entry["missing"] = "the cycles failed"
                        break
                finally:
                    proc.send_signal(signal.SIGTERM)
                    try:
                        proc.wait(timeout=30)
                    except subprocess.TimeoutExpired:
                        stop(proc)
                # the probe's cycle counts too (one more on each side: it cancels out)
                totals.append(callgrind_total(cg))
            if len(totals) == 2:
                entry["per_connection"] = (totals[1] - totals[0]) / (args.large - args.small)
                entry["totals"] = totals
    finally:
        target.kill()
        target.wait()
    json.dump(out, sys.stdout, indent=1)
    print()


def cmd_callgrind_table(args):
    with open(args.results) as f:
        res = json.load(f)
    print(f"user-space instructions per connection (callgrind, Ir): one client, each cycle connect, "
          f"SOCKS5 handshake (SOCKS rows), {res['echo']}-byte echo through the target, close; "
          f"({res['large']} - {res['small']} cycles) / difference")
    rows = {r["name"]: r for r in res["rows"]}
    for r in res["rows"]:
        v = r.get("per_connection")
        print(f"  {r['name']:15} {v:10,.0f}" if v is not None else f"  {r['name']:15} {r.get('missing', '?')}")
    ts, ms = rows.get("tsproxy-socks", {}).get("per_connection"), rows.get("microsocks", {}).get("per_connection")
    if ts and ms:
        print(f"  tsproxy-socks below microsocks: {ts / ms:.2f} x  {'met' if ts < ms else 'NOT met'}")
    tr, pd = rows.get("tsproxy-relay", {}).get("per_connection"), rows.get("socket-proxyd", {}).get("per_connection")
    if tr and pd:
        print(f"  tsproxy-relay against systemd-socket-proxyd: {tr / pd:.2f} x")


def row_names():
    """Every row's name, in table order."""
    a = argparse.Namespace(tsproxy_socks="", tsproxy_relay="", workdir="")
    return [row["name"] for row in rows_proxy(a) + rows_relay(a)]


def cmd_rows(args):
    """The row names, in table order, one per line (bench/proxy.sh runs each on its own)."""
    for name in row_names():
        print(name)


def merge_rounds(entries, clients):
    """One row from its entries of every round (in round order): each stream and rate cell
    is the median round (a rate cell keeps that round's latencies), with every round's value
    kept in KEY_rounds; CPU per GiB the median; the idle phase's numbers from the round that
    measured them. A cell that failed in any round is failed, with that round's error."""
    out = {k: entries[0][k] for k in ("name", "peer", "kind", "table")}
    missing = [e["missing"] for e in entries if "missing" in e]
    if missing:
        out["missing"] = missing[0]
        return out
    out["rounds"] = len(entries)
    cells = [(f"stream_{d}", None) for d in ("up", "down")] + [(f"rate_{c}", "per_second") for c in clients]
    for key, field in cells:
        values = [e.get(key) for e in entries]
        if any(v is None for v in values):
            out[f"{key}_error"] = next((e.get(f"{key}_error") for e in entries if e.get(key) is None), None) \
                or "not measured in every round"
            continue
        by = (lambda v: v) if field is None else (lambda v: v[field])
        out[key] = sorted(values, key=by)[len(values) // 2]
        out[f"{key}_rounds"] = [by(v) for v in values]
    cpu = [e.get("cpu_per_gib") for e in entries]
    if all(v is not None for v in cpu):
        out["cpu_per_gib"] = sorted(cpu)[len(cpu) // 2]
    for i, e in enumerate(entries):
        out.update({k: v for k, v in e.items() if k.startswith("idle_")})
        out["runs"] = out.get("runs", 0) + e.get("runs", 0)
        out["retried"] = out.get("retried", 0) + e.get("retried", 0)
        out.setdefault("steal_notes", []).extend(f"round {i + 1}, {n}" for n in e.get("steal_notes", []))
    return out


def cmd_merge(args):
    """One results document from the per-row, per-round ones (bench/proxy.sh's rounds): the
    first one's settings, and each row merged over its rounds (merge_rounds) in table order."""
    merged, by_name = None, {}
    for path in args.results:
        with open(path) as f:
            res = json.load(f)
        if merged is None:
            merged = res
        for row in res["rows"]:
            by_name.setdefault(row["name"], []).append(row)
    merged["rows"] = [merge_rounds(by_name[n], merged["clients"]) for n in row_names() if n in by_name]
    merged["rounds"] = max((len(v) for v in by_name.values()), default=0)
    json.dump(merged, sys.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--bindir", required=True, help="where proxy-load and proxy-target are")
    r.add_argument("--tsproxy-socks", default="", help="the tsproxy-socks binary, if built")
    r.add_argument("--tsproxy-relay", default="", help="the tsproxy-relay binary, if built")
    r.add_argument("--workdir", required=True)
    r.add_argument("--bytes", type=int, default=GIB)
    r.add_argument("--seconds", type=float, default=3.0)
    r.add_argument("--repeat", type=int, default=int(os.environ.get("BENCH_REPEAT", "1")),
                   help="runs of each stream and rate cell; the median run is reported")
    r.add_argument("--idle-phase", choices=("yes", "no"), default="yes",
                   help="measure the memory with idle connections (bench/proxy.sh: first round only)")
    r.add_argument("--warmup", type=float, default=0.5)
    r.add_argument("--clients", type=lambda s: [int(x) for x in s.split(",")], default=[1, 64, 512])
    r.add_argument("--idle", type=int, default=10000)
    r.add_argument("--nofile", type=int, required=True, help="the RLIMIT_NOFILE the proxies get")
    r.add_argument("--host-netns", type=int, required=True, help="inode of the caller's network namespace")
    r.add_argument("--only", action="append", default=[], help="measure only this row (repeatable)")
    r.add_argument("--topology", choices=("production", "one-namespace"), default="production",
                   help="the namespaces bench/proxy/topology.sh made")
    sub.add_parser("rows")
    c = sub.add_parser("cycles")
    c.add_argument("--connect", required=True)
    c.add_argument("--socks", default="")
    c.add_argument("--count", type=int, required=True)
    g = sub.add_parser("callgrind")
    g.add_argument("--bindir", required=True)
    g.add_argument("--tsproxy-socks", default="")
    g.add_argument("--tsproxy-relay", default="")
    g.add_argument("--workdir", required=True)
    g.add_argument("--host-netns", type=int, required=True)
    g.add_argument("--topology", choices=("production", "one-namespace"), default="production")
    g.add_argument("--small", type=int, default=int(os.environ.get("BENCH_CALLGRIND_SMALL", "100")))
    g.add_argument("--large", type=int, default=int(os.environ.get("BENCH_CALLGRIND_LARGE", "500")))
    g.add_argument("--only", action="append", default=[])
    gt = sub.add_parser("callgrind-table")
    gt.add_argument("results")
    m = sub.add_parser("merge")
    m.add_argument("results", nargs="+")
    t = sub.add_parser("table")
    t.add_argument("--meta", action="append", default=[])
    t.add_argument("results")
    args = ap.parse_args()
    {"run": cmd_run, "rows": cmd_rows, "merge": cmd_merge, "table": cmd_table, "cycles": cmd_cycles,
     "callgrind": cmd_callgrind, "callgrind-table": cmd_callgrind_table}[args.cmd](args)


if __name__ == "__main__":
    main()
