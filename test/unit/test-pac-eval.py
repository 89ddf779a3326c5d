#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# test-pac-eval: run the PAC of helpers/socks/pac.c in a real PAC engine (pacparser,
# Debian's python3-pacparser, the engine of many proxy tools) for two instances and ask
# it where URLs go. Usage: test-pac-eval.py PAC-PRINT (test/unit/pac-print).
import subprocess
import sys

try:
    import pacparser
except ImportError:
    print("SKIP: python3-pacparser is not installed (tools/install-deps.sh installs it)")
    sys.exit(77)

pac_print = sys.argv[1]
FGPU = "PROXY 100.121.76.21:11080"
LAB = "PROXY [fd7a:115c:a1e0::5]:3128"
instances = [
    "fgpu|fgpu|tail1234.ts.net|100.121.76.21:11080|100.64.0.0/10,fd7a:115c:a1e0::/48",
    "lab|lab.example||[fd7a:115c:a1e0::5]:3128|10.20.0.0/16,fd00:1::/32,100.64.0.0/10",
]
pac = subprocess.run([pac_print, *instances], check=True, capture_output=True, text=True).stdout

cases = [
    ("http://gpu-node.fgpu/", "gpu-node.fgpu", FGPU),
    ("https://gpu-node.fgpu/x", "gpu-node.fgpu", FGPU),
    ("http://GPU-Node.FGPU./", "GPU-Node.FGPU.", FGPU),
    ("http://fgpu/", "fgpu", FGPU),
    ("http://a.b.tail1234.ts.net/", "a.b.tail1234.ts.net", FGPU),
    ("http://100.90.0.1/", "100.90.0.1", FGPU),
    ("http://100.64.0.0/", "100.64.0.0", FGPU),
    ("http://100.127.255.255/", "100.127.255.255", FGPU),
    ("http://[fd7a:115c:a1e0::1]/", "fd7a:115c:a1e0::1", FGPU),
    ("http://[fd7a:115c:a1e0::1]/", "[fd7a:115c:a1e0::1]", FGPU),
    ("http://[FD7A:115C:A1E0:AB12:4843:CD96:6258:B240]/", "FD7A:115C:A1E0:AB12:4843:CD96:6258:B240", FGPU),
    ("http://db.lab.example/", "db.lab.example", LAB),
    ("http://lab.example/", "lab.example", LAB),
    ("http://10.20.1.1/", "10.20.1.1", LAB),
    ("http://[fd00:1:ffff::1]/", "fd00:1:ffff::1", LAB),
    ("http://example.com/", "example.com", "DIRECT"),
    ("http://notfgpu/", "notfgpu", "DIRECT"),
    ("http://fgpu.example.com/", "fgpu.example.com", "DIRECT"),
    ("http://xlab.example/", "xlab.example", "DIRECT"),
    ("http://tail1234.ts.net.evil/", "tail1234.ts.net.evil", "DIRECT"),
    ("http://100.128.0.1/", "100.128.0.1", "DIRECT"),
    ("http://100.63.255.255/", "100.63.255.255", "DIRECT"),
    ("http://10.21.0.1/", "10.21.0.1", "DIRECT"),
    ("http://[fd7a:115c:a1e1::1]/", "fd7a:115c:a1e1::1", "DIRECT"),
    ("http://[fd00:2::1]/", "fd00:2::1", "DIRECT"),
    ("http://[::1]/", "::1", "DIRECT"),
    ("http://[1:2:3:4:5:6:7:8:9]/", "1:2:3:4:5:6:7:8:9", "DIRECT"),
    ("http://[fd7a:115c:a1e0::1::2]/", "fd7a:115c:a1e0::1::2", "DIRECT"),
    ("http://127.0.0.1/", "127.0.0.1", "DIRECT"),
]

failed = 0
pacparser.init()
pacparser.parse_pac_string(pac)
for url, host, want in cases:
    got = pacparser.find_proxy(url, host)
    ok = got == want
    failed += not ok
    print(f"{'ok' if ok else 'FAIL'}: FindProxyForURL({url!r}, {host!r}) = {got!r}" + ("" if ok else f", expected {want!r}"))
pacparser.cleanup()

# Hostile names never reach the PAC: pac-print refuses them.
for hostile in ['x|x");alert(1);("|||10.0.0.0/8', 'x|x||h";alert(1);//:80|10.0.0.0/8',
                'x\n|x||h:80|10.0.0.0/8', 'x|x|a\\u0022|h:80|10.0.0.0/8']:
    r = subprocess.run([pac_print, hostile], capture_output=True, text=True)
    ok = r.returncode == 1 and r.stdout == ""
    failed += not ok
    print(f"{'ok' if ok else 'FAIL'}: refused {hostile!r}: {r.stderr.strip()}")

sys.exit(1 if failed else 0)
