/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * localapi.h: a small client of tailscaled's LocalAPI (HTTP over its unix socket), and
 * the pure parser of its status answer.
 *
 * tsproxy reads what an instance's tailscaled knows (backend state, tailnet, user,
 * addresses, key expiry, peers) from GET /localapi/v0/status, never from the human
 * output of the tailscale CLI. Facts from tailscale's source:
 *  - client/local/local.go: requests go to http://local-tailscaled.sock/localapi/v0/...
 *    (apitype.LocalAPIHost) over the unix socket; ipn/localapi/localapi.go validHost
 *    accepts that Host (or none); the Tailscale-Version header is not required of clients.
 *  - ipn/localapi/localapi.go: routes status (GET), start, login-interactive, logout
 *    (POST, 204), prefs (GET, PATCH).
 *  - ipn/ipnstate/ipnstate.go Status, PeerStatus, TailnetStatus; tailcfg/tailcfg.go
 *    UserProfile: the JSON field names read here.
 * One request per connection (HTTP/1.1 with Connection: close), a deadline for the whole
 * exchange (poll), a bounded response. Library code: no logging, negative errno.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define LOCALAPI_HOST         "local-tailscaled.sock"
#define LOCALAPI_PREFIX       "/localapi/v0/"
#define LOCALAPI_RESPONSE_MAX (16u << 20) /* a status with thousands of peers fits */
#define LOCALAPI_TIMEOUT_MS   5000
#define LOCALAPI_IPS_MAX      4

/* What tsproxy shows of GET /localapi/v0/status. Strings are "" when absent. */
typedef struct TailnetStatus {
        char backend_state[32];    /* BackendState: NoState, NeedsLogin, Stopped, Starting, Running, ... */
        char auth_url[512];        /* AuthURL */
        char tailnet_name[256];    /* CurrentTailnet.Name */
        char magicdns_suffix[256]; /* CurrentTailnet.MagicDNSSuffix, else MagicDNSSuffix */
        char dns_name[256];        /* Self.DNSName */
        char ips[LOCALAPI_IPS_MAX][64]; /* Self.TailscaleIPs, else TailscaleIPs */
        size_t n_ips;
        char login_name[256]; /* User[Self.UserID].LoginName */
        bool has_key_expiry;
        time_t key_expiry;     /* Self.KeyExpiry (RFC 3339), when has_key_expiry */
        unsigned peers_total;  /* entries of Peer */
        unsigned peers_online; /* of which Online */
} TailnetStatus;

/* The instance's LocalAPI socket, as the generator gives tailscaled --socket=. */
#define LOCALAPI_SOCKET_FMT "/run/tailscale-%s/tailscaled.sock"
int localapi_socket_path(const char *instance, char *buf, size_t size);

/*
 * One request: method ("GET", "POST", "PATCH"), path below /localapi/v0/ ("status",
 * "start", ...; a query may follow), body (JSON, or NULL for none). *ret_status gets the
 * HTTP status code, *ret_body the body (malloc'd, NUL-terminated; may be NULL).
 * timeout_ms bounds the whole exchange. Errors: -ENOENT/-ECONNREFUSED (no daemon),
 * -ETIMEDOUT, -EFBIG (answer over LOCALAPI_RESPONSE_MAX), -EBADMSG (not HTTP).
 */
int localapi_request(const char *socket_path, const char *method, const char *path, const char *body,
                     int timeout_ms, int *ret_status, char **ret_body);

/* Pure: parse a status answer. -EBADMSG: not JSON, or not an object, or no BackendState. */
int localapi_status_parse(const char *json, size_t size, TailnetStatus *ret);

/* GET status?peers=true and parse it; an HTTP status other than 200 is -EPROTO. */
int localapi_status(const char *socket_path, int timeout_ms, TailnetStatus *ret);

/* Pure: "2025-06-01T12:00:00Z", "...+02:00", with fractions: 0 and *ret, or -EINVAL. */
int localapi_parse_time(const char *s, time_t *ret);

/* Pure: a JSON string literal of s (quotes, escapes), for request bodies. malloc'd. */
char *localapi_json_string(const char *s);
