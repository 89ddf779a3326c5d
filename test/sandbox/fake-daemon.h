/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fake-daemon.h: the state of the fake tailscaled, shared by its main loop and state
 * machine (fake-tailscaled.c) and its LocalAPI (fake-localapi.c), and the actions the
 * LocalAPI asks of the state machine.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "fake-json.h"
#include "fake-router.h"
#include "fake-state.h"
#include "log.h"

#define FAKE_VERSION   "1.90.0-fake"
#define FAKE_PEERS_MAX 32
#define FAKE_MAGICDNS  "100.100.100.100"

/* ipn/backend.go State, in its numbering (Notify.State is this integer). */
typedef enum BackendState {
        STATE_NO_STATE = 0,
        STATE_IN_USE_OTHER_USER = 1,
        STATE_NEEDS_LOGIN = 2,
        STATE_NEEDS_MACHINE_AUTH = 3,
        STATE_STOPPED = 4,
        STATE_STARTING = 5,
        STATE_RUNNING = 6,
} BackendState;

const char *backend_state_to_string(BackendState s);

/* The simulated control server's view: tailnet name, MagicDNS suffix, login, peers. */
typedef struct Tailnet {
        char name[128];
        char magicdns_suffix[128];
        char login_name[128];
        uint32_t peers[FAKE_PEERS_MAX];
        size_t n_peers;
} Tailnet;

typedef struct Daemon {
        const Logger *log;
        char name[256];         /* the instance: NAME of a tailscale-NAME path component */
        const char *tun;        /* NULL: userspace-networking */
        const char *state_path; /* NULL: in memory only (mem:) */
        const char *var_root;   /* NULL: none (no derpmap cache, no Taildrop) */
        const char *config_dir; /* $FAKE_TAILNET_DIR */
        unsigned port;          /* the UDP port bound */
        uint32_t address;       /* the address the control server gives this node */
        Tailnet tailnet;
        Prefs prefs;
        Login login;
        BackendState state;
        char auth_url[128];
        char login_error[256]; /* the last login error, "" if none */
        bool key_login;        /* the last start carried an auth key: no login URL follows */
        Router router;
        int udp_fd;
        struct sockaddr_in peer;
        uint64_t running_at;     /* CLOCK_MONOTONIC ms when Starting turns Running; 0: not */
        uint64_t next_keepalive; /* ms; 0: none (not Running) */
} Daemon;

/* POST /localapi/v0/start: ipn.Options; update_prefs.p NULL when absent. -EINVAL: bad prefs. */
int daemon_start(Daemon *d, const char *auth_key, JsonSlice update_prefs);
/* POST /localapi/v0/login-interactive. */
int daemon_login_interactive(Daemon *d);
/* A new netmap: the tailnet knobs read again (a tailnet rename or move, tsproxy-login's
 * suffix file follows it). Before each status answer. */
void daemon_tailnet_refresh(Daemon *d);
/* POST /localapi/v0/logout. */
int daemon_logout(Daemon *d);
/* PATCH /localapi/v0/prefs: ipn.MaskedPrefs. -EINVAL: bad prefs. */
int daemon_edit_prefs(Daemon *d, JsonSlice masked);
/* Health messages of the current state (health/warnings.go texts), "" if healthy. */
const char *daemon_health(const Daemon *d, char *buf, size_t size);
/* The node key of a peer, from its address (stable, 64 hex digits). */
void daemon_peer_key(uint32_t address, char buf[static 65]);
