/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-config: the configuration reader's parser and cross-instance assignment
 * (config-parse.c, config-keys.c, config-assign.c), on text, without files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"

static void parse(InstanceConfig *c, Diagnostics *d, const char *name, const char *text)
{
        instance_config_init(c);
        memcpy(c->name, name, strlen(name) + 1);
        assert_int_equal(config_parse_text(c, "/etc/tsproxy/x.conf", text, d), 0);
}

static void test_values(void **state)
{
        InstanceConfig c;
        Diagnostics d = {};
        char buf[SUBNET_STRLEN];

        parse(&c, &d, "a",
              "[Instance]\nAutoStart=no\nDescription=Lab\n[Namespace]\nSubnet=10.9.0.8/30\nUplink=eth1\n"
              "[Tailscale]\nPort=41700\nExtraArguments=--verbose=2\n");
        assert_int_equal(d.n, 0);
        assert_true(c.valid);
        assert_false(c.auto_start);
        assert_string_equal(c.description, "Lab");
        subnet_format(&c.subnet, buf);
        assert_string_equal(buf, "10.9.0.8/30");
        assert_true(c.subnet_explicit);
        assert_int_equal(c.subnet_at.line, 5);
        assert_string_equal(c.uplink, "eth1");
        assert_int_equal(c.ts_port, 41700);
        assert_string_equal(c.ts_extra_arguments, "--verbose=2");
        instance_config_done(&c);
        diagnostics_done(&d);
}

static void test_reset_and_override(void **state)
{
        InstanceConfig c;
        Diagnostics d = {};

        parse(&c, &d, "a", "[Namespace]\nSubnet=10.9.0.8/30\nSubnet=\nUplink=eth0\nUplink=eth1\n");
        assert_int_equal(d.n, 0);
        assert_false(c.subnet_explicit);
        assert_string_equal(c.uplink, "eth1");
        instance_config_done(&c);
        diagnostics_done(&d);
}

static void test_errors_name_line_and_key(void **state)
{
        InstanceConfig c;
        Diagnostics d = {};

        parse(&c, &d, "a", "[Tailscale]\n\nPort=99999\n");
        assert_false(c.valid);
        assert_int_equal(d.n, 1);
        assert_int_equal(d.items[0].level, LOG_ERR);
        assert_int_equal(d.items[0].line, 3);
        assert_string_equal(d.items[0].key, "Port");
        assert_string_equal(d.items[0].file, "/etc/tsproxy/x.conf");
        assert_non_null(strstr(d.items[0].message, "Port=99999"));
        instance_config_done(&c);
        diagnostics_done(&d);
}

static void test_unknown_is_a_warning(void **state)
{
        InstanceConfig c;
        Diagnostics d = {};

        parse(&c, &d, "a", "[Instance]\nFoo=1\n[Bar]\nX=1\nY=2\n");
        assert_true(c.valid);
        assert_int_equal(d.n, 2); /* the key, and the section once */
        assert_int_equal(d.items[0].level, LOG_WARNING);
        assert_int_equal(d.items[0].line, 2);
        assert_int_equal(d.items[1].line, 3);
        instance_config_done(&c);
        diagnostics_done(&d);
}

static void test_indented_line_is_not_a_continuation(void **state)
{
        InstanceConfig c;
        Diagnostics d = {};

        parse(&c, &d, "a", "[Instance]\nDescription=x\n   AutoStart=no\n");
        assert_int_equal(d.n, 0);
        assert_string_equal(c.description, "x");
        assert_false(c.auto_start);
        instance_config_done(&c);
        diagnostics_done(&d);
}

