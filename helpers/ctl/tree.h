/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tree.h: the tree `tsproxyctl status` draws, as `systemctl list-dependencies` draws units.
 *
 * Each node is one link of an instance's chain (a unit, the namespace, the veth, the nft
 * table, a listening socket), marked good or bad, with the fact behind the mark on the
 * same line and optional note lines under it (journal lines, the fix). Building is plain
 * data; rendering is pure (a FILE * out, colour and glyphs chosen by the caller), so the
 * unit test (test/unit/test-ctl-tree.c) pins the exact drawing.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "macro.h"

typedef enum TreeMark {
        TREE_MARK_NONE, /* neutral: a fact, not a verdict (drawn ○ / o) */
        TREE_MARK_GOOD, /* ● / * in green */
        TREE_MARK_BAD,  /* × / x in red */
        TREE_MARK_WARN, /* ! in yellow: works now, needs care soon (doctor's warnings) */
} TreeMark;

typedef struct TreeNode {
        TreeMark mark;
        char *label;  /* bold when coloured */
        char *fact;   /* after the label, or NULL */
        char **notes; /* lines under the node, indented */
        size_t n_notes;
        struct TreeNode **children;
        size_t n_children;
} TreeNode;

typedef struct TreeStyle {
        bool color; /* ANSI colour: the caller decides (isatty, NO_COLOR, --no-color) */
        bool utf8;  /* box-drawing and ●/×/○, or ASCII |- `- and * x o */
} TreeStyle;

/* A new node (label copied; fact formatted, or NULL). Returns NULL on ENOMEM. */
TreeNode *tree_node_new(TreeMark mark, const char *label, const char *fact_fmt, ...) _printf_(3, 4);
/* Append a child (ownership passes to parent, also on failure). 0 or -ENOMEM. */
int tree_node_append(TreeNode *parent, TreeNode *child);
/* A new child of parent; NULL on ENOMEM. */
TreeNode *tree_node_add(TreeNode *parent, TreeMark mark, const char *label, const char *fact_fmt, ...)
        _printf_(4, 5);
/* Replace the fact. 0 or -ENOMEM. */
int tree_node_set_fact(TreeNode *n, const char *fact_fmt, ...) _printf_(2, 3);
/* Append a note line. 0 or -ENOMEM. */
int tree_node_note(TreeNode *n, const char *fmt, ...) _printf_(2, 3);
TreeNode *tree_node_free(TreeNode *n);
DEFINE_TRIVIAL_CLEANUP_FUNC(TreeNode *, tree_node_free);

/* Is anything in this subtree (the node included) marked bad? */
bool tree_node_any_bad(const TreeNode *n);

/* Draw root and its subtree. Returns 0, or -EIO when writing failed. */
int tree_render(const TreeNode *root, const TreeStyle *style, FILE *f);
