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
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A file or directory found: each name once, from the directory of highest precedence. */
typedef struct FoundFile {
        char *name;         /* "a.conf" or "a.conf.d" */
        char *dir;          /* logical directory it was found in */
        unsigned char type; /* DT_REG, DT_DIR, DT_LNK (followed when read), DT_FIFO, ... */
        bool running;       /* NAME.conf of a running instance: read first */
} FoundFile;

typedef struct FoundList {
        FoundFile *items;
        size_t n, allocated;
        size_t max;    /* entries kept at most (0: CONFIG_INSTANCES_MAX) */
        bool overflow; /* more were found, and left out */
} FoundList;

/* What load_one() has read so far, for CONFIG_TOTAL_MAX. */
typedef struct LoadBudget {
        size_t bytes;
        bool exhausted_reported;
} LoadBudget;

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

static int found_list_add(FoundList *l, const char *name, const char *dir, unsigned char type)
{
        FoundFile f = {};

        if (l->n >= (l->max ? l->max : CONFIG_INSTANCES_MAX)) {
                l->overflow = true;
                return 0;
        }
        f = (FoundFile){.name = strdup(name), .dir = strdup(dir), .type = type};
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

static int found_file_compare_running_first(const void *a, const void *b)
{
        const FoundFile *x = a, *y = b;

        if (x->running != y->running)
                return x->running ? -1 : 1;
        return strcmp(x->name, y->name);
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
                                type = S_ISDIR(st.st_mode)    ? DT_DIR
                                       : S_ISREG(st.st_mode)  ? DT_REG
                                       : S_ISFIFO(st.st_mode) ? DT_FIFO
                                       : S_ISSOCK(st.st_mode) ? DT_SOCK
                                                              : DT_CHR;
                }
                /* Whatever its type: config_read_file() reports what is not a regular
                 * file (and never opens a FIFO or device), load_dropins() a NAME.conf.d
                 * that is not a directory. */
                if (conf && !found_list_contains(files, de->d_name))
                        r = found_list_add(files, de->d_name, dir, type);
                else if (conf_d && !found_list_contains(dropin_dirs, de->d_name))
                        r = found_list_add(dropin_dirs, de->d_name, dir, type);
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
static int load_one(InstanceConfig *c, const char *root, const FoundFile *file, LoadBudget *budget,
                    Diagnostics *d)
{
        const char *dir = file->dir, *name = file->name;
        _cleanup_free_ char *path = path_join(dir, name), *real = NULL, *text = NULL;
        const char *logical, *kind;
        size_t size = 0;
        int r;

        if (!path || asprintf(&real, "%s%s", root, path) < 0)
                return -ENOMEM;
        if (budget->bytes >= CONFIG_TOTAL_MAX)
                r = -E2BIG;
        else
                r = config_read_file(real, file->type != DT_REG, &text, &size);
        if (r == 1 || r == -ENOMEM)
                return r;
        if (add_file(c, path, &logical) < 0)
                return -ENOMEM;
        budget->bytes += size;
        if (r >= 0)
                return config_parse_buffer(c, logical, text, size, d);

        c->valid = false;
        switch (r) {
        case -EISDIR:
                return diagnostics_add(d, LOG_ERR, logical, 0, NULL, c->name,
                                       "is a directory, not a configuration file; instance '%s' is not "
                                       "generated.",
                                       c->name);
        case -ENOEXEC:
                kind = file->type == DT_FIFO   ? "a FIFO"
                       : file->type == DT_SOCK ? "a socket"
                       : file->type == DT_LNK  ? "a symlink to a FIFO, socket or device"
                                               : "a device";
                return diagnostics_add(
                        d, LOG_ERR, logical, 0, NULL, c->name,
                        "is %s, not a regular file; not read, instance '%s' is not generated.", kind,
                        c->name);
        case -EFBIG:
                return diagnostics_add(d, LOG_ERR, logical, 0, NULL, c->name,
                                       "is larger than %d KiB; not read, instance '%s' is not generated.",
                                       CONFIG_FILE_MAX / 1024, c->name);
        case -E2BIG:
                return diagnostics_add(d, LOG_ERR, logical, 0, NULL, c->name,
                                       "not read: the configuration files together exceed %d MiB; "
                                       "instance '%s' is not generated.",
                                       CONFIG_TOTAL_MAX / (1024 * 1024), c->name);
        default:
                return diagnostics_add(d, LOG_ERR, logical, 0, NULL, c->name, "Failed to read file: %s.",
                                       strerror(-r));
        }
}

/* Parse the drop-ins of c, given every NAME.conf.d directory found (of any instance). */
static int load_dropins(InstanceConfig *c, const char *root, const FoundList *dropin_dirs,
                        LoadBudget *budget, Diagnostics *d)
{
        char wanted[INSTANCE_NAME_BUFSZ + sizeof(".conf.d")];
        _cleanup_(found_list_done) FoundList found = {.max = CONFIG_DROPINS_MAX};
        int r = 0;

        snprintf(wanted, sizeof(wanted), "%s.conf.d", c->name);
        /* dropin_dirs holds each NAME.conf.d once; the same directory name in several
         * configuration directories is listed from each of them, highest first. */
        for (size_t i = 0; i < dropin_dirs->n && r >= 0; i++) {
                _cleanup_free_ char *dir = NULL;

                if (strcmp(dropin_dirs->items[i].name, wanted) != 0)
                        continue;
                dir = path_join(dropin_dirs->items[i].dir, wanted);
                if (!dir) {
                        r = -ENOMEM;
                        break;
                }
                if (dropin_dirs->items[i].type != DT_DIR) {
                        /* Its text would be ignored: the drop-ins someone meant to apply
                         * (AllowFrom=, PasswordFile=) would be missing without a word. */
                        c->valid = false;
                        r = diagnostics_add(d, LOG_ERR, dir, 0, NULL, c->name,
                                            "is not a directory (drop-ins go into a directory %s); "
                                            "instance '%s' is not generated.",
                                            wanted, c->name);
                        continue;
                }
                r = list_dir(root, dir, &found, NULL);
        }
        if (r >= 0 && found.overflow) {
                c->valid = false;
                r = diagnostics_add(
                        d, LOG_ERR, c->files ? c->files[0] : NULL, 0, NULL, c->name,
                        "more than %u drop-ins in %s directories; instance '%s' is not generated.",
                        CONFIG_DROPINS_MAX, wanted, c->name);
        }
        found_list_sort(&found);
        for (size_t k = 0; r >= 0 && c->valid && k < found.n; k++) {
                r = load_one(c, root, &found.items[k], budget, d);
                if (r == 1)
                        r = 0; /* a masked drop-in */
        }
        return r;
}

static int instance_compare(const void *a, const void *b)
{
        return strcmp(((const InstanceConfig *)a)->name, ((const InstanceConfig *)b)->name);
}

/* Add to the instance array of set the instance of file (dir, name); masked: nothing. */
/* Running: its namespace or runtime directory exists (systemd generators may read /run). */
static bool instance_running(const char *root, const char *name)
{
        _cleanup_free_ char *netns = NULL, *runtime = NULL;
        struct stat st;

        if (asprintf(&netns, "%s" CONFIG_RUNNING_NETNS_DIR "/%s", root, name) < 0 ||
            asprintf(&runtime, "%s" CONFIG_RUNNING_RUNTIME_DIR "/%s", root, name) < 0)
                return false;
        return lstat(netns, &st) >= 0 || (lstat(runtime, &st) >= 0 && S_ISDIR(st.st_mode));
}

static int load_instance(ConfigSet *set, const char *root, const FoundFile *file,
                         const FoundList *dropin_dirs, LoadBudget *budget)
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
        c->running = file->running;
        r = load_one(c, root, file, budget, &set->diagnostics);
        if (r == 1) { /* masked */
                instance_config_done(c);
                return 0;
        }
        set->n_instances++;
        if (r < 0)
                return r;
        return load_dropins(c, root, dropin_dirs, budget, &set->diagnostics);
}

