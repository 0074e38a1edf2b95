/* SPDX-License-Identifier: MIT */
/*
 * Introspection for users: -M help, -device help, -device TYPE,help,
 * -cpu help, -accel help, -object help, -chardev help, -d help and
 * --list-modules, as text (QEMU's layout) or JSON.  Lists come from the
 * module index and load nothing; "TYPE,help" loads only TYPE's module.
 */
#ifndef TESSERA_KERNEL_HELP_H
#define TESSERA_KERNEL_HELP_H

#include <glib.h>
#include <stdbool.h>

typedef enum {
    HELP_MACHINE,
    HELP_DEVICE,
    HELP_CPU,
    HELP_ACCEL,
    HELP_OBJECT,
    HELP_CHARDEV,
    HELP_LOG,
} HelpKind;

/* @name NULL or "help": list; otherwise that item's properties. */
bool help_print(HelpKind kind, const char *name, bool json, GError **errp);
void help_list_modules(void);
/* "rv64" -> "rv64-riscv-cpu" for the current target; NULL if unknown. */
char *help_cpu_type_for_model(const char *model);
/* The target's default machine name, or "none" without a target. */
char *help_default_machine(void);

#endif
