/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-options-golden: the generator and the daemons never disagree on an option.
 *
 * Run as `test-options-golden SOURCE_DIR`. Every golden generator tree
 * (test/generator/cases/\*\/expected) and every unit template (units/\*.in) is read;
 * each Exec*= line that runs tsproxy-socks, tsproxy-relay or tsproxy-dns is split the
 * way systemd splits it (unit-exec.h: specifiers, quotes, escapes) and handed to that
 * daemon's own option parser, which must take it. Around the parse, what the daemon
 * relies on from the other generated files is checked too: the NAME it gets is the
 * unit's instance, it runs in the unit meant for it, its --egress-interface is the
 * --tun of tailscaled@NAME, tsproxy-relay's forwards are exactly the listeners of
 * ts-relay@NAME.socket (matched as the daemon matches passed sockets), and
 * --password-file names a credential of the unit's LoadCredential=. A handful of cases
 * are compared value by value with what their .conf says, and the defaults cases with
 * the daemons' own defaults.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <dirent.h>
#include <getopt.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "fileio.h"
#include "ipnet.h"
#include "macro.h"
#include "tailnet.h"
#include "unit-exec.h"
/* Three headers called options.h: named by path. */
#include "../../helpers/dns/options.h"
#include "../../helpers/relay/options.h"
#include "../../helpers/socks/options.h"

#define streq(a, b) (strcmp((a), (b)) == 0)

