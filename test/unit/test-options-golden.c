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

static void problem(Counts *c, const UnitAssignment *a, const char *format, ...) _printf_(3, 4);
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
        /* The walk found what there is to find: every case directory (a case whose expected
         * tree is empty has no expected/ in a git checkout: git keeps no empty directory),
         * each daemon at least once. */
        assert_true(n >= 100);
        assert_true(c.trees_with_daemons >= 50);
        assert_true(c.socks > 0 && c.relay > 0 && c.dns > 0);
        assert_true(n_templates > 0 && t.exec_lines > 0);
}

/* The splitter against what systemd makes of a line. */
static void assert_split(const char *unit, const char *value, const char *path, const char *const *expected)
{
        char *p = NULL, **argv = NULL;
        const char *error = NULL;
        int argc, n = 0;

        if (exec_line_split(value, unit, &p, &argv, &argc, &error) < 0)
                fail_msg("'%s' not split: %s", value, error);
        assert_string_equal(p, path);
        for (; expected[n]; n++) {
                assert_true(n < argc);
                assert_string_equal(argv[n], expected[n]);
        }
        assert_int_equal(argc, n);
        assert_null(argv[argc]);
        free(p);
        argv_free(argv);
}

static void test_split(void **state)
{
        assert_split("socks@lab-x.service",
                     "/a/b x \"y z\" 'q r' a\"b c\"d \\s\\x41\\101 $$HOME %i %I %n %N %p %P %d %t %% \";\"",
                     "/a/b",
                     (const char *const[]){"/a/b", "x", "y z", "q r", "ab cd", " AA", "$HOME", "lab-x",
                                           "lab/x", "socks@lab-x.service", "socks@lab-x", "socks", "socks",
                                           "/run/credentials/socks@lab-x.service", "/run", "%", ";", NULL});
        /* Specifiers first, then the split: an instance with an escaped space stays one word only quoted. */
        assert_split("t@a.service", "  /x\t--n=%i   ", "/x", (const char *const[]){"/x", "--n=a", NULL});
        /* The prefixes; '@' names argv[0]. */
        assert_split("t@a.service", "-@/bin/x zero one", "/bin/x",
                     (const char *const[]){"zero", "one", NULL});
        assert_split("t@a.service", "+!/bin/x y", "/bin/x", (const char *const[]){"/bin/x", "y", NULL});
        assert_split("t.service", "/x %n %N %i.", "/x",
                     (const char *const[]){"/x", "t.service", "t", ".", NULL});

        static const char *const bad[] = {
                "",         "   ",    "/x %Z", "/x %",    "/x $HOME", "/x ${A}",  "/x \"open",
                "/x 'open", "/x \\q", "/x \\", "/x ; /y", "/x \\x0",  "/x \\000", "@/x",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char *p = NULL, **argv = NULL;
                const char *error = NULL;
                int argc;
                if (exec_line_split(bad[i], "t@a.service", &p, &argv, &argc, &error) != -EINVAL || !error)
                        fail_msg("'%s' was split", bad[i]);
        }
}

static void write_file(const char *root, const char *name, const char *text)
{
        _cleanup_free_ char *path = path_join(root, name), *dir = strdup(path);
        FILE *f;

        assert_non_null(dir);
        *strrchr(dir, '/') = '\0';
        assert_int_equal(fileio_mkdir_p(dir, 0755), 0);
        f = fopen(path, "we");
        assert_non_null(f);
        assert_true(fputs(text, f) >= 0);
        assert_int_equal(fclose(f), 0);
}

