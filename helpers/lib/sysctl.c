/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sysctl.c: read-compare-write of /proc/sys entries.
 */
#include "sysctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "netlink.h"
#include "netns.h"

int sysctl_ipv4_forwarding_property(const char *ifname, char *buf, size_t size)
{
        int n;

        if (!ifname)
                n = snprintf(buf, size, "net/ipv4/ip_forward");
        else if (!netlink_ifname_valid(ifname))
                return -EINVAL;
        else
                n = snprintf(buf, size, "net/ipv4/conf/%s/forwarding", ifname);
        return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int sysctl_read(const char *property, char *buf, size_t size)
{
        char path[256];
        _cleanup_close_ int fd = -EBADF;
        ssize_t n;

        if (!property || property[0] == '/' || strstr(property, "..") || size == 0)
                return -EINVAL;
        if ((size_t)snprintf(path, sizeof(path), "/proc/sys/%s", property) >= sizeof(path))
                return -ENAMETOOLONG;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        n = read(fd, buf, size - 1);
        if (n < 0)
                return negative_errno();
        buf[n] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        return 0;
}

int sysctl_write(const char *property, const char *value)
{
        char path[256], current[64], line[64];
        _cleanup_close_ int fd = -EBADF;
        ssize_t n;
        size_t len;

        if (!property || property[0] == '/' || strstr(property, ".."))
                return -EINVAL;
        if ((size_t)snprintf(path, sizeof(path), "/proc/sys/%s", property) >= sizeof(path) ||
            (size_t)snprintf(line, sizeof(line), "%s\n", value) >= sizeof(line))
                return -ENAMETOOLONG;
        len = strlen(line);

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        n = read(fd, current, sizeof(current) - 1);
        if (n >= 0) {
                current[n] = '\0';
                if (strcmp(current, line) == 0)
                        return 0;
        }
        fd = safe_close(fd);

        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        n = write(fd, line, len);
        if (n < 0)
                return negative_errno();
        if ((size_t)n != len)
                return -EIO;
        return 0;
}

int sysctl_write_in_netns(int netns_fd, const char *property, const char *value)
{
        int home, r;

        r = netns_enter(netns_fd, &home);
        if (r < 0)
                return r;
        r = sysctl_write(property, value);
        netns_leave(&home);
        return r;
}

int sysctl_enable_ipv4_forwarding(const char *ifname)
{
        char property[64];
        int r;

        r = sysctl_ipv4_forwarding_property(ifname, property, sizeof(property));
        if (r < 0)
                return r;
        return sysctl_write(property, "1");
}
