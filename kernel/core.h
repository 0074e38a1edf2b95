/* SPDX-License-Identifier: MIT */
/*
 * Core start-up and the core's error domain.
 */
#ifndef TESSERA_KERNEL_CORE_H
#define TESSERA_KERNEL_CORE_H

#include <glib.h>
#include <stdbool.h>

#define CORE_ERROR (core_error_quark())
GQuark core_error_quark(void);
typedef enum {
    CORE_ERROR_INVALID,     /* bad value or combination */
    CORE_ERROR_NOT_FOUND,   /* unknown name */
    CORE_ERROR_UNSUPPORTED, /* subsystem not built */
} CoreErrorCode;

/* Register the core's types and set up logging and the module loader
 * (module dir next to the executable unless @module_dir). */
void core_init(const char *progname, const char *module_dir);

/*
 * -name debug-threads=on: threads the process starts get names (vCPUs
 * "CPU N/TCG", as QEMU names them, visible in /proc/PID/task/T/comm);
 * off (the default): they keep the process's name.  Thread creators pass
 * core_thread_name(name) to g_thread_new.
 */
void core_set_debug_threads(bool on);
const char *core_thread_name(const char *name);

/* -object TYPE,id=ID,...: a user-creatable object at /objects/<id>. */
typedef struct OptDict OptDict;
typedef struct Object Object;
Object *object_create_from_opts(OptDict *opts, GError **errp);

#endif