static void test_unit_file_read(void **state)
{
        char root[] = "/tmp/test-options-golden-XXXXXX";
        UnitAssignments list = {};

        assert_non_null(mkdtemp(root));
        write_file(root, "u.conf",
                   "# comment\n; comment\n[Unit]\nDescription = a b \n\n[Service]\nExecStart=\nExecStart=/x "
                   "a \\\n"
                   "  b\nEnvironment=A=1\n");
        {
                _cleanup_free_ char *path = path_join(root, "u.conf");
                assert_int_equal(unit_file_read(path, "t@a.service", &list), 0);
        }
        assert_int_equal(list.n, 4);
        assert_string_equal(list.items[0].section, "Unit");
        assert_string_equal(list.items[0].key, "Description");
        assert_string_equal(list.items[0].value, "a b");
        assert_string_equal(list.items[1].value, "");
        assert_string_equal(list.items[2].section, "Service");
        assert_string_equal(list.items[2].value, "/x a    b");
        assert_int_equal(list.items[2].line, 8);
        assert_string_equal(list.items[3].key, "Environment");
        assert_string_equal(list.items[3].value, "A=1");
        assert_int_equal(list.items[3].line, 10);
        unit_assignments_done(&list);
        write_file(root, "bad.conf", "[Service]\nno equals sign\n");
        {
                _cleanup_free_ char *path = path_join(root, "bad.conf");
                assert_int_equal(unit_file_read(path, "t@a.service", &list), -EINVAL);
        }
        unit_assignments_done(&list);
        assert_int_equal(fileio_remove_tree(root), 0);
}

/* A generated tree of instance x with all three daemons, and what breaks it. */
typedef struct TreeFile {
        const char *name, *text;
} TreeFile;

static const TreeFile good_tree[] = {
        {"tailscaled@x.service.d/50-tsproxy.conf",
         "[Service]\nExecStart=\nExecStart=@tailscaled@ --statedir=/var/lib/tailscale-x --tun=ts-x\n"},
        {"socks@x.service.d/50-tsproxy.conf",
         "[Service]\nLoadCredential=socks-passwords:/etc/tsproxy/x.pw\nExecStart=\n"
         "ExecStart=@pkglibexecdir@/tsproxy-socks x --egress-interface ts-x --password-file "
         "%d/socks-passwords --users a,b\n"},
        {"ts-relay@x.service.d/50-tsproxy.conf",
         "[Service]\nExecStart=\nExecStart=@pkglibexecdir@/tsproxy-relay %i --forward "
         "tcp:127.0.0.1:1=127.0.0.1:2 --forward udp:[::1]:5=peer:53 --egress-interface ts-x\n"},
        {"ts-relay@x.socket.d/50-tsproxy.conf",
         "[Socket]\nListenStream=\nListenDatagram=\nListenStream=127.0.0.1:1\nListenDatagram=[::1]:5\n"},
        {"ts-dns@x.service.d/50-tsproxy.conf", "[Service]\nExecStart=\nExecStart=@pkglibexecdir@/"
                                               "tsproxy-dns x --domain x.internal --egress-interface "
                                               "ts-x\n"},
};

/* Checks the good tree with one file replaced (or none: replace NULL). */
static Counts check_variant(const TreeFile *replace)
{
        char root[] = "/tmp/test-options-golden-XXXXXX";
        Counts c = {};

        assert_non_null(mkdtemp(root));
        for (size_t i = 0; i < ELEMENTSOF(good_tree); i++)
                write_file(root, good_tree[i].name,
                           replace && streq(replace->name, good_tree[i].name) ? replace->text
                                                                              : good_tree[i].text);
        if (replace)
                write_file(root, replace->name, replace->text);
        check_tree(&c, root);
        assert_int_equal(fileio_remove_tree(root), 0);
        return c;
}

