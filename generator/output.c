/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * output.c: files and links of GeneratedTrees, written relative to a directory fd.
 *
 * Generated paths are "DIR/FILE" (one level), so creating the parent is one mkdirat().
 *
 * Nearly all of the generator's time is the kernel creating inodes (for 1000 instances,
 * 3000 directories, 3000 files and 1000 links), and the kernel serialises creations in
 * one directory on that directory's lock. Every instance's drop-in directories are made
 * in the one output directory, and every enablement link in the one shared
 * multi-user.target.wants, so two threads sharing the instances out would mostly wait
 * for each other. The work is therefore split by parent directory instead:
 *
 *   - worker 0 (the caller's thread) builds each instance's tree (when given a build
 *     function: the text, about 8 us an instance, then overlaps with the other workers'
 *     writing) and makes, instance by instance, every directory and every entry of a
 *     shared directory (a "*.wants" link, or a file at the top): all creations in the
 *     contended directories come from this one thread;
 *   - the files inside an instance's own directories (the drop-ins, the most expensive
 *     part: inode, page and close) are written by all workers, instance by instance,
 *     each starting on an instance once worker 0 has made its directories. Worker 0
 *     joins them when its directories are done.
 *
 * Workers share the directory fd, the trees (read-only once built), and two atomic
 * counters; an instance's tree and result slot are written by worker 0 first, then by
 * the worker that takes its files (ordered by the atomic dirs_done counter).
 */
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Below this many trees per worker, a thread costs more than it saves. */
#define TREES_PER_WORKER_MIN 64
#define WORKERS_MAX          16

typedef struct Output {
        int dir_fd;
        GeneratedTree *trees;
        OutputResult *results;
        size_t n;
        atomic_size_t dirs_done; /* trees [0, dirs_done) have their directories and shared entries */
        atomic_size_t next;      /* the next tree whose own files are to be written */
        /* For a worker that got ahead of worker 0 (rare: at the start, or when worker 0
         * is preempted): it sleeps instead of spinning against a busy machine. */
        atomic_bool waiting;
        pthread_mutex_t lock;
        pthread_cond_t advanced;
} Output;

typedef struct Worker {
        pthread_t thread;
        Output *output;
} Worker;

static bool is_shared_dir(const char *dir)
{
        size_t n = strlen(dir);

        return n > 6 && strcmp(dir + n - 6, ".wants") == 0;
}

/* The parent of path into parent (empty for a top-level entry). */
static int parent_of(const char *path, char parent[static PATH_MAX])
{
        const char *slash = strrchr(path, '/');

        if (!slash) {
                parent[0] = '\0';
                return 0;
        }
        if ((size_t)(slash - path) >= PATH_MAX)
                return -ENAMETOOLONG;
        memcpy(parent, path, (size_t)(slash - path));
        parent[slash - path] = '\0';
        return 0;
}

/*
 * Create the parent unless it was made already: the last one made, or the shared
 * "X.wants" directory (one for all instances: a mkdir per instance would fail with
 * EEXIST a thousand times).
 */
static int make_parent(int dir_fd, const char *parent, char last[static PATH_MAX],
                       char wants[static PATH_MAX])
{
        if (!*parent || strcmp(parent, last) == 0 || strcmp(parent, wants) == 0)
                return 0;
        if (mkdirat(dir_fd, parent, 0755) < 0 && errno != EEXIST)
                return negative_errno();
        strcpy(is_shared_dir(parent) ? wants : last, parent);
        return 0;
}

