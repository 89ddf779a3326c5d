/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* forward.c: --forward PROTO:LISTEN=TARGET (see forward.h). */
#include "forward.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

static bool name_valid(const char *s, size_t len)
{
        bool letter = false;

        if (len > 0 && s[len - 1] == '.')
                len--;
        if (len == 0 || len > FORWARD_NAME_MAX || s[0] == '.' || s[0] == '-')
                return false;
        for (size_t i = 0; i < len; i++) {
                char c = s[i];
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
                        letter = true;
                else if (!(c >= '0' && c <= '9') && c != '-' && c != '.')
                        return false;
                if (c == '.' && (s[i - 1] == '.' || s[i - 1] == '-'))
                        return false;
        }
        return letter && s[len - 1] != '-';
}

static int port_parse(const char *s, uint16_t *ret)
{
        unsigned long n = 0;

        if (!*s || *s == '0' || strlen(s) > 5)
                return -EINVAL;
        for (const char *p = s; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                n = n * 10 + (unsigned long)(*p - '0');
        }
        if (n > 65535)
                return -EINVAL;
        *ret = (uint16_t)n;
        return 0;
}

static bool unspecified(const struct sockaddr_storage *a)
{
        if (a->ss_family == AF_INET)
                return ((const struct sockaddr_in *)a)->sin_addr.s_addr == htonl(INADDR_ANY);
        return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)a)->sin6_addr);
}

int forward_spec_parse(const char *s, ForwardSpec *ret, const char **reason)
{
        ForwardSpec f = {};
        char listen[ENDPOINT_STRLEN];
        const char *eq, *target, *colon;
        size_t len;

        if (strncmp(s, "tcp:", 4) == 0)
                f.proto = FORWARD_PROTO_TCP;
        else if (strncmp(s, "udp:", 4) == 0)
                f.proto = FORWARD_PROTO_UDP;
        else {
                *reason = "expected tcp: or udp: first";
                return -EINVAL;
        }
        s += 4;
        eq = strchr(s, '=');
        if (!eq) {
                *reason = "expected LISTEN=TARGET after the protocol";
                return -EINVAL;
        }
        len = (size_t)(eq - s);
        if (len == 0 || len >= sizeof(listen) ||
            (memcpy(listen, s, len), listen[len] = '\0',
             endpoint_parse(listen, &f.listen, &f.listen_len) < 0)) {
                *reason = "LISTEN is not an endpoint (A.B.C.D:PORT or [IPV6]:PORT, port 1 to 65535)";
                return -EINVAL;
        }

        target = eq + 1;
        if (endpoint_parse(target, &f.target, &f.target_len) >= 0) {
                if (unspecified(&f.target)) {
                        *reason = "TARGET is a wildcard address";
                        return -EINVAL;
                }
                *ret = f;
                return 0;
        }
        colon = strrchr(target, ':');
        if (!colon || target[0] == '[' || port_parse(colon + 1, &f.port) < 0 || f.port == 0 ||
            !name_valid(target, (size_t)(colon - target))) {
                *reason = "TARGET is neither an endpoint (A.B.C.D:PORT, [IPV6]:PORT) nor NAME:PORT";
                return -EINVAL;
        }
        memcpy(f.name, target, (size_t)(colon - target));
        f.name[colon - target] = '\0';
        f.target = (struct sockaddr_storage){.ss_family = AF_UNSPEC};
        f.target_len = 0;
        *ret = f;
        return 0;
}

void forward_spec_format(const ForwardSpec *f, char buf[static FORWARD_SPEC_STRLEN])
{
        char l[ENDPOINT_STRLEN], t[ENDPOINT_STRLEN];

        endpoint_format((const struct sockaddr *)&f->listen, l);
        if (f->target.ss_family == AF_UNSPEC)
                snprintf(buf, FORWARD_SPEC_STRLEN, "%s:%s=%s:%u",
                         f->proto == FORWARD_PROTO_UDP ? "udp" : "tcp", l, f->name, f->port);
        else {
                endpoint_format((const struct sockaddr *)&f->target, t);
                snprintf(buf, FORWARD_SPEC_STRLEN, "%s:%s=%s", f->proto == FORWARD_PROTO_UDP ? "udp" : "tcp",
                         l, t);
        }
}

bool forward_spec_same_listener(const ForwardSpec *a, const ForwardSpec *b)
{
        return a->proto == b->proto &&
               sockaddr_equal((const struct sockaddr *)&a->listen, (const struct sockaddr *)&b->listen);
}

bool forward_spec_matches(const ForwardSpec *f, const struct sockaddr *address, int type)
{
        if (type != (f->proto == FORWARD_PROTO_UDP ? SOCK_DGRAM : SOCK_STREAM))
                return false;
        return sockaddr_equal((const struct sockaddr *)&f->listen, address);
}
