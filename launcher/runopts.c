/* SPDX-License-Identifier: MIT */
/*
 * -overcommit, -rtc, -boot, -msg, -name sub-options, -mon, -audiodev and
 * -machine usb=/dump-guest-core= (launcher/runopts.h).  Process-wide
 * settings of the one tessera process: their state lives in the core
 * (clock, log, memory) or here in the launcher, never in a plugin.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "kernel/chardev.h"
#include "kernel/clock.h"
#include "kernel/core.h"
#include "kernel/fdpass.h"
#include "kernel/log.h"
#include "kernel/machine.h"
#include "kernel/memory.h"
#include "launcher/runopts.h"
#include "monitor/monitor.h"

/* The -audiodev ids given (no sound device exists yet to use them). */
static GHashTable *audiodevs;

static bool only_keys(OptDict *d, const char *const *keys, GError **errp)
{
    for (guint i = 0; i < d->keys->len; i++) {
        const char *key = g_ptr_array_index(d->keys, i);
        if (!g_strv_contains(keys, key)) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "%s: invalid parameter '%s'",
                        d->option, key);
            return false;
        }
    }
    return true;
}

static OptDict *parse(const char *option, const char *text, const char *implied,
                      const char *const *keys, bool json, GError **errp)
{
    OptDict *d = opt_dict_parse(option, text, implied, json, errp);
    if (d && !only_keys(d, keys, errp)) {
        opt_dict_free(d);
        return NULL;
    }
    return d;
}

/* A boolean key, @def when absent. */
static bool get_bool(OptDict *d, const char *key, bool def, bool *out, GError **errp)
{
    const char *v = opt_dict_get(d, key);
    if (!v) {
        *out = def;
        return true;
    }
    return opt_parse_bool(d->option, key, v, out, errp);
}

/* ---- -overcommit ------------------------------------------------------------ */

bool runopts_overcommit(const char *text, GError **errp)
{
    static const char *const keys[] = { "mem-lock", "cpu-pm", NULL };
    OptDict *d = parse("-overcommit", text, NULL, keys, false, errp);
    if (!d) {
        return false;
    }
    bool ok = false, cpu_pm = false;
    const char *lock = opt_dict_get(d, "mem-lock");
    int flags = 0;
    if (lock && !strcmp(lock, "on-fault")) {
        flags = MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT;
    } else if (lock) {
        bool on;
        if (!opt_parse_bool("-overcommit", "mem-lock", lock, &on, errp)) {
            goto out;
        }
        flags = on ? MCL_CURRENT | MCL_FUTURE : 0;
    }
    if (!get_bool(d, "cpu-pm", false, &cpu_pm, errp)) {
        goto out;
    }
    if (cpu_pm) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_UNSUPPORTED,
                    "-overcommit cpu-pm=on: no Tessera accelerator gives the guest the host's "
                    "CPU power management");
        goto out;
    }
    /* (AddressSanitizer builds ignore mlockall: their shadow memory cannot
     * be locked.) */
    if (flags && mlockall(flags) < 0) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "-overcommit mem-lock=%s: locking memory failed: %s", lock,
                    g_strerror(errno));
        goto out;
    }
    ok = true;
out:
    opt_dict_free(d);
    return ok;
}

/* ---- -rtc --------------------------------------------------------------------- */

/* "2006-06-17T16:01:21" or "2006-06-17" (UTC) -> ns since the epoch. */
static bool parse_rtc_date(const char *text, int64_t *out)
{
    int y, mo, d, h = 0, mi = 0, s = 0;
    char tail;
    if (sscanf(text, "%d-%d-%dT%d:%d:%d%c", &y, &mo, &d, &h, &mi, &s, &tail) != 6 &&
        sscanf(text, "%d-%d-%d%c", &y, &mo, &d, &tail) != 3) {
        return false;
    }
    g_autoptr(GDateTime) dt = g_date_time_new_utc(y, mo, d, h, mi, s);
    if (!dt) {
        return false;
    }
    *out = g_date_time_to_unix(dt) * NANOSECONDS_PER_SECOND;
    return true;
}