/* The checker itself: the good tree passes, each way of breaking it is caught. */
static void test_checker_catches(void **state)
{
        static const TreeFile broken[] = {
                /* An option the daemon does not know, or a value it refuses. */
                {"socks@x.service.d/50-tsproxy.conf",
                 "[Service]\nExecStart=@pkglibexecdir@/tsproxy-socks x --egress-interface ts-x --bogus\n"},
                {"ts-dns@x.service.d/50-tsproxy.conf", "[Service]\nExecStart=@pkglibexecdir@/tsproxy-dns x "
                                                       "--egress-interface ts-x --max-tcp-clients 0\n"},
                {"ts-relay@x.service.d/50-tsproxy.conf",
                 "[Service]\nExecStart=@pkglibexecdir@/tsproxy-relay x --forward "
                 "tcp:127.0.0.1:1=127.0.0.1:2 "
                 "--forward udp:[::1]:5=peer:53 --egress-interface ts-x --max-connections 1000001\n"},
                /* A line systemd would read differently than the test can. */
                {"socks@x.service.d/50-tsproxy.conf",
                 "[Service]\nExecStart=@pkglibexecdir@/tsproxy-socks %Z --egress-interface ts-x\n"},
                /* Another NAME than the unit's instance; a daemon in another daemon's unit. */
                {"ts-dns@x.service.d/50-tsproxy.conf",
                 "[Service]\nExecStart=@pkglibexecdir@/tsproxy-dns y --egress-interface ts-x\n"},
                {"ts-dns@x.service.d/50-tsproxy.conf",
                 "[Service]\nExecStart=@pkglibexecdir@/tsproxy-socks x --egress-interface ts-x\n"},
                /* Not the interface tailscaled@x creates. */
                {"socks@x.service.d/50-tsproxy.conf",
                 "[Service]\nExecStart=@pkglibexecdir@/tsproxy-socks x\n"},
                {"tailscaled@x.service.d/50-tsproxy.conf",
                 "[Service]\nExecStart=@tailscaled@ --statedir=/var/lib/tailscale-x -tun ts-y\n"},
                /* The password file is no credential of the unit. */
                {"socks@x.service.d/50-tsproxy.conf",
                 "[Service]\nLoadCredential=other:/etc/p\nExecStart=@pkglibexecdir@/tsproxy-socks x "
                 "--egress-interface ts-x --password-file %d/socks-passwords\n"},
                {"socks@x.service.d/50-tsproxy.conf", "[Service]\nExecStart=@pkglibexecdir@/tsproxy-socks x "
                                                      "--egress-interface ts-x --password-file "
                                                      "/etc/tsproxy/x.pw\n"},
                /* Listeners and forwards apart: one too many, one missing, the wrong type. */
                {"ts-relay@x.socket.d/50-tsproxy.conf",
                 "[Socket]\nListenStream=127.0.0.1:1\nListenDatagram=[::1]:5\nListenStream=127.0.0.1:9\n"},
                {"ts-relay@x.socket.d/50-tsproxy.conf", "[Socket]\nListenStream=127.0.0.1:1\n"},
                {"ts-relay@x.socket.d/50-tsproxy.conf",
                 "[Socket]\nListenStream=127.0.0.1:1\nListenDatagram=[::1]:5\nListenStream=\n"
                 "ListenStream=127.0.0.1:1\nListenStream=[::1]:5\n"},
        };
        Counts c = check_variant(NULL);

        assert_int_equal(c.problems, 0);
        fprintf(stderr, "test_checker_catches: broken trees; the problems reported below are expected\n");
        assert_int_equal(c.socks, 1);
        assert_int_equal(c.relay, 1);
        assert_int_equal(c.dns, 1);
        assert_int_equal(c.relay_listeners, 2);
        for (size_t i = 0; i < ELEMENTSOF(broken); i++) {
                c = check_variant(&broken[i]);
                if (c.problems == 0)
                        fail_msg("not caught: %s: %s", broken[i].name, broken[i].text);
        }
}

/* One daemon's command line of a golden case, split, with its tree kept for lookups. */
typedef struct CaseLine {
        UnitAssignments list;
        char *path, **argv;
        int argc;
} CaseLine;

static void case_line_load(const Context *ctx, const char *name, const char *unit, CaseLine *ret)
{
        _cleanup_free_ char *cases = path_join(ctx->source_dir, "test/generator/cases"),
                            *case_dir = path_join(cases, name), *expected = path_join(case_dir, "expected");
        const UnitAssignment *a;
        const char *error = NULL;
        Counts c = {};

        *ret = (CaseLine){};
        read_tree(&c, expected, &ret->list);
        a = last_exec_start(&ret->list, unit);
        if (!a)
                fail_msg("%s: no ExecStart= of %s", name, unit);
        if (split(a, &ret->path, &ret->argv, &ret->argc, &error) < 0)
                fail_msg("%s: %s: %s", name, unit, error);
        optind = 0;
}

static void case_line_done(CaseLine *l)
{
        unit_assignments_done(&l->list);
        free(l->path);
        argv_free(l->argv);
}

static void assert_nets(const IpNetwork *nets, size_t n, const char *const *expected)
{
        char buf[IPNET_STRLEN];
        size_t i = 0;

        for (; expected[i]; i++) {
                assert_true(i < n);
                ipnet_format(&nets[i], buf);
                assert_string_equal(buf, expected[i]);
        }
        assert_int_equal(n, i);
}