static void test_nul_and_cr_are_errors(void **state)
{
        static const char nul[] = "[Instance]\n# a\0b\nAutoStart=no\n";
        InstanceConfig c;
        Diagnostics d = {};

        /* A NUL does not end the file: the line after it is still parsed. */
        instance_config_init(&c);
        memcpy(c.name, "a", 2);
        assert_int_equal(config_parse_buffer(&c, "/etc/tsproxy/a.conf", nul, sizeof(nul) - 1, &d), 0);
        assert_false(c.valid);
        assert_false(c.auto_start);
        assert_int_equal(d.n, 1);
        assert_int_equal(d.items[0].line, 2);
        instance_config_done(&c);
        diagnostics_done(&d);

        parse(&c, &d, "a", "[Instance]\r\nAutoStart=no\r\n");
        assert_false(c.valid);
        assert_int_equal(d.n, 1);
        assert_int_equal(d.items[0].line, 1);
        instance_config_done(&c);
        diagnostics_done(&d);

        parse(&c, &d, "a", "[Instance]\rAutoStart=no\r");
        assert_false(c.valid);
        assert_int_equal(d.n, 1);
        instance_config_done(&c);
        diagnostics_done(&d);
}

static void test_assign_conflicts_and_stability(void **state)
{
        InstanceConfig v[3];
        Diagnostics d = {};
        Subnet b_alone;

        parse(&v[0], &d, "a", "[Namespace]\nSubnet=10.9.0.8/30\n[Tailscale]\nPort=41700\n");
        parse(&v[1], &d, "b", "[Instance]\n");
        parse(&v[2], &d, "c", "[Namespace]\nSubnet=10.9.0.8/31\n");
        assert_int_equal(config_assign(&v[1], 1, &d), 0);
        b_alone = v[1].subnet;
        assert_int_equal(config_assign(v, 3, &d), 0);
        assert_true(v[0].valid);
        assert_true(v[1].valid);
        assert_false(v[2].valid); /* overlaps a, and sorts after it */
        assert_int_equal(d.n, 1);
        assert_string_equal(d.items[0].key, "Subnet");
        /* b's allocation does not depend on the other instances (no collision here). */
        assert_int_equal(v[1].subnet.network, b_alone.network);
        assert_int_equal(v[1].subnet.prefix, 30);
        assert_true(v[1].ts_port >= AUTO_PORT_FIRST && v[1].ts_port < AUTO_PORT_FIRST + AUTO_PORT_COUNT);
        for (size_t i = 0; i < 3; i++)
                instance_config_done(&v[i]);
        diagnostics_done(&d);
}

static void test_socks_values(void **state)
{
        InstanceConfig c;
        Diagnostics d = {};
        char buf[ENDPOINT_STRLEN];

        parse(&c, &d, "a",
              "[SOCKS]\nListen=100.1.2.3:1080\nListen=[fd7a::1]:1081\nAllowFrom=10.0.0.0/8\nAllowFrom=\n"
              "AllowFrom=192.168.1.2\nAllowFrom=2001:db8::/32\nEgress=any\nPasswordFile=/etc/p\n"
              "Users=alice bob\nUsers=carol alice\nMaxConnections=10\nIdleTimeoutSec=1h 1min 5s\n"
              "HandshakeTimeoutSec=2min\nWorkers=3\n");
        assert_int_equal(d.n, 0);
        assert_true(c.valid);
        assert_int_equal(c.socks.n_listen, 2);
        endpoint_format((struct sockaddr *)&c.socks.listen[0].address, buf);
        assert_string_equal(buf, "100.1.2.3:1080");
        endpoint_format((struct sockaddr *)&c.socks.listen[1].address, buf);
        assert_string_equal(buf, "[fd7a::1]:1081");
        assert_int_equal(c.socks.listen[1].at.line, 3);
        assert_int_equal(c.socks.n_allow_from, 2); /* the empty value reset the list */
        ipnet_format(&c.socks.allow_from[0], buf);
        assert_string_equal(buf, "192.168.1.2/32");
        ipnet_format(&c.socks.allow_from[1], buf);
        assert_string_equal(buf, "2001:db8::/32");
        assert_int_equal(c.socks.egress, EGRESS_ANY);
        assert_string_equal(c.socks.password_file, "/etc/p");
        assert_string_equal(c.socks.users[0], "alice");
        assert_string_equal(c.socks.users[1], "bob");
        assert_string_equal(c.socks.users[2], "carol");
        assert_null(c.socks.users[3]);
        assert_int_equal(c.socks.max_connections, 10);
        assert_int_equal(c.socks.idle_timeout_sec, 3665);
        assert_int_equal(c.socks.handshake_timeout_sec, 120);
        assert_int_equal(c.socks.workers, 3);
        instance_config_done(&c);
        diagnostics_done(&d);
}

