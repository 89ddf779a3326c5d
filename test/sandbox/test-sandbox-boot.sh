#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# test-sandbox-boot.sh BUILDDIR [DESTDIR]: proves the sandbox itself, before any tsproxy
# unit runs in it. Boots systemd as PID 1 in its namespaces; checks it reaches
# "running", that a unit of ours starts and logs to the journal, that the simulated
# internet answers, that the fake tailscaled refuses unknown flags, reaches READY=1
# logged out in a namespace made with `ip netns add`, logs in (sandbox_login) and that
# TCP to 100.64.0.1 then goes through its fake tunnel and the NAT of the sandbox's
# "host" ("you are 100.64.x.y:..."); after poweroff, that the host's /tmp,
# mounts and processes are as they were.
#
# BUILDDIR is a meson build dir: it is installed with `meson install --no-rebuild
# --quiet --destdir` under the test's temp dir (unless DESTDIR, an install tree made
# before, is given) and its fakes are used. Run by `meson test --suite sandbox`.
set -u

. "$(dirname "$0")/sandbox.sh"

builddir=${1:?usage: $0 BUILDDIR [DESTDIR]}
sandbox_require

marker=$(mktemp /tmp/tsproxy-sandbox-marker.XXXXXX)
echo "left by test-sandbox-boot $$" >"$marker"
sandbox_at_exit rm -f "$marker"
mounts_before=$(awk '{print $5}' /proc/self/mountinfo | sort)
forward_before=$(</proc/sys/net/ipv4/ip_forward)

sandbox_install_and_start "$builddir" "${2:-}" || { finish; exit 1; }
pidns=$(readlink "/proc/$SANDBOX_PID/ns/pid")

check_output "systemctl is-system-running says running" '^running$' sb systemctl is-system-running
check "the sandbox has its own /tmp (host marker invisible)" sb test ! -e "$marker"
check "PID 1 inside is systemd" sb sh -c '[ "$(cat /proc/1/comm)" = systemd ]'
check_output "no failed units" '^$' sb systemctl --failed --no-legend --plain

# A trivial unit of our own, started by hand, logging to the journal.
sb sh -c 'cat >/etc/systemd/system/sandbox-hello.service' <<'EOF'
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/echo hello from the sandbox
EOF
check "daemon-reload" sb systemctl daemon-reload
check "a unit of our own starts" sb systemctl start sandbox-hello.service
check_output "and is active" '^active$' sb systemctl is-active sandbox-hello.service
check_output "journalctl -u shows its output" 'hello from the sandbox' \
    sb journalctl -u sandbox-hello.service --no-pager -o cat

# The simulated internet, seen from the sandbox's "host".
tcp_read='exec 3<>"/dev/tcp/$0/$1" && timeout 5 cat <&3'
check_output "whoami on 192.0.2.1:80 sees the host's uplink address" '^you are 192\.0\.2\.2:[0-9]+$' \
    sb timeout 10 bash -c "$tcp_read" 192.0.2.1 80
check "the fake tailnet peer is up" sb systemctl is-active fake-tailnet-peer.service

# An instance namespace by hand: veth to the "host", masquerade out of uplink0.
setup_ns() {
    sb ip netns add t1 &&
        sb ip link add ts-t1 type veth peer name host0 netns t1 &&
        sb ip addr add 10.200.0.1/30 dev ts-t1 &&
        sb ip link set ts-t1 up &&
        sb ip -n t1 link set lo up &&
        sb ip -n t1 addr add 10.200.0.2/30 dev host0 &&
        sb ip -n t1 link set host0 up &&
        sb ip -n t1 route add default via 10.200.0.1 &&
        sb sysctl -q -w net.ipv4.ip_forward=1 &&
        sb nft -f - <<'EOF'
table ip sandbox-test {
    chain postrouting {
        type nat hook postrouting priority srcnat; policy accept;
        oifname "uplink0" masquerade
    }
}
EOF
}
check "namespace t1 with a veth and masquerade" setup_ns
check_output "t1 reaches the simulated internet through the NAT" '^you are 192\.0\.2\.2:[0-9]+$' \
    sb ip netns exec t1 timeout 10 bash -c "$tcp_read" 192.0.2.1 80