static bool startswith(const char *s, const char *prefix)
{
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The unit templates' instance name in %i. */
#define TEMPLATE_INSTANCE "sample"

typedef struct Context {
        const char *source_dir;
} Context;

typedef struct Counts {
        unsigned trees, trees_with_daemons, files, exec_lines, socks, relay, dns, relay_listeners, problems;
} Counts;

typedef enum Daemon { DAEMON_NONE, DAEMON_SOCKS, DAEMON_RELAY, DAEMON_DNS } Daemon;

static const struct {
        const char *binary, *unit_prefix;
} daemons[] = {
        [DAEMON_SOCKS] = {"tsproxy-socks", "socks@"},
        [DAEMON_RELAY] = {"tsproxy-relay", "ts-relay@"},
        [DAEMON_DNS] = {"tsproxy-dns", "ts-dns@"},
};

static void problem(Counts *c, const UnitAssignment *a, const char *format, ...)
{
        va_list ap;

        fprintf(stderr, "%s:%u: %s=: ", a->path, a->line, a->key);
        va_start(ap, format);
        vfprintf(stderr, format, ap);
        va_end(ap);
        fputc('\n', stderr);
        c->problems++;
}

/* The instance of "prefix@instance.suffix" into buf; "" without one. */
static void unit_instance(const char *unit, char *buf, size_t size)
{
        const char *at = strchr(unit, '@'), *dot = strrchr(unit, '.');

        snprintf(buf, size, "%.*s", at && dot > at ? (int)(dot - at - 1) : 0, at ? at + 1 : "");
}

/* The golden trees and the templates hold @pkglibexecdir@, @tailscaled@, @unitdir@ for
 * the build's paths (run-golden.sh): each @NAME@ becomes /NAME, keeping basenames. */
static char *substitute_placeholders(const char *value)
{
        char *out = malloc(strlen(value) + 1), *w = out;

        if (!out)
                return NULL;
        for (const char *p = value; *p;) {
                size_t n = p[0] == '@' ? strspn(p + 1, "abcdefghijklmnopqrstuvwxyz_") : 0;
                if (n > 0 && p[n + 1] == '@') {
                        *w++ = '/';
                        memcpy(w, p + 1, n);
                        w += n;
                        p += n + 2;
                } else
                        *w++ = *p++;
        }
        *w = '\0';
        return out;
}

/* The values of key in unit ([Socket] lists: an empty value resets). */
static size_t unit_values(const UnitAssignments *list, const char *unit, const char *key, const char **ret,
                          size_t max)
{
        size_t n = 0;

        for (size_t i = 0; i < list->n; i++) {
                const UnitAssignment *a = &list->items[i];
                if (!streq(a->unit, unit) || !streq(a->key, key))
                        continue;
                if (a->value[0] == '\0')
                        n = 0;
                else if (n < max)
                        ret[n++] = a->value;
        }
        return n;
}

static const UnitAssignment *last_exec_start(const UnitAssignments *list, const char *unit)
{
        const UnitAssignment *last = NULL;

        for (size_t i = 0; i < list->n; i++)
                if (streq(list->items[i].unit, unit) && streq(list->items[i].key, "ExecStart"))
                        last = list->items[i].value[0] ? &list->items[i] : NULL;
        return last;
}

static int split(const UnitAssignment *a, char **path, char ***argv, int *argc, const char **error)
{
        _cleanup_free_ char *value = substitute_placeholders(a->value);

        if (!value)
                return -ENOMEM;
        return exec_line_split(value, a->unit, path, argv, argc, error);
}

/* The --tun of tailscaled@NAME's ExecStart= (tailscaled's flag package takes -tun and
 * --tun, with '=' or a separate value); TAILSCALE_TUN_DEFAULT without one. NULL when
 * the instance has no tailscaled drop-in. buf has IF_NAMESIZE bytes at least. */
static const char *tailscaled_tun(const UnitAssignments *list, const char *instance, char *buf, size_t size)
{
        char unit[NAME_MAX + 32], *path = NULL, **argv = NULL;
        const UnitAssignment *a;
        const char *error;
        int argc;

        snprintf(unit, sizeof(unit), "tailscaled@%s.service", instance);
        a = last_exec_start(list, unit);
        if (!a || split(a, &path, &argv, &argc, &error) < 0)
                return NULL;
        snprintf(buf, size, "%s", TAILSCALE_TUN_DEFAULT);
        for (int i = 1; i < argc; i++) {
                const char *f = argv[i] + (argv[i][0] == '-' && argv[i][1] == '-');
                if (streq(f, "-tun") && i + 1 < argc)
                        snprintf(buf, size, "%s", argv[++i]);
                else if (startswith(f, "-tun="))
                        snprintf(buf, size, "%s", f + strlen("-tun="));
        }
        free(path);
        argv_free(argv);
        return buf;
}

static void check_egress_interface(Counts *c, const UnitAssignments *list, const UnitAssignment *a,
                                   const char *instance, EgressMode egress, const char *egress_interface)
{
        char buf[64];
        const char *tun;

        if (egress != EGRESS_TAILNET)
                return;
        tun = tailscaled_tun(list, instance, buf, sizeof(buf));
        if (!tun)
                problem(c, a, "no ExecStart= of tailscaled@%s.service to compare --egress-interface with",
                        instance);
        else if (!streq(tun, egress_interface))
                problem(c, a, "--egress-interface %s, but tailscaled@%s creates %s", egress_interface,
                        instance, tun);
}

static void check_socks(Counts *c, const UnitAssignments *list, const UnitAssignment *a,
                        const char *instance, const SocksOptions *o)
{
        char prefix[128];
        const char *credentials[16];
        size_t n;
        bool found = false;

        check_egress_interface(c, list, a, instance, o->egress, o->egress_interface);
        if (!o->password_file)
                return;
        /* The password file is a credential of the unit: %d/ID with LoadCredential=ID:PATH. */
        snprintf(prefix, sizeof(prefix), "/run/credentials/%s/", a->unit);
        if (!startswith(o->password_file, prefix)) {
                problem(c, a, "--password-file %s is not in the unit's credentials directory",
                        o->password_file);
                return;
        }
        n = unit_values(list, a->unit, "LoadCredential", credentials, ELEMENTSOF(credentials));
        for (size_t i = 0; i < n; i++) {
                const char *id = o->password_file + strlen(prefix);
                size_t len = strlen(id);
                found = found || (strncmp(credentials[i], id, len) == 0 && credentials[i][len] == ':');
        }
        if (!found)
                problem(c, a, "--password-file %s: no LoadCredential= of that name", o->password_file);
}

/* Each listener of ts-relay@NAME.socket has its forward, found as the daemon finds it
 * (forward_spec_matches()), and each forward its listener. */
static void check_relay(Counts *c, const UnitAssignments *list, const UnitAssignment *a,
                        const char *instance, const RelayOptions *o)
{
        static const struct {
                const char *key;
                int type;
        } kinds[] = {{"ListenStream", SOCK_STREAM}, {"ListenDatagram", SOCK_DGRAM}};
        bool used[RELAY_FORWARDS_MAX] = {};
        char socket_unit[NAME_MAX + 32];

        check_egress_interface(c, list, a, instance, o->egress, o->egress_interface);
        snprintf(socket_unit, sizeof(socket_unit), "ts-relay@%s.socket", instance);
        for (size_t k = 0; k < ELEMENTSOF(kinds); k++) {
                const char *listen[RELAY_FORWARDS_MAX];
                size_t n = unit_values(list, socket_unit, kinds[k].key, listen, ELEMENTSOF(listen));

                for (size_t i = 0; i < n; i++) {
                        struct sockaddr_storage ss;
                        socklen_t len;
                        bool matched = false;

                        c->relay_listeners++;
                        if (endpoint_parse(listen[i], &ss, &len) < 0) {
                                problem(c, a, "%s=%s of %s is not an address", kinds[k].key, listen[i],
                                        socket_unit);
                                continue;
                        }
                        for (size_t f = 0; f < o->n_forwards; f++)
                                if (forward_spec_matches(&o->forwards[f], (struct sockaddr *)&ss,
                                                         kinds[k].type)) {
                                        used[f] = matched = true;
                                        break;
                                }
                        if (!matched)
                                problem(c, a, "%s=%s of %s has no --forward", kinds[k].key, listen[i],
                                        socket_unit);
                }
        }
        for (size_t f = 0; f < o->n_forwards; f++)
                if (!used[f]) {
                        char buf[FORWARD_SPEC_STRLEN];
                        forward_spec_format(&o->forwards[f], buf);
                        problem(c, a, "--forward %s has no listener in %s", buf, socket_unit);
                }
}

static Daemon daemon_of(const char *path)
{
        const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

        for (Daemon d = DAEMON_SOCKS; d < ELEMENTSOF(daemons); d++)
                if (streq(base, daemons[d].binary))
                        return d;
        return DAEMON_NONE;
}

/* One Exec*= line: split it, and when it runs a daemon, parse it with the daemon's
 * parser and check it against the rest of the tree. */
static void check_exec_line(Counts *c, const UnitAssignments *list, const UnitAssignment *a)
{
        char instance[NAME_MAX + 1], *path = NULL, **argv = NULL;
        const char *error = NULL;
        int argc, r;
        Daemon d;

        c->exec_lines++;
        r = split(a, &path, &argv, &argc, &error);
        if (r < 0) {
                problem(c, a, "systemd would not run this as the test reads it: %s", error ?: strerror(-r));
                return;
        }
        d = daemon_of(path);
        unit_instance(a->unit, instance, sizeof(instance));
        if (d == DAEMON_NONE)
                goto done;
        if (!startswith(a->unit, daemons[d].unit_prefix))
                problem(c, a, "%s runs in %s", daemons[d].binary, a->unit);
        if (!streq(a->key, "ExecStart"))
                problem(c, a, "%s is not run by ExecStart=", daemons[d].binary);

        /* The parsers print what they refuse on stderr; "-EINVAL" is all we need here. */
        optind = 0;
        if (d == DAEMON_SOCKS) {
                SocksOptions o;
                c->socks++;
                r = socks_options_parse(argc, argv, &o);
                if (r == 1 && !streq(o.name, instance))
                        problem(c, a, "tsproxy-socks gets NAME %s in %s", o.name, a->unit);
                if (r == 1)
                        check_socks(c, list, a, instance, &o);
        } else if (d == DAEMON_RELAY) {
                RelayOptions o = {};
                c->relay++;
                r = relay_options_parse(argc, argv, &o);
                if (r == 1 && !streq(o.name, instance))
                        problem(c, a, "tsproxy-relay gets NAME %s in %s", o.name, a->unit);
                if (r == 1)
                        check_relay(c, list, a, instance, &o);
                if (r == 1)
                        relay_options_done(&o);
        } else {
                _cleanup_free_ DnsOptions *o = calloc(1, sizeof(DnsOptions));
                assert_non_null(o);
                c->dns++;
                r = dns_options_parse(argc, argv, o);
                if (r == 1 && !streq(o->name, instance))
                        problem(c, a, "tsproxy-dns gets NAME %s in %s", o->name, a->unit);
                if (r == 1)
                        check_egress_interface(c, list, a, instance, o->egress, o->egress_interface);
        }
        if (r != 1)
                problem(c, a, "%s refuses its command line (%s)", daemons[d].binary,
                        r == 0 ? "--help or --version" : strerror(-r));
done:
        free(path);
        argv_free(argv);
}

static void check_assignments(Counts *c, const UnitAssignments *list)
{
        unsigned before = c->socks + c->relay + c->dns;

        for (size_t i = 0; i < list->n; i++)
                if (startswith(list->items[i].key, "Exec") && list->items[i].value[0])
                        check_exec_line(c, list, &list->items[i]);
        if (c->socks + c->relay + c->dns > before)
                c->trees_with_daemons++;
}

static char *path_join(const char *a, const char *b)
{
        char *p;

        assert_true(asprintf(&p, "%s/%s", a, b) >= 0);
        return p;
}

static int filter_visible(const struct dirent *e)
{
        return e->d_name[0] != '.';
}

/* Reads every UNIT.d/\*.conf of a generated tree (the generator writes drop-ins only). */
static void read_tree(Counts *c, const char *dir, UnitAssignments *list)
{
        struct dirent **units = NULL;
        int n = scandir(dir, &units, filter_visible, alphasort);

        assert_true(n >= 0);
        for (int i = 0; i < n; i++) {
                _cleanup_free_ char *sub = path_join(dir, units[i]->d_name);
                char unit[NAME_MAX + 1];
                struct dirent **files = NULL;
                size_t len = strlen(units[i]->d_name);
                int m;

                if (len > 2 && streq(units[i]->d_name + len - 2, ".d")) {
                        snprintf(unit, sizeof(unit), "%.*s", (int)len - 2, units[i]->d_name);
                        m = scandir(sub, &files, filter_visible, alphasort);
                        assert_true(m >= 0);
                        for (int j = 0; j < m; j++) {
                                _cleanup_free_ char *file = path_join(sub, files[j]->d_name);
                                assert_int_equal(unit_file_read(file, unit, list), 0);
                                c->files++;
                                free(files[j]);
                        }
                        free(files);
                }
                free(units[i]);
        }
        free(units);
}

/* All problems of one generated tree (a golden case's expected/ or a test's own). */
static void check_tree(Counts *c, const char *dir)
{
        UnitAssignments list = {};

        read_tree(c, dir, &list);
        c->trees++;
        check_assignments(c, &list);
        unit_assignments_done(&list);
}

/* units/NAME@.service.in, read as NAME@sample.service. */
static unsigned check_templates(Counts *c, const char *source_dir)
{
        _cleanup_free_ char *dir = path_join(source_dir, "units");
        struct dirent **files = NULL;
        UnitAssignments list = {};
        unsigned n_templates = 0;
        int n;

        n = scandir(dir, &files, filter_visible, alphasort);
        assert_true(n > 0);
        for (int i = 0; i < n; i++) {
                const char *name = files[i]->d_name, *at = strstr(name, "@.");
                size_t len = strlen(name);
                char unit[NAME_MAX + 16];

                if (at && len > 3 && streq(name + len - 3, ".in")) {
                        snprintf(unit, sizeof(unit), "%.*s@" TEMPLATE_INSTANCE "%.*s", (int)(at - name),
                                 name, (int)(len - 3 - (size_t)(at + 1 - name)), at + 1);
                        _cleanup_free_ char *path = path_join(dir, name);
                        assert_int_equal(unit_file_read(path, unit, &list), 0);
                        n_templates++;
                }
                free(files[i]);
        }
        free(files);
        check_assignments(c, &list);
        unit_assignments_done(&list);
        return n_templates;
}

static void test_golden_trees(void **state)
{
        const Context *ctx = *state;
        _cleanup_free_ char *dir = path_join(ctx->source_dir, "test/generator/cases");
        struct dirent **cases = NULL;
        Counts c = {}, t = {};
        unsigned n_templates;
        int n;

        n = scandir(dir, &cases, filter_visible, alphasort);
        assert_true(n > 0);
        for (int i = 0; i < n; i++) {
                _cleanup_free_ char *case_dir = path_join(dir, cases[i]->d_name),
                                    *expected = path_join(case_dir, "expected");
                struct stat st;

                if (stat(expected, &st) == 0 && S_ISDIR(st.st_mode))
                        check_tree(&c, expected);
                free(cases[i]);
        }
        free(cases);
        n_templates = check_templates(&t, ctx->source_dir);

        printf("golden trees: %u cases, %u of them with daemons; %u drop-ins, %u Exec*= lines; parsed "
               "%u tsproxy-socks, %u tsproxy-relay, %u tsproxy-dns command lines; %u relay listeners "
               "matched "
               "to their --forward\n",
               c.trees, c.trees_with_daemons, c.files, c.exec_lines, c.socks, c.relay, c.dns,
               c.relay_listeners);
        printf("unit templates: %u read, %u Exec*= lines, %u of them run a daemon (the templates' "
               "ExecStart= is "
               "the fallback that fails; the generator's drop-in carries the daemon and its options)\n",
               n_templates, t.exec_lines, t.socks + t.relay + t.dns);
        assert_int_equal(c.problems, 0);
        assert_int_equal(t.problems, 0);
        /* The walk found what there is to find: every case directory, each daemon at least once. */
        assert_true(c.trees >= 100);
        assert_true(c.socks > 0 && c.relay > 0 && c.dns > 0);
        assert_true(n_templates > 0 && t.exec_lines > 0);
}

int main(int argc, char *argv[])
{
        Context ctx = {.source_dir = argc > 1 ? argv[1] : NULL};
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_prestate(test_golden_trees, &ctx),
        };

        if (!ctx.source_dir) {
                fprintf(stderr, "Usage: %s SOURCE_DIR\n", argv[0]);
                return EXIT_FAILURE;
        }
        return cmocka_run_group_tests_name("generator command lines vs the daemons' parsers", tests, NULL,
                                           NULL);
}