static void test_socks_defaults_and_reset(void **state)
{
        InstanceConfig c;
        Diagnostics d = {};

        parse(&c, &d, "a",
              "[SOCKS]\nListen=100.1.2.3:1080\nListen=\nEgress=any\nEgress=\nMaxConnections=5\n"
              "MaxConnections=\nIdleTimeoutSec=infinity\nHandshakeTimeoutSec=3\nHandshakeTimeoutSec=\n"
              "Users=x\nUsers=\nPasswordFile=/p\nPasswordFile=\nWorkers=2\nWorkers=auto\n");
        assert_int_equal(d.n, 0);
        assert_true(c.valid);
        assert_int_equal(c.socks.n_listen, 0);
        assert_int_equal(c.socks.n_allow_from, 0);
        assert_int_equal(c.socks.egress, EGRESS_TAILNET);
        assert_int_equal(c.socks.max_connections, SOCKS_DEFAULT_MAX_CONNECTIONS);
        assert_int_equal(c.socks.idle_timeout_sec, 0);
        assert_int_equal(c.socks.handshake_timeout_sec, SOCKS_DEFAULT_HANDSHAKE_TIMEOUT);
        assert_int_equal(c.socks.workers, 0); /* auto */
        assert_null(c.socks.users);
        assert_null(c.socks.password_file);
        instance_config_done(&c);
        diagnostics_done(&d);
}

static void test_socks_errors(void **state)
{
        static const struct {
                const char *line, *key, *says;
        } bad[] = {
                {"Listen=100.1.2.3", "Listen", "missing the port"},
                {"Listen=100.1.2.3:0", "Listen", "port from 1 to 65535"},
                {"Listen=[fd7a::1]", "Listen", "missing the port"},
                {"Listen=fd7a::1:80", "Listen", "missing the port"},
                {"Listen=1.2.3:80", "Listen", "not an address"},
                {"Listen=239.1.1.1:80", "Listen", "multicast"},
                {"AllowFrom=10.0.0.1/8", "AllowFrom", "the network is 10.0.0.0/8"},
                {"AllowFrom=fd7a::1/16", "AllowFrom", "the network is fd7a::/16"},
                {"AllowFrom=10.0.0.0/40", "AllowFrom", "CIDR"},
                {"Egress=all", "Egress", "tailnet or any"},
                {"PasswordFile=p", "PasswordFile", "absolute"},
                {"Users=a,b", "Users", "not a valid user name"},
                {"MaxConnections=0", "MaxConnections", "from 1 to 65536"},
                {"IdleTimeoutSec=1.5", "IdleTimeoutSec", "whole seconds"},
                {"HandshakeTimeoutSec=0", "HandshakeTimeoutSec", "from 1 to an hour"},
                {"Workers=0", "Workers", "'auto' or a number from 1 to 64"},
                {"Workers=many", "Workers", "'auto' or a number from 1 to 64"},
                {"Workers=65", "Workers", "'auto' or a number from 1 to 64"},
                {"MaxConnections=010", "MaxConnections", "from 1 to 65536"},
                {"MaxConnections=65537", "MaxConnections", "from 1 to 65536"},
                {"MaxConnections=99999999999999999999999", "MaxConnections", "from 1 to 65536"},
                {"IdleTimeoutSec=7d 1s", "IdleTimeoutSec", "up to a week"},
                {"HandshakeTimeoutSec=infinity", "HandshakeTimeoutSec", "from 1 to an hour"},
                {"HandshakeTimeoutSec=1h 1s", "HandshakeTimeoutSec", "from 1 to an hour"},
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                InstanceConfig c;
                Diagnostics d = {};
                char text[128];

                snprintf(text, sizeof(text), "[SOCKS]\n%s\n", bad[i].line);
                parse(&c, &d, "a", text);
                assert_false(c.valid);
                assert_int_equal(d.n, 1);
                assert_int_equal(d.items[0].line, 2);
                assert_string_equal(d.items[0].key, bad[i].key);
                if (!strstr(d.items[0].message, bad[i].says))
                        fail_msg("'%s': '%s' does not say '%s'", bad[i].line, d.items[0].message,
                                 bad[i].says);
                instance_config_done(&c);
                diagnostics_done(&d);
        }
}

