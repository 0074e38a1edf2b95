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

static inline bool prop_kind_is_signed(PropKind k)
{
    return k >= PROP_KIND_INT8 && k <= PROP_KIND_INT64;
}

static inline bool prop_kind_is_unsigned(PropKind k)
{
    return k >= PROP_KIND_UINT8 && k <= PROP_KIND_SIZE;
}

/* propvalue.c */
/* Type, range and enum checks shared by set, parse and defaults. */
bool prop_check_value(const Property *p, GVariant *v, GError **errp);
/* A link value: "" (no target) or a path to an object of the target type. */
bool prop_link_check(const Property *p, const char *path, Object **target, GError **errp);
/* Index of @s in the enum values, or -1. */
int prop_enum_index(const Property *p, const char *s);
/* A value as users would type it: strings bare, numbers in decimal. */
char *prop_value_text(GVariant *v);
/* OUT_OF_RANGE error naming the property, @text and the kind's range. */
void prop_range_error(GError **errp, const Property *p, const char *text);

/* property.c */
Property *prop_new(const char *name, PropKind kind, PropGetter get, PropSetter set,
                   void *opaque);
void prop_free(Property *prop);
/* Store field-property defaults into a freshly zeroed instance. */
void object_init_field_defaults(Object *obj);
/* Release owned field values (strings, link references). */
void object_release_fields(Object *obj);
/* The Object * field of a field link property, else NULL. */
Object **prop_link_field(Object *obj, const Property *p);
/* Store @target (new reference) in @slot, dropping the old one. */
void prop_link_store(Object **slot, Object *target);

/* tree.c */
/* A child<> property is going away: run the unparent hook, detach, unref. */
void object_child_release(Object *child);
/* Drop every child of @obj (name order), as on finalize. */
void object_drop_children(Object *obj);
/* Destroy the root (after unparenting its children); tests only. */
void object_root_reset(void);

#endif
