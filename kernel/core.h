/* SPDX-License-Identifier: MIT */
/*
 * Core start-up and the core's error domain.
 */
#ifndef TESSERA_KERNEL_CORE_H
#define TESSERA_KERNEL_CORE_H

#include <glib.h>

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

/* -object TYPE,id=ID,...: a user-creatable object at /objects/<id>. */
typedef struct OptDict OptDict;
typedef struct Object Object;
Object *object_create_from_opts(OptDict *opts, GError **errp);

#endif
