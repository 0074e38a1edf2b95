/* SPDX-License-Identifier: MIT */
/*
 * Type registry, lazy class construction, interfaces, instances, reference
 * counts and checked casts.
 *
 * The registry is one process-wide name -> TypeImpl table guarded by a
 * recursive mutex: modules may register types from any thread, and a
 * class_init may look up (and so build) other classes while the lock is
 * held.  Once built, a class's type links never change, so casts walk them
 * without locking.
 *
 * Interfaces work as in QOM: a class implementing interface I gets its own
 * InterfaceClass, the class of a private type "CLASS::I" whose parent is I
 * (or the parent class's "PARENT::I", so overrides are inherited).
 */
#include "objmodel/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct TypeImpl {
    char *name;
    char *parent_name;      /* NULL for root types and interface impls */
    TypeImpl *parent_type;  /* resolved lazily */
    const TypeInfo *info;   /* NULL for interface implementation types */
    TypeImpl *iface_type;   /* for interface implementation types: I */
    bool abstract;
    size_t instance_size;
    size_t class_size;
    ObjectClass *klass;     /* NULL until built */
};

static GRecMutex registry_lock;
static GHashTable *registry; /* name -> TypeImpl * */
static TypeMissingHook missing_hook;

static const TypeInfo builtin_types[] = {
    {
        .name = TYPE_OBJECT,
        .abstract = true,
        .instance_size = sizeof(Object),
        .class_size = sizeof(ObjectClass),
    },
    {
        .name = TYPE_INTERFACE,
        .abstract = true,
        .class_size = sizeof(InterfaceClass),
    },
    {
        .name = TYPE_CONTAINER,
        .parent = TYPE_OBJECT,
    },
};

G_DEFINE_QUARK(tessera-object-error-quark, object_error)

void objmodel_fatal(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("objmodel: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

/* ---- registry (all *_locked functions need registry_lock) ------------- */

static TypeImpl *type_add_locked(const TypeInfo *info);

static GHashTable *registry_get_locked(void)
{
    if (!registry) {
        registry = g_hash_table_new(g_str_hash, g_str_equal);
        for (size_t i = 0; i < G_N_ELEMENTS(builtin_types); i++) {
            type_add_locked(&builtin_types[i]);
        }
    }
    return registry;
}

static TypeImpl *type_lookup_locked(const char *name)
{
    return g_hash_table_lookup(registry_get_locked(), name);
}

static TypeImpl *type_add_locked(const TypeInfo *info)
{
    if (type_lookup_locked(info->name)) {
        objmodel_fatal("type '%s' registered twice", info->name);
    }
    TypeImpl *t = g_new0(TypeImpl, 1);
    t->name = g_strdup(info->name);
    t->parent_name = g_strdup(info->parent);
    t->info = info;
    t->abstract = info->abstract;
    t->instance_size = info->instance_size;
    t->class_size = info->class_size;
    g_hash_table_insert(registry, t->name, t);
    return t;
}

static TypeImpl *type_parent_locked(TypeImpl *t)
{
    if (!t->parent_type && t->parent_name) {
        t->parent_type = type_lookup_locked(t->parent_name);
    }
    return t->parent_type;
}

static bool type_is_a_locked(TypeImpl *t, const char *ancestor)
{
    for (; t; t = type_parent_locked(t)) {
        if (!strcmp(t->name, ancestor)) {
            return true;
        }
        for (const char *const *i = t->info ? t->info->interfaces : NULL; i && *i; i++) {
            TypeImpl *iface = type_lookup_locked(*i);
            if (iface && type_is_a_locked(iface, ancestor)) {
                return true;
            }
        }
    }
    return false;
}

/* Interface types are abstract whatever their TypeInfo says. */
static bool type_abstract_locked(TypeImpl *t)
{
    for (TypeImpl *p = t; p; p = type_parent_locked(p)) {
        if (!strcmp(p->name, TYPE_INTERFACE)) {
            return true;
        }
    }
    return t->abstract;
}

/* False when a parent or an interface of @t is not registered (yet). */
static bool type_resolvable_locked(TypeImpl *t)
{
    for (; t; t = type_parent_locked(t)) {
        if (t->parent_name && !type_parent_locked(t)) {
            return false;
        }
        for (const char *const *i = t->info ? t->info->interfaces : NULL; i && *i; i++) {
            if (!type_lookup_locked(*i)) {
                return false;
            }
        }
    }
    return true;
}

TypeImpl *type_register_static(const TypeInfo *info)
{
    g_assert(info && info->name && info->parent);
    g_rec_mutex_lock(&registry_lock);
    registry_get_locked();
    TypeImpl *t = type_add_locked(info);
    g_rec_mutex_unlock(&registry_lock);
    return t;
}

void type_register_static_array(const TypeInfo *infos, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        type_register_static(&infos[i]);
    }
}

TypeImpl *type_lookup(const char *name)
{
    g_rec_mutex_lock(&registry_lock);
    TypeImpl *t = name ? type_lookup_locked(name) : NULL;
    g_rec_mutex_unlock(&registry_lock);
    return t;
}

const char *type_name(const TypeImpl *t)
{
    return t->name;
}

const TypeInfo *type_get_info(const TypeImpl *t)
{
    return t->info;
}

TypeImpl *type_parent(const TypeImpl *t)
{
    g_rec_mutex_lock(&registry_lock);
    TypeImpl *p = type_parent_locked((TypeImpl *)t);
    g_rec_mutex_unlock(&registry_lock);
    return p;
}

bool type_is_abstract(const TypeImpl *t)
{
    g_rec_mutex_lock(&registry_lock);
    bool r = type_abstract_locked((TypeImpl *)t);
    g_rec_mutex_unlock(&registry_lock);
    return r;
}

bool type_is_a(const TypeImpl *t, const char *ancestor)
{
    g_rec_mutex_lock(&registry_lock);
    bool r = type_is_a_locked((TypeImpl *)t, ancestor);
    g_rec_mutex_unlock(&registry_lock);
    return r;
}

void type_set_missing_hook(TypeMissingHook hook)
{
    g_rec_mutex_lock(&registry_lock);
    missing_hook = hook;
    g_rec_mutex_unlock(&registry_lock);
}

TypeImpl *type_lookup_or_load(const char *name, GError **errp)
{
    TypeImpl *t = type_lookup(name);
    if (t) {
        return t;
    }
    g_rec_mutex_lock(&registry_lock);
    TypeMissingHook hook = missing_hook;
    g_rec_mutex_unlock(&registry_lock);
    GError *err = NULL;
    /* The hook runs unlocked: module loading registers types itself. */
    if (hook && hook(name, &err)) {
        t = type_lookup(name);
    }
    if (!t && err) {
        g_propagate_error(errp, err);
    } else if (!t) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_NOT_FOUND, "Unknown type '%s'", name);
    } else {
        g_clear_error(&err);
    }
    return t;
}

