/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-localapi: the LocalAPI client (helpers/lib/localapi.c). The status parser on
 * answers shaped as tailscaled writes them (ipn/ipnstate/ipnstate.go Status, PeerStatus,
 * TailnetStatus; tailcfg.UserProfile; field names and nesting as there): a logged-in
 * node with peers, NeedsLogin with an AuthURL, missing fields, garbage; RFC 3339 times;
 * and the transport against a small unix-socket server forked by the test: the request
 * it sends, Content-Length and chunked answers, a server that never answers (timeout),
 * an answer over the size bound, no socket.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "localapi.h"
#include "macro.h"

static const char running[] =
        "{\n"
        "  \"Version\": \"1.90.0-t1234abcd-g5678\",\n"
        "  \"TUN\": true,\n"
        "  \"BackendState\": \"Running\",\n"
        "  \"HaveNodeKey\": true,\n"
        "  \"AuthURL\": \"\",\n"
        "  \"TailscaleIPs\": [\"100.101.102.103\", \"fd7a:115c:a1e0::1234\"],\n"
        "  \"Self\": {\n"
        "    \"ID\": \"nABCDEF1CNTRL\",\n"
        "    \"PublicKey\": \"nodekey:0123\",\n"
        "    \"HostName\": \"gw\",\n"
        "    \"DNSName\": \"gw.tail1234.ts.net.\",\n"
        "    \"OS\": \"linux\",\n"
        "    \"UserID\": 5432109876543,\n"
        "    \"TailscaleIPs\": [\"100.101.102.103\", \"fd7a:115c:a1e0::1234\"],\n"
        "    \"Online\": true,\n"
        "    \"KeyExpiry\": \"2030-01-02T03:04:05Z\"\n"
        "  },\n"
        "  \"Health\": [],\n"
        "  \"MagicDNSSuffix\": \"tail1234.ts.net\",\n"
        "  \"CurrentTailnet\": {\n"
        "    \"Name\": \"alice@example.com\",\n"
        "    \"MagicDNSSuffix\": \"tail1234.ts.net\",\n"
        "    \"MagicDNSEnabled\": true\n"
        "  },\n"
        "  \"CertDomains\": [\"gw.tail1234.ts.net\"],\n"
        "  \"Peer\": {\n"
        "    \"nodekey:aa\": {\"ID\": \"n1\", \"HostName\": \"a\", \"UserID\": 5432109876543, \"Online\": "
        "true},\n"
        "    \"nodekey:bb\": {\"ID\": \"n2\", \"HostName\": \"b\", \"UserID\": 7, \"Online\": false},\n"
        "    \"nodekey:cc\": {\"ID\": \"n3\", \"HostName\": \"c\", \"UserID\": 7, \"Online\": true,\n"
        "                     \"KeyExpiry\": \"2020-01-01T00:00:00Z\"}\n"
        "  },\n"
        "  \"User\": {\n"
        "    \"7\": {\"ID\": 7, \"LoginName\": \"bob@example.com\", \"DisplayName\": \"Bob\"},\n"
        "    \"5432109876543\": {\"ID\": 5432109876543, \"LoginName\": \"alice@example.com\",\n"
        "                        \"DisplayName\": \"Alice\", \"ProfilePicURL\": \"\"}\n"
        "  },\n"
        "  \"ClientVersion\": null\n"
        "}\n";

static void test_status_running(void **state)
{
        TailnetStatus s;
        time_t expected;

        assert_int_equal(localapi_status_parse(running, strlen(running), &s), 0);
        assert_string_equal(s.backend_state, "Running");
        assert_string_equal(s.auth_url, "");
        assert_string_equal(s.tailnet_name, "alice@example.com");
        assert_string_equal(s.magicdns_suffix, "tail1234.ts.net");
        assert_string_equal(s.dns_name, "gw.tail1234.ts.net.");
        assert_int_equal(s.n_ips, 2);
        assert_string_equal(s.ips[0], "100.101.102.103");
        assert_string_equal(s.ips[1], "fd7a:115c:a1e0::1234");
        assert_string_equal(s.login_name, "alice@example.com");
        assert_true(s.has_key_expiry);
        assert_int_equal(localapi_parse_time("2030-01-02T03:04:05Z", &expected), 0);
        assert_int_equal(s.key_expiry, expected);
        assert_int_equal(s.key_expiry, 1893553445);
        assert_int_equal(s.peers_total, 3);
        assert_int_equal(s.peers_online, 2);
}

