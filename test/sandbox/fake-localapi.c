/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fake-localapi.c: the LocalAPI of the fake tailscaled (fake-localapi.h). Facts it
 * copies, from tailscale's source:
 *  - safesocket/unixsocket.go: refuse when a live socket answers; remove a stale one;
 *    MkdirAll(dir, 0755); chmod 0666.
 *  - ipn/localapi/localapi.go ServeHTTP/validHost: Host must be "" or
 *    "local-tailscaled.sock" (client/tailscale/apitype/apitype.go LocalAPIHost), no
 *    Referer, no Origin, else 403 "invalid localapi request"; the Tailscale-Version
 *    header; routes under /localapi/v0/; "want POST" on a wrong method of start,
 *    login-interactive, logout; status 204 for start, login-interactive, logout; prefs
 *    GET and PATCH (ipn.MaskedPrefs), errors as 400 {"Error":"..."}.
 *  - ipn/ipnstate/ipnstate.go Status and PeerStatus (field names and order), filled as
 *    ipn/ipnlocal/local.go updateStatusLocked does: CurrentTailnet and peers only with a
 *    netmap; Peer keyed "nodekey:<hex>"; User keyed by the decimal UserID.
 * Requests are read whole (headers and Content-Length body, at most 64 KiB, 2 s).
 */
#include "fake-localapi.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "fake-net.h"
#include "fileio.h"

#define REQUEST_MAX     65536
#define LOCALAPI_HOST   "local-tailscaled.sock"
#define LOCALAPI_PREFIX "/localapi/v0/"
#define KEY_EXPIRY_S    (180 * 24 * 3600)

int localapi_listen(const char *path, int *ret_fd)
{
        _cleanup_close_ int fd = -EBADF, probe = -EBADF;
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        char dir[sizeof(sa.sun_path)];
        char *slash;
        int r;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (probe < 0)
                return negative_errno();
        if (connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0)
                return -EADDRINUSE;
        (void)unlink(path);
        strcpy(dir, path);
        slash = strrchr(dir, '/');
        if (slash && slash != dir) {
                *slash = '\0';
                r = fileio_mkdir_p(dir, 0755);
                if (r < 0)
                        return r;
        }
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return negative_errno();
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0666) < 0 || listen(fd, 64) < 0)
                return negative_errno();
        *ret_fd = TAKE_FD(fd);
        return 0;
}

typedef struct Request {
        char method[16];
        char path[256]; /* without the query */
        char query[256];
        char host[256];
        bool has_host, referer, origin;
        JsonSlice body;
} Request;

static const char *reason(int code)
{
        switch (code) {
        case 200: return "OK";
        case 204: return "No Content";
        case 400: return "Bad Request";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 413: return "Request Entity Too Large";
        case 500: return "Internal Server Error";
        case 501: return "Not Implemented";
        default: return "Unknown";
        }
}

static void respond(int fd, int code, const char *content_type, const char *body)
{
        char head[512];
        size_t n = body ? strlen(body) : 0;
        int k;

        k = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d %s\r\nTailscale-Version: %s\r\nTailscale-Cap: 120\r\n%s%s%s"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                     code, reason(code), FAKE_VERSION, content_type ? "Content-Type: " : "",
                     content_type ?: "", content_type ? "\r\n" : "", n);
        (void)!write(fd, head, (size_t)k);
        if (n > 0)
                (void)!write(fd, body, n);
}

/* http.Error: text, a newline. */
static void respond_error(int fd, int code, const char *msg)
{
        char body[512];

        snprintf(body, sizeof(body), "%s\n", msg);
        respond(fd, code, "text/plain; charset=utf-8", body);
}

static void respond_json_error(int fd, int code, const char *msg)
{
        _cleanup_free_ char *buf = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&buf, &n);

        if (!f)
                return respond_error(fd, 500, "out of memory");
        fputs("{\"Error\":", f);
        json_write_string(f, msg);
        fputs("}\n", f);
        fclose(f);
        respond(fd, code, "application/json", buf);
}

