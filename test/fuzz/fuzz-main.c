/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-main.c: run a libFuzzer target without libFuzzer, over files and directories.
 *
 *   fuzz-socks-handshake-replay test/fuzz/corpus/socks-handshake [FILE...]
 *
 * Linked with each fuzz-*.c into a plain executable, so every build (gcc too) replays
 * the seed corpus and past crash inputs as a meson test. A crash shows up as a crash;
 * an argument with no input files in it is an error, so a lost corpus is noticed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define INPUT_MAX (1024 * 1024)

static int run_file(int dir_fd, const char *name)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ uint8_t *buf = NULL;
        size_t n = 0;

        fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        buf = malloc(INPUT_MAX);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t k = read(fd, buf + n, INPUT_MAX - n);

                if (k < 0)
                        return negative_errno();
                if (k == 0)
                        break;
                n += (size_t)k;
                if (n == INPUT_MAX)
                        return -EFBIG;
        }

        /* An exact-size copy, so ASan sees reads past the end of the input. */
        {
                _cleanup_free_ uint8_t *copy = malloc(n > 0 ? n : 1);

                if (!copy)
                        return -ENOMEM;
                memcpy(copy, buf, n);
                (void)LLVMFuzzerTestOneInput(copy, n);
        }
        return 0;
}

static void closedirp(DIR **d)
{
        if (*d)
                (void)closedir(*d);
}

static int run_path(const char *path, unsigned *count)
{
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;
        struct stat st;
        int r;

        if (stat(path, &st) < 0)
                return negative_errno();
        if (!S_ISDIR(st.st_mode)) {
                r = run_file(AT_FDCWD, path);
                if (r < 0)
                        return r;
                (*count)++;
                return 0;
        }

        d = opendir(path);
        if (!d)
                return negative_errno();
        while ((errno = 0, de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                r = run_file(dirfd(d), de->d_name);
                if (r < 0) {
                        fprintf(stderr, "Failed to run input '%s/%s': %s\n", path, de->d_name, strerror(-r));
                        return r;
                }
                (*count)++;
        }
        return errno > 0 ? -errno : 0;
}

int main(int argc, char *argv[])
{
        if (argc < 2) {
                fprintf(stderr, "Usage: %s CORPUS-DIR|FILE...\n", argv[0]);
                return EXIT_FAILURE;
        }
        for (int i = 1; i < argc; i++) {
                unsigned count = 0;
                int r;

                r = run_path(argv[i], &count);
                if (r < 0) {
                        fprintf(stderr, "Failed to replay '%s': %s\n", argv[i], strerror(-r));
                        return EXIT_FAILURE;
                }
                if (count == 0) {
                        fprintf(stderr, "Failed to replay '%s': no inputs\n", argv[i]);
                        return EXIT_FAILURE;
                }
                printf("%s: %u inputs\n", argv[i], count);
        }
        return EXIT_SUCCESS;
}