/* The addresses of key in a socket unit, as endpoint_format() writes them. */
static void assert_listen(const CaseLine *l, const char *unit, const char *key, const char *const *expected)
{
        const char *values[64];
        size_t n = unit_values(&l->list, unit, key, values, ELEMENTSOF(values)), i = 0;
        char buf[ENDPOINT_STRLEN];

        for (; expected[i]; i++) {
                struct sockaddr_storage ss;
                socklen_t len;
                assert_true(i < n);
                assert_int_equal(endpoint_parse(values[i], &ss, &len), 0);
                endpoint_format((struct sockaddr *)&ss, buf);
                assert_string_equal(buf, expected[i]);
        }
        assert_int_equal(n, i);
}

/* The values the daemons end up with are what the cases' .conf files say. */
static void test_values_socks(void **state)
{
        static const char *const lab_listen[] = {"100.121.76.21:1080", "[fd7a:115c:a1e0::15]:1080", NULL};
        static const char *const t_listen[] = {"[::]:1080", NULL};
        const char *credential[2];
        CaseLine l;
        SocksOptions o;

        /* 040-socks-every-key/input/etc/tsproxy/lab.conf and lab.conf.d/50-local.conf. */
        case_line_load(*state, "040-socks-every-key", "socks@lab.service", &l);
        assert_int_equal(socks_options_parse(l.argc, l.argv, &o), 1);
        assert_string_equal(o.name, "lab");
        /* AllowFrom=10.0.0.0/8, a reset, then 100.64.0.0/10 fd7a:115c:a1e0::/48 192.168.1.20 2001:db8::1 */
        assert_nets(o.allow_from, o.n_allow_from,
                    (const char *const[]){"100.64.0.0/10", "fd7a:115c:a1e0::/48", "192.168.1.20/32",
                                          "2001:db8::1/128", NULL});
        assert_int_equal(o.egress, EGRESS_ANY); /* Egress=any */
        assert_string_equal(o.password_file,    /* PasswordFile= */
                            "/run/credentials/socks@lab.service/socks-passwords");
        assert_int_equal(unit_values(&l.list, "socks@lab.service", "LoadCredential", credential, 2), 1);
        assert_string_equal(credential[0], "socks-passwords:/etc/tsproxy/lab.socks-passwords");
        assert_string_equal(o.users, "alice,bob,carol");             /* Users=alice + bob carol alice */
        assert_int_equal(o.max_connections, 1000);                   /* MaxConnections=1000 */
        assert_int_equal(o.idle_timeout_usec, 5400ull * 1000000);    /* IdleTimeoutSec=1h 30min */
        assert_int_equal(o.handshake_timeout_usec, 60ull * 1000000); /* HandshakeTimeoutSec=1min */
        assert_int_equal(o.workers, 3);                              /* Workers=3 */
        /* Listen=: reset by the drop-in, then two addresses (one given twice). */
        assert_listen(&l, "socks@lab.socket", "ListenStream", lab_listen);
        assert_listen(&l, "socks@lab.socket", "ListenDatagram", lab_listen);
        case_line_done(&l);

        /* 041-socks-tun-name: ExtraArguments=--verbose=1 --tun ts-lab0, Egress=tailnet, Listen=[::]:1080. */
        case_line_load(*state, "041-socks-tun-name", "socks@t.service", &l);
        assert_int_equal(socks_options_parse(l.argc, l.argv, &o), 1);
        assert_int_equal(o.egress, EGRESS_TAILNET);
        assert_string_equal(o.egress_interface, "ts-lab0");
        assert_listen(&l, "socks@t.socket", "ListenStream", t_listen);
        case_line_done(&l);
}

