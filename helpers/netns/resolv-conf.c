/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * resolv-conf.c: `tsproxy-netns resolv-conf NAME`: write the instance's two
 * resolv.conf files into RUNTIME_DIR/NAME/.
 *
 * The text comes from the pure builders in resolv.c; this file only reads the host's
 * files and replaces ours atomically, so a daemon starting meanwhile never reads half.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>

#include "fileio.h"
#include "netns-tool.h"
#include "resolv.h"

#define RESOLV_FILE_MAX (64 * 1024)

static char *read_input(const Context *c, const char *path)
{
        char *text = NULL;
        int r;

        r = fileio_read_text(path, RESOLV_FILE_MAX, &text);
        if (r == -ENOENT)
                log_debug(c->log, "%s does not exist, ignoring.", path);
        else if (r < 0)
                log_warning_errno(c->log, r, "Failed to read %s, ignoring: %m", path);
        return r < 0 ? NULL : text;
}

int verb_resolv_conf(const Context *c)
{
        _cleanup_free_ char *primary_text = NULL, *fallback_text = NULL, *upstream = NULL, *tailnet = NULL;
        _cleanup_close_ int dir_fd = -EBADF;
        ResolvSource source;
        char dir[4096];
        int r, count;

        if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", c->runtime_dir, c->name) >= sizeof(dir))
                return log_error_errno(c->log, -ENAMETOOLONG,
                                       "Failed to create runtime directory of '%s': %m", c->name);
        r = fileio_mkdir_p(dir, 0755);
        if (r < 0)
                return log_error_errno(c->log, r, "Failed to create runtime directory '%s': %m", dir);
        dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
                return log_error_errno(c->log, negative_errno(), "Failed to open runtime directory '%s': %m",
                                       dir);

        /* For the instance's daemons: the tailnet's MagicDNS. */
        r = resolv_tailnet_conf(c->name, &tailnet);
        if (r < 0)
                return log_error_errno(c->log, r, "Failed to build resolv.tailnet.conf: %m");
        r = fileio_write_atomic_at(dir_fd, "resolv.tailnet.conf", tailnet, 0644);
        if (r < 0)
                return log_error_errno(c->log, r, "Failed to write '%s/resolv.tailnet.conf': %m", dir);

        /* For tailscaled: the host's real upstream servers. */
        primary_text = read_input(c, c->resolv_conf);
        fallback_text = read_input(c, c->resolved_conf);
        count = resolv_upstream_conf(c->name, &(ResolvInput){c->resolv_conf, primary_text},
                                     &(ResolvInput){c->resolved_conf, fallback_text}, &upstream, &source);
        if (count < 0)
                return log_error_errno(c->log, count, "Failed to build resolv.conf: %m");
        r = fileio_write_atomic_at(dir_fd, "resolv.conf", upstream, 0644);
        if (r < 0)
                return log_error_errno(c->log, r, "Failed to write '%s/resolv.conf': %m", dir);

        if (count == 0)
                return log_error_errno(
                        c->log, -EADDRNOTAVAIL,
                        "Failed to find an upstream DNS server for instance '%s': %s and %s list "
                        "none but loopback stubs or " RESOLV_MAGICDNS_IPV4
                        ", which do not work from inside the namespace. Configure the host's "
                        "real DNS servers (e.g. in systemd-resolved).",
                        c->name, c->resolv_conf, c->resolved_conf);
        log_info(c->log, "Wrote %s/resolv.conf (%d nameserver%s from %s) and resolv.tailnet.conf.", dir,
                 count, count == 1 ? "" : "s",
                 source == RESOLV_SOURCE_PRIMARY ? c->resolv_conf : c->resolved_conf);
        return 0;
}
