/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* catch-output.c: stdout and stderr caught in memfds (catch-output.h). */
#include "catch-output.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/mman.h>
#include <cmocka.h>

static int redirect(int fd, int *saved)
{
        int m = memfd_create("caught-output", MFD_CLOEXEC);

        assert_true(m >= 0);
        *saved = dup(fd);
        assert_true(*saved >= 0);
        assert_int_equal(dup2(m, fd), fd);
        return m;
}

static void restore(int fd, int saved, int m, char *buf, size_t size)
{
        ssize_t n;

        assert_int_equal(dup2(saved, fd), fd);
        close(saved);
        n = pread(m, buf, size - 1, 0);
        assert_true(n >= 0);
        buf[n] = '\0';
        close(m);
}

void catch_begin(OutputCatch *c)
{
        fflush(stdout);
        fflush(stderr);
        c->memfd_out = redirect(STDOUT_FILENO, &c->saved_out);
        c->memfd_err = redirect(STDERR_FILENO, &c->saved_err);
}

void catch_end(OutputCatch *c, CaughtOutput *ret)
{
        fflush(stdout);
        fflush(stderr);
        restore(STDOUT_FILENO, c->saved_out, c->memfd_out, ret->out, sizeof(ret->out));
        restore(STDERR_FILENO, c->saved_err, c->memfd_err, ret->err, sizeof(ret->err));
}
