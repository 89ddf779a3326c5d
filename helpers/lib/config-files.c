/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config-files.c: find every instance's files, by precedence, and load them.
 *
 * Same rules as systemd's own configuration files: a NAME.conf in a directory of
 * higher precedence replaces one of the same name below it; a file that is empty or a
 * symlink to /dev/null masks the instance. Drop-ins NAME.conf.d/X.conf are gathered
 * from every directory, the same X in a higher directory replacing the lower one (and
 * masking it, if empty or /dev/null), and applied in lexical order of X after the
 * main file.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct NameList {
        char **names;
        size_t n, allocated;
} NameList;

static void name_list_done(NameList *l)
{
        for (size_t i = 0; i < l->n; i++)
                free(l->names[i]);
        free(l->names);
        *l = (NameList){};
}

static bool name_list_contains(const NameList *l, const char *name)
{
        for (size_t i = 0; i < l->n; i++)
                if (strcmp(l->names[i], name) == 0)
                        return true;
        return false;
}

static int name_list_add(NameList *l, const char *name)
{
        if (l->n == l->allocated) {
                size_t n = l->allocated ? l->allocated * 2 : 32;
                char **names = reallocarray(l->names, n, sizeof(char *));
                if (!names)
                        return -ENOMEM;
                l->names = names;
                l->allocated = n;
        }
        l->names[l->n] = strdup(name);
        if (!l->names[l->n])
                return -ENOMEM;
        l->n++;
        return 0;
}

static int instance_compare(const void *a, const void *b)
{
        return strcmp(((const InstanceConfig *)a)->name, ((const InstanceConfig *)b)->name);
}