static int write_file(int dir_fd, const char *path, const char *content)
{
        _cleanup_close_ int fd = -EBADF;
        size_t n = strlen(content);

        fd = openat(dir_fd, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return negative_errno();
        while (n > 0) {
                ssize_t k = write(fd, content, n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                content += k;
                n -= (size_t)k;
        }
        return 0;
}

static int write_entry(int dir_fd, const GeneratedFile *f)
{
        if (f->content)
                return write_file(dir_fd, f->path, f->content);
        if (symlinkat(f->link_target, dir_fd, f->path) < 0)
                return negative_errno();
        return 0;
}

/* Does f go into a directory of its tree's own (written by any worker, after worker 0's part)? */
static bool in_own_dir(const GeneratedFile *f)
{
        char parent[PATH_MAX];

        return parent_of(f->path, parent) >= 0 && *parent && !is_shared_dir(parent);
}

/* Worker 0's part of a tree: its directories, and its entries in shared directories. */
static OutputResult write_tree_dirs(int dir_fd, const GeneratedTree *tree, char last[static PATH_MAX],
                                    char wants[static PATH_MAX])
{
        for (size_t i = 0; i < tree->n; i++) {
                const GeneratedFile *f = &tree->files[i];
                char parent[PATH_MAX];
                int r;

                r = parent_of(f->path, parent);
                if (r >= 0)
                        r = make_parent(dir_fd, parent, last, wants);
                if (r >= 0 && (!*parent || is_shared_dir(parent)))
                        r = write_entry(dir_fd, f);
                if (r < 0) {
                        last[0] = wants[0] = '\0';
                        return (OutputResult){.error = r, .failed = f->path};
                }
        }
        return (OutputResult){};
}

/* Any worker's part of a tree: the files in its own directories, which exist by now. */
static OutputResult write_tree_files(int dir_fd, const GeneratedTree *tree)
{
        for (size_t i = 0; i < tree->n; i++) {
                const GeneratedFile *f = &tree->files[i];
                int r;

                if (!in_own_dir(f))
                        continue;
                r = write_entry(dir_fd, f);
                if (r < 0)
                        return (OutputResult){.error = r, .failed = f->path};
        }
        return (OutputResult){};
}

static void write_files(Output *o)
{
        for (;;) {
                size_t i = atomic_fetch_add(&o->next, 1);

                if (i >= o->n)
                        return;
                /* Worker 0 is ahead almost always (a mkdir is cheaper than a file). */
                if (atomic_load(&o->dirs_done) <= i) {
                        pthread_mutex_lock(&o->lock);
                        atomic_store(&o->waiting, true);
                        while (atomic_load(&o->dirs_done) <= i)
                                pthread_cond_wait(&o->advanced, &o->lock);
                        pthread_mutex_unlock(&o->lock);
                }
                if (o->results[i].error == 0 && o->trees[i].n > 0)
                        o->results[i] = write_tree_files(o->dir_fd, &o->trees[i]);
        }
}

static void *worker_run(void *userdata)
{
        Worker *w = userdata;

        write_files(w->output);
        return NULL;
}

void output_write_trees(int dir_fd, GeneratedTree *trees, size_t n, OutputResult *results,
                        unsigned max_workers, OutputBuildFunc build, void *userdata)
{
        Output o = {.dir_fd = dir_fd, .trees = trees, .results = results, .n = n};
        char last[PATH_MAX] = "", wants[PATH_MAX] = "";
        Worker workers[WORKERS_MAX];
        size_t n_workers = n / TREES_PER_WORKER_MIN;
        size_t started = 1;

        if (n_workers > max_workers)
                n_workers = max_workers;
        if (n_workers > WORKERS_MAX)
                n_workers = WORKERS_MAX;
        if (n_workers < 1)
                n_workers = 1;

        atomic_init(&o.dirs_done, 0);
        atomic_init(&o.next, 0);
        atomic_init(&o.waiting, false);
        pthread_mutex_init(&o.lock, NULL);
        pthread_cond_init(&o.advanced, NULL);
        /* Worker 0 is this thread. If a thread cannot be made, the others do its share. */
        for (size_t k = 1; k < n_workers; k++) {
                workers[k] = (Worker){.output = &o};
                if (pthread_create(&workers[k].thread, NULL, worker_run, &workers[k]) != 0)
                        break;
                started++;
        }
        for (size_t i = 0; i < n; i++) {
                if (build)
                        build(i, &trees[i], userdata);
                results[i] =
                        trees[i].n > 0 ? write_tree_dirs(dir_fd, &trees[i], last, wants) : (OutputResult){};
                /* Sequentially consistent, against the waiter's store to waiting and
                 * load of dirs_done: either it sees this, or we see it waiting. */
                atomic_store(&o.dirs_done, i + 1);
                if (atomic_load(&o.waiting)) {
                        pthread_mutex_lock(&o.lock);
                        atomic_store(&o.waiting, false);
                        pthread_cond_broadcast(&o.advanced);
                        pthread_mutex_unlock(&o.lock);
                }
        }
        write_files(&o);
        for (size_t k = 1; k < started; k++)
                pthread_join(workers[k].thread, NULL);
        pthread_cond_destroy(&o.advanced);
        pthread_mutex_destroy(&o.lock);
}
