/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * exec.c: `tsproxyctl exec NAME CMD...` and `tsproxyctl tailscale NAME ARGS...`.
 *
 * exec enters the instance's network namespace the way `ip netns exec` does
 * (iproute2's netns_switch()): setns() into /run/netns/NAME; a mount namespace of its
 * own (unshare(CLONE_NEWNS)) with propagation made slave, so that nothing mounted here
 * leaks back to the host; /sys mounted afresh, since the sysfs of the host shows the
 * host's interfaces (/sys/class/net); then, instead of ip's /etc/netns/NAME/ files, the
 * instance's resolv.tailnet.conf bound over /etc/resolv.conf: the daemons of the
 * instance (socks@, ts-relay@, ts-dns@) see exactly that file there (their units'
 * BindReadOnlyPaths=). Nothing else is dropped: the caller is root. Then execvp().
 *
 * tailscale runs the tailscale CLI inside the namespace with
 * --socket=/run/tailscale-NAME/tailscaled.sock put before the caller's arguments: the
 * socket path is what addresses the instance's tailscaled (the namespace matters for
 * commands like `tailscale netcheck` that use the network themselves).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "ctl.h"
#include "instance.h"
#include "netns.h"

#define TAILSCALE_CLI "tailscale"

/* Open the instance's namespace: 0, or the exit code (after logging). */
static int open_instance_netns(Ctl *ctl, const char *name, int *ret_fd)
{
        _cleanup_(config_set_done) ConfigSet set = {};
        const char *reason;
        bool known;
        int r;

        if (instance_name_check(name, &reason) < 0) {
                log_error(&ctl->log, "Invalid instance name '%s': %s.", name, reason);
                return CTL_EXIT_UNKNOWN_INSTANCE;
        }
        r = netns_open(ctl->netns_dir, name, ret_fd);
        if (r >= 0)
                return 0;

        if (ctl_load_config(ctl, &set) < 0)
                return CTL_EXIT_PROBLEMS;
        known = r != -ENOENT || ctl_find_instance(ctl, &set, name); /* logs "Unknown instance" */
        if (!known)
                return CTL_EXIT_UNKNOWN_INSTANCE;
        if (r == -ENOENT) {
                log_error(&ctl->log,
                          "The network namespace of instance '%s' (%s/%s) is not there: is the instance "
                          "running? (systemctl start tsproxy@%s.target; tsproxyctl status %s)",
                          name, ctl->netns_dir, name, name, name);
                return CTL_EXIT_PROBLEMS;
        }
        log_error_errno(&ctl->log, r, "Failed to open the network namespace '%s/%s': %m", ctl->netns_dir,
                        name);
        return ctl_exit_for_error(r);
}

static int enter_netns(Ctl *ctl, const char *name, int fd)
{
        if (setns(fd, CLONE_NEWNET) < 0) {
                int r = negative_errno();
                log_error_errno(&ctl->log, r, "Failed to enter the network namespace of instance '%s': %m%s",
                                name, r == -EPERM ? " (needs root: CAP_SYS_ADMIN)" : "");
                return ctl_exit_for_error(r);
        }
        return 0;
}

/* A private view of the mounts: fresh /sys, the instance's resolv.conf. */
static int enter_mounts(Ctl *ctl, const char *name)
{
        char resolv[256];
        struct statvfs sv;
        unsigned long flags = 0;

        if (unshare(CLONE_NEWNS) < 0) {
                int r = negative_errno();
                log_error_errno(&ctl->log, r, "Failed to make a mount namespace: %m");
                return ctl_exit_for_error(r);
        }
        /* Nothing mounted from here on propagates back to the host. */
        if (mount("", "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
                return log_error_errno(&ctl->log, errno, "Failed to make mounts slave: %m"),
                       CTL_EXIT_PROBLEMS;

        /* sysfs shows the network namespace of whoever mounts it. Keep it read-only if
         * the old one was. A failure is not fatal (ip netns exec also goes on). */
        if (statvfs("/sys", &sv) == 0 && (sv.f_flag & ST_RDONLY))
                flags |= MS_RDONLY;
        if (umount2("/sys", MNT_DETACH) < 0 || mount(name, "/sys", "sysfs", flags, NULL) < 0)
                log_warning(&ctl->log, "Failed to mount a sysfs for the namespace of '%s' on /sys: %m",
                            name);

        snprintf(resolv, sizeof(resolv), RUNTIME_DIR_PREFIX "/%s/resolv.tailnet.conf", name);
        if (access(resolv, F_OK) < 0)
                log_warning(&ctl->log,
                            "%s is not there (tailscaled@%s writes it when it starts); /etc/resolv.conf is "
                            "the host's.",
                            resolv, name);
        else if (mount(resolv, "/etc/resolv.conf", NULL, MS_BIND, NULL) < 0)
                log_warning(&ctl->log, "Failed to bind %s over /etc/resolv.conf: %m", resolv);
        return 0;
}

static int exec_argv(Ctl *ctl, char **argv)
{
        fflush(stdout);
        execvp(argv[0], argv);
        log_error_errno(&ctl->log, errno, "Failed to execute '%s': %m", argv[0]);
        return errno == ENOENT ? 127 : 126;
}

int ctl_exec(Ctl *ctl, int argc, char *argv[])
{
        _cleanup_close_ int fd = -EBADF;
        int r;

        /* Everything after NAME is the command, options included. */
        if (argc < 3) {
                log_error(&ctl->log, "Usage: tsproxyctl exec NAME CMD [ARGS...]");
                return CTL_EXIT_USAGE;
        }
        r = open_instance_netns(ctl, argv[1], &fd);
        if (r == 0)
                r = enter_netns(ctl, argv[1], fd);
        if (r == 0)
                r = enter_mounts(ctl, argv[1]);
        if (r != 0)
                return r;
        fd = safe_close(fd);
        return exec_argv(ctl, argv + 2);
}

int ctl_tailscale(Ctl *ctl, int argc, char *argv[])
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char **args = NULL;
        char socket_arg[128];
        int r;

        if (argc < 2) {
                log_error(&ctl->log, "Usage: tsproxyctl tailscale NAME [ARGS...]");
                return CTL_EXIT_USAGE;
        }
        r = open_instance_netns(ctl, argv[1], &fd);
        if (r == 0)
                r = enter_netns(ctl, argv[1], fd);
        if (r != 0)
                return r;
        fd = safe_close(fd);

        args = calloc((size_t)argc + 1, sizeof(char *));
        if (!args)
                return log_error_errno(&ctl->log, ENOMEM, "Failed to allocate memory: %m"),
                       CTL_EXIT_PROBLEMS;
        snprintf(socket_arg, sizeof(socket_arg), "--socket=/run/tailscale-%s/tailscaled.sock", argv[1]);
        args[0] = (char *)TAILSCALE_CLI;
        args[1] = socket_arg;
        for (int i = 2; i < argc; i++)
                args[i] = argv[i];
        return exec_argv(ctl, args);
}
