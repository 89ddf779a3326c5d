/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * localapi.c: tailscaled's LocalAPI client and status parser (localapi.h).
 *
 * The request is HTTP/1.0 with a Host of "local-tailscaled.sock" (client/local/local.go,
 * client/tailscale/apitype/apitype.go): Go's server then closes the connection after the
 * answer and does not chunk it; a chunked answer is decoded anyway. The whole exchange
 * has one deadline, each wait a poll(2) on a non-blocking socket.
 *
 * The status JSON (ipn/ipnstate/ipnstate.go Status) is read with json-c: BackendState,
 * AuthURL, TailscaleIPs, Self (PeerStatus: DNSName, UserID, TailscaleIPs, KeyExpiry),
 * MagicDNSSuffix, CurrentTailnet (TailnetStatus: Name, MagicDNSSuffix), Peer (map of
 * PeerStatus: Online), User (map of tailcfg.UserProfile keyed by the decimal UserID:
 * LoginName). Anything absent or of another type is left empty.
 */
#include "localapi.h"

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "macro.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);
DEFINE_TRIVIAL_CLEANUP_FUNC(json_tokener *, json_tokener_free);

int localapi_socket_path(const char *instance, char *buf, size_t size)
{
        int k = snprintf(buf, size, LOCALAPI_SOCKET_FMT, instance);

        return k < 0 || (size_t)k >= size ? -ENAMETOOLONG : 0;
}

