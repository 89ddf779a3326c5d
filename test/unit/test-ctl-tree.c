/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-ctl-tree: the status tree of tsproxyctl is drawn exactly as intended: the
 * connectors of systemctl list-dependencies, marks, facts, notes lined up under their
 * node, ASCII when the locale is not UTF-8, ANSI colour only when asked; and the JSON
 * writer's commas, nesting, escaping.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json.h"
#include "tree.h"

static char *render(const TreeNode *root, bool color, bool utf8)
{
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        TreeStyle style = {.color = color, .utf8 = utf8};

        assert_non_null(f);
        assert_int_equal(tree_render(root, &style, f), 0);
        fclose(f);
        return buf;
}

static TreeNode *sample(void)
{
        TreeNode *root = tree_node_new(TREE_MARK_GOOD, "tsproxy@t1.target", "active (active)");
        TreeNode *netns, *nat, *sock;

        assert_non_null(root);
        netns = tree_node_add(root, TREE_MARK_GOOD, "ts-netns@t1.service", "active (exited)");
        assert_non_null(tree_node_add(netns, TREE_MARK_GOOD, "namespace", "/run/netns/t1 present"));
        assert_non_null(tree_node_add(netns, TREE_MARK_GOOD, "veth", "ts-t1 up 10.200.0.5/30"));
        nat = tree_node_add(root, TREE_MARK_BAD, "ts-nat@t1.service", "inactive (dead)");
        assert_int_equal(tree_node_note(nat, "Stopped tsproxy NAT."), 0);
        assert_int_equal(tree_node_note(nat, "fix: systemctl restart tsproxy@t1.target"), 0);
        assert_non_null(tree_node_add(nat, TREE_MARK_NONE, "nft", "table inet tsproxy-t1 absent"));
        sock = tree_node_add(root, TREE_MARK_GOOD, "socks@t1.socket", NULL);
        assert_non_null(tree_node_add(sock, TREE_MARK_GOOD, "socks@t1.service", "active (running)"));
        return root;
}

static void test_utf8(void **state)
{
        _cleanup_(tree_node_freep) TreeNode *root = sample();
        _cleanup_free_ char *out = render(root, false, true);

        assert_string_equal(out, "● tsproxy@t1.target  active (active)\n"
                                 "├─● ts-netns@t1.service  active (exited)\n"
                                 "│ ├─● namespace  /run/netns/t1 present\n"
                                 "│ └─● veth  ts-t1 up 10.200.0.5/30\n"
                                 "├─× ts-nat@t1.service  inactive (dead)\n"
                                 "│ │   Stopped tsproxy NAT.\n"
                                 "│ │   fix: systemctl restart tsproxy@t1.target\n"
                                 "│ └─○ nft  table inet tsproxy-t1 absent\n"
                                 "└─● socks@t1.socket\n"
                                 "  └─● socks@t1.service  active (running)\n");
}

static void test_ascii(void **state)
{
        _cleanup_(tree_node_freep) TreeNode *root = sample();
        _cleanup_free_ char *out = render(root, false, false);

        assert_string_equal(out, "* tsproxy@t1.target  active (active)\n"
                                 "|-* ts-netns@t1.service  active (exited)\n"
                                 "| |-* namespace  /run/netns/t1 present\n"
                                 "| `-* veth  ts-t1 up 10.200.0.5/30\n"
                                 "|-x ts-nat@t1.service  inactive (dead)\n"
                                 "| |   Stopped tsproxy NAT.\n"
                                 "| |   fix: systemctl restart tsproxy@t1.target\n"
                                 "| `-o nft  table inet tsproxy-t1 absent\n"
                                 "`-* socks@t1.socket\n"
                                 "  `-* socks@t1.service  active (running)\n");
}

static void test_notes_of_a_leaf(void **state)
{
        _cleanup_(tree_node_freep) TreeNode *root = tree_node_new(TREE_MARK_BAD, "host", "1 finding");
        TreeNode *n = tree_node_add(root, TREE_MARK_BAD, "IPv4 forwarding", "net.ipv4.ip_forward=0");
        _cleanup_free_ char *out = NULL;

        assert_non_null(n);
        assert_int_equal(tree_node_note(n, "fix: sysctl -w net.ipv4.ip_forward=1"), 0);
        out = render(root, false, true);
        assert_string_equal(out, "× host  1 finding\n"
                                 "└─× IPv4 forwarding  net.ipv4.ip_forward=0\n"
                                 "      fix: sysctl -w net.ipv4.ip_forward=1\n");
        assert_true(tree_node_any_bad(root));
}

static void test_color(void **state)
{
        _cleanup_(tree_node_freep) TreeNode *root = tree_node_new(TREE_MARK_GOOD, "a", NULL);
        _cleanup_free_ char *plain = NULL, *colored = NULL;

        assert_non_null(tree_node_add(root, TREE_MARK_BAD, "b", "broken"));
        plain = render(root, false, true);
        colored = render(root, true, true);
        assert_null(strchr(plain, '\033'));
        assert_non_null(strstr(colored, "\033[0;1;31m×\033[0m"));      /* red mark */
        assert_non_null(strstr(colored, "\033[0;1;32m●\033[0m"));      /* green mark */
        assert_non_null(strstr(colored, "\033[0;1;31mbroken\033[0m")); /* a bad fact in red */
}

static void test_any_bad(void **state)
{
        _cleanup_(tree_node_freep) TreeNode *root = tree_node_new(TREE_MARK_GOOD, "a", NULL);
        TreeNode *b = tree_node_add(root, TREE_MARK_NONE, "b", NULL);

        assert_false(tree_node_any_bad(root));
        assert_non_null(tree_node_add(b, TREE_MARK_BAD, "c", NULL));
        assert_true(tree_node_any_bad(root));
}

static void test_json(void **state)
{
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        JsonWriter w;

        json_writer_init(&w, f, true);
        json_begin_object(&w);
        json_key_string(&w, "name", "t\"1\\\n\x01");
        json_key(&w, "list");
        json_begin_array(&w);
        json_uint(&w, 1);
        json_null(&w);
        json_begin_object(&w);
        json_end_object(&w);
        json_end_array(&w);
        json_key(&w, "empty");
        json_begin_array(&w);
        json_end_array(&w);
        json_key_bool(&w, "ok", false);
        json_end_object(&w);
        assert_int_equal(json_writer_finish(&w), 0);
        fclose(f);
        assert_string_equal(buf, "{\n"
                                 "  \"name\": \"t\\\"1\\\\\\n\\u0001\",\n"
                                 "  \"list\": [\n"
                                 "    1,\n"
                                 "    null,\n"
                                 "    {}\n"
                                 "  ],\n"
                                 "  \"empty\": [],\n"
                                 "  \"ok\": false\n"
                                 "}\n");
        free(buf);
}

static void test_json_unbalanced(void **state)
{
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        JsonWriter w;

        json_writer_init(&w, f, false);
        json_begin_array(&w);
        assert_int_equal(json_writer_finish(&w), -EINVAL);
        fclose(f);
        free(buf);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_utf8),
                cmocka_unit_test(test_ascii),
                cmocka_unit_test(test_notes_of_a_leaf),
                cmocka_unit_test(test_color),
                cmocka_unit_test(test_any_bad),
                cmocka_unit_test(test_json),
                cmocka_unit_test(test_json_unbalanced),
        };
        return cmocka_run_group_tests_name("tsproxyctl status tree and JSON writer", tests, NULL, NULL);
}