int config_load_files(const char *root, ConfigSet *set)
{
        static const char *const dirs[CONFIG_DIRS_COUNT] = CONFIG_DIRS_INIT;
        _cleanup_(found_list_done) FoundList files = {}, dropin_dirs = {};
        LoadBudget budget = {};
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
                                                           DT_DIR);
                        }
        if (r < 0)
                return r;
        if (files.overflow || dropin_dirs.overflow) {
                r = diagnostics_add(&set->diagnostics, LOG_ERR, dirs[0], 0, NULL, NULL,
                                    "more than %u configuration files or drop-in directories in %s, "
                                    "%s, %s and %s; the others are not read.",
                                    CONFIG_INSTANCES_MAX, dirs[0], dirs[1], dirs[2], dirs[3]);
                if (r < 0)
                        return r;
        }
        /* Running instances are read first, so that no limit on what is read (of
         * CONFIG_TOTAL_MAX) takes them away because new files appeared. */
        for (size_t k = 0; k < files.n; k++) {
                _cleanup_free_ char *name =
                        strndup(files.items[k].name, strlen(files.items[k].name) - strlen(".conf"));
                if (!name)
                        return -ENOMEM;
                files.items[k].running = instance_running(root, name);
        }
        if (files.n > 1)
                qsort(files.items, files.n, sizeof(FoundFile), found_file_compare_running_first);

        set->instances = calloc(files.n ? files.n : 1, sizeof(InstanceConfig));
        if (!set->instances)
                return -ENOMEM;
        for (size_t k = 0; k < files.n && r >= 0; k++)
                r = load_instance(set, root, &files.items[k], &dropin_dirs, &budget);

        /* File order is not name order ("a-b.conf" < "a.conf"); conflicts are decided by name. */
        qsort(set->instances, set->n_instances, sizeof(InstanceConfig), instance_compare);
        return r;
}