static int64_t now_ms(void)
{
        struct timespec ts;

        (void)clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for events on fd until the deadline: 0, -ETIMEDOUT, or a poll error. */
static int wait_fd(int fd, short events, int64_t deadline)
{
        for (;;) {
                struct pollfd p = {.fd = fd, .events = events};
                int64_t left = deadline - now_ms();
                int k;

                if (left <= 0)
                        return -ETIMEDOUT;
                k = poll(&p, 1, (int)(left > 60000 ? 60000 : left));
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return negative_errno();
                if (k > 0)
                        return 0;
        }
}

static int connect_unix(const char *path, int64_t deadline, int *ret_fd)
{
        _cleanup_close_ int fd = -EBADF;
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int r, err = 0;
        socklen_t len = sizeof(err);

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return negative_errno();
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                if (errno != EAGAIN && errno != EINPROGRESS)
                        return negative_errno();
                /* The listen backlog is full: wait for room, then see how it went. */
                r = wait_fd(fd, POLLOUT, deadline);
                if (r < 0)
                        return r;
                if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
                        return negative_errno();
                if (err)
                        return -err;
        }
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int send_all(int fd, const char *p, size_t n, int64_t deadline)
{
        while (n > 0) {
                ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
                int r;

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0 && errno == EAGAIN) {
                        r = wait_fd(fd, POLLOUT, deadline);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (k < 0)
                        return negative_errno();
                p += k;
                n -= (size_t)k;
        }
        return 0;
}

/* Read until EOF, at most max bytes plus one for the terminating NUL. */
static int recv_all(int fd, size_t max, int64_t deadline, char **ret, size_t *ret_size)
{
        _cleanup_free_ char *buf = NULL;
        size_t n = 0, allocated = 0;

        for (;;) {
                ssize_t k;
                int r;

                if (n + 1 >= allocated) {
                        size_t a = allocated ? allocated * 2 : 16384;
                        char *p;

                        if (allocated > max + 1)
                                return -EFBIG;
                        if (a > max + 2)
                                a = max + 2;
                        p = realloc(buf, a);
                        if (!p)
                                return -ENOMEM;
                        buf = p;
                        allocated = a;
                }
                k = recv(fd, buf + n, allocated - 1 - n, 0);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0 && errno == EAGAIN) {
                        r = wait_fd(fd, POLLIN, deadline);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (k < 0)
                        return negative_errno();
                if (k == 0)
                        break;
                n += (size_t)k;
                if (n > max)
                        return -EFBIG;
        }
        buf[n] = '\0';
        *ret_size = n;
        *ret = TAKE_PTR(buf);
        return 0;
}

/* Decode a chunked body in place; the result is NUL-terminated. */
static int dechunk(char *body, size_t size, size_t *ret_size)
{
        char *in = body, *end = body + size, *out = body;

        for (;;) {
                char *e;
                unsigned long long len;

                len = strtoull(in, &e, 16);
                if (e == in)
                        return -EBADMSG;
                e = memmem(e, (size_t)(end - e), "\r\n", 2); /* chunk extensions ignored */
                if (!e)
                        return -EBADMSG;
                in = e + 2;
                if (len == 0)
                        break;
                if (len > (unsigned long long)(end - in) || (size_t)(end - in) - len < 2)
                        return -EBADMSG;
                memmove(out, in, len);
                out += len;
                in += len + 2;
        }
        *out = '\0';
        *ret_size = (size_t)(out - body);
        return 0;
}

/* Split an answer into status code and body (moved to the start of buf). */
static int response_parse(char *buf, size_t size, int *ret_status, size_t *ret_body_size)
{
        char *head_end, *line, *next;
        bool chunked = false, have_length = false;
        unsigned long long length = 0;
        int status;
        size_t body_size;

        head_end = strstr(buf, "\r\n\r\n");
        if (!head_end)
                return -EBADMSG;
        *head_end = '\0';
        if (sscanf(buf, "HTTP/1.%*1[01] %3d", &status) != 1 || status < 100 || status > 999)
                return -EBADMSG;
        for (line = strstr(buf, "\r\n"); line; line = next) {
                char *colon, *v;

                line += 2;
                next = strstr(line, "\r\n");
                if (next)
                        *next = '\0';
                colon = strchr(line, ':');
                if (!colon)
                        return -EBADMSG;
                *colon = '\0';
                for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
                        ;
                if (strcasecmp(line, "Transfer-Encoding") == 0 && strcasestr(v, "chunked"))
                        chunked = true;
                else if (strcasecmp(line, "Content-Length") == 0) {
                        char *e;

                        errno = 0;
                        length = strtoull(v, &e, 10);
                        if (errno || e == v || *e)
                                return -EBADMSG;
                        have_length = true;
                }
                if (next)
                        *next = '\r';
        }
        body_size = size - (size_t)(head_end + 4 - buf);
        memmove(buf, head_end + 4, body_size);
        buf[body_size] = '\0';
        if (chunked) {
                int r = dechunk(buf, body_size, &body_size);
                if (r < 0)
                        return r;
        } else if (have_length) {
                if (length > body_size)
                        return -EBADMSG; /* cut short */
                body_size = (size_t)length;
                buf[body_size] = '\0';
        }
        *ret_status = status;
        *ret_body_size = body_size;
        return 0;
}

int localapi_request(const char *socket_path, const char *method, const char *path, const char *body,
                     int timeout_ms, int *ret_status, char **ret_body)
{
        int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : LOCALAPI_TIMEOUT_MS);
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *head = NULL, *answer = NULL;
        size_t n, body_size;
        int r, status;

        r = connect_unix(socket_path, deadline, &fd);
        if (r < 0)
                return r;
        if (asprintf(&head,
                     "%s " LOCALAPI_PREFIX "%s HTTP/1.0\r\nHost: " LOCALAPI_HOST "\r\n"
                     "Connection: close\r\n%s%zu\r\n\r\n",
                     method, path,
                     body ? "Content-Type: application/json\r\nContent-Length: " : "Content-Length: ",
                     body ? strlen(body) : 0) < 0) {
                head = NULL;
                return -ENOMEM;
        }
        r = send_all(fd, head, strlen(head), deadline);
        if (r >= 0 && body)
                r = send_all(fd, body, strlen(body), deadline);
        if (r < 0)
                return r;
        (void)shutdown(fd, SHUT_WR);
        r = recv_all(fd, LOCALAPI_RESPONSE_MAX + 65536, deadline, &answer, &n);
        if (r < 0)
                return r;
        r = response_parse(answer, n, &status, &body_size);
        if (r < 0)
                return r;
        if (body_size > LOCALAPI_RESPONSE_MAX)
                return -EFBIG;
        *ret_status = status;
        if (ret_body)
                *ret_body = TAKE_PTR(answer);
        return 0;
}

int localapi_parse_time(const char *s, time_t *ret)
{
        struct tm tm = {};
        const char *p;
        long offset = 0;
        time_t t;

        p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
        if (!p)
                return -EINVAL;
        if (*p == '.') /* fractions of a second */
                for (p++; *p >= '0' && *p <= '9'; p++)
                        ;
        if (*p == 'Z' || *p == 'z')
                p++;
        else if (*p == '+' || *p == '-') {
                int h, m;
                char sign = *p;

                if (sscanf(p + 1, "%2d:%2d", &h, &m) != 2 || h > 23 || m > 59 || strlen(p) != 6)
                        return -EINVAL;
                offset = (h * 60L + m) * 60L * (sign == '+' ? 1 : -1);
                p += 6;
        } else
                return -EINVAL;
        if (*p)
                return -EINVAL;
        t = timegm(&tm);
        if (t == (time_t)-1)
                return -EINVAL;
        *ret = t - offset;
        return 0;
}

