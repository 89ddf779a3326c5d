/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * macro.h: the few cleanup helpers tsproxy needs, written once.
 *
 * Every owned resource in tsproxy carries a cleanup attribute; ownership leaves a
 * function only through TAKE_PTR()/TAKE_FD(), so an early `return -errno` can never
 * leak. Modelled on systemd's macro.h, but only what we use (no vendoring).
 */
#pragma once

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f)   __attribute__((cleanup(f)))
#define _unused_       __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _nonnull_      __attribute__((nonnull))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/* The struct of which ptr points to the member. */
#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/* Hand ownership out of a cleanup-attributed variable. */
#define TAKE_PTR(p)                                                                                         \
        ({                                                                                                  \
                __typeof__(p) _ptr_ = (p);                                                                  \
                (p) = NULL;                                                                                 \
                _ptr_;                                                                                      \
        })
#define TAKE_FD(fd)                                                                                         \
        ({                                                                                                  \
                int _fd_ = (fd);                                                                            \
                (fd) = -EBADF;                                                                              \
                _fd_;                                                                                       \
        })
/* The same for a struct whose cleanup is X_done(): it is left zeroed, its done a no-op. */
#define TAKE_STRUCT(s)                                                                                      \
        ({                                                                                                  \
                __typeof__(s) _s_ = (s);                                                                    \
                (s) = (__typeof__(s)){};                                                                    \
                _s_;                                                                                        \
        })

/* Turn a libc "-1 and errno" result into a negative errno, never 0. */
static inline int negative_errno(void)
{
        return errno > 0 ? -errno : -EIO;
}

static inline void freep(void *p)
{
        free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline int safe_close(int fd)
{
        if (fd >= 0) {
                int saved = errno;
                (void)close(fd);
                errno = saved;
        }
        return -EBADF;
}
static inline void closep(int *fd)
{
        *fd = safe_close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f)
{
        if (*f)
                (void)fclose(*f);
        *f = NULL;
}
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Define a pointer cleanup function "name##p" that calls func() on non-NULL pointers. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)                                                             \
        static inline void func##p(type *p)                                                                 \
        {                                                                                                   \
                if (*p)                                                                                     \
                        func(*p);                                                                           \
                *p = NULL;                                                                                  \
        }

static inline const char *strempty(const char *s)
{
        return s ? s : "";
}

static inline const char *strna(const char *s)
{
        return s ? s : "n/a";
}
