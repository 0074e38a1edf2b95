/* SPDX-License-Identifier: MIT */
/*
 * -sandbox on[,obsolete=allow|deny][,elevateprivileges=allow|deny|children]
 *          [,spawn=allow|deny][,resourcecontrol=allow|deny]
 *
 * A seccomp filter (libseccomp) installed in every thread of the process
 * (TSYNC), once the process has detached (-daemonize) and written its
 * pidfile.  With "on" a default set of system calls no emulator needs is
 * always denied; each option denies one more group.  A denied call kills
 * the process (EPERM for resourcecontrol, whose calls libraries probe and
 * handle failing; ENOSYS for clone3, so the C library falls back to clone,
 * which the filter can inspect).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <string.h>
#include <sys/prctl.h>

#include "kernel/core.h"
#include "launcher/runopts.h"

typedef enum { GROUP_DEFAULT, GROUP_OBSOLETE, GROUP_PRIVILEGES, GROUP_SPAWN,
               GROUP_RESOURCES, GROUP_COUNT } Group;

static const char *const group_calls[GROUP_COUNT][16] = {
    [GROUP_DEFAULT] = { "reboot", "swapon", "swapoff", "syslog", "mount", "umount2",
                        "kexec_load", "kexec_file_load", "afs_syscall", "tuxcall", "security",
                        "vserver", "getpmsg", "putpmsg", "init_module", "delete_module" },
    [GROUP_OBSOLETE] = { "readdir", "_sysctl", "bdflush", "create_module", "get_kernel_syms",
                         "query_module", "sgetmask", "ssetmask", "sysfs", "uselib", "ustat" },
    [GROUP_PRIVILEGES] = { "setuid", "setgid", "setpgid", "setsid", "setreuid", "setregid",
                           "setresuid", "setresgid", "setfsuid", "setfsgid" },
    [GROUP_SPAWN] = { "fork", "vfork", "execve", "execveat" },
    [GROUP_RESOURCES] = { "setpriority", "sched_setparam", "sched_setscheduler",
                          "sched_setattr", "sched_setaffinity", "set_mempolicy", "mbind",
                          "migrate_pages", "move_pages" },
};

static struct {
    bool on;
    bool deny[GROUP_COUNT];
    bool no_new_privs;      /* elevateprivileges=children */
} sandbox;

bool sandbox_parse(const char *text, GError **errp)
{
    static const char *const keys[] = { "enable", "obsolete", "elevateprivileges", "spawn",
                                        "resourcecontrol", NULL };
    static const struct { const char *key; Group group; } opts[] = {
        { "obsolete", GROUP_OBSOLETE }, { "elevateprivileges", GROUP_PRIVILEGES },
        { "spawn", GROUP_SPAWN }, { "resourcecontrol", GROUP_RESOURCES },
    };
    OptDict *d = opt_dict_parse("-sandbox", text, "enable", false, errp);
    if (!d) {
        return false;
    }
    bool ok = false;
    for (guint i = 0; i < d->keys->len; i++) {
        if (!g_strv_contains(keys, g_ptr_array_index(d->keys, i))) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "-sandbox: invalid parameter '%s'",
                        (const char *)g_ptr_array_index(d->keys, i));
            goto out;
        }
    }
    const char *enable = opt_dict_get(d, "enable");
    if (!enable || !opt_parse_bool("-sandbox", "enable", enable, &sandbox.on, errp)) {
        if (!enable) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "-sandbox %s: expected on or off",
                        text);
        }
        goto out;
    }
    sandbox.deny[GROUP_DEFAULT] = true;
    for (size_t i = 0; i < G_N_ELEMENTS(opts); i++) {
        const char *v = opt_dict_get(d, opts[i].key);
        if (!v || !strcmp(v, "allow")) {
            continue;
        }
        if (!strcmp(v, "deny") ||
            (opts[i].group == GROUP_PRIVILEGES && !strcmp(v, "children"))) {
            sandbox.deny[opts[i].group] = true;
            sandbox.no_new_privs |= !strcmp(v, "children");
            continue;
        }
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "-sandbox %s=%s: expected allow or deny%s",
                    opts[i].key, v, opts[i].group == GROUP_PRIVILEGES ? " or children" : "");
        goto out;
    }
    if (!sandbox.on) {
        for (size_t i = 0; i < G_N_ELEMENTS(opts); i++) {
            if (opt_dict_get(d, opts[i].key)) {
                g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                            "-sandbox off,%s=: the option needs -sandbox on", opts[i].key);
                goto out;
            }
        }
    }
    ok = true;
out:
    opt_dict_free(d);
    return ok;
}

static bool add_rule(scmp_filter_ctx ctx, uint32_t action, const char *name, GError **errp)
{
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) {
        return true; /* not a call of this host architecture */
    }
    int rc = seccomp_rule_add(ctx, action, nr, 0);
    if (rc < 0) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "-sandbox: cannot filter %s: %s",
                    name, g_strerror(-rc));
        return false;
    }
    return true;
}

bool sandbox_apply(GError **errp)
{
    if (!sandbox.on) {
        return true;
    }
    if (sandbox.no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "-sandbox elevateprivileges=children: %s", g_strerror(errno));
        return false;
    }
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "-sandbox: seccomp_init failed");
        return false;
    }
    bool ok = false;
    int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
    for (int g = 0; g < GROUP_COUNT && rc == 0; g++) {
        if (!sandbox.deny[g]) {
            continue;
        }
        uint32_t action = g == GROUP_RESOURCES ? SCMP_ACT_ERRNO(EPERM) : SCMP_ACT_KILL_PROCESS;
        for (size_t i = 0; i < G_N_ELEMENTS(group_calls[g]) && group_calls[g][i]; i++) {
            if (!add_rule(ctx, action, group_calls[g][i], errp)) {
                goto out;
            }
        }
    }
    if (rc == 0 && sandbox.deny[GROUP_SPAWN]) {
        /* A new process is a clone without CLONE_THREAD; threads stay allowed. */
        rc = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(clone), 1,
                              SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0));
        if (rc == 0) {
            rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
        }
    }
    if (rc == 0) {
        rc = seccomp_load(ctx);
    }
    if (rc < 0) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "-sandbox: failed to install the "
                    "seccomp filter: %s", g_strerror(-rc));
        goto out;
    }
    ok = true;
out:
    seccomp_release(ctx);
    return ok;
}
