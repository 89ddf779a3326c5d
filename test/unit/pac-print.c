/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pac-print: write the PAC of the instances given as arguments to stdout, for
 * test-pac-eval.py to run in a real PAC engine.
 *
 *   pac-print 'NAME|DOMAIN|MAGICDNS-SUFFIX|PROXY|RANGE,RANGE' ...
 *
 * Exit status 1 with the refused field on stderr when pac_build() says -EINVAL.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pac.h"

#define RANGES_MAX    8
#define INSTANCES_MAX 8

int main(int argc, char *argv[])
{
        static IpNetwork ranges[INSTANCES_MAX][RANGES_MAX];
        static char buf[65536];
        PacInstance in[INSTANCES_MAX] = {};
        const char *bad = NULL;
        int n = argc - 1, k;

        if (n > INSTANCES_MAX) {
                fprintf(stderr, "Too many instances\n");
                return 2;
        }
        for (int i = 0; i < n; i++) {
                char *fields[5], *s = argv[i + 1], *range;

                for (int f = 0; f < 5; f++) {
                        fields[f] = s;
                        s = s ? strchr(s, '|') : NULL;
                        if (s)
                                *s++ = '\0';
                }
                if (!fields[4]) {
                        fprintf(stderr, "Failed to parse '%s': need NAME|DOMAIN|SUFFIX|PROXY|RANGES\n",
                                argv[i + 1]);
                        return 2;
                }
                in[i] = (PacInstance){fields[0], fields[1], fields[2], ranges[i], 0, fields[3]};
                for (char *save = NULL, *r = strtok_r(fields[4], ",", &save); r;
                     r = strtok_r(NULL, ",", &save)) {
                        range = r;
                        if (in[i].n_ranges >= RANGES_MAX ||
                            ipnet_parse(range, &ranges[i][in[i].n_ranges]) < 0) {
                                fprintf(stderr, "Failed to parse range '%s'\n", range);
                                return 2;
                        }
                        in[i].n_ranges++;
                }
        }
        k = pac_build(in, (size_t)n, buf, sizeof(buf), &bad);
        if (k < 0) {
                fprintf(stderr, "Failed to build the PAC: %s (%s)\n", strerror(-k), bad ? bad : "-");
                return 1;
        }
        fputs(buf, stdout);
        return 0;
}
