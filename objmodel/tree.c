/* SPDX-License-Identifier: MIT */
/*
 * The composition tree: the root container "/", child<> properties that own
 * a reference to their child, canonical paths, path resolution (absolute or
 * a unique partial path) and containers created on demand.
 *
 * The tree is changed from the main loop (or under the device lock); only
 * the creation of the root is guarded here.
 */
#include "objmodel/internal.h"

#include <string.h>

static GMutex root_lock;
static Object *root;

Object *object_root(void)
{
    g_mutex_lock(&root_lock);
    if (!root) {
        root = object_new(TYPE_CONTAINER);
    }
    Object *r = root;
    g_mutex_unlock(&root_lock);
    return r;
}

/* The root if it exists; paths are computed without creating it. */
static Object *root_peek(void)
{
    g_mutex_lock(&root_lock);
    Object *r = root;
    g_mutex_unlock(&root_lock);
    return r;
}

void object_root_reset(void)
{
    Object *r = root_peek();
    if (r) {
        object_drop_children(r); /* root still set: unparent hooks may ask for paths */
        g_mutex_lock(&root_lock);
        root = NULL;
        g_mutex_unlock(&root_lock);
        object_unref(r);
    }
}

static GVariant *child_get(Object *obj, Property *prop)
{
    char *path = object_get_canonical_path(prop->opaque);
    GVariant *v = g_variant_new_string(path ? path : "");
    g_free(path);
    return v;
}

bool object_property_add_child(Object *parent, const char *name, Object *child, GError **errp)
{
    g_assert(parent && name && child && !child->parent);
    for (Object *o = parent; o; o = o->parent) {
        g_assert(o != child); /* would make a cycle */
    }
    if (!*name || strchr(name, '/')) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_INVALID, "Invalid child name '%s'", name);
        return false;
    }
    if (object_property_find(parent, name)) {
        char *path = object_get_canonical_path(parent);
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_EXISTS,
                    "Object '%s' already has a property named '%s'",
                    path ? path : object_get_typename(parent), name);
        g_free(path);
        return false;
    }
    Property *p = object_property_add(parent, name, PROP_KIND_CHILD, child_get, NULL, child);
    property_set_target_type(p, object_get_typename(child));
    child->parent = parent;
    child->name = g_strdup(name);
    object_ref(child);
    return true;
}

bool object_id_is_valid(const char *id)
{
    if (!id || !g_ascii_isalpha(id[0])) {
        return false;
    }
    for (const char *p = id; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("-._", *p)) {
            return false;
        }
    }
    return true;
}

bool object_id_check(const char *id, GError **errp)
{
    if (object_id_is_valid(id)) {
        return true;
    }
    if (!id || !*id) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_INVALID, "an empty id is not allowed");
        return false;
    }
    g_autofree char *shown = g_utf8_make_valid(id, -1);
    g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_INVALID,
                "invalid id '%s' (letters, digits, '-', '.', '_', starting with a letter)",
                shown);
    return false;
}

bool object_add_user_child(Object *parent, const char *id, Object *child, GError **errp)
{
    return object_id_check(id, errp) && object_property_add_child(parent, id, child, errp);
}

void object_child_release(Object *child)
{
    if (child->klass->unparent) {
        child->klass->unparent(child);
    }
    child->parent = NULL;
    g_clear_pointer(&child->name, g_free);
    object_unref(child);
}

void object_unparent(Object *obj)
{
    if (obj->parent) {
        object_property_del(obj->parent, obj->name);
    }
}

Object *object_get_parent(Object *obj)
{
    return obj->parent;
}

const char *object_get_name(Object *obj)
{
    return obj->name;
}