static void test_status_needs_login(void **state)
{
        /* As ipn/ipnlocal/local.go fills it without a netmap: Self without addresses,
         * CurrentTailnet, Peer and User null. */
        const char *json =
                "{\"Version\":\"1.90.0\",\"TUN\":true,\"BackendState\":\"NeedsLogin\","
                "\"AuthURL\":\"https://login.tailscale.com/a/1a2b3c4d5e6f\",\"TailscaleIPs\":null,"
                "\"Self\":{\"ID\":\"\",\"PublicKey\":\"nodekey:0000\",\"HostName\":\"gw\","
                "\"DNSName\":\"\",\"OS\":\"linux\",\"UserID\":0,\"TailscaleIPs\":null,"
                "\"Online\":false},\"Health\":[\"not logged in\"],\"MagicDNSSuffix\":\"\","
                "\"CurrentTailnet\":null,\"CertDomains\":null,\"Peer\":null,\"User\":null,"
                "\"ClientVersion\":null}";
        TailnetStatus s;

        assert_int_equal(localapi_status_parse(json, strlen(json), &s), 0);
        assert_string_equal(s.backend_state, "NeedsLogin");
        assert_string_equal(s.auth_url, "https://login.tailscale.com/a/1a2b3c4d5e6f");
        assert_string_equal(s.tailnet_name, "");
        assert_string_equal(s.magicdns_suffix, "");
        assert_string_equal(s.login_name, "");
        assert_int_equal(s.n_ips, 0);
        assert_false(s.has_key_expiry);
        assert_int_equal(s.peers_total, 0);
}

static void test_status_missing_and_odd_fields(void **state)
{
        TailnetStatus s;
        /* Only BackendState; MagicDNSSuffix only at the top level; wrong types ignored. */
        const char *min = "{\"BackendState\":\"Stopped\"}";
        const char *odd = "{\"BackendState\":\"Running\",\"MagicDNSSuffix\":\"old.ts.net\","
                          "\"TailscaleIPs\":[\"100.64.0.9\",7],\"Self\":{\"UserID\":\"3\",\"KeyExpiry\":"
                          "\"not a time\",\"TailscaleIPs\":[]},\"CurrentTailnet\":[],\"Peer\":{\"x\":1,"
                          "\"y\":{\"Online\":\"yes\"}},\"User\":{\"3\":{\"LoginName\":\"x\"}}}";

        assert_int_equal(localapi_status_parse(min, strlen(min), &s), 0);
        assert_string_equal(s.backend_state, "Stopped");
        assert_string_equal(s.dns_name, "");
        assert_int_equal(localapi_status_parse(odd, strlen(odd), &s), 0);
        assert_string_equal(s.magicdns_suffix, "old.ts.net");
        assert_int_equal(s.n_ips, 1);
        assert_string_equal(s.ips[0], "100.64.0.9");
        assert_string_equal(s.login_name, ""); /* UserID a string: not a user */
        assert_false(s.has_key_expiry);
        assert_int_equal(s.peers_total, 1);
        assert_int_equal(s.peers_online, 0);
}

static void test_status_garbage(void **state)
{
        static const char *const bad[] = {
                "",
                "{",
                "null",
                "[]",
                "\"Running\"",
                "{\"BackendState\":3}",
                "{\"Version\":\"1\"}",
                "{\"BackendState\":\"Running\"} trailing",
                "<html>502</html>",
        };
        TailnetStatus s;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(localapi_status_parse(bad[i], strlen(bad[i]), &s), -EBADMSG);
}

