/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tsproxy-dns: the DNS server of one tsproxy instance.
 *
 * ts-dns@NAME.socket makes the UDP and TCP sockets in the host namespace (where the
 * home tailnet's clients reach them) and systemd hands them to this daemon, which runs
 * inside the instance's network namespace (NetworkNamespacePath=): queries arrive on the
 * host side, and the tailnet's MagicDNS (100.100.100.100) is asked from inside, with no
 * relay hop and no root (DynamicUser=, no capabilities).
 *
 * It answers A.B.C.D.DOMAIN and friends itself (dns-synth.h), forwards any other
 * NAME.DOMAIN to the tailnet as NAME.TAILNETDOMAIN and renames the answer back
 * (dns-answer.h), keeps answers for their TTL (dns-cache.h) and refuses everything
 * outside DOMAIN. One sd-event loop does everything. READY=1 once the sockets are
 * watched; STATUS= carries the counters (at most once a second); the watchdog is pinged
 * by sd-event.
 *
 * Environment: LISTEN_FDS/LISTEN_PID (socket activation), NOTIFY_SOCKET, WATCHDOG_USEC,
 * SYSTEMD_LOG_TARGET, SYSTEMD_LOG_LEVEL.
 */
#include <errno.h>
#include <stdlib.h>
#include <systemd/sd-event.h>

#include "daemon-loop.h"
#include "ipnet.h"
#include "log.h"
#include "options.h"
#include "server.h"

static int run(const Logger *log, const DnsOptions *options)
{
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        _cleanup_free_ Server *server = NULL;
        char upstream[ENDPOINT_STRLEN];
        int r;

        /* The Server holds its message buffers (about 70 KiB): on the heap. */
        server = malloc(sizeof(Server));
        if (!server)
                return log_error_errno(log, -ENOMEM, "Failed to allocate memory: %m");
        r = daemon_event_new(log, &event);
        if (r < 0)
                return r;
        r = server_init(server, event, options, log);
        if (r >= 0)
                r = server_add_listen_fds(server);
        if (r >= 0) {
                endpoint_format((const struct sockaddr *)&options->upstream, upstream);
                if (options->tailnet_domain.len > 0)
                        log_info(log,
                                 "Serving %s for instance '%s' on %zu UDP and %zu TCP sockets; other names "
                                 "go to %s as NAME.%s",
                                 options->domain_text, options->name, server->n_udp, server->n_tcp, upstream,
                                 options->tailnet_domain_text);
                else if (options->names.tailnet_domain_file)
                        log_info(log,
                                 "Serving %s for instance '%s' on %zu UDP and %zu TCP sockets; other names "
                                 "go to %s under the MagicDNS suffix in %s (now %s)",
                                 options->domain_text, options->name, server->n_udp, server->n_tcp, upstream,
                                 options->names.tailnet_domain_file,
                                 server->suffix.learned[0] ? server->suffix.learned : "unknown");
                else
                        log_info(log,
                                 "Serving %s for instance '%s' on %zu UDP and %zu TCP sockets; addresses "
                                 "only (no tailnet domain set).",
                                 options->domain_text, options->name, server->n_udp, server->n_tcp);
                r = daemon_watchdog_start(event, log, NULL);
                if (r >= 0)
                        r = daemon_run(event, NULL, log);
        }
        server_done(server);
        return r;
}

int main(int argc, char *argv[])
{
        DnsOptions options;
        Logger log;
        int r;

        logger_open_from_environment(&log, "tsproxy-dns", LOG_TARGET_AUTO);
        r = dns_options_parse(argc, argv, &options);
        if (r <= 0) {
                logger_close(&log);
                return r < 0 ? EXIT_BAD_ARGUMENTS : EXIT_SUCCESS;
        }

        r = run(&log, &options);
        logger_close(&log);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