static void test_socks_duplicate_listen_is_a_warning(void **state)
{
        InstanceConfig c;
        Diagnostics d = {};

        parse(&c, &d, "a", "[SOCKS]\nListen=100.1.2.3:1080\nListen=100.1.2.3:1080\n");
        assert_true(c.valid);
        assert_int_equal(d.n, 1);
        assert_int_equal(d.items[0].level, LOG_WARNING);
        assert_int_equal(c.socks.n_listen, 1);
        instance_config_done(&c);
        diagnostics_done(&d);
}

static void test_socks_assign(void **state)
{
        InstanceConfig v[4];
        Diagnostics d = {};

        parse(&v[0], &d, "a", "[SOCKS]\nListen=100.1.2.3:1080\nListen=[fd7a::1]:1080\n");
        parse(&v[1], &d, "b", "[SOCKS]\nListen=100.1.2.4:1080\n\nListen=100.1.2.3:1080\n");
        parse(&v[2], &d, "c", "[SOCKS]\nListen=[::]:1081\nListen=0.0.0.0:1081\n"); /* families apart */
        parse(&v[3], &d, "d", "[SOCKS]\nUsers=alice\n");
        assert_int_equal(d.n, 0);
        assert_int_equal(config_assign(v, 4, &d), 0);
        assert_true(v[0].valid);
        assert_false(v[1].valid);
        assert_true(v[2].valid);
        assert_false(v[3].valid);
        assert_int_equal(d.n, 2);
        assert_string_equal(d.items[0].key, "Users"); /* per-instance checks come first */
        assert_string_equal(d.items[1].key, "Listen");
        assert_int_equal(d.items[1].line, 4);
        assert_non_null(strstr(d.items[1].message, "already used by instance 'a'"));
        for (size_t i = 0; i < 4; i++)
                instance_config_done(&v[i]);
        diagnostics_done(&d);
}

/* The key table: each key once; each number a daemon takes has its default within its
 * range (or 0, meant by its word or a zero minimum), and the descriptors of the most
 * connections stay under the kernel's default fs.nr_open (LimitNOFILE= would fail). */
