/* SPDX-License-Identifier: MIT */
/*
 * Private glue between object.c (types, classes, instances), property.c
 * (typed properties) and tree.c (composition tree).  Not for use outside
 * objmodel/.
 */
#ifndef TESSERA_OBJMODEL_INTERNAL_H
#define TESSERA_OBJMODEL_INTERNAL_H

#include "objmodel/object.h"

/* Print "objmodel: <message>" to stderr and abort() (SIGABRT). */
G_GNUC_NORETURN G_GNUC_PRINTF(1, 2) void objmodel_fatal(const char *fmt, ...);

/* property.c */
Property *prop_new(const char *name, PropKind kind, PropGetter get, PropSetter set,
                   void *opaque);
void prop_free(Property *prop);
/* Store field-property defaults into a freshly zeroed instance. */
void object_init_field_defaults(Object *obj);
/* Release owned field values (strings, link references). */
void object_release_fields(Object *obj);

/* tree.c */
/* A child<> property is going away: run the unparent hook, detach, unref. */
void object_child_release(Object *child);
/* Drop every child of @obj (name order), as on finalize. */
void object_drop_children(Object *obj);
/* Destroy the root (after unparenting its children); tests only. */
void object_root_reset(void);

#endif
