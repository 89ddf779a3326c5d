/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * output.c: files and links of a GeneratedTree, written relative to a directory fd.
 *
 * Generated paths are "DIR/FILE" (one level), so creating the parent is one mkdirat().
 */
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int make_parent(int dir_fd, const char *path)
{
        char parent[PATH_MAX];
        const char *slash = strrchr(path, '/');

        if (!slash)
                return 0;
        if ((size_t)(slash - path) >= sizeof(parent))
                return -ENAMETOOLONG;
        memcpy(parent, path, (size_t)(slash - path));
        parent[slash - path] = '\0';
        if (mkdirat(dir_fd, parent, 0755) < 0 && errno != EEXIST)
                return negative_errno();
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

int output_write_tree(int dir_fd, const GeneratedTree *tree, const char **failed)
{
        for (size_t i = 0; i < tree->n; i++) {
                const GeneratedFile *f = &tree->files[i];
                int r;

                *failed = f->path;
                r = make_parent(dir_fd, f->path);
                if (r < 0)
                        return r;
                if (f->content)
                        r = write_file(dir_fd, f->path, f->content);
                else if (symlinkat(f->link_target, dir_fd, f->path) < 0)
                        r = negative_errno();
                if (r < 0)
                        return r;
        }
        *failed = NULL;
        return 0;
}