bool runopts_rtc(const char *text, GError **errp)
{
    static const char *const keys[] = { "base", "clock", "driftfix", NULL };
    OptDict *d = parse("-rtc", text, NULL, keys, false, errp);
    if (!d) {
        return false;
    }
    bool ok = false;
    const char *base = opt_dict_get(d, "base");
    const char *clock = opt_dict_get(d, "clock");
    const char *drift = opt_dict_get(d, "driftfix");
    int64_t offset = 0;
    if (!base || !strcmp(base, "utc")) {
        offset = 0;
    } else if (!strcmp(base, "localtime")) {
        g_autoptr(GDateTime) now = g_date_time_new_now_local();
        offset = g_date_time_get_utc_offset(now) * 1000;
    } else {
        int64_t when;
        if (!parse_rtc_date(base, &when)) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                        "-rtc base=%s: expected utc, localtime or a date "
                        "(2006-06-17T16:01:21 or 2006-06-17)", base);
            goto out;
        }
        offset = when - g_get_real_time() * 1000;
    }
    /* The boards' RTCs count guest time: they stop while the VM is paused. */
    if (clock && strcmp(clock, "vm")) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_UNSUPPORTED,
                    "-rtc clock=%s: Tessera's RTCs follow the VM clock (clock=vm)", clock);
        goto out;
    }
    if (drift && strcmp(drift, "none")) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_UNSUPPORTED,
                    "-rtc driftfix=%s: no board has an RTC interrupt to re-inject (driftfix=none)",
                    drift);
        goto out;
    }
    clock_rtc_set_offset(offset);
    ok = true;
out:
    opt_dict_free(d);
    return ok;
}

/* ---- -add-fd ------------------------------------------------------------------ */

static bool add_fd_number(OptDict *d, const char *key, int64_t max, int64_t *out, GError **errp)
{
    const char *v = opt_dict_get(d, key);
    char *end = NULL;
    errno = 0;
    long long n = v && g_ascii_isdigit(v[0]) ? strtoll(v, &end, 10) : -1;
    if (n < 0 || errno || *end || n > max) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "-add-fd: %s option is required and must be non-negative", key);
        return false;
    }
    *out = n;
    return true;
}

bool runopts_add_fds(GPtrArray *texts, GError **errp)
{
    static const char *const keys[] = { "fd", "set", "opaque", NULL };
    g_autoptr(GArray) given = g_array_new(false, false, sizeof(int));
    bool ok = true;
    for (guint i = 0; ok && i < texts->len; i++) {
        OptDict *d = parse("-add-fd", g_ptr_array_index(texts, i), NULL, keys, false, errp);
        int64_t fd, set;
        ok = d && add_fd_number(d, "fd", G_MAXINT, &fd, errp) &&
             add_fd_number(d, "set", G_MAXINT64, &set, errp);
        if (ok && fd <= STDERR_FILENO) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                        "-add-fd: fd cannot be a standard I/O stream");
            ok = false;
        }
        int dup = ok ? fcntl((int)fd, F_DUPFD_CLOEXEC, 0) : -1;
        if (ok && dup < 0) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                        "-add-fd: fd=%d: %s", (int)fd, g_strerror(errno));
            ok = false;
        }
        if (ok) {
            int orig = (int)fd;
            g_array_append_val(given, orig);
            ok = fdset_add_fd(set, dup, opt_dict_get(d, "opaque"), errp) >= 0;
        }
        if (d) {
            opt_dict_free(d);
        }
    }
    for (guint i = 0; i < given->len; i++) {
        int fd = g_array_index(given, int, i);
        bool seen = false;
        for (guint k = 0; k < i; k++) {
            seen |= g_array_index(given, int, k) == fd;
        }
        if (!seen) {
            close(fd);
        }
    }
    return ok;
}

/* ---- -boot -------------------------------------------------------------------- */

/*
 * Tessera's boards boot what -kernel/-bios give them, or what their
 * firmware (EDK2 on virt) finds: menu=, splash-time= and strict= reach
 * firmware through fw_cfg (FW_CFG_BOOT_MENU, etc/boot-menu-wait and the
 * "HALT" line of bootorder, as QEMU passes them); a boot-device order for a
 * board's own search is refused.
 */
