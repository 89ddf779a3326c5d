/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * output.c: files and links of GeneratedTrees, written relative to a directory fd.
 *
 * Generated paths are "DIR/FILE" (one level), so creating the parent is one mkdirat().
 * Workers share nothing but the directory fd and the read-only trees; each writes its
 * own results slots.
 */
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Below this many trees per worker, a thread costs more than it saves. */
#define TREES_PER_WORKER_MIN 64
#define WORKERS_MAX          16

typedef struct Worker {
        pthread_t thread;
        int dir_fd;
        const GeneratedTree *trees;
        OutputResult *results;
        size_t first, step, n;
} Worker;

static bool is_shared_dir(const char *dir)
{
        size_t n = strlen(dir);

        return n > 6 && strcmp(dir + n - 6, ".wants") == 0;
}

/*
 * Create the parent of path unless this worker made it already: the last one made, or
 * the shared "X.wants" directory (one for all instances: a mkdir per instance would
 * fail with EEXIST a thousand times).
 */
static int make_parent(int dir_fd, const char *path, char last[static PATH_MAX], char wants[static PATH_MAX])
{
        char parent[PATH_MAX];
        const char *slash = strrchr(path, '/');

        if (!slash)
                return 0;
        if ((size_t)(slash - path) >= sizeof(parent))
                return -ENAMETOOLONG;
        memcpy(parent, path, (size_t)(slash - path));
        parent[slash - path] = '\0';
        if (strcmp(parent, last) == 0 || strcmp(parent, wants) == 0)
                return 0;
        if (mkdirat(dir_fd, parent, 0755) < 0 && errno != EEXIST)
                return negative_errno();
        memcpy(is_shared_dir(parent) ? wants : last, parent, (size_t)(slash - path) + 1);
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

static OutputResult write_tree(int dir_fd, const GeneratedTree *tree, char last_parent[static PATH_MAX],
                               char wants[static PATH_MAX])
{
        for (size_t i = 0; i < tree->n; i++) {
                const GeneratedFile *f = &tree->files[i];
                int r;

                r = make_parent(dir_fd, f->path, last_parent, wants);
                if (r >= 0) {
                        if (f->content)
                                r = write_file(dir_fd, f->path, f->content);
                        else if (symlinkat(f->link_target, dir_fd, f->path) < 0)
                                r = negative_errno();
                }
                if (r < 0) {
                        last_parent[0] = wants[0] = '\0';
                        return (OutputResult){.error = r, .failed = f->path};
                }
        }
        return (OutputResult){};
}

static void *worker_run(void *userdata)
{
        Worker *w = userdata;
        char last_parent[PATH_MAX] = "", wants[PATH_MAX] = "";

        for (size_t i = w->first; i < w->n; i += w->step)
                w->results[i] = write_tree(w->dir_fd, &w->trees[i], last_parent, wants);
        return NULL;
}

void output_write_trees(int dir_fd, const GeneratedTree *trees, size_t n, OutputResult *results,
                        unsigned max_workers)
{
        Worker workers[WORKERS_MAX];
        size_t n_workers = n / TREES_PER_WORKER_MIN;
        size_t started = 1;

        if (n_workers > max_workers)
                n_workers = max_workers;
        if (n_workers > WORKERS_MAX)
                n_workers = WORKERS_MAX;
        if (n_workers < 1)
                n_workers = 1;

        for (size_t k = 0; k < n_workers; k++)
                workers[k] = (Worker){.dir_fd = dir_fd,
                                      .trees = trees,
                                      .results = results,
                                      .first = k,
                                      .step = n_workers,
                                      .n = n};
        /* Worker 0 runs on this thread; if a thread cannot be made, its share runs here too. */
        for (size_t k = 1; k < n_workers; k++) {
                if (pthread_create(&workers[k].thread, NULL, worker_run, &workers[k]) != 0)
                        break;
                started++;
        }
        for (size_t k = started; k < n_workers; k++)
                worker_run(&workers[k]);
        worker_run(&workers[0]);
        for (size_t k = 1; k < started; k++)
                pthread_join(workers[k].thread, NULL);
}
