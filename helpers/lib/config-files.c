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
 *
 * Each configuration directory is read once (its NAME.conf files and NAME.conf.d
 * directories together), so that a thousand instances cost a thousand opens, not
 * five thousand: the generator runs at every boot and daemon-reload.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A file or directory found: each name once, from the directory of highest precedence. */
typedef struct FoundFile {
        char *name;         /* "a.conf" or "a.conf.d" */
        char *dir;          /* logical directory it was found in */
        bool maybe_special; /* not known to be a regular file (a symlink, say) */
} FoundFile;

typedef struct FoundList {
        FoundFile *items;
        size_t n, allocated;
} FoundList;

static void found_list_done(FoundList *l)
{
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].name);
                free(l->items[i].dir);
        }
        free(l->items);
        *l = (FoundList){};
}

static bool found_list_contains(const FoundList *l, const char *name)
{
        for (size_t i = 0; i < l->n; i++)
                if (strcmp(l->items[i].name, name) == 0)
                        return true;
        return false;
}

static int found_list_add(FoundList *l, const char *name, const char *dir, bool maybe_special)
{
        FoundFile f = {.name = strdup(name), .dir = strdup(dir), .maybe_special = maybe_special};

        if (!f.name || !f.dir)
                goto oom;
        if (l->n == l->allocated) {
                size_t n = l->allocated ? l->allocated * 2 : 32;
                FoundFile *items = reallocarray(l->items, n, sizeof(FoundFile));
                if (!items)
                        goto oom;
                l->items = items;
                l->allocated = n;
        }
        l->items[l->n++] = f;
        return 0;
oom:
        free(f.name);
        free(f.dir);
        return -ENOMEM;
}

static int found_file_compare(const void *a, const void *b)
{
        return strcmp(((const FoundFile *)a)->name, ((const FoundFile *)b)->name);
}

/* Sorted by name, so that files are read and reported in the same order everywhere. */
static void found_list_sort(FoundList *l)
{
        if (l->n > 1)
                qsort(l->items, l->n, sizeof(FoundFile), found_file_compare);
}

static bool has_suffix(const char *s, const char *suffix)
{
        size_t n = strlen(s), m = strlen(suffix);

        return n >= m && strcmp(s + n - m, suffix) == 0;
}

static char *path_join(const char *a, const char *b)
{
        char *p;

        if (asprintf(&p, "%s/%s", a, b) < 0)
                return NULL;
        return p;
}

/*
 * Add the entries of dir (under root) not found before: files "*.conf" to files, and, if
 * dropin_dirs is given, directories "*.conf.d" to dropin_dirs. d_type saves a stat()
 * per entry; only links and file systems without d_type need one.
 */
static int list_dir(const char *root, const char *dir, FoundList *files, FoundList *dropin_dirs)
{
        _cleanup_free_ char *real = NULL;
        struct dirent *de;
        DIR *d;
        int r = 0;

        if (asprintf(&real, "%s%s", root, dir) < 0)
                return -ENOMEM;
        d = opendir(real);
        if (!d)
                return 0; /* missing or unreadable directories are simply empty */
        while (r >= 0 && (de = readdir(d))) {
                bool conf = has_suffix(de->d_name, ".conf");
                bool conf_d = dropin_dirs && has_suffix(de->d_name, ".conf.d");
                unsigned char type = de->d_type;

                if (!conf && !conf_d)
                        continue;
                if (type == DT_UNKNOWN || (type == DT_LNK && conf_d)) {
                        struct stat st;
                        if (fstatat(dirfd(d), de->d_name, &st, 0) < 0)
                                type = DT_LNK; /* dangling: reported when opened */
                        else
                                type = S_ISDIR(st.st_mode) ? DT_DIR : DT_REG;
                }
                if (conf && type != DT_DIR && !found_list_contains(files, de->d_name))
                        r = found_list_add(files, de->d_name, dir, type != DT_REG);
                else if (conf_d && type == DT_DIR && !found_list_contains(dropin_dirs, de->d_name))
                        r = found_list_add(dropin_dirs, de->d_name, dir, false);
        }
        closedir(d);
        return r;
}

/* Remember path in c->files (messages and ConfigLocation point there). */
static int add_file(InstanceConfig *c, const char *path, const char **ret)
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
        *ret = files[n];
        return files[n] ? 0 : -ENOMEM;
}

/*
 * Read and parse dir/name into c. Returns 1 if the file masks (nothing added), 0 when
 * parsed (read errors become diagnostics, making c invalid), or -ENOMEM.
 */
static int load_one(InstanceConfig *c, const char *root, const FoundFile *file, Diagnostics *d)
{
        const char *dir = file->dir, *name = file->name;
        _cleanup_free_ char *path = path_join(dir, name), *real = NULL, *text = NULL;
        const char *logical;
        int r;

        if (!path || asprintf(&real, "%s%s", root, path) < 0)
                return -ENOMEM;
        r = config_read_file(real, file->maybe_special, &text);
        if (r == 1 || r == -ENOMEM)
                return r;
        if (add_file(c, path, &logical) < 0)
                return -ENOMEM;
        if (r < 0) {
                c->valid = false;
                return diagnostics_add(d, LOG_ERR, logical, 0, NULL, c->name, "Failed to read file: %s.",
                                       strerror(-r));
        }
        return config_parse_text(c, logical, text, d);
}