/* A secret that systemd hands over as LoadCredential=: 0 if fine, else 1 with *ret_why
 * (static) or *ret_error. */
static int check_secret_file(const char *root, const char *path, const char **ret_why, int *ret_error)
{
        _cleanup_free_ char *real = NULL;
        _cleanup_close_ int fd = -EBADF;
        const char *why = NULL;
        struct stat st;
        int r = 0;

        if (asprintf(&real, "%s%s", root, path) < 0)
                return -ENOMEM;
        /* systemd reads it as LoadCredential= when the unit starts, and fails with 243
         * (CREDENTIALS) in a loop: say so now. Stat first: never open a FIFO or device. */
        if (stat(real, &st) < 0)
                r = negative_errno();
        else if (S_ISDIR(st.st_mode))
                why = "is a directory, not a file";
        else if (!S_ISREG(st.st_mode))
                why = "is not a regular file (a FIFO, socket or device)";
        /* The same rule as tsproxy-socks' for the file it reads (tsproxy-socks(8)), here
         * for the original, which the daemon never sees (LoadCredential= hands it a
         * copy of mode 0400): as OpenSSH with private keys, secrets others may read or
         * change are refused, not warned about. The reading user (root for the
         * generator) may own it too. */
        else if (st.st_uid != 0 && st.st_uid != geteuid())
                why = "is owned by neither root nor the reading user: chown root it";
        else if (st.st_mode & 0077)
                why = "may be read or written by group or others (mode 0600 at most): chmod 0600 it";
        else {
                fd = open(real, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
                /* Only root can read it as systemd does; someone else cannot tell. */
                if (fd < 0 && !(errno == EACCES && geteuid() != 0))
                        r = negative_errno();
        }
        *ret_why = why;
        *ret_error = r;
        return r < 0 || why;
}

int config_check_files(InstanceConfig *c, const char *root, Diagnostics *d)
{
        const char *why;
        int r, error;

        if (!c->valid)
                return 0;
        if (c->socks.password_file) {
                r = check_secret_file(root, c->socks.password_file, &why, &error);
                if (r < 0)
                        return r;
                if (r > 0) {
                        c->valid = false;
                        return diagnostics_add(
                                d, LOG_ERR, c->socks.password_file_at.file, c->socks.password_file_at.line,
                                "PasswordFile", c->name,
                                "[SOCKS] PasswordFile=%s %s%s; instance '%s' is not generated.",
                                c->socks.password_file,
                                why ?: "cannot be read: ", why ? "" : strerror(-error), c->name);
                }
        }
        if (c->ts_auth_key_file) {
                r = check_secret_file(root, c->ts_auth_key_file, &why, &error);
                if (r <= 0)
                        return r;
                /* Gone: an auth key is often for one login, and the node stays logged in
                 * without it; the instance runs, tsproxy-login without a key. */
                if (!why && error == -ENOENT) {
                        r = diagnostics_add(d, LOG_WARNING, c->ts_auth_key_file_at.file,
                                            c->ts_auth_key_file_at.line, "AuthKeyFile", c->name,
                                            "[Tailscale] AuthKeyFile=%s does not exist; instance '%s' "
                                            "logs in without an auth key, ignoring.",
                                            c->ts_auth_key_file, c->name);
                        free(c->ts_auth_key_file);
                        c->ts_auth_key_file = NULL;
                        return r;
                }
                c->valid = false;
                return diagnostics_add(d, LOG_ERR, c->ts_auth_key_file_at.file, c->ts_auth_key_file_at.line,
                                       "AuthKeyFile", c->name,
                                       "[Tailscale] AuthKeyFile=%s %s%s; instance '%s' is not generated.",
                                       c->ts_auth_key_file,
                                       why ?: "cannot be read: ", why ? "" : strerror(-error), c->name);
        }
        return 0;
}
