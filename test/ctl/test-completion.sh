#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test-completion.sh COMPLETION-FILE: the bash completion of tsproxyctl, driven as bash's
# programmable completion drives it (COMP_WORDS, COMP_CWORD, then COMPREPLY read back),
# against a configuration tree under TSPROXY_ROOT. TAP output.
set -u
file=${1:?usage: $0 COMPLETION-FILE}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/etc/tsproxy" "$root/usr/lib/tsproxy" "$root/run/tsproxy"
: >"$root/etc/tsproxy/fgpu.conf"
: >"$root/usr/lib/tsproxy/fgpu.conf"   # the same name twice: offered once
: >"$root/run/tsproxy/lab.conf"
: >"$root/etc/tsproxy/notes.txt"       # not a .conf
export TSPROXY_ROOT=$root
# shellcheck source=/dev/null
. "$file"

n=0 failed=0
# complete WANT WORDS...: the completion of the last word, sorted, space-separated.
complete_is() {
    local want=$1 got
    shift
    COMP_WORDS=(tsproxyctl "$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _tsproxyctl
    got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | xargs)
    n=$((n + 1))
    if [[ $got == "$want" ]]; then
        echo "ok $n - tsproxyctl $* -> $want"
    else
        echo "not ok $n - tsproxyctl $* -> '$got', want '$want'"
        failed=$((failed + 1))
    fi
}

complete_is "doctor exec list login status tailscale verify" ""
complete_is "status" "st"
complete_is "--help --json --no-color --version -h" "-"
complete_is "fgpu lab" status ""
complete_is "lab" status l
complete_is "fgpu lab" --no-color status ""
complete_is "--json --no-color" status --
complete_is "--units" verify ""
complete_is "--json" list ""
complete_is "fgpu lab" tailscale ""
complete_is "set status switch" tailscale fgpu s
complete_is "fgpu lab" exec ""
complete_is "doctor" "do"
complete_is "fgpu lab" login ""
complete_is "--auth-key-file=" login --
echo "1..$n"
((failed == 0))