static void test_values_relay(void **state)
{
        static const char *const forwards[] = {
                "tcp:100.121.76.21:2222=100.68.1.5:22",
                "tcp:100.121.76.21:8080=peer.tailnet.test:80",
                "udp:[::1]:5353=100.100.100.100:53",
                "tcp:[fd7a:115c:a1e0::15]:8443=[fd7a:115c:a1e0::9]:443",
                "tcp:127.0.0.1:3128=127.0.0.1:3128",
                "udp:0.0.0.0:5353=100.100.100.100:53",
                "tcp:100.121.76.21:9000=web:8000",
        };
        char buf[FORWARD_SPEC_STRLEN];
        RelayOptions o = {};
        CaseLine l;

        /* 051-forward-several/input/etc/tsproxy/fgpu.conf: seven Forward=, in order. */
        case_line_load(*state, "051-forward-several", "ts-relay@fgpu.service", &l);
        assert_int_equal(relay_options_parse(l.argc, l.argv, &o), 1);
        assert_int_equal(o.n_forwards, ELEMENTSOF(forwards));
        for (size_t i = 0; i < ELEMENTSOF(forwards); i++) {
                forward_spec_format(&o.forwards[i], buf);
                assert_string_equal(buf, forwards[i]);
        }
        /* AllowFrom=10.0.0.0/8, a reset, then these two. */
        assert_nets(o.allow_from.nets, o.allow_from.n,
                    (const char *const[]){"100.64.0.0/10", "fd7a:115c:a1e0::/48", NULL});
        assert_int_equal(o.egress, EGRESS_TAILNET);
        assert_string_equal(o.egress_interface, TAILSCALE_TUN_DEFAULT);
        relay_options_done(&o);
        case_line_done(&l);

        /* 055-forward-egress-any: Egress=any, Forward=127.0.0.1:8080 192.0.2.80:80. */
        case_line_load(*state, "055-forward-egress-any", "ts-relay@pub.service", &l);
        assert_int_equal(relay_options_parse(l.argc, l.argv, &o), 1);
        assert_int_equal(o.egress, EGRESS_ANY);
        assert_int_equal(o.n_forwards, 1);
        forward_spec_format(&o.forwards[0], buf);
        assert_string_equal(buf, "tcp:127.0.0.1:8080=192.0.2.80:80");
        relay_options_done(&o);
        case_line_done(&l);
}

static void test_values_dns(void **state)
{
        static const char *const listen[] = {"100.121.76.21:53", "[fd7a:115c:a1e0::15]:53", NULL};
        _cleanup_free_ DnsOptions *o = calloc(1, sizeof(DnsOptions));
        CaseLine l;

        /* 081-dns-every-key/input/etc/tsproxy/fgpu.conf. */
        assert_non_null(o);
        case_line_load(*state, "081-dns-every-key", "ts-dns@fgpu.service", &l);
        assert_int_equal(dns_options_parse(l.argc, l.argv, o), 1);
        assert_string_equal(o->domain_text, "fgpu.internal.");           /* Domain=FGPU.Internal. */
        assert_string_equal(o->tailnet_domain_text, "tail1234.ts.net."); /* TailnetDomain= */
        assert_nets(o->allow_from.nets, o->allow_from.n,                 /* AllowFrom= */
                    (const char *const[]){"100.100.0.0/16", "192.0.2.7/32", NULL});
        assert_listen(&l, "ts-dns@fgpu.socket", "ListenStream", listen); /* Listen=, once each */
        assert_listen(&l, "ts-dns@fgpu.socket", "ListenDatagram", listen);
        case_line_done(&l);
}

/* A .conf that sets nothing but Listen=/Forward=: the generator writes every option out,
 * and what it writes equals what the daemon would take without any. */
