#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Debian 12 packages to build tsproxy and run all of its tests (as root).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
    meson ninja-build pkg-config gcc libc6-dev \
    libsystemd-dev libmount-dev libnl-3-dev libnl-route-3-dev libnftables-dev libnftnl-dev libmnl-dev libinih-dev libcmocka-dev libjson-c-dev \
    libc-ares-dev libcrypt-dev clang libclang-rt-14-dev \
    clang-format systemd nftables iproute2 iputils-ping util-linux procps python3 man-db mandoc \
    dnsmasq-base bind9-dnsutils dnsperf curl openssl python3-pacparser dbus \
    debhelper fakeroot lintian \
    chromium git wget dpkg-dev \
    >/dev/null
# test-dns-resolved: systemd-resolved of the installed systemd's version, downloaded and
# never installed (its postinst takes /etc/resolv.conf over); the sandbox unpacks it.
mkdir -p /var/cache/tsproxy-test
(cd /var/cache/tsproxy-test && apt-get download -qq -o APT::Sandbox::User=root \
    "systemd-resolved=$(dpkg-query -W -f '${Version}' systemd)")