char *object_get_canonical_path(Object *obj)
{
    Object *r = root_peek();
    if (obj == r) {
        return g_strdup("/");
    }
    GPtrArray *names = g_ptr_array_new();
    for (Object *o = obj; o != r; o = o->parent) {
        if (!o->parent) {
            g_ptr_array_unref(names);
            return NULL;
        }
        g_ptr_array_add(names, o->name);
    }
    GString *path = g_string_new(NULL);
    for (guint i = names->len; i-- > 0;) {
        g_string_append_c(path, '/');
        g_string_append(path, names->pdata[i]);
    }
    g_ptr_array_unref(names);
    return g_string_free(path, FALSE);
}

Object *object_resolve_child(Object *parent, const char *name)
{
    Property *p = g_hash_table_lookup(parent->properties, name);
    return p && p->kind == PROP_KIND_CHILD ? p->opaque : NULL;
}

/* Follow @parts (empty components skipped) down from @obj. */
static Object *walk(Object *obj, char **parts)
{
    for (; obj && *parts; parts++) {
        if (**parts) {
            obj = object_resolve_child(obj, *parts);
        }
    }
    return obj;
}

/* Collect every distinct object that @parts leads to from any node under @obj. */
static void walk_partial(Object *obj, char **parts, GPtrArray *hits)
{
    Object *hit = walk(obj, parts);
    if (hit && !g_ptr_array_find(hits, hit, NULL)) {
        g_ptr_array_add(hits, hit);
    }
    GPtrArray *kids = object_get_children(obj);
    for (guint i = 0; i < kids->len; i++) {
        walk_partial(kids->pdata[i], parts, hits);
    }
    g_ptr_array_unref(kids);
}

Object *object_resolve_path(const char *path, bool *ambiguous)
{
    Object *found = NULL;
    if (ambiguous) {
        *ambiguous = false;
    }
    if (!path || !*path) {
        return NULL;
    }
    char **parts = g_strsplit(path, "/", -1);
    if (path[0] == '/') {
        found = walk(object_root(), parts);
    } else {
        GPtrArray *hits = g_ptr_array_new();
        walk_partial(object_root(), parts, hits);
        if (hits->len == 1) {
            found = hits->pdata[0];
        } else if (hits->len > 1 && ambiguous) {
            *ambiguous = true;
        }
        g_ptr_array_unref(hits);
    }
    g_strfreev(parts);
    return found;
}

Object *container_get(const char *path)
{
    g_assert(path && path[0] == '/');
    Object *obj = object_root();
    char **parts = g_strsplit(path, "/", -1);
    for (char **p = parts; *p; p++) {
        if (!**p) {
            continue;
        }
        Object *child = object_resolve_child(obj, *p);
        if (!child) {
            GError *err = NULL;
            child = object_new(TYPE_CONTAINER);
            if (!object_property_add_child(obj, *p, child, &err)) {
                objmodel_fatal("container_get(%s): %s", path, err->message);
            }
            object_unref(child);
        }
        obj = child;
    }
    g_strfreev(parts);
    return obj;
}

static gint child_name_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp((*(Object *const *)a)->name, (*(Object *const *)b)->name);
}

GPtrArray *object_get_children(Object *obj)
{
    GPtrArray *kids = g_ptr_array_new();
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, obj->properties);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        Property *p = value;
        if (p->kind == PROP_KIND_CHILD) {
            g_ptr_array_add(kids, p->opaque);
        }
    }
    g_ptr_array_sort(kids, child_name_cmp);
    return kids;
}

void object_child_foreach(Object *obj, void (*fn)(Object *child, void *opaque), void *opaque)
{
    GPtrArray *kids = object_get_children(obj);
    for (guint i = 0; i < kids->len; i++) {
        object_ref(kids->pdata[i]);
    }
    for (guint i = 0; i < kids->len; i++) {
        Object *child = kids->pdata[i];
        if (child->parent == obj) { /* an earlier call may have unparented it */
            fn(child, opaque);
        }
        object_unref(child);
    }
    g_ptr_array_unref(kids);
}

void object_drop_children(Object *obj)
{
    GPtrArray *kids = object_get_children(obj);
    for (guint i = 0; i < kids->len; i++) {
        object_unparent(kids->pdata[i]);
    }
    g_ptr_array_unref(kids);
}
