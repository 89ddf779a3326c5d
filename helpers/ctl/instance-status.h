/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * instance-status.h: every fact about one running (or not) instance, gathered once
 * (units over sd-bus, interfaces in the host and in the namespace, the nft table, the
 * journal of bad units) and then judged: each link of the chain is good, bad, or not
 * judged (a stopped instance has no namespace, and that is fine), with the fix for a
 * bad one. `list` and `status` (tree and JSON) all read this one structure.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "addr.h"
#include "config.h"
#include "ctl.h"
#include "host-facts.h"
#include "localapi.h"
#include "netcheck.h"
#include "netfacts.h"
#include "unit-state.h"
#include "units.h"

typedef enum Verdict {
        VERDICT_NONE, /* not judged: nothing expected (the instance or its unit is stopped) */
        VERDICT_GOOD,
        VERDICT_BAD,
} Verdict;

typedef struct UnitFacts {
        UnitState state;
        Verdict verdict;
        char **journal; /* last lines, for bad units only; NULL-terminated */
} UnitFacts;

typedef struct Link {
        Verdict verdict;
        char *fact; /* what was found, one line */
        char *fix;  /* what to do about it when bad, or NULL */
} Link;

typedef struct InstanceStatus {
        const InstanceConfig *config;
        char subnet[SUBNET_STRLEN];
        char host_ifname[IFNAMSIZ];
        char netns_path[256];
        char nft_table[64];
        bool enabled; /* AutoStart=yes or tsproxy@NAME.target enabled */

        CtlUnits units;
        UnitFacts target;
        bool degraded;         /* the target is active, a unit of it is not */
        UnitFacts *unit_facts; /* parallel to units.units */
        bool netns_up;         /* ts-netns@ is active: namespace, veth, forwarding expected */

        /* the namespace */
        int netns_error; /* 0, -ENOENT, -EMEDIUMTYPE, ... */
        NetFacts ns;
        NetRoutes routes; /* the namespace's routes */
        Link netns;
        Link route_default; /* "default via HOST dev host0" */
        Link route_tailnet; /* "unreachable 100.64.0.0/10" */
        /* the host end of the veth */
        bool veth_present;
        NetLink veth; /* a copy whose addrs point into the HostFacts */
        Link veth_link;
        /* the host's policy rules at 5200/5201 */
        Link rule_subnet;  /* to SUBNET lookup main */
        Link rule_iif;     /* iif ts-NAME lookup main */
        Link rule_barrier; /* iif ts-NAME unreachable */
        /* the backstop table inet tsguard-NAME (tsproxy-netns) */
        char guard_table[64];
        bool guard_present;
        Link guard;
        /* net.ipv4.ip_forward */
        bool forwarding;
        Link forwarding_link;
        /* the nft table */
        int nft_error;
        bool nft_present, masquerade;
        const char *nft_missing_chain; /* a static name, or NULL */
        uint64_t packets, bytes;
        Link nft;
        /* tailscaled's addresses on the tailnet (inside the namespace) */
        size_t n_tailnet;
        char (*tailnet)[IPNET_STRLEN]; /* every one, malloc'd */
        char tailnet_ifname[IFNAMSIZ];
        Link tailnet_link;
        /* tailscaled's own view, from GET /localapi/v0/status (localapi.h) while tailscaled@ is
         * active: localapi_asked, then localapi_error 0 and ts filled, or why it did not answer
         * (the login is then judged from STATUS=, as before). */
        bool localapi_asked;
        int localapi_error;
        TailnetStatus ts;

        bool ok; /* nothing judged bad */
} InstanceStatus;

/*
 * Gather and judge, with what h read of the host once for all instances. with_journal: read the journal of
 * bad units. named: the caller asked for this instance by name, so it is expected to run even when not
 * enabled (a stopped instance is then bad: "is it working?" - no). Returns 0, or a negative errno that stops
 * the command: -EPERM/-EACCES (the caller needs root for the namespace or nftables), -ENOMEM, a bus error.
 */
int instance_status_collect(const Ctl *ctl, sd_bus *bus, HostFacts *h, const InstanceConfig *c,
                            bool with_journal, bool named, InstanceStatus *ret);
void instance_status_done(InstanceStatus *s);

/* Logged in, from the LocalAPI's BackendState when it answered, else from STATUS=:
 * 1 yes, 0 no, -1 unknown (not running, or nothing known). */
int instance_status_logged_in(const InstanceStatus *s);
/* The fix for an instance that is not logged in. */
#define LOGIN_FIX "tsproxyctl login NAME (prints the login URL, or logs in with [Tailscale] AuthKeyFile=)"
/* A key expiring within this many seconds is a warning of doctor. */
#define KEY_EXPIRY_WARN_S (7 * 24 * 3600)
/* "2026-01-02 03:04 UTC (in 5 days)", "... (expired 2 hours ago)": malloc'd, NULL on ENOMEM. */
char *instance_status_expiry_text(time_t expiry, time_t now);

/* The unit's fix hint when it is bad. */
const char *instance_status_unit_fix(const InstanceStatus *s, size_t i);

/* The system bus for the commands that read unit states: 0, or logs and returns the
 * exit code (4 without systemd, 5 when refused). */
int ctl_bus_open(Ctl *ctl, sd_bus **ret);
/* Map a collection error to an exit code, logging it. */
int ctl_status_error(Ctl *ctl, const char *name, int r);
