#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# test-package.sh BUILDDIR: the Debian package (debian/) under the sandbox's systemd, as
# an administrator uses it: lintian clean (no E: or W:), `apt-get install ./tsproxy.deb`
# (no instance starts), a configuration dropped in, daemon-reload, start, SOCKS traffic
# through the simulated tailnet, `systemd-analyze verify` clean, an upgrade to a package
# with a new version and a changed tsproxy-socks while SOCKS requests flow (failures
# counted; the running instance keeps its namespace, tailscaled and sockets, only the
# changed daemon restarts), `apt-get remove` (nothing left in the kernel, configuration
# and state kept), `dpkg --purge` (configuration and the instance's state gone).
#
# The package: TSPROXY_DEB_DIR (.ci/run builds it there once with tools/build-deb.sh), or
# else built here (about 2 minutes). The upgrade package is that package repacked
# (dpkg-deb -R, new Version:, a byte appended to tsproxy-socks, dpkg-deb -b), which keeps
# CI time low. The package is installed into the sandbox's overlay only, never on the
# machine itself: its maintainer scripts talk to the sandbox's systemd.
set -u

. "$(dirname "$0")/sandbox.sh"

builddir=${1:?usage: $0 BUILDDIR}
sandbox_require
for t in dpkg-deb lintian curl apt-get; do
    command -v "$t" >/dev/null || skip "'$t' not found"
done
_sandbox_tmp_init || exit 1
builddir=$(cd "$builddir" && pwd)

# --- the packages, on the host --------------------------------------------------------------
debdir=${TSPROXY_DEB_DIR:-}
if [[ -z $debdir ]]; then
    debdir=$SANDBOX_TMP/deb
    check "the package builds (tools/build-deb.sh)" \
        bash "$SANDBOX_SRCDIR/../../tools/build-deb.sh" "$debdir" || { finish; exit 1; }
fi
deb=$(ls "$debdir"/tsproxy_*.deb 2>/dev/null | head -n1)
check "there is a tsproxy .deb and a -dbgsym .deb" \
    test -f "$deb" -a -n "$(ls "$debdir"/tsproxy-dbgsym_*.deb 2>/dev/null)" || { finish; exit 1; }
version=$(dpkg-deb -f "$deb" Version)
# lintian at its default level; --fail-on: any E: or W: tag fails.
check "lintian: no errors or warnings (tsproxy and tsproxy-dbgsym)" \
    lintian --fail-on error,warning "$debdir"/tsproxy_*.deb "$debdir"/tsproxy-dbgsym_*.deb
check_output "Depends come from shlibs (libc6, libsystemd0, ...) and name systemd" \
    '(^|, )systemd(, |$).*libc6 .*libsystemd0' dpkg-deb -f "$deb" Depends
check_output "tailscale is recommended" '^tailscale$' dpkg-deb -f "$deb" Recommends

# The upgrade: same files, a new version, and tsproxy-socks changed (one byte appended
# to the ELF file, which the loader ignores) while tsproxy-relay and tsproxy-nat stay.
new_version=$version+up1
mkdir "$SANDBOX_TMP/repack"
repack() {
    local r=$SANDBOX_TMP/repack/root
    dpkg-deb -R "$deb" "$r" &&
        sed -i "s/^Version: .*/Version: $new_version/" "$r/DEBIAN/control" &&
        printf '\n' >>"$r/usr/libexec/tsproxy/tsproxy-socks" &&
        (cd "$r" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' |
            xargs -0 md5sum >DEBIAN/md5sums) &&
        dpkg-deb --root-owner-group -b "$r" "$SANDBOX_TMP/repack/tsproxy_${new_version}_amd64.deb"
}
check "a package with version $new_version and a changed tsproxy-socks (repacked)" repack
new_deb=$SANDBOX_TMP/repack/tsproxy_${new_version}_amd64.deb

# --- boot, with nothing of tsproxy installed -------------------------------------------------
mkdir "$SANDBOX_TMP/empty"
SANDBOX_BUILDDIR=$builddir
sandbox_start "$SANDBOX_TMP/empty"
check_rc "systemd boots as PID 1 of the sandbox" $? || { finish; exit 1; }