bool runopts_boot(const char *text, MachineState *ms, GError **errp)
{
    static const char *const keys[] = { "order", "once", "menu", "splash", "splash-time",
                                        "reboot-timeout", "strict", NULL };
    OptDict *d = parse("-boot", text, "order", keys, false, errp);
    if (!d) {
        return false;
    }
    bool ok = false, strict, menu;
    static const char *const device_keys[] = { "order", "once", "splash", "reboot-timeout" };
    for (size_t i = 0; i < G_N_ELEMENTS(device_keys); i++) {
        if (opt_dict_get(d, device_keys[i])) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_UNSUPPORTED,
                        "-boot %s=: Tessera's boards boot from -kernel/-bios or their firmware's"
                        " own choice and search no boot devices", device_keys[i]);
            goto out;
        }
    }
    if (!get_bool(d, "strict", false, &strict, errp) || !get_bool(d, "menu", false, &menu, errp)) {
        goto out;
    }
    const char *splash = opt_dict_get(d, "splash-time");
    uint64_t ms_wait = 0;
    if (splash) {
        char *end = NULL;
        errno = 0;
        ms_wait = g_ascii_strtoull(splash, &end, 0);
        if (!splash[0] || *end || errno || ms_wait > 0xffff) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                        "-boot splash-time=%s: splash-time is invalid, it should be a value "
                        "between 0 and 65535", splash);
            goto out;
        }
    }
    if (ms) {
        ms->boot_menu = menu;
        ms->boot_strict = strict;
        ms->boot_splash_time_given = splash != NULL;
        ms->boot_splash_time = (uint16_t)ms_wait;
    }
    ok = true;
out:
    opt_dict_free(d);
    return ok;
}

/* ---- -fw_cfg ----------------------------------------------------------------------- */

/* fw_cfg file names have at most 55 bytes (56 with the NUL). */
#define FW_CFG_MAX_FILE_PATH 56

bool runopts_fw_cfg(const char *text, MachineState *ms, GError **errp)
{
    static const char *const keys[] = { "name", "file", "string", "gen_id", NULL };
    OptDict *d = parse("-fw_cfg", text, "name", keys, false, errp);
    if (!d) {
        return false;
    }
    bool ok = false;
    const char *name = opt_dict_get(d, "name");
    const char *file = opt_dict_get(d, "file");
    const char *str = opt_dict_get(d, "string");
    const char *gen_id = opt_dict_get(d, "gen_id");
    int given = (file && file[0]) + (str && str[0]) + (gen_id && gen_id[0]);
    if (!name || !name[0] || given != 1) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "-fw_cfg %s: name, plus exactly one of file, string and gen_id, are needed",
                    text);
        goto out;
    }
    if (strlen(name) > FW_CFG_MAX_FILE_PATH - 1) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "-fw_cfg %s: name too long (max. %d char)", text, FW_CFG_MAX_FILE_PATH - 1);
        goto out;
    }
    if (gen_id && gen_id[0]) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_UNSUPPORTED,
                    "-fw_cfg %s: gen_id= needs a vmgenid device, which Tessera lacks", text);
        goto out;
    }
    if (strncmp(name, "opt/", 4) != 0) {
        warn_report("externally provided fw_cfg item names should be prefixed with \"opt/\"");
    }
    GBytes *data;
    if (str && str[0]) {
        data = g_bytes_new(str, strlen(str));   /* no NUL, as QEMU */
    } else {
        gchar *buf = NULL;
        gsize len = 0;
        GError *err = NULL;
        if (!g_file_get_contents(file, &buf, &len, &err)) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "-fw_cfg %s: can't load %s: %s",
                        text, file, err->message);
            g_error_free(err);
            goto out;
        }
        data = g_bytes_new_take(buf, len);
    }
    for (guint i = 0; ms->fw_cfg_user && i < ms->fw_cfg_user->len; i++) {
        MachineFwCfgFile *f = g_ptr_array_index(ms->fw_cfg_user, i);
        if (!strcmp(f->name, name)) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                        "-fw_cfg %s: duplicate fw_cfg file name: %s", text, name);
            g_bytes_unref(data);
            goto out;
        }
    }
    machine_add_fw_cfg_file(ms, name, data);
    ok = true;
out:
    opt_dict_free(d);
    return ok;
}

/* ---- -msg, -name ---------------------------------------------------------------- */

bool runopts_msg(const char *text, const char *guest, GError **errp)
{
    static const char *const keys[] = { "timestamp", "guest-name", NULL };
    OptDict *d = parse("-msg", text, NULL, keys, false, errp);
    if (!d) {
        return false;
    }
    bool ts, name;
    bool ok = get_bool(d, "timestamp", false, &ts, errp) &&
              get_bool(d, "guest-name", false, &name, errp);
    if (ok && name && !guest) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "-msg guest-name=on: needs -name");
        ok = false;
    }
    if (ok) {
        error_set_message_format(ts, name ? guest : NULL);
    }
    opt_dict_free(d);
    return ok;
}

