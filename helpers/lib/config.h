/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config.h: the one reader of /etc/tsproxy/NAME.conf.
 *
 * The generator and tsproxyctl both call config_load(); nothing else parses
 * configuration (helpers get explicit arguments from the generated drop-ins).
 *
 * Loading happens in three steps, each in its own file:
 *   config-files.c  find NAME.conf and NAME.conf.d/ drop-ins by precedence, masking
 *   config-parse.c  parse each file with inih into an InstanceConfig (config-keys.c
 *                   holds the key table and value parsers)
 *   config-assign.c cross-instance checks (overlaps, duplicate ports) and the stable
 *                   allocation of subnets and ports for instances that set none.
 * Problems are collected as Diagnostics, never logged here.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "allow-from.h"
#include "diagnostics.h"
#include "egress-mode.h"
#include "instance.h"
#include "ipnet.h"
#include "socks-limits.h"

/* Configuration directories, highest precedence first (each under TSPROXY_ROOT). */
#define CONFIG_DIRS_INIT                                                                                    \
        {                                                                                                   \
                "/etc/tsproxy", "/run/tsproxy", "/usr/local/lib/tsproxy", "/usr/lib/tsproxy"                \
        }
#define CONFIG_DIRS_COUNT 4

/* Where a key was set: for diagnostics that name file and line. */
typedef struct ConfigLocation {
        const char *file; /* points into InstanceConfig.files */
        unsigned line;
} ConfigLocation;

/* One Listen= address of [SOCKS] or [DNS], with where it was set (for cross-instance
 * errors). */
typedef struct ListenAddress {
        struct sockaddr_storage address;
        socklen_t length;
        ConfigLocation at;
} ListenAddress;

/* [SOCKS]'s defaults and limits: socks-limits.h, shared with tsproxy-socks. AllowFrom=
 * of [SOCKS], [Forward] and [DNS] without any value: ALLOW_FROM_DEFAULT_INIT (allow-from.h). */

typedef struct SocksConfig {
        ListenAddress *listen; /* none: no proxy for this instance */
        size_t n_listen;
        IpNetwork *allow_from; /* none: ALLOW_FROM_DEFAULT_INIT */
        size_t n_allow_from;
        EgressMode egress;
        char *password_file; /* absolute path, or NULL: no authentication */
        char **users;        /* NULL-terminated, or NULL: every user of password_file */
        ConfigLocation users_at;
        ConfigLocation password_file_at;
        unsigned max_connections;
        unsigned idle_timeout_sec; /* 0: none */
        unsigned handshake_timeout_sec;
        unsigned workers; /* 0: auto (tsproxy-socks decides) */
} SocksConfig;

/* [Forward] Forward=LISTEN TARGET [tcp|udp]: a port of the host forwarded into the
 * namespace (ts-relay@.socket + tsproxy-relay). */
typedef enum ForwardProtocol {
        FORWARD_TCP,
        FORWARD_UDP,
} ForwardProtocol;

/* "NAME:PORT" with a DNS name of up to 253 characters, or "[V6]:PORT". */
#define FORWARD_TARGET_STRLEN (253 + sizeof(":65535"))

typedef struct Forward {
        ForwardProtocol protocol;
        struct sockaddr_storage listen; /* host side, as systemd binds it */
        socklen_t listen_length;
        char target[FORWARD_TARGET_STRLEN]; /* normalised: "A.B.C.D:P", "[V6]:P" or "NAME:P" */
        ConfigLocation at;
} Forward;

/* [DNS]: tsproxy-dns (ts-dns@.socket + ts-dns@.service). Listen= addresses take UDP and
 * TCP alike. */
typedef struct DnsConfig {
        ListenAddress *listen; /* none: no DNS server for this instance */
        size_t n_listen;
        char *domain;          /* lowercase, no final dot; NULL: the instance name */
        char *tailnet_domain;  /* lowercase, no final dot; NULL: not set (addresses only) */
        IpNetwork *allow_from; /* none: ALLOW_FROM_DEFAULT_INIT */
        size_t n_allow_from;
} DnsConfig;