check_output "fake tailscaled refuses an unknown flag as Go's flag package does (exit 2)" \
    "^2 flag provided but not defined: -no-such-flag\$" \
    sb sh -c '/usr/sbin/tailscaled --statedir=/tmp/x --no-such-flag 2>/tmp/err; echo "$? $(head -n1 /tmp/err)"'
check "fake tailscaled in t1 reaches READY=1 (Type=notify)" \
    sb timeout 20 systemd-run --quiet --unit=fake-tailscaled-t1 -p Type=notify \
    -p NetworkNamespacePath=/run/netns/t1 -p StateDirectory=tailscale-t1 \
    /usr/sbin/tailscaled --statedir=/var/lib/tailscale-t1 \
    --socket=/run/tailscale-t1/tailscaled.sock --port=41642
# STATUS= comes after READY=1 (once the engine is up), as from the real one.
status_is() {
    local n=50
    while ((n-- > 0)); do
        [[ $(sb systemctl show -p StatusText --value "$1") == "$2" ]] && return 0
        sleep 0.1
    done
    sb systemctl show -p StatusText "$1"
    return 1
}
check "logged out: STATUS=Needs login: (with the real one's trailing space)" \
    status_is fake-tailscaled-t1 'Needs login: '
check "its local socket exists" sb test -S /run/tailscale-t1/tailscaled.sock
check "sandbox_login t1: Running, with its address on tailscale0" sandbox_login t1
addr=$(sb sed -n 's/^Address=//p' /var/lib/tailscale-t1/tailscaled.state)
check_output "it wrote its login with a 100.64.0.0/10 address" '^100\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\.' \
    echo "$addr"
check_output "tailscale0 in t1 holds it" "inet ${addr//./\\.}/32" sb ip -n t1 -4 addr show dev tailscale0
check_output "TCP to 100.64.0.1:80 from t1 crosses the fake tunnel" "^you are ${addr//./\\.}:[0-9]+$" \
    sb ip netns exec t1 timeout 10 bash -c "$tcp_read" 100.64.0.1 80
check_output "the peer saw the tunnel's datagrams from behind the NAT" \
    "Peer ${addr//./\\.} is at 192\.0\.2\.2:[0-9]+" sb journalctl -u fake-tailnet-peer --no-pager -o cat
check "SIGTERM stops it cleanly" sb systemctl stop fake-tailscaled-t1
check "and its TUN is gone" sb sh -c '! ip -n t1 link show tailscale0 2>/dev/null'
check_empty "and its rules 5210-5270 too" sb sh -c 'ip -n t1 rule show | grep -E "^52[1-7]0:"; true'
check "--cleanup with nothing to clean exits 0" sb ip netns exec t1 /usr/sbin/tailscaled --cleanup

# Poweroff; nothing may be left on the host.
sandbox_stop
check_rc "clean poweroff" $?
check_output "the host's /tmp marker is untouched" "^left by test-sandbox-boot $$\$" cat "$marker"
check_output "no mount left behind" '^$' \
    diff <(echo "$mounts_before") <(awk '{print $5}' /proc/self/mountinfo | sort)
check_output "the host's net.ipv4.ip_forward is unchanged" "^$forward_before\$" cat /proc/sys/net/ipv4/ip_forward
leftover() {
    local p
    for p in /proc/[0-9]*; do
        [[ $(readlink "$p/ns/pid" 2>/dev/null) == "$pidns" ]] && echo "${p#/proc/}"
    done
    return 0
}
check_output "no process left in the sandbox's pid namespace" '^$' leftover
finish