/* ---- classes ---------------------------------------------------------- */

static ObjectClass *type_class_locked(TypeImpl *t);

static void class_add_interface(ObjectClass *klass, TypeImpl *iface, TypeImpl *parent)
{
    TypeImpl *impl = g_new0(TypeImpl, 1);
    impl->name = g_strdup_printf("%s::%s", klass->type->name, iface->name);
    impl->parent_type = parent;
    impl->iface_type = iface;
    impl->abstract = true;
    InterfaceClass *ic = (InterfaceClass *)type_class_locked(impl);
    ic->concrete_class = klass;
    klass->interfaces = g_slist_append(klass->interfaces, ic);
}

static bool class_implements(ObjectClass *klass, TypeImpl *iface)
{
    for (GSList *l = klass->interfaces; l; l = l->next) {
        TypeImpl *have = ((ObjectClass *)l->data)->type->iface_type;
        if (type_is_a_locked(have, iface->name)) {
            return true;
        }
    }
    return false;
}

static void class_run_base_init(TypeImpl *ancestor, ObjectClass *klass, const void *data)
{
    if (!ancestor) {
        return;
    }
    class_run_base_init(ancestor->parent_type, klass, data);
    if (ancestor->info && ancestor->info->class_base_init) {
        ancestor->info->class_base_init(klass, data);
    }
}

