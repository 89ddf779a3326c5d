/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-password-file: the password file parser on arbitrary text, and the --users
 * list parser on its first line.
 *
 * Passwords are not verified here: a hash in the input may name any cost, and a
 * minute of yescrypt is no bug.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "password-file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void diag(void *userdata, int level, unsigned line, const char *message)
{
        unsigned *n = userdata;

        if (!message || strlen(message) == 0)
                abort();
        (*n)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_(password_file_freep) PasswordFile *pf = NULL;
        const char *text = (const char *)data;
        unsigned n_diag = 0;
        int r;

        r = password_file_parse(text, size, diag, &n_diag, &pf);
        if (r < 0) {
                if (n_diag == 0 || pf)
                        abort();
                return 0;
        }
        if (!pf || pf->n_entries == 0)
                abort();

        /* The first line, as a --users value. */
        {
                const char *nl = memchr(text, '\n', size);
                size_t n = nl ? (size_t)(nl - text) : size;
                _cleanup_free_ char *list = strndup(text, n);

                if (!list)
                        return 0;
                if (password_file_allow_users(pf, list) >= 0)
                        (void)password_file_unknown_user(pf);
        }
        return 0;
}
