/* SPDX-License-Identifier: MIT */
/*
 * File descriptors passed over the QMP socket (SCM_RIGHTS): getfd/closefd
 * name one (chardev socket fd=NAME), add-fd/remove-fd/query-fdsets keep
 * fd sets that "/dev/fdset/N" names stand for wherever a file is opened.
 */
#include <unistd.h>

#include "kernel/core.h"
#include "kernel/fdpass.h"
#include "monitor/qmp-handlers.h"

static int take_passed_fd(GError **errp)
{
    int fd = qmp_take_passed_fd();
    if (fd < 0) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC,
                    "No file descriptor supplied via SCM_RIGHTS");
    }
    return fd;
}

JsonNode *qmp_getfd(JsonObject *args, GError **errp)
{
    const char *name = qmp_arg_str(args, "fdname", NULL);
    if (g_ascii_isdigit(name[0])) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC,
                    "Parameter 'fdname' expects a name not starting with a digit");
        return NULL;
    }
    int fd = take_passed_fd(errp);
    if (fd < 0) {
        return NULL;
    }
    fdpass_add_named(name, fd);
    return qmp_empty_return();
}

JsonNode *qmp_closefd(JsonObject *args, GError **errp)
{
    const char *name = qmp_arg_str(args, "fdname", NULL);
    if (!fdpass_close_named(name)) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC,
                    "File descriptor named '%s' not found", name);
        return NULL;
    }
    return qmp_empty_return();
}

JsonNode *qmp_add_fd(JsonObject *args, GError **errp)
{
    int64_t set = qmp_arg_int(args, "fdset-id", -1);
    if (qmp_arg_has(args, "fdset-id") && set < 0) {
        g_set_error(errp, QMP_ERROR, QMP_ERROR_GENERIC,
                    "Parameter 'fdset-id' expects a non-negative value");
        return NULL;
    }
    int fd = take_passed_fd(errp);
    if (fd < 0) {
        return NULL;
    }
    set = fdset_add_fd(set, fd, qmp_arg_str(args, "opaque", NULL), errp);
    if (set < 0) {
        close(fd);
        return NULL;
    }
    JsonObject *o = json_object_new();
    json_object_set_int_member(o, "fdset-id", set);
    json_object_set_int_member(o, "fd", fd);
    JsonNode *n = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(n, o);
    return n;
}

JsonNode *qmp_remove_fd(JsonObject *args, GError **errp)
{
    /* Without "fd" the whole set goes; an fd no set can hold matches none. */
    int64_t fd = qmp_arg_int(args, "fd", -1);
    if (qmp_arg_has(args, "fd") && (fd < 0 || fd > G_MAXINT)) {
        fd = G_MAXINT;
    }
    return fdset_remove_fd(qmp_arg_int(args, "fdset-id", 0), (int)fd, errp)
               ? qmp_empty_return() : NULL;
}

static void add_set(int64_t id, const FdsetFd *fds, guint n, void *opaque)
{
    JsonObject *set = json_object_new();
    json_object_set_int_member(set, "fdset-id", id);
    JsonArray *list = json_array_new();
    for (guint i = 0; i < n; i++) {
        JsonObject *f = json_object_new();
        json_object_set_int_member(f, "fd", fds[i].fd);
        if (fds[i].opaque) {
            json_object_set_string_member(f, "opaque", fds[i].opaque);
        }
        json_array_add_object_element(list, f);
    }
    json_object_set_array_member(set, "fds", list);
    json_array_add_object_element(opaque, set);
}

JsonNode *qmp_query_fdsets(JsonObject *args, GError **errp)
{
    JsonArray *a = json_array_new();
    fdset_foreach(add_set, a);
    JsonNode *n = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(n, a);
    return n;
}