static bool has_suffix(const char *s, const char *suffix)
{
        size_t n = strlen(s), m = strlen(suffix);

        return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Masked: empty, or a symlink to /dev/null. */
static bool file_is_mask(const char *real_path)
{
        char target[PATH_MAX];
        struct stat st;
        ssize_t n;

        n = readlink(real_path, target, sizeof(target) - 1);
        if (n > 0) {
                target[n] = '\0';
                if (strcmp(target, "/dev/null") == 0)
                        return true;
        }
        return stat(real_path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0;
}

static char *path_join3(const char *a, const char *b, const char *c)
{
        char *p;

        if (asprintf(&p, "%s%s%s%s%s", a, *b ? "/" : "", b, *c ? "/" : "", c) < 0)
                return NULL;
        return p;
}

/* List entries of dir (under root) ending in ".conf", skipping directories. */
static int list_conf_entries(const char *root, const char *dir, NameList *out)
{
        _cleanup_free_ char *real = NULL;
        DIR *d;
        struct dirent *de;
        int r = 0;

        if (asprintf(&real, "%s%s", root, dir) < 0)
                return -ENOMEM;
        d = opendir(real);
        if (!d)
                return 0; /* missing or unreadable directories are simply empty */
        while ((de = readdir(d))) {
                struct stat st;
                _cleanup_free_ char *p = NULL;

                if (!has_suffix(de->d_name, ".conf") || name_list_contains(out, de->d_name))
                        continue;
                p = path_join3(real, de->d_name, "");
                if (!p) {
                        r = -ENOMEM;
                        break;
                }
                /* A directory named X.conf is not a file; a dangling link is (reported on open). */
                if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
                        continue;
                r = name_list_add(out, de->d_name);
                if (r < 0)
                        break;
        }
        closedir(d);
        return r;
}

static int add_file(InstanceConfig *c, const char *path)
{
        size_t n = 0;
        char **files;

        while (c->files && c->files[n])
                n++;
        files = reallocarray(c->files, n + 2, sizeof(char *));
        if (!files)
                return -ENOMEM;
        c->files = files;
        files[n] = strdup(path);
        files[n + 1] = NULL;
        return files[n] ? 0 : -ENOMEM;
}

/* Parse one found file (logical dir + name) into c. */
static int load_one(InstanceConfig *c, const char *root, const char *dir, const char *name, Diagnostics *d)
{
        _cleanup_free_ char *path = path_join3(dir, name, "");
        _cleanup_free_ char *real = NULL;
        int r;

        if (!path || asprintf(&real, "%s%s", root, path) < 0)
                return -ENOMEM;
        r = add_file(c, path);
        if (r < 0)
                return r;
        return config_parse_file(c, &(ConfigFile){ .path = path, .real_path = real }, d);
}

/* Find, mask-check and parse the drop-ins of instance c. */
static int load_dropins(InstanceConfig *c, const char *root, const char *const *dirs, Diagnostics *d)
{
        NameList seen = {};
        const char **owner = NULL;
        int r = 0;

        for (size_t i = 0; i < CONFIG_DIRS_COUNT && r >= 0; i++) {
                _cleanup_free_ char *dropin_dir = NULL;
                size_t before = seen.n;

                if (asprintf(&dropin_dir, "%s/%s.conf.d", dirs[i], c->name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                r = list_conf_entries(root, dropin_dir, &seen);
                if (r < 0)
                        break;
                if (seen.n > before) {
                        const char **o = reallocarray(owner, seen.n, sizeof(char *));
                        if (!o) {
                                r = -ENOMEM;
                                break;
                        }
                        owner = o;
                        for (size_t k = before; k < seen.n; k++)
                                owner[k] = dirs[i];
                }
        }

        /* Sort names, carrying along the directory each one came from. */
        for (size_t a = 1; r >= 0 && a < seen.n; a++)
                for (size_t b = a; b > 0 && strcmp(seen.names[b - 1], seen.names[b]) > 0; b--) {
                        char *t = seen.names[b];
                        const char *o = owner[b];
                        seen.names[b] = seen.names[b - 1];
                        owner[b] = owner[b - 1];
                        seen.names[b - 1] = t;
                        owner[b - 1] = o;
                }

        for (size_t k = 0; r >= 0 && k < seen.n; k++) {
                _cleanup_free_ char *dir = NULL, *real = NULL;

                if (asprintf(&dir, "%s/%s.conf.d", owner[k], c->name) < 0 ||
                    asprintf(&real, "%s%s/%s", root, dir, seen.names[k]) < 0) {
                        r = -ENOMEM;
                        break;
                }
                if (file_is_mask(real))
                        continue;
                r = load_one(c, root, dir, seen.names[k], d);
        }
        free(owner);
        name_list_done(&seen);
        return r;
}

int config_load_files(const char *root, ConfigSet *set)
{
        static const char *const dirs[CONFIG_DIRS_COUNT] = CONFIG_DIRS_INIT;
        NameList seen = {};
        const char **owner = NULL;
        int r = 0;

        for (size_t i = 0; i < CONFIG_DIRS_COUNT && r >= 0; i++) {
                size_t before = seen.n;

                r = list_conf_entries(root, dirs[i], &seen);
                if (r < 0)
                        break;
                const char **o = reallocarray(owner, seen.n ? seen.n : 1, sizeof(char *));
                if (!o) {
                        r = -ENOMEM;
                        break;
                }
                owner = o;
                for (size_t k = before; k < seen.n; k++)
                        owner[k] = dirs[i];
        }
        if (r < 0)
                goto finish;

        set->instances = calloc(seen.n ? seen.n : 1, sizeof(InstanceConfig));
        if (!set->instances) {
                r = -ENOMEM;
                goto finish;
        }

        for (size_t k = 0; k < seen.n; k++) {
                const char *file = seen.names[k];
                size_t len = strlen(file) - strlen(".conf");
                char name[PATH_MAX];
                _cleanup_free_ char *real = NULL, *logical = NULL;
                const char *reason;
                InstanceConfig *c;

                snprintf(name, sizeof(name), "%.*s", (int)len, file);
                logical = path_join3(owner[k], file, "");
                if (!logical || asprintf(&real, "%s%s", root, logical) < 0) {
                        r = -ENOMEM;
                        goto finish;
                }
                if (file_is_mask(real))
                        continue;
                if (instance_name_check(name, &reason) < 0) {
                        r = diagnostics_add(&set->diagnostics, LOG_ERR, logical, 0, NULL, NULL,
                                            "Invalid instance name '%s': %s; file ignored.", name, reason);
                        if (r < 0)
                                goto finish;
                        continue;
                }

                c = &set->instances[set->n_instances++];
                instance_config_init(c);
                memcpy(c->name, name, strlen(name) + 1); /* checked: at most INSTANCE_NAME_MAX */
                r = load_one(c, root, owner[k], file, &set->diagnostics);
                if (r >= 0)
                        r = load_dropins(c, root, dirs, &set->diagnostics);
                if (r < 0)
                        goto finish;
        }

        qsort(set->instances, set->n_instances, sizeof(InstanceConfig), instance_compare);
finish:
        free(owner);
        name_list_done(&seen);
        return r;
}