static ObjectClass *type_class_locked(TypeImpl *t)
{
    if (t->klass) {
        return t->klass;
    }
    TypeImpl *parent = type_parent_locked(t);
    if (t->parent_name && !parent) {
        objmodel_fatal("type '%s' has unknown parent type '%s'", t->name, t->parent_name);
    }
    ObjectClass *pk = parent ? type_class_locked(parent) : NULL;
    if (parent) {
        t->class_size = t->class_size ? t->class_size : parent->class_size;
        t->instance_size = t->instance_size ? t->instance_size : parent->instance_size;
        if (t->class_size < parent->class_size || t->instance_size < parent->instance_size) {
            objmodel_fatal("type '%s' is smaller than its parent '%s'", t->name, parent->name);
        }
    }
    g_assert(t->class_size >= sizeof(ObjectClass));
    t->abstract = type_abstract_locked(t);

    ObjectClass *k = g_malloc0(t->class_size);
    if (pk) {
        memcpy(k, pk, parent->class_size);
    }
    k->type = t;
    k->interfaces = NULL;
    k->properties = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                          (GDestroyNotify)prop_free);
    k->property_order = g_ptr_array_new();
    t->klass = k;

    for (GSList *l = pk ? pk->interfaces : NULL; l; l = l->next) {
        TypeImpl *inherited = ((ObjectClass *)l->data)->type;
        class_add_interface(k, inherited->iface_type, inherited);
    }
    for (const char *const *i = t->info ? t->info->interfaces : NULL; i && *i; i++) {
        TypeImpl *iface = type_lookup_locked(*i);
        if (!iface || !type_is_a_locked(iface, TYPE_INTERFACE)) {
            objmodel_fatal("type '%s' implements '%s', which is not a registered interface",
                           t->name, *i);
        }
        if (!class_implements(k, iface)) {
            class_add_interface(k, iface, iface);
        }
    }

    const void *data = t->info ? t->info->class_data : NULL;
    class_run_base_init(parent, k, data);
    if (t->info && t->info->class_init) {
        t->info->class_init(k, data);
    }
    return k;
}

static ObjectClass *type_get_class(TypeImpl *t)
{
    g_rec_mutex_lock(&registry_lock);
    ObjectClass *k = type_class_locked(t);
    g_rec_mutex_unlock(&registry_lock);
    return k;
}

ObjectClass *object_class_by_name(const char *name)
{
    TypeImpl *t = type_lookup(name);
    return t ? type_get_class(t) : NULL;
}

ObjectClass *object_class_get_parent(ObjectClass *klass)
{
    TypeImpl *p = klass->type->parent_type;
    return p ? p->klass : NULL;
}

const char *object_class_get_name(ObjectClass *klass)
{
    return klass->type->name;
}

bool object_class_is_abstract(ObjectClass *klass)
{
    return klass->type->abstract;
}

ObjectClass *object_class_dynamic_cast(ObjectClass *klass, const char *typename)
{
    if (!klass || !typename) {
        return NULL;
    }
    for (ObjectClass *k = klass; k; k = object_class_get_parent(k)) {
        if (!strcmp(k->type->name, typename)) {
            return klass;
        }
    }
    for (GSList *l = klass->interfaces; l; l = l->next) {
        if (object_class_dynamic_cast(l->data, typename)) {
            return l->data;
        }
    }
    return NULL;
}

ObjectClass *object_class_dynamic_cast_assert(ObjectClass *klass, const char *typename,
                                              const char *file, int line, const char *func)
{
    ObjectClass *r = object_class_dynamic_cast(klass, typename);
    if (!r && klass) {
        objmodel_fatal("%s:%d: %s: class '%s' is not a '%s'", file, line, func,
                       klass->type->name, typename);
    }
    return r;
}

static gint class_name_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp(((const ObjectClass *)a)->type->name, ((const ObjectClass *)b)->type->name);
}

GSList *object_class_get_list(const char *implements_type, bool include_abstract)
{
    GSList *out = NULL;
    GHashTableIter it;
    gpointer value;
    g_rec_mutex_lock(&registry_lock);
    g_hash_table_iter_init(&it, registry_get_locked());
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        TypeImpl *t = value;
        if ((type_abstract_locked(t) && !include_abstract) || !type_resolvable_locked(t) ||
            (implements_type && !type_is_a_locked(t, implements_type))) {
            continue;
        }
        out = g_slist_prepend(out, t);
    }
    /* Build classes after iterating: a class_init may register types. */
    for (GSList *l = out; l; l = l->next) {
        l->data = type_class_locked(l->data);
    }
    g_rec_mutex_unlock(&registry_lock);
    return g_slist_sort(out, class_name_cmp);
}

void object_class_foreach(void (*fn)(ObjectClass *klass, void *opaque),
                          const char *implements_type, bool include_abstract, void *opaque)
{
    GSList *list = object_class_get_list(implements_type, include_abstract);
    for (GSList *l = list; l; l = l->next) {
        fn(l->data, opaque);
    }
    g_slist_free(list);
}