typedef struct InstanceConfig {
        char name[INSTANCE_NAME_BUFSZ];
        char **files; /* NULL-terminated: main file first, then drop-ins in order */
        bool valid;   /* false: an error was reported; the instance is not generated */
        /* Its namespace (/run/netns/NAME) or runtime directory (/run/tsproxy/NAME/) exists
         * below the root: it wins a clash with an instance that is not running. */
        bool running;
        unsigned n_assignments; /* Key=Value lines of all its files (CONFIG_ASSIGNMENTS_MAX) */

        /* [Instance] */
        bool auto_start;
        char *description;

        /* [Namespace] */
        Subnet subnet;
        bool subnet_explicit;
        ConfigLocation subnet_at;
        char *uplink;

        /* [Tailscale] */
        char *ts_binary;
        uint16_t ts_port;
        bool ts_port_explicit;
        ConfigLocation ts_port_at;
        char *ts_extra_arguments;
        char ts_tun[IFNAMSIZ]; /* --tun= of ExtraArguments=, or TAILSCALE_TUN_DEFAULT */
        /* The login (ts-login@NAME.service, tsproxy-login; login-prefs.h checks them). */
        char *ts_auth_key_file; /* absolute path; NULL: none (or unreadable: warned) */
        ConfigLocation ts_auth_key_file_at;
        char *ts_login_server;   /* http(s) URL; NULL: tailscaled's default */
        char *ts_hostname;       /* NULL: the host's short name and the instance name */
        char *ts_advertise_tags; /* "tag:a,tag:b"; NULL: none */
        bool ts_accept_routes;
        char *ts_up_arguments; /* checked words, one space apart; NULL: none */

        /* [SOCKS] */
        SocksConfig socks;

        /* [DNS] */
        DnsConfig dns;

        /* [Forward] */
        Forward *forwards;
        size_t n_forwards;
        EgressMode forward_egress;     /* [Forward] Egress= */
        IpNetwork *forward_allow_from; /* [Forward] AllowFrom=; none: ALLOW_FROM_DEFAULT_INIT */
        size_t n_forward_allow_from;
} InstanceConfig;

typedef struct ConfigSet {
        InstanceConfig *instances; /* sorted by name; invalid ones included (valid=false) */
        size_t n_instances;
        Diagnostics diagnostics;
} ConfigSet;

/*
 * Load every instance below root ("/" or NULL for the real system). Problems with
 * single files or instances become diagnostics; only -ENOMEM (or a root that cannot
 * be used at all) is returned as an error.
 */
int config_load(const char *root, ConfigSet *ret);
void config_set_done(ConfigSet *set);

/* Look up an instance by name (valid or not); NULL if not configured. */
const InstanceConfig *config_set_find(const ConfigSet *set, const char *name);

/* --- internal steps, exposed for the unit tests ------------------------------------ */

void instance_config_init(InstanceConfig *c);
void instance_config_done(InstanceConfig *c);
/* Every key of the table set to its default, as an empty assignment does (config-keys.c). */
void config_keys_init(InstanceConfig *c);
void socks_config_done(SocksConfig *s);

/* Bounds on what is read, so that the generator finishes in well under a second whatever
 * lies in the configuration directories (documented in tsproxy.conf(5), DIAGNOSTICS). */
#define CONFIG_FILE_MAX        (1024 * 1024)      /* bytes of one file */
#define CONFIG_TOTAL_MAX       (16 * 1024 * 1024) /* bytes of all files together */
#define CONFIG_INSTANCES_MAX   4096u              /* NAME.conf files and NAME.conf.d dirs */
#define CONFIG_DROPINS_MAX     256u               /* drop-ins of one instance */
#define CONFIG_ASSIGNMENTS_MAX 4096u              /* Key=Value lines of one instance */
#define CONFIG_LISTENERS_MAX   128u               /* each of [SOCKS]/[DNS] Listen=, Forward= */