static const char *get_string(json_object *o, const char *key)
{
        json_object *v;

        if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

static void copy_string(json_object *o, const char *key, char *buf, size_t size)
{
        const char *s = get_string(o, key);

        if (s)
                snprintf(buf, size, "%s", s);
}

static json_object *get_object(json_object *o, const char *key)
{
        json_object *v;

        if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_object))
                return NULL;
        return v;
}

static size_t copy_ips(json_object *o, char ips[][64], size_t max)
{
        json_object *v;
        size_t n = 0;

        if (!o || !json_object_object_get_ex(o, "TailscaleIPs", &v) ||
            !json_object_is_type(v, json_type_array))
                return 0;
        for (size_t i = 0; i < json_object_array_length(v) && n < max; i++) {
                json_object *e = json_object_array_get_idx(v, i);

                if (json_object_is_type(e, json_type_string))
                        snprintf(ips[n++], 64, "%s", json_object_get_string(e));
        }
        return n;
}

int localapi_status_parse(const char *json, size_t size, TailnetStatus *ret)
{
        _cleanup_(json_tokener_freep) json_tokener *tok = NULL;
        _cleanup_(json_object_putp) json_object *root = NULL;
        json_object *self, *tailnet, *peers, *users, *v;
        TailnetStatus s = {};

        if (size > LOCALAPI_RESPONSE_MAX || size > INT32_MAX)
                return -EBADMSG;
        tok = json_tokener_new();
        if (!tok)
                return -ENOMEM;
        root = json_tokener_parse_ex(tok, json, (int)size);
        if (!root || json_tokener_get_error(tok) != json_tokener_success ||
            !json_object_is_type(root, json_type_object))
                return -EBADMSG;
        for (size_t i = json_tokener_get_parse_end(tok); i < size; i++) /* one value, then only space */
                if (json[i] != ' ' && json[i] != '\t' && json[i] != '\r' && json[i] != '\n')
                        return -EBADMSG;
        if (!get_string(root, "BackendState"))
                return -EBADMSG;
        copy_string(root, "BackendState", s.backend_state, sizeof(s.backend_state));
        copy_string(root, "AuthURL", s.auth_url, sizeof(s.auth_url));
        copy_string(root, "MagicDNSSuffix", s.magicdns_suffix, sizeof(s.magicdns_suffix));
        tailnet = get_object(root, "CurrentTailnet");
        copy_string(tailnet, "Name", s.tailnet_name, sizeof(s.tailnet_name));
        copy_string(tailnet, "MagicDNSSuffix", s.magicdns_suffix, sizeof(s.magicdns_suffix));

        self = get_object(root, "Self");
        copy_string(self, "DNSName", s.dns_name, sizeof(s.dns_name));
        s.n_ips = copy_ips(self, s.ips, LOCALAPI_IPS_MAX);
        if (s.n_ips == 0)
                s.n_ips = copy_ips(root, s.ips, LOCALAPI_IPS_MAX);
        if (get_string(self, "KeyExpiry") &&
            localapi_parse_time(get_string(self, "KeyExpiry"), &s.key_expiry) >= 0)
                s.has_key_expiry = true;

        users = get_object(root, "User");
        if (self && users && json_object_object_get_ex(self, "UserID", &v) &&
            json_object_is_type(v, json_type_int)) {
                char id[32];

                snprintf(id, sizeof(id), "%" PRId64, json_object_get_int64(v));
                copy_string(get_object(users, id), "LoginName", s.login_name, sizeof(s.login_name));
        }

        peers = get_object(root, "Peer");
        if (peers) {
                json_object_object_foreach(peers, key, peer)
                {
                        (void)key;
                        if (!json_object_is_type(peer, json_type_object))
                                continue;
                        s.peers_total++;
                        if (json_object_object_get_ex(peer, "Online", &v) && json_object_get_boolean(v) &&
                            json_object_is_type(v, json_type_boolean))
                                s.peers_online++;
                }
        }
        *ret = s;
        return 0;
}

int localapi_status(const char *socket_path, int timeout_ms, TailnetStatus *ret)
{
        _cleanup_free_ char *body = NULL;
        int r, status;

        r = localapi_request(socket_path, "GET", "status", NULL, timeout_ms, &status, &body);
        if (r < 0)
                return r;
        if (status != 200)
                return -EPROTO;
        return localapi_status_parse(body, strlen(body), ret);
}

char *localapi_json_string(const char *s)
{
        _cleanup_(json_object_putp) json_object *o = json_object_new_string(s);
        const char *t;

        if (!o)
                return NULL;
        t = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        return t ? strdup(t) : NULL;
}