bool runopts_name(const char *text, char **guest, GError **errp)
{
    static const char *const keys[] = { "guest", "process", "debug-threads", NULL };
    OptDict *d = parse("-name", text, "guest", keys, false, errp);
    if (!d) {
        return false;
    }
    bool threads;
    bool ok = get_bool(d, "debug-threads", false, &threads, errp);
    const char *process = opt_dict_get(d, "process");
    if (ok && process && prctl(PR_SET_NAME, process) < 0) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "-name process=%s: %s", process,
                    g_strerror(errno));
        ok = false;
    }
    if (ok) {
        core_set_debug_threads(threads);
        *guest = g_strdup(opt_dict_get(d, "guest"));
    }
    opt_dict_free(d);
    return ok;
}

/* ---- -mon ------------------------------------------------------------------------ */

bool runopts_mon(const char *text, GError **errp)
{
    static const char *const keys[] = { "chardev", "mode", "pretty", "id", NULL };
    OptDict *d = parse("-mon", text, "chardev", keys, false, errp);
    if (!d) {
        return false;
    }
    bool ok = false, pretty;
    const char *id = opt_dict_get(d, "chardev");
    const char *mode = opt_dict_get(d, "mode");
    Chardev *chr = id ? chardev_find(id) : NULL;
    GError *err = NULL;
    if (!id) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "-mon %s: parameter 'chardev' is missing",
                    text);
        goto out;
    }
    if (!chr) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_NOT_FOUND, "-mon %s: chardev \"%s\" not found",
                    text, id);
        goto out;
    }
    if (!get_bool(d, "pretty", false, &pretty, errp)) {
        goto out;
    }
    if (pretty) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_UNSUPPORTED,
                    "-mon %s: pretty=on: QMP replies are one line each", text);
        goto out;
    }
    if (mode && strcmp(mode, "control") && strcmp(mode, "readline")) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "-mon %s: mode=%s: expected control or readline", text, mode);
        goto out;
    }
    bool qmp = mode && !strcmp(mode, "control");
    if (!(qmp ? monitor_init_qmp(chr, &err) : monitor_init_hmp(chr, &err))) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "-mon %s: %s", text, err->message);
        g_error_free(err);
        goto out;
    }
    ok = true;
out:
    opt_dict_free(d);
    return ok;
}

/* ---- -audiodev -------------------------------------------------------------------- */

/*
 * Only the "none" driver: output discarded, input silence.  No Tessera
 * board has a sound device yet, so an audiodev has no user; its id is
 * reserved for one.
 */
bool runopts_audiodev(const char *text, GError **errp)
{
    static const char *const keys[] = { "id", "driver", "timer-period", NULL };
    OptDict *d = parse("-audiodev", text, "driver", keys, true, errp);
    if (!d) {
        return false;
    }
    bool ok = false;
    const char *id = opt_dict_get(d, "id");
    const char *driver = opt_dict_get(d, "driver");
    const char *period = opt_dict_get(d, "timer-period");
    uint64_t us;
    if (!id || !driver) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "-audiodev: parameter '%s' is missing",
                    id ? "driver" : "id");
        goto out;
    }
    if (strcmp(driver, "none")) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_UNSUPPORTED,
                    "-audiodev %s: driver '%s' is not available (only 'none')", id, driver);
        goto out;
    }
    if (period && (!opt_parse_size(period, 1, &us) || us == 0)) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "-audiodev %s: timer-period=%s: expected microseconds", id, period);
        goto out;
    }
    if (!audiodevs) {
        audiodevs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    }
    if (!g_hash_table_add(audiodevs, g_strdup(id))) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "-audiodev: duplicate id '%s'", id);
        goto out;
    }
    ok = true;
out:
    opt_dict_free(d);
    return ok;
}

/* ---- -machine usb=, dump-guest-core= ------------------------------------------------ */

bool runopts_machine(OptDict *mdict, GError **errp)
{
    bool on;
    const char *usb = opt_dict_get(mdict, "usb");
    if (usb) {
        if (!opt_parse_bool("-machine", "usb", usb, &on, errp)) {
            return false;
        }
        if (on) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_UNSUPPORTED,
                        "-machine usb=on: no Tessera board has a USB controller");
            return false;
        }
        opt_dict_remove(mdict, "usb");
    }
    const char *dump = opt_dict_get(mdict, "dump-guest-core");
    if (dump) {
        if (!opt_parse_bool("-machine", "dump-guest-core", dump, &on, errp)) {
            return false;
        }
        memory_set_dump_guest_core(on);
        opt_dict_remove(mdict, "dump-guest-core");
    }
    return true;
}
