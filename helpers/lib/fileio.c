/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fileio.c: whole-file reads, atomic replacement, mkdir -p and rm -r on *at() calls.
 *
 * rm -r walks with O_NOFOLLOW|O_DIRECTORY and unlinkat(), so a symlink planted inside
 * a runtime directory is removed, never followed.
 */
#include "fileio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"

int fileio_mkdir_p(const char *path, mode_t mode)
{
        _cleanup_free_ char *p = NULL;
        struct stat st;

        if (!path || path[0] == '\0')
                return -EINVAL;
        p = strdup(path);
        if (!p)
                return -ENOMEM;

        /* Create each prefix in turn; EEXIST is fine as long as it is a directory. */
        for (char *s = p + 1;; s++) {
                char c = *s;

                if (c != '/' && c != '\0')
                        continue;
                *s = '\0';
                if (mkdir(p, mode) < 0) {
                        if (errno != EEXIST)
                                return negative_errno();
                        if (stat(p, &st) < 0)
                                return negative_errno();
                        if (!S_ISDIR(st.st_mode))
                                return -ENOTDIR;
                }
                *s = c;
                if (c == '\0')
                        break;
        }
        return 0;
}

int fileio_read_text(const char *path, size_t max, char **ret)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        size_t n = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        buf = malloc(max + 1);
        if (!buf)
                return -ENOMEM;

        for (;;) {
                ssize_t k = read(fd, buf + n, max + 1 - n);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (k == 0)
                        break;
                n += (size_t)k;
                if (n > max)
                        return -EFBIG;
        }
        buf[n] = '\0';
        if (memchr(buf, '\0', n))
                return -EBADMSG; /* binary, not text */
        *ret = TAKE_PTR(buf);
        return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
        while (n > 0) {
                ssize_t k = write(fd, p, n);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                p += k;
                n -= (size_t)k;
        }
        return 0;
}

int fileio_write_atomic_at(int dir_fd, const char *filename, const char *text, mode_t mode)
{
        char tmp[256];
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (!filename || strchr(filename, '/') ||
            (size_t)snprintf(tmp, sizeof(tmp), ".#%s.%ld", filename, (long)getpid()) >= sizeof(tmp))
                return -EINVAL;

        (void)unlinkat(dir_fd, tmp, 0); /* a leftover of a crashed run with the same pid */
        fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0)
                return negative_errno();

        r = write_all(fd, text, strlen(text));
        /* The mode is what we say, whatever the umask was. */
        if (r >= 0 && fchmod(fd, mode) < 0)
                r = negative_errno();
        if (r >= 0 && fsync(fd) < 0)
                r = negative_errno();
        if (r >= 0 && renameat(dir_fd, tmp, dir_fd, filename) < 0)
                r = negative_errno();
        if (r < 0)
                (void)unlinkat(dir_fd, tmp, 0);
        return r;
}

/* Remove everything inside the directory fd (which this call takes over). */
static int remove_contents(int fd)
{
        DIR *d;
        struct dirent *de;
        int r = 0;

        d = fdopendir(fd);
        if (!d) {
                r = negative_errno();
                safe_close(fd);
                return r;
        }
        while ((errno = 0, de = readdir(d))) {
                int q;

                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                if (unlinkat(dirfd(d), de->d_name, 0) >= 0)
                        continue;
                if (errno != EISDIR && errno != EPERM) {
                        if (r == 0 && errno != ENOENT)
                                r = negative_errno();
                        continue;
                }
                /* A directory: empty it, then remove it. */
                int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sub < 0) {
                        if (r == 0)
                                r = negative_errno();
                        continue;
                }
                q = remove_contents(sub);
                if (q < 0 && r == 0)
                        r = q;
                if (unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0 && r == 0 && errno != ENOENT)
                        r = negative_errno();
        }
        if (errno != 0 && r == 0)
                r = negative_errno();
        closedir(d);
        return r;
}

int fileio_remove_tree(const char *path)
{
        int fd, r;

        fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENOTDIR || errno == ELOOP)
                        return unlink(path) < 0 ? negative_errno() : 0;
                return negative_errno();
        }
        r = remove_contents(fd);
        if (rmdir(path) < 0 && r == 0)
                r = negative_errno();
        return r;
}