/* Parse the drop-ins of c, given every NAME.conf.d directory found (of any instance). */
static int load_dropins(InstanceConfig *c, const char *root, const FoundList *dropin_dirs, Diagnostics *d)
{
        char wanted[INSTANCE_NAME_BUFSZ + sizeof(".conf.d")];
        FoundList found = {};
        int r = 0;

        snprintf(wanted, sizeof(wanted), "%s.conf.d", c->name);
        /* dropin_dirs holds each NAME.conf.d once; the same directory name in several
         * configuration directories is listed from each of them, highest first. */
        for (size_t i = 0; i < dropin_dirs->n && r >= 0; i++) {
                _cleanup_free_ char *dir = NULL;

                if (strcmp(dropin_dirs->items[i].name, wanted) != 0)
                        continue;
                dir = path_join(dropin_dirs->items[i].dir, wanted);
                r = dir ? list_dir(root, dir, &found, NULL) : -ENOMEM;
        }
        found_list_sort(&found);
        for (size_t k = 0; r >= 0 && k < found.n; k++) {
                r = load_one(c, root, &found.items[k], d);
                if (r == 1)
                        r = 0; /* a masked drop-in */
        }
        found_list_done(&found);
        return r;
}

static int instance_compare(const void *a, const void *b)
{
        return strcmp(((const InstanceConfig *)a)->name, ((const InstanceConfig *)b)->name);
}

/* Add to the instance array of set the instance of file (dir, name); masked: nothing. */
static int load_instance(ConfigSet *set, const char *root, const FoundFile *file,
                         const FoundList *dropin_dirs)
{
        size_t len = strlen(file->name) - strlen(".conf");
        _cleanup_free_ char *name = strndup(file->name, len);
        const char *reason;
        InstanceConfig *c;
        int r;

        if (!name)
                return -ENOMEM;
        if (instance_name_check(name, &reason) < 0) {
                _cleanup_free_ char *path = path_join(file->dir, file->name);
                if (!path)
                        return -ENOMEM;
                return diagnostics_add(&set->diagnostics, LOG_ERR, path, 0, NULL, NULL,
                                       "Invalid instance name '%s': %s; file ignored.", name, reason);
        }

        c = &set->instances[set->n_instances];
        instance_config_init(c);
        memcpy(c->name, name, len + 1); /* checked: at most INSTANCE_NAME_MAX */
        r = load_one(c, root, file, &set->diagnostics);
        if (r == 1) { /* masked */
                instance_config_done(c);
                return 0;
        }
        set->n_instances++;
        if (r < 0)
                return r;
        return load_dropins(c, root, dropin_dirs, &set->diagnostics);
}

int config_load_files(const char *root, ConfigSet *set)
{
        static const char *const dirs[CONFIG_DIRS_COUNT] = CONFIG_DIRS_INIT;
        FoundList files = {}, dropin_dirs = {};
        int r = 0;

        for (size_t i = 0; i < CONFIG_DIRS_COUNT && r >= 0; i++)
                r = list_dir(root, dirs[i], &files, &dropin_dirs);
        /* The same NAME.conf.d may exist in several directories: list_dir() kept only the
         * first; add the others, in precedence order, for load_dropins(). */
        for (size_t i = 0; i < CONFIG_DIRS_COUNT && r >= 0; i++)
                for (size_t k = 0, n = dropin_dirs.n; k < n && r >= 0; k++)
                        if (strcmp(dropin_dirs.items[k].dir, dirs[i]) != 0) {
                                _cleanup_free_ char *p = NULL, *real = NULL;
                                struct stat st;

                                p = path_join(dirs[i], dropin_dirs.items[k].name);
                                if (!p || asprintf(&real, "%s%s", root, p) < 0) {
                                        r = -ENOMEM;
                                        break;
                                }
                                if (stat(real, &st) == 0 && S_ISDIR(st.st_mode))
                                        r = found_list_add(&dropin_dirs, dropin_dirs.items[k].name, dirs[i],
                                                           false);
                        }
        if (r < 0)
                goto finish;
        found_list_sort(&files);

        set->instances = calloc(files.n ? files.n : 1, sizeof(InstanceConfig));
        if (!set->instances) {
                r = -ENOMEM;
                goto finish;
        }
        for (size_t k = 0; k < files.n && r >= 0; k++)
                r = load_instance(set, root, &files.items[k], &dropin_dirs);

        /* File order is not name order ("a-b.conf" < "a.conf"); conflicts are decided by name. */
        qsort(set->instances, set->n_instances, sizeof(InstanceConfig), instance_compare);
finish:
        found_list_done(&files);
        found_list_done(&dropin_dirs);
        return r;
}