static void test_defaults_agree(void **state)
{
        char name[] = "fgpu", forward[] = "--forward", spec[] = "tcp:100.121.76.21:2222=100.68.1.5:22",
             socks[] = "tsproxy-socks", relay[] = "tsproxy-relay", dns[] = "tsproxy-dns";
        char buf[IPNET_STRLEN], buf2[IPNET_STRLEN];
        CaseLine l;

        {
                SocksOptions g, d;
                char *bare[] = {socks, name, NULL};
                case_line_load(*state, "039-socks-defaults", "socks@fgpu.service", &l);
                assert_int_equal(socks_options_parse(l.argc, l.argv, &g), 1);
                optind = 0;
                assert_int_equal(socks_options_parse(2, bare, &d), 1);
                assert_int_equal(g.n_allow_from, d.n_allow_from);
                for (size_t i = 0; i < g.n_allow_from; i++) {
                        ipnet_format(&g.allow_from[i], buf);
                        ipnet_format(&d.allow_from[i], buf2);
                        assert_string_equal(buf, buf2);
                }
                assert_int_equal(g.egress, d.egress);
                assert_string_equal(g.egress_interface, d.egress_interface);
                assert_null(g.password_file);
                assert_null(g.users);
                assert_int_equal(g.max_connections, d.max_connections);
                assert_int_equal(g.idle_timeout_usec, d.idle_timeout_usec);
                assert_int_equal(g.handshake_timeout_usec, d.handshake_timeout_usec);
                assert_int_equal(g.workers, d.workers);
                case_line_done(&l);
        }
        {
                RelayOptions g = {}, d = {};
                char *bare[] = {relay, name, forward, spec, NULL};
                case_line_load(*state, "050-forward-defaults", "ts-relay@fgpu.service", &l);
                assert_int_equal(relay_options_parse(l.argc, l.argv, &g), 1);
                assert_int_equal(relay_options_parse(4, bare, &d), 1);
                assert_int_equal(g.n_forwards, 1);
                assert_int_equal(g.allow_from.n, d.allow_from.n);
                for (size_t i = 0; i < g.allow_from.n; i++) {
                        ipnet_format(&g.allow_from.nets[i], buf);
                        ipnet_format(&d.allow_from.nets[i], buf2);
                        assert_string_equal(buf, buf2);
                }
                assert_int_equal(g.max_connections, d.max_connections);
                assert_int_equal(g.connect_timeout_usec, d.connect_timeout_usec);
                assert_int_equal(g.udp_idle_timeout_usec, d.udp_idle_timeout_usec);
                assert_int_equal(g.udp_max_sessions, d.udp_max_sessions);
                assert_int_equal(g.workers, d.workers);
                assert_int_equal(g.egress, d.egress);
                assert_string_equal(g.egress_interface, d.egress_interface);
                relay_options_done(&g);
                relay_options_done(&d);
                case_line_done(&l);
        }
        {
                _cleanup_free_ DnsOptions *g = calloc(1, sizeof(DnsOptions)),
                                          *d = calloc(1, sizeof(DnsOptions));
                char *bare[] = {dns, name, NULL};
                assert_true(g && d);
                case_line_load(*state, "080-dns-defaults", "ts-dns@fgpu.service", &l);
                assert_int_equal(dns_options_parse(l.argc, l.argv, g), 1);
                assert_int_equal(dns_options_parse(2, bare, d), 1);
                assert_string_equal(g->domain_text, d->domain_text);
                assert_int_equal(g->tailnet_domain.len, 0);
                assert_int_equal(g->upstream_len, d->upstream_len);
                assert_memory_equal(&g->upstream, &d->upstream, g->upstream_len);
                assert_int_equal(g->cache_size, d->cache_size);
                assert_int_equal(g->timeout_msec, d->timeout_msec);
                assert_int_equal(g->max_tcp_clients, d->max_tcp_clients);
                assert_int_equal(g->max_tcp_per_source, d->max_tcp_per_source);
                assert_int_equal(g->allow_from.n, d->allow_from.n);
                for (size_t i = 0; i < g->allow_from.n; i++) {
                        ipnet_format(&g->allow_from.nets[i], buf);
                        ipnet_format(&d->allow_from.nets[i], buf2);
                        assert_string_equal(buf, buf2);
                }
                assert_int_equal(g->egress, d->egress);
                assert_string_equal(g->egress_interface, d->egress_interface);
                case_line_done(&l);
        }
}

int main(int argc, char *argv[])
{
        Context ctx = {.source_dir = argc > 1 ? argv[1] : NULL};
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_split),
                cmocka_unit_test(test_unit_file_read),
                cmocka_unit_test(test_checker_catches),
                cmocka_unit_test_prestate(test_golden_trees, &ctx),
                cmocka_unit_test_prestate(test_values_socks, &ctx),
                cmocka_unit_test_prestate(test_values_relay, &ctx),
                cmocka_unit_test_prestate(test_values_dns, &ctx),
                cmocka_unit_test_prestate(test_defaults_agree, &ctx),
        };

        if (!ctx.source_dir) {
                fprintf(stderr, "Usage: %s SOURCE_DIR\n", argv[0]);
                return EXIT_FAILURE;
        }
        return cmocka_run_group_tests_name("generator command lines vs the daemons' parsers", tests, NULL,
                                           NULL);
}