/* Read the whole request into buf (NUL-terminated) and parse it. */
static int request_read(int fd, char *buf, size_t size, Request *req)
{
        size_t n = 0, header_len = 0, content_length = 0;
        char *end = NULL, *line, *save = NULL;

        while (!end) {
                ssize_t k;

                if (n + 1 >= size)
                        return -E2BIG;
                k = read(fd, buf + n, size - 1 - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return k < 0 ? negative_errno() : -EBADMSG;
                n += (size_t)k;
                buf[n] = '\0';
                end = strstr(buf, "\r\n\r\n");
        }
        header_len = (size_t)(end - buf) + 4;
        *end = '\0';

        *req = (Request){};
        line = strtok_r(buf, "\r\n", &save);
        {
                char target[512], version[16];
                char *q;

                if (!line || sscanf(line, "%15s %511s %15s", req->method, target, version) != 3 ||
                    strncmp(version, "HTTP/1.", 7) != 0)
                        return -EBADMSG;
                q = strchr(target, '?');
                if (q) {
                        *q = '\0';
                        snprintf(req->query, sizeof(req->query), "%s", q + 1);
                }
                if (strlen(target) >= sizeof(req->path))
                        return -EBADMSG;
                strcpy(req->path, target);
        }
        while ((line = strtok_r(NULL, "\r\n", &save))) {
                char *colon = strchr(line, ':'), *v;

                if (!colon)
                        return -EBADMSG;
                *colon = '\0';
                for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
                        ;
                if (strcasecmp(line, "Host") == 0) {
                        req->has_host = true;
                        snprintf(req->host, sizeof(req->host), "%s", v);
                } else if (strcasecmp(line, "Referer") == 0)
                        req->referer = true;
                else if (strcasecmp(line, "Origin") == 0)
                        req->origin = true;
                else if (strcasecmp(line, "Content-Length") == 0) {
                        char *e;
                        unsigned long long l = strtoull(v, &e, 10);
                        if (*e || l > size)
                                return -E2BIG;
                        content_length = (size_t)l;
                } else if (strcasecmp(line, "Transfer-Encoding") == 0)
                        return -EOPNOTSUPP;
        }
        if (header_len + content_length + 1 > size)
                return -E2BIG;
        while (n < header_len + content_length) {
                ssize_t k = read(fd, buf + n, header_len + content_length - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return k < 0 ? negative_errno() : -EBADMSG;
                n += (size_t)k;
        }
        buf[header_len + content_length] = '\0';
        req->body = (JsonSlice){buf + header_len, content_length};
        return 0;
}

/* A list of one address (or null), its lines indented by indent tabs. */
static void write_ips(FILE *f, uint32_t address, int indent)
{
        char a[IPV4_STRLEN];

        if (!address) {
                fputs("null", f);
                return;
        }
        ipv4_format(address, a);
        fprintf(f, "[\n%.*s\"%s\"\n%.*s]", indent + 1, "\t\t\t\t", a, indent, "\t\t\t\t");
}

static void write_time(FILE *f, time_t t)
{
        struct tm tm;
        char buf[32];

        gmtime_r(&t, &tm);
        strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
        fprintf(f, "\"%s\"", buf);
}

static void lowercase(char *s)
{
        for (; *s; s++)
                *s = (char)tolower((unsigned char)*s);
}

static void write_status(const Daemon *d, bool peers, FILE *f)
{
        bool netmap = d->state == STATE_RUNNING && d->login.logged_in;
        const Login *l = &d->login;
        char host[64], dns[256], health[512], a[IPV4_STRLEN];
        char zero_key[65];

        memset(zero_key, '0', 64);
        zero_key[64] = '\0';
        if (d->prefs.hostname[0])
                snprintf(host, sizeof(host), "%s", d->prefs.hostname);
        else if (gethostname(host, sizeof(host)) < 0)
                strcpy(host, "localhost");
        host[sizeof(host) - 1] = '\0';
        snprintf(dns, sizeof(dns), "%s.%s.", host, d->tailnet.magicdns_suffix);
        lowercase(dns);

        fprintf(f, "{\n\t\"Version\": \"%s\",\n\t\"TUN\": %s,\n\t\"BackendState\": \"%s\",\n", FAKE_VERSION,
                d->tun ? "true" : "false", backend_state_to_string(d->state));
        if (l->logged_in)
                fputs("\t\"HaveNodeKey\": true,\n", f);
        fputs("\t\"AuthURL\": ", f);
        json_write_string(f, d->auth_url);
        fputs(",\n\t\"TailscaleIPs\": ", f);
        write_ips(f, netmap ? l->address : 0, 1);

        /* Self */
        fprintf(f, ",\n\t\"Self\": {\n\t\t\"ID\": \"%s%.10s%s\",\n\t\t\"PublicKey\": \"nodekey:%s\",",
                l->logged_in ? "n" : "", l->logged_in ? l->node_key : "", l->logged_in ? "CNTRL" : "",
                l->logged_in ? l->node_key : zero_key);
        fputs("\n\t\t\"HostName\": ", f);
        json_write_string(f, host);
        fputs(",\n\t\t\"DNSName\": ", f);
        json_write_string(f, netmap ? dns : "");
        fprintf(f, ",\n\t\t\"OS\": \"linux\",\n\t\t\"UserID\": %" PRIu64 ",\n\t\t\"TailscaleIPs\": ",
                l->logged_in ? l->user_id : 0);
        write_ips(f, netmap ? l->address : 0, 2);
        fprintf(f, ",\n\t\t\"Online\": %s", netmap ? "true" : "false");
        if (l->logged_in) {
                char path[4096], line[32];
                unsigned expiry = KEY_EXPIRY_S;

                /* The test knob NAME.key-expiry-s (fake-tailscaled.c). */
                snprintf(path, sizeof(path), "%s/%s.key-expiry-s", d->config_dir, d->name);
                if (fake_read_line(path, line, sizeof(line)) >= 0)
                        (void)fake_parse_unsigned(line, KEY_EXPIRY_S, &expiry);
                fputs(",\n\t\t\"KeyExpiry\": ", f);
                write_time(f, time(NULL) + expiry);
        }
        fputs("\n\t},\n\t\"Health\": [", f);
        if (*daemon_health(d, health, sizeof(health))) {
                fputs("\n\t\t", f);
                json_write_string(f, health);
                fputs("\n\t", f);
        }
        fputs("],\n\t\"MagicDNSSuffix\": ", f);
        json_write_string(f, netmap ? d->tailnet.magicdns_suffix : "");
        fputs(",\n\t\"CurrentTailnet\": ", f);
        if (netmap) {
                fputs("{\n\t\t\"Name\": ", f);
                json_write_string(f, d->tailnet.name);
                fputs(",\n\t\t\"MagicDNSSuffix\": ", f);
                json_write_string(f, d->tailnet.magicdns_suffix);
                fputs(",\n\t\t\"MagicDNSEnabled\": true\n\t}", f);
        } else
                fputs("null", f);
        fputs(",\n\t\"CertDomains\": null,\n\t\"Peer\": ", f);
        if (netmap && peers && d->tailnet.n_peers > 0) {
                fputs("{", f);
                for (size_t i = 0; i < d->tailnet.n_peers; i++) {
                        char key[65], name[64];

                        daemon_peer_key(d->tailnet.peers[i], key);
                        ipv4_format(d->tailnet.peers[i], a);
                        if (d->tailnet.peers[i] == 0x64400001u) /* 100.64.0.1 */
                                strcpy(name, "peer");
                        else {
                                snprintf(name, sizeof(name), "peer-%s", a);
                                for (char *c = name; *c; c++)
                                        if (*c == '.')
                                                *c = '-';
                        }
                        fprintf(f,
                                "%s\n\t\t\"nodekey:%s\": {\n\t\t\t\"ID\": \"n%.10sCNTRL\",\n\t\t\t"
                                "\"PublicKey\": \"nodekey:%s\",\n\t\t\t\"HostName\": \"%s\",\n\t\t\t"
                                "\"DNSName\": \"%s.%s.\",\n\t\t\t\"OS\": \"linux\",\n\t\t\t"
                                "\"UserID\": %" PRIu64 ",\n\t\t\t\"TailscaleIPs\": [\n\t\t\t\t\"%s\"\n"
                                "\t\t\t],\n\t\t\t\"Online\": true\n\t\t}",
                                i ? "," : "", key, key, key, name, name, d->tailnet.magicdns_suffix,
                                l->user_id, a);
                }
                fputs("\n\t}", f);
        } else
                fputs("null", f);
        fputs(",\n\t\"User\": ", f);
        if (l->logged_in) {
                char display[128];

                snprintf(display, sizeof(display), "%s", l->login_name);
                display[strcspn(display, "@")] = '\0';
                fprintf(f, "{\n\t\t\"%" PRIu64 "\": {\n\t\t\t\"ID\": %" PRIu64 ",\n\t\t\t\"LoginName\": ",
                        l->user_id, l->user_id);
                json_write_string(f, l->login_name);
                fputs(",\n\t\t\t\"DisplayName\": ", f);
                json_write_string(f, display);
                fputs("\n\t\t}\n\t}", f);
        } else
                fputs("null", f);
        fputs(",\n\t\"ClientVersion\": null\n}\n", f);
}

static void serve_json(int fd, void (*fn)(const void *, bool, FILE *), const void *arg, bool flag)
{
        _cleanup_free_ char *buf = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&buf, &n);

        if (!f)
                return respond_error(fd, 500, "out of memory");
        fn(arg, flag, f);
        fclose(f);
        respond(fd, 200, "application/json", buf);
}

static void status_fn(const void *d, bool peers, FILE *f)
{
        write_status(d, peers, f);
}

static void prefs_fn(const void *d, bool unused, FILE *f)
{
        (void)unused;
        prefs_write_json(&((const Daemon *)d)->prefs, f);
}

static bool want(int fd, const Request *req, const char *method)
{
        char msg[32];

        if (strcmp(req->method, method) == 0)
                return true;
        snprintf(msg, sizeof(msg), "want %s", method);
        respond_error(fd, 400, msg);
        return false;
}

static void serve_start(Daemon *d, int fd, const Request *req)
{
        JsonSlice v, prefs = {NULL, 0};
        char key[256] = "";
        int r;

        if (!want(fd, req, "POST"))
                return;
        if (json_validate(req->body) < 0 || !json_is_object(req->body))
                return respond_error(fd, 400, "invalid JSON body");
        if (json_object_get(req->body, "AuthKey", &v) >= 0 && json_get_string(v, key, sizeof(key)) < 0)
                return respond_error(fd, 400, "invalid AuthKey");
        if (json_object_get(req->body, "UpdatePrefs", &v) >= 0 && !json_is_null(v))
                prefs = v;
        r = daemon_start(d, key, prefs);
        if (r < 0)
                return respond_error(fd, 400, "invalid UpdatePrefs");
        respond(fd, 204, NULL, NULL);
}

static void serve_prefs(Daemon *d, int fd, const Request *req)
{
        if (strcmp(req->method, "GET") == 0)
                return serve_json(fd, prefs_fn, d, false);
        if (strcmp(req->method, "PATCH") != 0)
                return respond_error(fd, 400, "unsupported method");
        if (json_validate(req->body) < 0 || !json_is_object(req->body))
                return respond_json_error(fd, 400, "invalid JSON body");
        if (daemon_edit_prefs(d, req->body) < 0)
                return respond_json_error(fd, 400, "invalid prefs");
        serve_json(fd, prefs_fn, d, false);
}

static void dispatch(Daemon *d, int fd, const Request *req)
{
        const char *ep;

        if ((req->has_host && req->host[0] && strcmp(req->host, LOCALAPI_HOST) != 0) || req->referer ||
            req->origin)
                return respond_error(fd, 403, "invalid localapi request");
        if (strncmp(req->path, LOCALAPI_PREFIX, strlen(LOCALAPI_PREFIX)) != 0)
                return respond_error(fd, 404, "404 page not found");
        ep = req->path + strlen(LOCALAPI_PREFIX);
        log_debug(d->log, "LocalAPI: %s %s", req->method, req->path);

        if (strcmp(ep, "status") == 0) {
                if (!want(fd, req, "GET"))
                        return;
                daemon_tailnet_refresh(d);
                return serve_json(fd, status_fn, d, !strstr(req->query, "peers=false"));
        }
        if (strcmp(ep, "start") == 0)
                return serve_start(d, fd, req);
        if (strcmp(ep, "login-interactive") == 0) {
                if (!want(fd, req, "POST"))
                        return;
                (void)daemon_login_interactive(d);
                return respond(fd, 204, NULL, NULL);
        }
        if (strcmp(ep, "logout") == 0) {
                if (!want(fd, req, "POST"))
                        return;
                (void)daemon_logout(d);
                return respond(fd, 204, NULL, NULL);
        }
        if (strcmp(ep, "prefs") == 0)
                return serve_prefs(d, fd, req);
        respond_error(fd, 404, "404 page not found");
}

void localapi_serve(Daemon *d, int listen_fd)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        struct timeval tv = {.tv_sec = 2};
        Request req;
        int r;

        fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC); /* blocking, with timeouts */
        if (fd < 0) {
                if (errno != EAGAIN && errno != EINTR)
                        (void)log_full_errno(d->log, LOG_DEBUG, errno, "LocalAPI: accept: %m");
                return;
        }
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        buf = malloc(REQUEST_MAX);
        if (!buf)
                return;
        r = request_read(fd, buf, REQUEST_MAX, &req);
        if (r == -E2BIG)
                return respond_error(fd, 413, "request too large");
        if (r == -EOPNOTSUPP)
                return respond_error(fd, 501, "chunked bodies not supported");
        if (r < 0) {
                log_debug(d->log, "LocalAPI: bad request: %s", strerror(-r));
                return respond_error(fd, 400, "bad request");
        }
        dispatch(d, fd, &req);
}
