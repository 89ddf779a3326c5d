/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tailnet-suffix.c: the MagicDNS suffix, given or learned from a file (tailnet-suffix.h). */
#include "tailnet-suffix.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"

/* A line of a domain, a final newline and a little slack. */
#define SUFFIX_FILE_MAX (NAME_MODEL_NAME_MAX + 16)

void tailnet_suffix_init(TailnetSuffix *s, const char *fixed, const char *path)
{
        *s = (TailnetSuffix){.path = path};
        if (fixed)
                snprintf(s->fixed, sizeof(s->fixed), "%s", fixed);
}

/* The file's one line into s->learned ("" when it holds no domain). */
static void suffix_read(TailnetSuffix *s, int fd)
{
        char buf[SUFFIX_FILE_MAX + 1];
        ssize_t n = read(fd, buf, SUFFIX_FILE_MAX);

        s->learned[0] = '\0';
        if (n <= 0)
                return;
        buf[n] = '\0';
        buf[strcspn(buf, "\r\n")] = '\0';
        if (name_model_domain(buf, s->learned) < 0)
                s->learned[0] = '\0';
}

const char *tailnet_suffix_get(TailnetSuffix *s, bool *ret_changed)
{
        char before[NAME_MODEL_NAME_MAX + 1];
        struct stat st;

        if (ret_changed)
                *ret_changed = false;
        if (s->fixed[0] || !s->path)
                return s->fixed;

        memcpy(before, s->learned, sizeof(before));
        if (stat(s->path, &st) < 0) {
                s->seen = false;
                s->learned[0] = '\0';
        } else if (!s->seen || st.st_dev != s->dev || st.st_ino != s->ino || st.st_size != s->size ||
                   st.st_mtim.tv_sec != s->mtime.tv_sec || st.st_mtim.tv_nsec != s->mtime.tv_nsec) {
                _cleanup_close_ int fd = open(s->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
                s->learned[0] = '\0';
                s->seen = false;
                if (fd >= 0 && fstat(fd, &st) >= 0 && S_ISREG(st.st_mode)) {
                        suffix_read(s, fd);
                        /* The stat of what was read: a change while reading shows next time. */
                        s->seen = true;
                        s->dev = st.st_dev;
                        s->ino = st.st_ino;
                        s->size = st.st_size;
                        s->mtime = st.st_mtim;
                }
        }
        if (ret_changed)
                *ret_changed = strcmp(before, s->learned) != 0;
        return s->learned;
}