/* Where the running state of instances is looked for, below the root. */
#define CONFIG_RUNNING_NETNS_DIR   "/run/netns"
#define CONFIG_RUNNING_RUNTIME_DIR "/run/tsproxy"

/*
 * Read a whole file, never blocking and never opening anything but a regular file: 0 and
 * *ret (NUL-terminated, *ret_size bytes, which may contain NULs), 1 if it is a mask (empty,
 * or /dev/null), or -errno: -EISDIR, -ENOEXEC for a FIFO, socket or device, -EFBIG.
 * maybe_special: it may not be a regular file (a symlink, or unknown); otherwise a symlink
 * (swapped in since the directory was listed) is refused.
 */
int config_read_file(const char *real_path, bool maybe_special, char **ret, size_t *ret_size);
/* Parse size bytes of text of the file at path (a logical path, for messages) into c.
 * Returns 0 or -ENOMEM; problems go to d (NUL bytes and CRs included). */
int config_parse_buffer(InstanceConfig *c, const char *path, const char *text, size_t size, Diagnostics *d);
/* The same, for a NUL-terminated text. */
int config_parse_text(InstanceConfig *c, const char *path, const char *text, Diagnostics *d);

/* Checks that need all files of an instance (Users= without PasswordFile=), cross-instance
 * checks (Subnet=, Port=, every listener) and allocation, over the array sorted by name.
 * In a clash, a running instance wins over one that is not; otherwise the earlier name. */
int config_assign(InstanceConfig *instances, size_t n, Diagnostics *d);

/* Every listener ([SOCKS] Listen=, [Forward] Forward=, [DNS] Listen=) against the others
 * of its instance and those of the instances before it in order (indexes into v); the
 * later of two that cannot both be bound is made invalid (config-clash.c). */
int config_check_listeners(InstanceConfig *v, const size_t *order, size_t n, Diagnostics *d);

/* Files that would fail at start: PasswordFile= must be a readable regular file (below
 * root), reported and invalidated; so must AuthKeyFile=, but a missing one is only a
 * warning (the key may be gone after the login it was for) and is dropped. */
int config_check_files(InstanceConfig *c, const char *root, Diagnostics *d);

/*
 * The key table (config-keys.c): one row per key, the parser of its type and where its
 * value lives. A key that a daemon takes as a number option names it in option; the
 * generator writes those of a section in table order.
 */
typedef struct ConfigKey ConfigKey;
typedef int (*ConfigKeyParser)(InstanceConfig *c, const ConfigKey *k, const char *value, ConfigLocation at,
                               Diagnostics *d);
struct ConfigKey {
        const char *section, *key;
        ConfigKeyParser parse;
        size_t offset;          /* of the value in InstanceConfig */
        size_t offset_n;        /* lists: of their length (size_t) */
        size_t offset_at;       /* of a ConfigLocation set with the value; 0: none */
        unsigned min, max, def; /* numbers, booleans: the range, and what an empty value sets */
        const char *def_text;   /* paths: what an empty value sets; NULL: none */
        const char *word;       /* numbers: a word for 0 ("auto") */
        const char *hint;       /* what is expected (time spans, listen ports, domains) */
        const char *option;     /* the daemon's option for this number, or NULL */
};
extern const ConfigKey config_keys[];
extern const size_t config_keys_count;
/* The value of numeric key k of c as its option takes it: decimal, or k->word for 0. */
const char *config_key_option_value(const ConfigKey *k, const InstanceConfig *c, char buf[static 12]);

/* Key table: parse value for section/key into c. Returns 0, -ENOENT for an unknown key,
 * -ESRCH for an unknown section, -ENOMEM; invalid values are reported to d (and make c
 * invalid). */
int config_set_key(InstanceConfig *c, const char *section, const char *key, const char *value,
                   ConfigLocation at, Diagnostics *d);
bool config_section_known(const char *section);

/* Find and parse all files below root (step 1 and 2); root "" is the real root. */
int config_load_files(const char *root, ConfigSet *set);
