/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * netns.c: create, open and remove named network namespaces (model: iproute2
 * ip/ipnetns.c), with the mounts done through libmount.
 *
 * The new namespace is made as iproute2 makes it, without a child process: the calling
 * thread unshares, bind-mounts its /proc/thread-self/ns/net onto the file, and goes back
 * to the namespace it came from with setns(); the mount keeps the new namespace alive.
 * (A forked child did this before; the fork, exit and wait cost more than the rest of
 * the namespace's creation.) If going back failed, the process would go on in the wrong
 * namespace: it aborts instead, as every setns() round trip in tsproxy does.
 */
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <libmount.h>

#include "fileio.h"
#include "macro.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct libmnt_context *, mnt_free_context)

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

int netns_path(const char *dir, const char *name, char *buf, size_t size)
{
        if (!dir || !name || name[0] == '\0' || strchr(name, '/') || strcmp(name, ".") == 0 ||
            strcmp(name, "..") == 0)
                return -EINVAL;
        if ((size_t)snprintf(buf, size, "%s/%s", dir, name) >= size)
                return -ENAMETOOLONG;
        return 0;
}

/*
 * One mount(2) through libmount: no /etc/mtab or utab bookkeeping (the kernel's
 * mountinfo is the truth), no /sbin/mount.* helpers, no canonicalisation (the source
 * /proc/self/ns/net is a magic link that does not resolve to a path).
 */
static int mount_libmount(const char *source, const char *target, unsigned long flags)
{
        _cleanup_(mnt_free_contextp) struct libmnt_context *cxt = NULL;
        int r;

        cxt = mnt_new_context();
        if (!cxt)
                return -ENOMEM;
        if (mnt_context_disable_mtab(cxt, 1) < 0 || mnt_context_disable_helpers(cxt, 1) < 0 ||
            mnt_context_disable_canonicalize(cxt, 1) < 0 || mnt_context_set_target(cxt, target) < 0 ||
            mnt_context_set_mflags(cxt, flags) < 0)
                return -ENOMEM;
        if (mnt_context_set_source(cxt, source) < 0)
                return -ENOMEM;

        r = mnt_context_mount(cxt);
        if (mnt_context_syscall_called(cxt) && mnt_context_get_syscall_errno(cxt) != 0)
                return -mnt_context_get_syscall_errno(cxt);
        if (r < 0)
                /* libmount's own MNT_ERR_* codes (>= 5000) are no errno: a bad request. */
                return r > -4096 ? r : -EINVAL;
        if (r > 0 || mnt_context_get_status(cxt) != 1)
                return -EIO;
        return 0;
}

/*
 * Make DIR a shared mount, so that the namespace mounts under it propagate between
 * mount namespaces: a unit with a private mount namespace still sees namespaces made
 * later, and an unmount in one namespace frees the namespace everywhere. DIR is made a
 * mount point first (bound onto itself) when it is not one; both steps are idempotent.
 *
 * A fresh bind of DIR onto itself joins the peer group of the mount it lies on (/run,
 * which systemd makes shared), and every namespace mounted under DIR would then also
 * appear on the DIR hidden underneath: two mount lines per instance, which every
 * sandboxed unit's start walks (bench/README.md, "Starting many instances"). So the
 * fresh bind leaves that group first (private) and becomes a group of its own.
 */
static int netns_dir_make_shared(const char *dir)
{
        bool made_mount = false;
        int r;

        for (;;) {
                /* Source "none": a propagation change only, no fstab lookup. */
                r = mount_libmount("none", dir, MS_SHARED | MS_REC);
                if (r >= 0)
                        return 0;
                /* EINVAL: DIR is not a mount point (yet). */
                if (r != -EINVAL || made_mount)
                        return r;
                r = mount_libmount(dir, dir, MS_BIND | MS_REC);
                if (r < 0)
                        return r;
                made_mount = true;
                r = mount_libmount("none", dir, MS_PRIVATE);
                if (r < 0)
                        return r;
        }
}

static int is_nsfs(const char *path)
{
        struct statfs sfs;

        if (statfs(path, &sfs) < 0)
                return negative_errno();
        return sfs.f_type == (typeof(sfs.f_type))NSFS_MAGIC;
}

int netns_enter(int netns_fd, int *ret_home)
{
        _cleanup_close_ int home = -EBADF;

        /* thread-self: setns() moves only the calling thread. */
        home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        if (home < 0)
                return negative_errno();
        if (setns(netns_fd, CLONE_NEWNET) < 0)
                return negative_errno();
        *ret_home = TAKE_FD(home);
        return 0;
}

void netns_leave(int *home)
{
        if (setns(*home, CLONE_NEWNET) < 0)
                abort();
        *home = safe_close(*home);
}

/* A new network namespace, bound onto path; the calling thread comes back where it was. */
static int netns_create_bound(const char *path)
{
        _cleanup_close_ int home = -EBADF;
        int r;

        home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        if (home < 0)
                return negative_errno();
        if (unshare(CLONE_NEWNET) < 0)
                return negative_errno();
        /* Bind the namespace last, as iproute2 does: it is then complete. */
        r = mount_libmount("/proc/thread-self/ns/net", path, MS_BIND);
        if (setns(home, CLONE_NEWNET) < 0)
                abort();
        return r;
}

int netns_add(const char *dir, const char *name, bool *ret_created)
{
        _cleanup_close_ int dir_fd = -EBADF, fd = -EBADF;
        char path[4096];
        int r;

        r = netns_path(dir, name, path, sizeof(path));
        if (r < 0)
                return r;

        r = fileio_mkdir_p(dir, 0755);
        if (r < 0)
                return r;

        /*
         * Serialise with other tsproxy-netns runs (instances start in parallel): the
         * shared-mount upgrade of DIR must happen once, not be raced into two stacked
         * bind mounts.
         */
        dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
                return negative_errno();
        if (flock(dir_fd, LOCK_EX) < 0)
                return negative_errno();

        r = netns_dir_make_shared(dir);
        if (r < 0)
                return r;

        /* Already a namespace: keep it (idempotent `up`). */
        r = is_nsfs(path);
        if (r > 0) {
                *ret_created = false;
                return 0;
        }
        if (r == 0) {
                /* A plain file: a crash between create and mount. Start over. */
                if (unlink(path) < 0 && errno != ENOENT)
                        return negative_errno();
        } else if (r != -ENOENT)
                return r;

        /* The file the namespace is bound onto; O_EXCL: ours, not somebody else's. */
        fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
        if (fd < 0)
                return negative_errno();
        fd = safe_close(fd);

        r = netns_create_bound(path);
        if (r >= 0 && is_nsfs(path) <= 0)
                r = -EIO;
        if (r < 0) {
                (void)umount2(path, MNT_DETACH);
                (void)unlink(path);
                return r;
        }
        *ret_created = true;
        return 0;
}

int netns_open(const char *dir, const char *name, int *ret_fd)
{
        _cleanup_close_ int fd = -EBADF;
        char path[4096];
        struct statfs sfs;
        int r;

        r = netns_path(dir, name, path, sizeof(path));
        if (r < 0)
                return r;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        if (fstatfs(fd, &sfs) < 0)
                return negative_errno();
        if (sfs.f_type != (typeof(sfs.f_type))NSFS_MAGIC)
                return -EMEDIUMTYPE;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int netns_remove(const char *dir, const char *name)
{
        char path[4096];
        bool found = false;
        int r;

        r = netns_path(dir, name, path, sizeof(path));
        if (r < 0)
                return r;

        /*
         * Detach, do not wait: processes may still hold the namespace open (it lives on
         * until the last of them goes), but the name is gone at once. Repeat in case
         * of stacked mounts.
         */
        for (unsigned i = 0; i < 16; i++) {
                if (umount2(path, MNT_DETACH) < 0) {
                        if (errno == EINVAL || errno == ENOENT)
                                break;
                        return negative_errno();
                }
                found = true;
        }
        /*
         * EBUSY: the file is still a mount point in another mount namespace, typically
         * that of a service of this instance that has just exited (the kernel releases a
         * mount namespace after its last task, not with it, and later still on a loaded
         * machine: a second was not always enough). Give it up to five seconds.
         */
        for (unsigned i = 0;; i++) {
                if (unlink(path) >= 0) {
                        found = true;
                        break;
                }
                if (errno == ENOENT)
                        break;
                if (errno != EBUSY || i >= 250)
                        return negative_errno();
                (void)umount2(path, MNT_DETACH);
                (void)usleep(20 * 1000);
        }
        return found ? 0 : -ENOENT;
}