not() { ! "$@"; }
wait_for() { local n=$1; shift; while ((n-- > 0)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done; return 1; }
main_pid() { sb systemctl show -p MainPID --value "$1"; }
since() { sb systemctl show -p ActiveEnterTimestampMonotonic --value "$1"; }
socks_get() { sb curl -sS --http0.9 --max-time "${1:-5}" -x socks5h://127.0.0.1:1091 http://peer/; }
relay_get() { sb timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/2291 && printf 'GET / HTTP/1.0\r\n\r\n' >&3 && cat <&3"; }
# Everything instance p1 could leave in the kernel or in systemd, one line each: none.
leftovers() {
    sb sh -c "ls /run/netns/p1 /run/tsproxy/p1 2>/dev/null; grep -F ' /run/netns/p1 ' /proc/self/mountinfo;
              ip -o link show ts-p1 2>/dev/null; nft list tables | grep -E '(tsproxy|tsguard)-p1\$';
              ip -4 rule show priority 5200; ip -4 rule show priority 5201; ip -6 rule show | grep -E 'iif ts-p1 ';
              ss -Hltnu | grep -E ':(1091|2291)\\b'; ps -eo comm= | grep -E '^(tsproxy-|tailscaled)';
              systemctl list-units --all --plain --no-legend '*@p1.*'; true"
}
# The instance's state: these must stay through the upgrade.
chain_state() {
    echo "$(since ts-netns@p1.service) $(main_pid ts-nat@p1.service) $(main_pid tailscaled@p1.service)" \
        "$(main_pid ts-relay@p1.service) $(since socks@p1.socket) $(sb stat -L -c %i /run/netns/p1)"
}

# A box that boots systemd is not a `docker build`: the machine's policy-rc.d (exit 101,
# "start nothing") would keep the maintainer scripts from stopping and restarting units.
sb rm -f /usr/sbin/policy-rc.d
sb mkdir -p /root/pkg
sb sh -c "cat > /root/pkg/$(basename "$deb")" <"$deb"
sb sh -c "cat > /root/pkg/$(basename "$new_deb")" <"$new_deb"

# --- 1. install ---------------------------------------------------------------------------------
check "apt-get install ./$(basename "$deb")" \
    sb env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "/root/pkg/$(basename "$deb")"
check_output "the package is installed" "^install ok installed $version\$" \
    sb dpkg-query -W -f '${Status} ${Version}' tsproxy
check "/etc/tsproxy exists, empty" test -z "$(sb find /etc/tsproxy -mindepth 1)" -a "$(sb stat -c %F /etc/tsproxy)" = directory
check "the example configuration is documentation" sb test -f /usr/share/doc/tsproxy/example.conf
check "man pages, tsproxyctl, the generator and the unit templates are installed" \
    sb test -f /usr/share/man/man8/tsproxyctl.8.gz -a -x /usr/sbin/tsproxyctl \
    -a -x /lib/systemd/system-generators/tsproxy-generator -a -f /lib/systemd/system/tsproxy@.target
check_empty "no unit of tsproxy runs after the install" \
    sb systemctl list-units --plain --no-legend --state=active,activating 'tsproxy@*' '*@*.socket' 'ts-*' 'socks@*' 'tailscaled@*'

# --- 2. an instance ---------------------------------------------------------------------------
sb sh -c 'cat > /etc/tsproxy/p1.conf' <<'EOF'
[Instance]
AutoStart=no
[Namespace]
Uplink=uplink0
[SOCKS]
Listen=127.0.0.1:1091
AllowFrom=127.0.0.0/8
Workers=2
[Forward]
Forward=127.0.0.1:2291 100.64.0.1:80
EOF
check "daemon-reload runs the packaged generator" sb systemctl daemon-reload
check_output "socks@p1.service runs the packaged tsproxy-socks" 'ExecStart=/usr/libexec/tsproxy/tsproxy-socks p1 ' \
    sb systemctl cat socks@p1.service
check "tsproxy@p1.target starts" sb timeout 60 systemctl start tsproxy@p1.target
check "p1 logs in" sandbox_login p1
check_output "SOCKS through the simulated tailnet (curl -x socks5h:// http://peer/)" '^you are ' socks_get
check_output "the forwarded port" 'you are ' relay_get
verify_out=$(sb systemd-analyze verify --generators=yes tsproxy@p1.target ts-netns@p1.service ts-nat@p1.service \
    tailscaled@p1.service socks@p1.socket socks@p1.service ts-relay@p1.socket ts-relay@p1.service 2>&1)
verify_rc=$?
check "systemd-analyze verify is clean on the instance's units" test "$verify_rc" = 0 -a -z "$verify_out"
[[ -n $verify_out ]] && printf '# %s\n' "$verify_out"

# --- 3. upgrade while SOCKS requests flow ------------------------------------------------------
before=$(chain_state)
socks_pid=$(main_pid socks@p1.service)
: >"$SANDBOX_TMP/ok"
: >"$SANDBOX_TMP/failed"
(
    while [[ ! -e $SANDBOX_TMP/stop ]]; do
        if socks_get 5 2>>"$SANDBOX_TMP/failed.log" | grep -q '^you are '; then
            echo >>"$SANDBOX_TMP/ok"
        else
            echo >>"$SANDBOX_TMP/failed"
        fi
    done
) &
traffic=$!
sleep 1
up_out=$(sb env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "/root/pkg/$(basename "$new_deb")" 2>&1)
check_rc "apt-get install of $new_version (an upgrade) while requests flow" $? "$up_out"
sleep 1
touch "$SANDBOX_TMP/stop"
wait "$traffic"
ok=$(wc -l <"$SANDBOX_TMP/ok")
failed=$(wc -l <"$SANDBOX_TMP/failed")
echo "# SOCKS requests during the upgrade: $ok ok, $failed failed"
[[ -s $SANDBOX_TMP/failed.log ]] && sed 's/^/#   /' "$SANDBOX_TMP/failed.log" | tail -n 5
# tsproxy-socks drains at SIGTERM (tsproxy-socks(8), STOPPING): a request in flight at
# the restart finishes; requests that connect meanwhile wait in the listening socket,
# which PID 1 keeps, and are served by the new daemon.
check "none of $((ok + failed)) SOCKS requests failed across the upgrade" \
    test "$ok" -gt 0 -a "$failed" -eq 0
check_output "the package is now $new_version" "^install ok installed ${new_version//+/\\+}\$" \
    sb dpkg-query -W -f '${Status} ${Version}' tsproxy
check_output "postinst restarted the changed daemon only" 'restarting the daemons with a new program: socks@p1\.service[[:space:]]*$' \
    echo "$up_out"
check "socks@p1.service has a new process" test "$(main_pid socks@p1.service)" != "$socks_pid" -a "$(main_pid socks@p1.service)" != 0
check_output "namespace, tsproxy-nat, tailscaled, tsproxy-relay (unchanged) and the SOCKS socket kept running" \
    "^${before//./\\.}\$" chain_state
check_output "SOCKS after the upgrade" '^you are ' socks_get
check_output "the forwarded port after the upgrade" 'you are ' relay_get

# --- 4. remove ----------------------------------------------------------------------------------
check "apt-get remove tsproxy" sb env DEBIAN_FRONTEND=noninteractive apt-get remove -y -q tsproxy
check_output "the package is removed, its configuration kept" '^deinstall ok config-files' \
    sb dpkg-query -W -f '${Status}' tsproxy
check_empty "nothing of the instance is left (namespace, veth, tables, rules, sockets, processes, units)" leftovers
check "/etc/tsproxy/p1.conf and /var/lib/tailscale-p1 stay after remove" \
    sb test -f /etc/tsproxy/p1.conf -a -d /var/lib/tailscale-p1
check "the generator is gone" not sb test -e /lib/systemd/system-generators/tsproxy-generator

# --- 5. purge -----------------------------------------------------------------------------------
check "dpkg --purge tsproxy" sb dpkg --purge tsproxy
check_output "the package is gone" '^$|not-installed' sb sh -c "dpkg-query -W -f '\${Status}' tsproxy 2>/dev/null; true"
check "/etc/tsproxy, /var/lib/tailscale-p1 and /var/cache/tailscale-p1 are gone" \
    not sb test -e /etc/tsproxy -o -e /var/lib/tailscale-p1 -o -e /var/cache/tailscale-p1
check_output "the system is not degraded" '^running$' sb systemctl is-system-running

finish
