/* SPDX-License-Identifier: MIT */
/*
 * Human network commands: info network, info usernet, netdev_add,
 * set_link, hostfwd_add, hostfwd_remove (netdev_del is its QMP twin).
 */
#include <string.h>

#include "monitor/monitor-net.h"
#include "monitor/qmp-handlers.h"

static const MonitorNetHooks *hooks_or_print(GString *out)
{
    GError *err = NULL;
    const MonitorNetHooks *h = monitor_net_hooks(&err);
    if (!h) {
        g_string_append_printf(out, "Error: %s\n", err->message);
        g_error_free(err);
    }
    return h;
}

/* Call after the command ran (not in its argument list: @err is set by it). */
static void print_error(GString *out, GError *err)
{
    if (err) {
        g_string_append_printf(out, "Error: %s\n", err->message);
        g_error_free(err);
    }
}

void hmp_info_network(GString *out, const char *arg)
{
    const MonitorNetHooks *h = hooks_or_print(out);
    if (h) {
        h->info_network(out);
    }
}

void hmp_info_usernet(GString *out, const char *arg)
{
    const MonitorNetHooks *h = hooks_or_print(out);
    if (h) {
        h->info_usernet(out);
    }
}

void hmp_netdev_add(GString *out, JsonObject *args)
{
    const MonitorNetHooks *h = hooks_or_print(out);
    GError *err = NULL;
    if (h) {
        h->netdev_add_text(qmp_arg_str(args, "args", ""), &err);
        print_error(out, err);
    }
}

void hmp_set_link(GString *out, JsonObject *args)
{
    const char *state = qmp_arg_str(args, "state", "");
    bool up;
    if (!strcmp(state, "on") || !strcmp(state, "up")) {
        up = true;
    } else if (!strcmp(state, "off") || !strcmp(state, "down")) {
        up = false;
    } else {
        g_string_append_printf(out, "Error: set_link: expected on or off, not '%s'\n", state);
        return;
    }
    const MonitorNetHooks *h = hooks_or_print(out);
    GError *err = NULL;
    if (h) {
        h->set_link(qmp_arg_str(args, "name", ""), up, &err);
        print_error(out, err);
    }
}

/* "[netdev] rule": one word is the rule, two are netdev and rule. */
static void hostfwd(GString *out, JsonObject *args, bool add)
{
    const char *a = qmp_arg_str(args, "a", NULL);
    const char *b = qmp_arg_str(args, "b", NULL);
    const char *netdev = b ? a : NULL;
    const char *rule = b ? b : a;
    const MonitorNetHooks *h = hooks_or_print(out);
    GError *err = NULL;
    if (h) {
        if (add) {
            h->hostfwd_add(netdev, rule, &err);
        } else {
            h->hostfwd_remove(netdev, rule, &err);
        }
        print_error(out, err);
    }
}

void hmp_hostfwd_add(GString *out, JsonObject *args)
{
    hostfwd(out, args, true);
}

void hmp_hostfwd_remove(GString *out, JsonObject *args)
{
    hostfwd(out, args, false);
}
