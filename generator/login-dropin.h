/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * login-dropin.h: the [Service] text of ts-login@NAME.service's drop-in (tsproxy-login's
 * command line and the auth key credential), kept apart from dropins.c.
 */
#pragma once

#include "config.h"

/* The ID of the auth key among ts-login@NAME.service's credentials. */
#define LOGIN_CREDENTIAL "authkey"

/* *ret: "LoadCredential=...\nExecStart=\nExecStart=.../tsproxy-login NAME ...\n".
 * 0 or -ENOMEM. */
int login_dropin_service(const InstanceConfig *c, const char *pkglibexecdir, char **ret);
