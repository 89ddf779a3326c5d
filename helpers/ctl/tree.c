/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tree.c: building and drawing the status tree (see tree.h).
 *
 * The drawing follows `systemctl list-dependencies`: the root at column 0, each child
 * prefixed by "├─" or "└─" for the last one, the columns of open ancestors by "│ ".
 * Notes take the prefix a child of the node would have, plus two spaces, so that they
 * line up under the node's label.
 */
#include "tree.h"
#include "strfmt.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define ANSI_GREEN  "\033[0;1;32m"
#define ANSI_RED    "\033[0;1;31m"
#define ANSI_YELLOW "\033[0;1;33m"
#define ANSI_GREY   "\033[0;38;5;245m"
#define ANSI_BOLD   "\033[0;1;39m"
#define ANSI_NORMAL "\033[0m"

static TreeNode *node_newv(TreeMark mark, const char *label, const char *fact_fmt, va_list ap)
        _printf_(3, 0);
static TreeNode *node_newv(TreeMark mark, const char *label, const char *fact_fmt, va_list ap)
{
        _cleanup_(tree_node_freep) TreeNode *n = calloc(1, sizeof(TreeNode));

        if (!n)
                return NULL;
        n->mark = mark;
        n->label = strdup(label);
        if (!n->label)
                return NULL;
        if (fact_fmt) {
                n->fact = strfmt_v(fact_fmt, ap);
                if (!n->fact)
                        return NULL;
        }
        return TAKE_PTR(n);
}

TreeNode *tree_node_new(TreeMark mark, const char *label, const char *fact_fmt, ...)
{
        TreeNode *n;
        va_list ap;

        va_start(ap, fact_fmt);
        n = node_newv(mark, label, fact_fmt, ap);
        va_end(ap);
        return n;
}

int tree_node_append(TreeNode *parent, TreeNode *child)
{
        TreeNode **c;

        if (!child)
                return -ENOMEM;
        c = reallocarray(parent->children, parent->n_children + 1, sizeof(TreeNode *));
        if (!c) {
                tree_node_free(child);
                return -ENOMEM;
        }
        parent->children = c;
        parent->children[parent->n_children++] = child;
        return 0;
}

TreeNode *tree_node_add(TreeNode *parent, TreeMark mark, const char *label, const char *fact_fmt, ...)
{
        TreeNode *n;
        va_list ap;

        va_start(ap, fact_fmt);
        n = node_newv(mark, label, fact_fmt, ap);
        va_end(ap);
        if (!n || tree_node_append(parent, n) < 0)
                return NULL;
        return n;
}

int tree_node_set_fact(TreeNode *n, const char *fact_fmt, ...)
{
        char *f;
        va_list ap;

        va_start(ap, fact_fmt);
        f = strfmt_v(fact_fmt, ap);
        va_end(ap);
        if (!f)
                return -ENOMEM;
        free(n->fact);
        n->fact = f;
        return 0;
}

int tree_node_note(TreeNode *n, const char *fmt, ...)
{
        char **notes, *s;
        va_list ap;

        va_start(ap, fmt);
        s = strfmt_v(fmt, ap);
        va_end(ap);
        if (!s)
                return -ENOMEM;
        notes = reallocarray(n->notes, n->n_notes + 1, sizeof(char *));
        if (!notes) {
                free(s);
                return -ENOMEM;
        }
        n->notes = notes;
        n->notes[n->n_notes++] = s;
        return 0;
}

TreeNode *tree_node_free(TreeNode *n)
{
        if (!n)
                return NULL;
        for (size_t i = 0; i < n->n_children; i++)
                tree_node_free(n->children[i]);
        for (size_t i = 0; i < n->n_notes; i++)
                free(n->notes[i]);
        free(n->children);
        free(n->notes);
        free(n->label);
        free(n->fact);
        free(n);
        return NULL;
}

bool tree_node_any_bad(const TreeNode *n)
{
        if (n->mark == TREE_MARK_BAD)
                return true;
        for (size_t i = 0; i < n->n_children; i++)
                if (tree_node_any_bad(n->children[i]))
                        return true;
        return false;
}

typedef struct Glyphs {
        const char *branch, *last, *vertical, *space;
        const char *mark[4];
} Glyphs;

static const Glyphs glyphs_utf8 = {"├─", "└─", "│ ", "  ", {"○", "●", "×", "!"}};
static const Glyphs glyphs_ascii = {"|-", "`-", "| ", "  ", {"o", "*", "x", "!"}};

/* prefix: the columns of the ancestors ("│ " or "  " each), as text. */
static void render_node(const TreeNode *n, const TreeStyle *style, const Glyphs *g, FILE *f,
                        const char *prefix, const char *connector, const char *child_prefix_add)
{
        static const char *const mark_color[4] = {ANSI_GREY, ANSI_GREEN, ANSI_RED, ANSI_YELLOW};
        size_t plen = strlen(prefix);
        char child_prefix[plen + 16];

        snprintf(child_prefix, sizeof(child_prefix), "%s%s", prefix, child_prefix_add);

        fputs(prefix, f);
        fputs(connector, f);
        if (style->color)
                fprintf(f, "%s%s%s %s%s%s", mark_color[n->mark], g->mark[n->mark], ANSI_NORMAL, ANSI_BOLD,
                        n->label, ANSI_NORMAL);
        else
                fprintf(f, "%s %s", g->mark[n->mark], n->label);
        if (n->fact) {
                if (style->color && n->mark == TREE_MARK_BAD)
                        fprintf(f, "  %s%s%s", ANSI_RED, n->fact, ANSI_NORMAL);
                else
                        fprintf(f, "  %s", n->fact);
        }
        fputc('\n', f);

        /* Notes line up under the label: the child prefix, one column for a possible
         * child's tree line, two for the mark. */
        for (size_t i = 0; i < n->n_notes; i++) {
                fprintf(f, "%s%s  ", child_prefix, n->n_children > 0 ? g->vertical : g->space);
                if (style->color)
                        fprintf(f, "%s%s%s\n", ANSI_GREY, n->notes[i], ANSI_NORMAL);
                else
                        fprintf(f, "%s\n", n->notes[i]);
        }

        for (size_t i = 0; i < n->n_children; i++) {
                bool last = i + 1 == n->n_children;
                render_node(n->children[i], style, g, f, child_prefix, last ? g->last : g->branch,
                            last ? g->space : g->vertical);
        }
}

int tree_render(const TreeNode *root, const TreeStyle *style, FILE *f)
{
        const Glyphs *g = style->utf8 ? &glyphs_utf8 : &glyphs_ascii;

        render_node(root, style, g, f, "", "", "");
        if (fflush(f) != 0 || ferror(f))
                return -EIO;
        return 0;
}