static void test_parse_time(void **state)
{
        time_t t;

        assert_int_equal(localapi_parse_time("1970-01-01T00:00:00Z", &t), 0);
        assert_int_equal(t, 0);
        assert_int_equal(localapi_parse_time("2025-06-01T12:00:00.123456789Z", &t), 0);
        assert_int_equal(t, 1748779200);
        assert_int_equal(localapi_parse_time("2025-06-01T14:00:00+02:00", &t), 0);
        assert_int_equal(t, 1748779200);
        assert_int_equal(localapi_parse_time("2025-06-01T11:30:00-00:30", &t), 0);
        assert_int_equal(t, 1748779200);
        assert_int_equal(localapi_parse_time("2025-06-01 12:00:00", &t), -EINVAL);
        assert_int_equal(localapi_parse_time("2025-06-01T12:00:00", &t), -EINVAL);
        assert_int_equal(localapi_parse_time("2025-06-01T12:00:00Zx", &t), -EINVAL);
        assert_int_equal(localapi_parse_time("", &t), -EINVAL);
}

static void test_json_string(void **state)
{
        _cleanup_free_ char *a = localapi_json_string("tskey-auth-k\"1\\/\n");

        assert_non_null(a);
        assert_string_equal(a, "\"tskey-auth-k\\\"1\\\\/\\n\"");
}

/* --- transport: a forked server answering one connection with a canned reply ------- */

typedef struct Server {
        char dir[64];
        char path[128];
        pid_t pid;
        int request_fd; /* the request the server read, for the test to check */
} Server;

/* mode: 0 answer reply after reading the request; 1 never answer. */
static void server_start(Server *s, const char *reply, size_t reply_size, int mode)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int fd, pipefd[2];

        strcpy(s->dir, "/tmp/test-localapi-XXXXXX");
        assert_non_null(mkdtemp(s->dir));
        snprintf(s->path, sizeof(s->path), "%s/tailscaled.sock", s->dir);
        strcpy(sa.sun_path, s->path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        assert_int_equal(listen(fd, 4), 0);
        assert_int_equal(pipe(pipefd), 0);
        s->pid = fork();
        assert_true(s->pid >= 0);
        if (s->pid == 0) {
                char req[4096];
                size_t n = 0;
                int c = accept(fd, NULL, NULL);

                if (c < 0)
                        _exit(1);
                /* Read until the client half-closes (it sends no more after its body). */
                for (;;) {
                        ssize_t k = read(c, req + n, sizeof(req) - n);
                        if (k <= 0)
                                break;
                        n += (size_t)k;
                        if (n == sizeof(req))
                                break;
                }
                (void)!write(pipefd[1], req, n);
                close(pipefd[1]);
                if (mode == 1)
                        pause();
                for (size_t off = 0; off < reply_size;) {
                        ssize_t k = write(c, reply + off, reply_size - off);
                        if (k <= 0)
                                break;
                        off += (size_t)k;
                }
                close(c);
                _exit(0);
        }
        close(fd);
        close(pipefd[1]);
        s->request_fd = pipefd[0];
}

static void server_stop(Server *s, char *req, size_t size)
{
        ssize_t n;

        (void)kill(s->pid, SIGKILL);
        (void)waitpid(s->pid, NULL, 0);
        n = read(s->request_fd, req, size - 1);
        req[n > 0 ? n : 0] = '\0';
        close(s->request_fd);
        unlink(s->path);
        rmdir(s->dir);
}