/* ---- instances -------------------------------------------------------- */

static void instance_run_init(TypeImpl *t, Object *obj, bool post)
{
    if (!t) {
        return;
    }
    instance_run_init(t->parent_type, obj, post);
    void (*fn)(Object *) = post ? t->info->instance_post_init : t->info->instance_init;
    if (fn) {
        fn(obj);
    }
}

static Object *object_new_with_type(TypeImpl *t)
{
    ObjectClass *klass = type_get_class(t);
    if (t->abstract) {
        objmodel_fatal("cannot create an instance of abstract type '%s'", t->name);
    }
    g_assert(t->instance_size >= sizeof(Object));
    Object *obj = g_malloc0(t->instance_size);
    obj->klass = klass;
    obj->ref = 1;
    obj->properties = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                            (GDestroyNotify)prop_free);
    object_init_field_defaults(obj);
    instance_run_init(t, obj, false);
    instance_run_init(t, obj, true);
    return obj;
}

Object *object_new(const char *typename)
{
    GError *err = NULL;
    TypeImpl *t = type_lookup_or_load(typename, &err);
    if (!t) {
        objmodel_fatal("object_new: %s", err->message);
    }
    return object_new_with_type(t);
}

Object *object_new_with_class(ObjectClass *klass)
{
    return object_new_with_type(klass->type);
}

Object *object_new_checked(const char *typename, GError **errp)
{
    TypeImpl *t = type_lookup_or_load(typename, errp);
    if (!t) {
        return NULL;
    }
    if (type_is_abstract(t)) {
        g_set_error(errp, OBJECT_ERROR, OBJECT_ERROR_ABSTRACT,
                    "Type '%s' is abstract and cannot be instantiated", typename);
        return NULL;
    }
    return object_new_with_type(t);
}

static void object_finalize(Object *obj)
{
    g_assert(!obj->parent);
    object_drop_children(obj);
    g_hash_table_destroy(obj->properties);
    obj->properties = NULL;
    for (TypeImpl *t = obj->klass->type; t; t = t->parent_type) {
        if (t->info->instance_finalize) {
            t->info->instance_finalize(obj);
        }
    }
    object_release_fields(obj);
    g_free(obj);
}

Object *object_ref(Object *obj)
{
    if (obj) {
        g_atomic_int_inc(&obj->ref);
    }
    return obj;
}

void object_unref(Object *obj)
{
    if (!obj) {
        return;
    }
    g_assert(g_atomic_int_get(&obj->ref) > 0);
    if (g_atomic_int_dec_and_test(&obj->ref)) {
        object_finalize(obj);
    }
}

unsigned object_get_refcount(Object *obj)
{
    return (unsigned)g_atomic_int_get(&obj->ref);
}

const char *object_get_typename(const Object *obj)
{
    return obj->klass->type->name;
}

ObjectClass *object_get_class(Object *obj)
{
    return obj->klass;
}

Object *object_dynamic_cast(Object *obj, const char *typename)
{
    return obj && object_class_dynamic_cast(obj->klass, typename) ? obj : NULL;
}

Object *object_dynamic_cast_assert(Object *obj, const char *typename,
                                   const char *file, int line, const char *func)
{
    if (obj && !object_dynamic_cast(obj, typename)) {
        objmodel_fatal("%s:%d: %s: object of type '%s' is not a '%s'", file, line, func,
                       object_get_typename(obj), typename);
    }
    return obj;
}

/* ---- teardown --------------------------------------------------------- */

static void type_free(TypeImpl *t)
{
    ObjectClass *k = t->klass;
    if (k) {
        for (GSList *l = k->interfaces; l; l = l->next) {
            type_free(((ObjectClass *)l->data)->type);
        }
        g_slist_free(k->interfaces);
        g_hash_table_destroy(k->properties);
        g_ptr_array_unref(k->property_order);
        g_free(k);
    }
    g_free(t->name);
    g_free(t->parent_name);
    g_free(t);
}

void objmodel_reset_for_tests(void)
{
    object_root_reset();
    g_rec_mutex_lock(&registry_lock);
    if (registry) {
        GHashTableIter it;
        gpointer value;
        g_hash_table_iter_init(&it, registry);
        while (g_hash_table_iter_next(&it, NULL, &value)) {
            type_free(value);
        }
        g_hash_table_destroy(registry);
        registry = NULL;
    }
    missing_hook = NULL;
    g_rec_mutex_unlock(&registry_lock);
}