static void test_login_keys(void **state)
{
        static const struct {
                const char *line, *key, *says;
        } bad[] = {
                {"AuthKeyFile=key", "AuthKeyFile", "absolute"},
                {"LoginServer=hs.example.com", "LoginServer", "https:// or http://"},
                {"LoginServer=https://a b", "LoginServer", "white space"},
                {"LoginServer=https://", "LoginServer", "no host"},
                {"Hostname=gpu_box", "Hostname", "only letters, digits and '-'"},
                {"Hostname=-gpu", "Hostname", "start or end with '-'"},
                {"AdvertiseTags=tag:", "AdvertiseTags", "may not be empty"},
                {"AdvertiseTags=tag:1gpu", "AdvertiseTags", "start with a letter"},
                {"AdvertiseTags=group:x", "AdvertiseTags", "tag:NAME"},
                {"AcceptRoutes=maybe", "AcceptRoutes", "boolean"},
                {"UpArguments=--auth-key=tskey-x", "UpArguments", "use AuthKeyFile="},
                {"UpArguments=--hostname=x", "UpArguments", "use Hostname="},
                {"UpArguments=--ssh", "UpArguments", "shell on this host"},
                {"UpArguments=--accept-dns=maybe", "UpArguments", "true or false"},
                {"UpArguments=--advertise-routes=10.1.2.3/8", "UpArguments", "bits set beyond its length"},
                {"UpArguments=--exit-node=gpu-exit", "UpArguments", "IP address"},
                {"UpArguments=--exit-node-allow-lan-access", "UpArguments", "only be used with --exit-node"},
                {"UpArguments=--timeout=5s", "UpArguments", "not a flag tsproxy maps"},
                {"UpArguments=shields-up", "UpArguments", "--flag or --flag=value"},
                {"UpArguments=--exit-node=$HOME", "UpArguments", "'$' are not taken"},
        };
        InstanceConfig c;
        Diagnostics d = {};

        parse(&c, &d, "a",
              "[Tailscale]\nAuthKeyFile=/etc/tsproxy/a.key\nLoginServer=https://hs.example.com:8443\n"
              "Hostname=gpu-a\nAdvertiseTags=proxy, tag:lab-2\nAcceptRoutes=yes\n"
              "UpArguments=--shields-up   --advertise-routes=10.0.0.0/8,fd00::/64 --accept-dns=false\n");
        assert_int_equal(d.n, 0);
        assert_true(c.valid);
        assert_string_equal(c.ts_auth_key_file, "/etc/tsproxy/a.key");
        assert_int_equal(c.ts_auth_key_file_at.line, 2);
        assert_string_equal(c.ts_login_server, "https://hs.example.com:8443");
        assert_string_equal(c.ts_hostname, "gpu-a");
        assert_string_equal(c.ts_advertise_tags, "tag:proxy,tag:lab-2");
        assert_true(c.ts_accept_routes);
        assert_string_equal(c.ts_up_arguments,
                            "--shields-up --advertise-routes=10.0.0.0/8,fd00::/64 --accept-dns=false");
        instance_config_done(&c);
        diagnostics_done(&d);

        /* Empty assignments reset to the defaults. */
        parse(&c, &d, "a",
              "[Tailscale]\nHostname=x\nHostname=\nAcceptRoutes=yes\nAcceptRoutes=\nUpArguments=\n");
        assert_int_equal(d.n, 0);
        assert_null(c.ts_hostname);
        assert_false(c.ts_accept_routes);
        assert_null(c.ts_up_arguments);
        assert_null(c.ts_auth_key_file);
        instance_config_done(&c);
        diagnostics_done(&d);

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char text[160];

                snprintf(text, sizeof(text), "[Tailscale]\n%s\n", bad[i].line);
                parse(&c, &d, "a", text);
                assert_false(c.valid);
                assert_int_equal(d.n, 1);
                assert_int_equal(d.items[0].line, 2);
                assert_string_equal(d.items[0].key, bad[i].key);
                if (!strstr(d.items[0].message, bad[i].says))
                        fail_msg("'%s': '%s' does not say '%s'", bad[i].line, d.items[0].message,
                                 bad[i].says);
                instance_config_done(&c);
                diagnostics_done(&d);
        }
}

static void test_key_table(void **state)
{
        for (size_t i = 0; i < config_keys_count; i++) {
                const ConfigKey *k = &config_keys[i];

                for (size_t j = 0; j < i; j++)
                        if (strcmp(k->section, config_keys[j].section) == 0 &&
                            strcmp(k->key, config_keys[j].key) == 0)
                                fail_msg("[%s] %s= is in the table twice", k->section, k->key);
                if (!k->option)
                        continue;
                assert_true(k->min <= k->max);
                if ((k->def < k->min || k->def > k->max) && !(k->def == 0 && k->word))
                        fail_msg("[%s] %s=: default %u out of %u..%u", k->section, k->key, k->def, k->min,
                                 k->max);
        }
        assert_true(daemon_fds_needed(SOCKS_MAX_CONNECTIONS_MAX, 0) <= 1048576);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_values),
                cmocka_unit_test(test_login_keys),
                cmocka_unit_test(test_reset_and_override),
                cmocka_unit_test(test_errors_name_line_and_key),
                cmocka_unit_test(test_unknown_is_a_warning),
                cmocka_unit_test(test_indented_line_is_not_a_continuation),
                cmocka_unit_test(test_nul_and_cr_are_errors),
                cmocka_unit_test(test_assign_conflicts_and_stability),
                cmocka_unit_test(test_socks_values),
                cmocka_unit_test(test_socks_defaults_and_reset),
                cmocka_unit_test(test_socks_errors),
                cmocka_unit_test(test_socks_duplicate_listen_is_a_warning),
                cmocka_unit_test(test_socks_assign),
                cmocka_unit_test(test_key_table),
        };
        return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