static void test_request_content_length(void **state)
{
        const char reply[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 28\r\n"
                             "Tailscale-Version: 1.90.0\r\n\r\n{\"BackendState\":\"Starting\"}\n";
        _cleanup_free_ char *body = NULL;
        char req[4096];
        Server s;
        int status = 0;

        server_start(&s, reply, strlen(reply), 0);
        assert_int_equal(localapi_request(s.path, "GET", "status", NULL, 2000, &status, &body), 0);
        server_stop(&s, req, sizeof(req));
        assert_int_equal(status, 200);
        assert_string_equal(body, "{\"BackendState\":\"Starting\"}\n");
        assert_non_null(strstr(req, "GET /localapi/v0/status HTTP/1.0\r\n"));
        assert_non_null(strstr(req, "\r\nHost: local-tailscaled.sock\r\n"));
}

static void test_request_post_body(void **state)
{
        const char reply[] = "HTTP/1.1 204 No Content\r\n\r\n";
        _cleanup_free_ char *body = NULL;
        const char *json = "{\"AuthKey\":\"tskey-auth-ok-1\"}";
        char req[4096], expected[256];
        Server s;
        int status = 0;

        server_start(&s, reply, strlen(reply), 0);
        assert_int_equal(localapi_request(s.path, "POST", "start", json, 2000, &status, &body), 0);
        server_stop(&s, req, sizeof(req));
        assert_int_equal(status, 204);
        assert_string_equal(body, "");
        assert_non_null(strstr(req, "POST /localapi/v0/start HTTP/1.0\r\n"));
        snprintf(expected, sizeof(expected), "Content-Length: %zu\r\n\r\n%s", strlen(json), json);
        assert_non_null(strstr(req, expected));
}

static void test_request_chunked(void **state)
{
        const char reply[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "5\r\n{\"Bac\r\n15;ext=1\r\nkendState\":\"Running\"}\r\n0\r\n\r\n";
        _cleanup_free_ char *body = NULL;
        char req[4096];
        Server s;
        int status = 0;

        server_start(&s, reply, strlen(reply), 0);
        assert_int_equal(localapi_request(s.path, "GET", "status", NULL, 2000, &status, &body), 0);
        server_stop(&s, req, sizeof(req));
        assert_string_equal(body, "{\"BackendState\":\"Running\"}");
}

static void test_request_errors(void **state)
{
        const char garbage[] = "SSH-2.0-OpenSSH\r\n\r\n";
        const char short_body[] = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{}";
        _cleanup_free_ char *big = NULL;
        char req[4096];
        TailnetStatus st;
        Server s;
        int status;
        size_t n = LOCALAPI_RESPONSE_MAX + 70000;

        assert_int_equal(
                localapi_request("/nonexistent/tailscaled.sock", "GET", "status", NULL, 500, &status, NULL),
                -ENOENT);

        server_start(&s, NULL, 0, 1);
        assert_int_equal(localapi_request(s.path, "GET", "status", NULL, 300, &status, NULL), -ETIMEDOUT);
        server_stop(&s, req, sizeof(req));

        server_start(&s, garbage, strlen(garbage), 0);
        assert_int_equal(localapi_request(s.path, "GET", "status", NULL, 2000, &status, NULL), -EBADMSG);
        server_stop(&s, req, sizeof(req));

        server_start(&s, short_body, strlen(short_body), 0);
        assert_int_equal(localapi_request(s.path, "GET", "status", NULL, 2000, &status, NULL), -EBADMSG);
        server_stop(&s, req, sizeof(req));

        big = malloc(n);
        assert_non_null(big);
        memset(big, ' ', n);
        memcpy(big, "HTTP/1.1 200 OK\r\n\r\n", 19);
        server_start(&s, big, n, 0);
        assert_int_equal(localapi_request(s.path, "GET", "status", NULL, 5000, &status, NULL), -EFBIG);
        server_stop(&s, req, sizeof(req));

        /* localapi_status(): an HTTP error is -EPROTO. */
        server_start(&s, "HTTP/1.1 403 Forbidden\r\n\r\ninvalid localapi request\n", 52, 0);
        assert_int_equal(localapi_status(s.path, 2000, &st), -EPROTO);
        server_stop(&s, req, sizeof(req));
}

static void test_socket_path(void **state)
{
        char buf[64];

        assert_int_equal(localapi_socket_path("fgpu", buf, sizeof(buf)), 0);
        assert_string_equal(buf, "/run/tailscale-fgpu/tailscaled.sock");
        assert_int_equal(localapi_socket_path("fgpu", buf, 10), -ENAMETOOLONG);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_status_running),
                cmocka_unit_test(test_status_needs_login),
                cmocka_unit_test(test_status_missing_and_odd_fields),
                cmocka_unit_test(test_status_garbage),
                cmocka_unit_test(test_parse_time),
                cmocka_unit_test(test_json_string),
                cmocka_unit_test(test_request_content_length),
                cmocka_unit_test(test_request_post_body),
                cmocka_unit_test(test_request_chunked),
                cmocka_unit_test(test_request_errors),
                cmocka_unit_test(test_socket_path),
        };

        signal(SIGPIPE, SIG_IGN);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
