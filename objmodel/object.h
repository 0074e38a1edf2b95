/* SPDX-License-Identifier: MIT */
/*
 * Tessera object model: types, classes, interfaces, instances, reference
 * counts, typed properties and the composition tree.
 *
 * A type is registered once by name (TypeInfo) and its class is built
 * lazily, parent first, the first time anything needs it.  Instances are
 * reference counted; child<> properties own a reference and form the
 * composition tree whose root is returned by object_root().
 *
 * Every property value crosses the generic interface as a GVariant; PropKind
 * lists the GVariant type of each kind (prop_kind_variant_type()).
 */
#ifndef TESSERA_OBJMODEL_OBJECT_H
#define TESSERA_OBJMODEL_OBJECT_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Object Object;
typedef struct ObjectClass ObjectClass;
typedef struct InterfaceClass InterfaceClass;
typedef struct TypeImpl TypeImpl;
typedef struct Property Property;

#define TYPE_OBJECT "object"
#define TYPE_INTERFACE "interface"
/* Plain container object used for /machine/peripheral and friends. */
#define TYPE_CONTAINER "container"

/* Error domain of the object model; codes below. */
#define OBJECT_ERROR (object_error_quark())
GQuark object_error_quark(void);
typedef enum {
    OBJECT_ERROR_NOT_FOUND,      /* no such type, property or path */
    OBJECT_ERROR_WRONG_TYPE,     /* value of the wrong kind */
    OBJECT_ERROR_OUT_OF_RANGE,   /* numeric value outside the kind's range */
    OBJECT_ERROR_READ_ONLY,      /* property has no setter */
    OBJECT_ERROR_ABSTRACT,       /* tried to instantiate an abstract type */
    OBJECT_ERROR_INVALID,        /* any other refusal by a setter */
    OBJECT_ERROR_EXISTS,         /* duplicate property or child name */
} ObjectErrorCode;

struct ObjectClass {
    TypeImpl *type;
    /* Interfaces implemented by this class (list of InterfaceClass *). */
    GSList *interfaces;
    /* Class properties: name -> Property *, inherited ones looked up via parent. */
    GHashTable *properties;
    /* Called when @obj leaves the composition tree (object_unparent() or
     * its parent's finalization), before it loses its name; may be NULL.
     * Devices use it to unrealize. Inherited by subclasses. */
    void (*unparent)(Object *obj);
    /* Own class properties in declaration order (Property *, borrowed). */
    GPtrArray *property_order;
    /* -object / object-add: called once the properties are set, before the
     * object joins /objects; false with @errp set refuses the object (a
     * secret whose file cannot be read).  May be NULL.  Inherited. */
    bool (*complete)(Object *obj, GError **errp);
};

struct InterfaceClass {
    ObjectClass parent_class;
    /* The class that implements this interface. */
    ObjectClass *concrete_class;
};

struct Object {
    ObjectClass *klass;
    gint ref;                 /* atomic */
    Object *parent;           /* composition parent (not refcounted) */
    char *name;               /* name of the child<> property in parent */
    GHashTable *properties;   /* instance properties: name -> Property * */
    bool frozen;              /* object_freeze_properties() was called */
};

typedef struct TypeInfo {
    const char *name;
    const char *parent;
    /* What users see, written once here: help, the module index
     * (kernel/module.h) and the device/machine classes read these.
     * category: the heading in -device help ("storage", "network",
     * "input", "misc", "cpu", "machine", "accel", "chardev", ...; NULL:
     * the parent's); description: one line; target: "riscv64", or NULL
     * for any target; user_creatable: may be given with -device/-object;
     * is_default: the default machine of its target. */
    const char *category;
    const char *description;
    const char *target;
    bool user_creatable;
    bool is_default;
    bool abstract;
    size_t instance_size;
    size_t class_size;
    void (*class_init)(ObjectClass *klass, const void *data);
    /* Called for the class of every subtype (not this type's own class),
     * once the parent class bytes are copied and before the subtype's
     * class_init; ancestors' base inits run root first.  @data is the
     * subtype's class_data. */
    void (*class_base_init)(ObjectClass *klass, const void *data);
    const void *class_data;
    /* Instance hooks.  Memory is zeroed and field-property defaults are
     * stored before any instance_init; instance_init then runs base type
     * first, then every instance_post_init, base type first.  On the last
     * unref: children are unparented, instance properties removed, then
     * instance_finalize runs most-derived first, then owned fields (strings,
     * links) are released. */
    void (*instance_init)(Object *obj);
    void (*instance_post_init)(Object *obj);
    void (*instance_finalize)(Object *obj);
    /* NULL-terminated list of interface type names. */
    const char *const *interfaces;
} TypeInfo;

/* ---- types ------------------------------------------------------------ */

/* Register a type; the TypeInfo and its strings must outlive the process
 * (static const tables).  Registering a name twice is a programming error,
 * as is a NULL parent.  The parent may be registered later: it is needed
 * only when the class is built.  Thread-safe. */
TypeImpl *type_register_static(const TypeInfo *info);
/* Register several types from one array. */
void type_register_static_array(const TypeInfo *infos, size_t n);
/* Look up a registered type; NULL when absent (no module loading here). */
TypeImpl *type_lookup(const char *name);
const char *type_name(const TypeImpl *t);
/* The TypeInfo @t was registered with (NULL for interface implementations). */
const TypeInfo *type_get_info(const TypeImpl *t);
TypeImpl *type_parent(const TypeImpl *t);
bool type_is_abstract(const TypeImpl *t);
/* True when @t is @ancestor, derives from it, or implements it as interface. */
bool type_is_a(const TypeImpl *t, const char *ancestor);

/*
 * Hook called when a type name is not registered: the kernel installs one
 * that loads the providing module.  Returns true if the type now exists.
 */
typedef bool (*TypeMissingHook)(const char *name, GError **errp);
void type_set_missing_hook(TypeMissingHook hook);
/* type_lookup() then, if absent, the missing hook; errors name the type. */
TypeImpl *type_lookup_or_load(const char *name, GError **errp);

/* ---- classes ---------------------------------------------------------- */

ObjectClass *object_class_by_name(const char *name);
ObjectClass *object_class_get_parent(ObjectClass *klass);
const char *object_class_get_name(ObjectClass *klass);
bool object_class_is_abstract(ObjectClass *klass);
/* Checked class cast: @klass if it is (or derives from) @typename, the
 * InterfaceClass when @typename is an interface it implements, else NULL. */
ObjectClass *object_class_dynamic_cast(ObjectClass *klass, const char *typename);
/* Checked class cast that aborts with a message naming both types
 * (NULL passes through as NULL). */
ObjectClass *object_class_dynamic_cast_assert(ObjectClass *klass, const char *typename,
                                              const char *file, int line, const char *func);
/*
 * All classes deriving from @implements_type (or all, when NULL), sorted
 * by name; abstract ones only when @include_abstract.  Free with g_slist_free.
 */
GSList *object_class_get_list(const char *implements_type, bool include_abstract);
void object_class_foreach(void (*fn)(ObjectClass *klass, void *opaque),
                          const char *implements_type, bool include_abstract,
                          void *opaque);

/* ---- instances -------------------------------------------------------- */

/* New instance with refcount 1; aborts for abstract or unknown types
 * (unknown names go through the missing-type hook first). */
Object *object_new(const char *typename);
Object *object_new_with_class(ObjectClass *klass);
/* As object_new but loads the module and reports errors instead of aborting. */
Object *object_new_checked(const char *typename, GError **errp);
/* Atomic reference counting; both accept NULL. */
Object *object_ref(Object *obj);
void object_unref(Object *obj);
unsigned object_get_refcount(Object *obj);
const char *object_get_typename(const Object *obj);
ObjectClass *object_get_class(Object *obj);

/* @obj if its class is or implements @typename, else NULL. */
Object *object_dynamic_cast(Object *obj, const char *typename);
/* As above but aborts with a message naming the object's type, the wanted
 * type and the caller (NULL passes through as NULL). */
Object *object_dynamic_cast_assert(Object *obj, const char *typename,
                                   const char *file, int line, const char *func);

#define OBJECT(obj) ((Object *)(obj))
#define OBJECT_CLASS(klass) ((ObjectClass *)(klass))
/* Checked casts used by every type's FOO()/FOO_CLASS()/FOO_GET_CLASS() macros. */
#define OBJECT_CHECK(type, obj, name) \
    ((type *)object_dynamic_cast_assert(OBJECT(obj), (name), __FILE__, __LINE__, __func__))
#define OBJECT_CLASS_CHECK(class_type, klass, name) \
    ((class_type *)object_class_dynamic_cast_assert(OBJECT_CLASS(klass), (name), \
                                                    __FILE__, __LINE__, __func__))
#define OBJECT_GET_CLASS(class_type, obj, name) \
    OBJECT_CLASS_CHECK(class_type, object_get_class(OBJECT(obj)), name)
/*
 * The one way to declare a type's cast helpers:
 *   OBJECT_DECLARE_TYPE(UART16550, UART16550Class, UART16550, TYPE_UART16550)
 * defines UART16550(obj), UART16550_CLASS(klass), UART16550_GET_CLASS(obj).
 */
#define OBJECT_DECLARE_TYPE(InstanceType, ClassType, MACRO, TYPENAME)        \
    static inline G_GNUC_UNUSED InstanceType *MACRO(const void *obj)          \
    { return OBJECT_CHECK(InstanceType, obj, TYPENAME); }                     \
    static inline G_GNUC_UNUSED ClassType *MACRO##_CLASS(const void *klass)   \
    { return OBJECT_CLASS_CHECK(ClassType, klass, TYPENAME); }                \
    static inline G_GNUC_UNUSED ClassType *MACRO##_GET_CLASS(const void *obj) \
    { return OBJECT_GET_CLASS(ClassType, obj, TYPENAME); }
#define OBJECT_DECLARE_SIMPLE_TYPE(InstanceType, MACRO, TYPENAME)             \
    static inline G_GNUC_UNUSED InstanceType *MACRO(const void *obj)          \
    { return OBJECT_CHECK(InstanceType, obj, TYPENAME); }

/* ---- properties ------------------------------------------------------- */

typedef enum {
    PROP_KIND_BOOL,    /* GVariant "b" */
    PROP_KIND_INT8,    /* "x" (range-checked to the width) */
    PROP_KIND_INT16,   /* "x" */
    PROP_KIND_INT32,   /* "x" */
    PROP_KIND_INT64,   /* "x" */
    PROP_KIND_UINT8,   /* "t" */
    PROP_KIND_UINT16,  /* "t" */
    PROP_KIND_UINT32,  /* "t" */
    PROP_KIND_UINT64,  /* "t" */
    PROP_KIND_SIZE,    /* "t"; string forms "64M", "1G", "4k" accepted by prop parse */
    PROP_KIND_STRING,  /* "s", or "ay" (a bytestring) when the bytes are not UTF-8 */
    PROP_KIND_ENUM,    /* "s", one of enum_values */
    PROP_KIND_LINK,    /* "s": canonical path of the target ("" for none) */
    PROP_KIND_CHILD,   /* "s": canonical path of the child (read-only) */
} PropKind;

/* Name of a kind: "bool", "int8".."int64", "uint8".."uint64", "size",
 * "str", "enum", "link", "child".  Property.type_name is what users see in
 * help and qom-list: the same, except "link<TYPE>" and "child<TYPE>". */
const char *prop_kind_name(PropKind kind);
const GVariantType *prop_kind_variant_type(PropKind kind);

/*
 * String values.  Users may give bytes that are not UTF-8 (Linux file names,
 * kernel command lines), which GVariant "s" cannot hold: the one conversion
 * below makes "s" for UTF-8 text and a bytestring "ay" otherwise, and every
 * reader of a PROP_KIND_STRING value uses prop_string_peek(), which reads
 * either.  Enum, link and child values are always "s".
 */
GVariant *prop_string_new(const char *bytes);
/* The C string of an "s" or "ay" value (owned by @v); NULL for other types. */
const char *prop_string_peek(GVariant *v);

/* Getter returns a new (floating or full) GVariant of the kind's type. */
typedef GVariant *(*PropGetter)(Object *obj, Property *prop);
/* Setter receives a value already checked for type and range. */
typedef bool (*PropSetter)(Object *obj, Property *prop, GVariant *value, GError **errp);

struct Property {
    char *name;
    PropKind kind;
    char *type_name;          /* as shown to users; see prop_kind_name() */
    char *description;
    GVariant *defval;         /* may be NULL */
    const char *const *enum_values;  /* for PROP_KIND_ENUM, NULL-terminated */
    char *target_type;        /* for LINK and CHILD */
    PropGetter get;           /* NULL: write-only */
    PropSetter set;           /* NULL: read-only */
    /* Defaults of field properties are stored at instance init; defaults of
     * accessor properties are informational (help output) only. */
    /* For field properties: byte offset of the field in the instance, or -1. */
    ptrdiff_t offset;
    void *opaque;
};

/*
 * Declarative field properties, for class property tables:
 *   static const PropertyInfo uart_props[] = {
 *       PROP_UINT32("baudbase", UART16550, baudbase, 115200, "Baud base"),
 *       PROP_END
 *   };
 *   object_class_add_field_properties(klass, uart_props);
 * Fields are stored in the C type of the kind (bool, int8_t.. uint64_t,
 * uint64_t for SIZE, char * for STRING (owned), int for ENUM (index),
 * Object * for LINK).
 */
typedef struct PropertyInfo {
    const char *name;
    PropKind kind;
    ptrdiff_t offset;
    const char *description;
    bool has_default;
    int64_t def_int;          /* default for ints, bool, size, enum index */
    const char *def_str;      /* default for strings */
    const char *const *enum_values;
    const char *target_type;  /* for LINK */
} PropertyInfo;

#define PROP_FIELD_(n, k, T, f, d, desc, ...) \
    { .name = (n), .kind = (k), .offset = offsetof(T, f), .description = (desc), \
      .has_default = true, .def_int = (d), __VA_ARGS__ }
#define PROP_BOOL(n, T, f, d, desc)   PROP_FIELD_(n, PROP_KIND_BOOL, T, f, d, desc)
#define PROP_INT32(n, T, f, d, desc)  PROP_FIELD_(n, PROP_KIND_INT32, T, f, d, desc)
#define PROP_INT64(n, T, f, d, desc)  PROP_FIELD_(n, PROP_KIND_INT64, T, f, d, desc)
#define PROP_UINT8(n, T, f, d, desc)  PROP_FIELD_(n, PROP_KIND_UINT8, T, f, d, desc)
#define PROP_UINT16(n, T, f, d, desc) PROP_FIELD_(n, PROP_KIND_UINT16, T, f, d, desc)
#define PROP_UINT32(n, T, f, d, desc) PROP_FIELD_(n, PROP_KIND_UINT32, T, f, d, desc)
#define PROP_UINT64(n, T, f, d, desc) PROP_FIELD_(n, PROP_KIND_UINT64, T, f, d, desc)
#define PROP_SIZE(n, T, f, d, desc)   PROP_FIELD_(n, PROP_KIND_SIZE, T, f, d, desc)
#define PROP_STRING(n, T, f, d, desc) \
    { .name = (n), .kind = PROP_KIND_STRING, .offset = offsetof(T, f), \
      .description = (desc), .has_default = (d) != NULL, .def_str = (d) }
#define PROP_ENUM(n, T, f, d, vals, desc) \
    PROP_FIELD_(n, PROP_KIND_ENUM, T, f, d, desc, .enum_values = (vals))
#define PROP_LINK(n, T, f, ttype, desc) \
    { .name = (n), .kind = PROP_KIND_LINK, .offset = offsetof(T, f), \
      .description = (desc), .target_type = (ttype) }
#define PROP_END { .name = NULL }

/* Add class-wide field properties (defaults applied at instance init). */
void object_class_add_field_properties(ObjectClass *klass, const PropertyInfo *infos);
/* Add a class property with explicit accessors; returns it for tuning
 * (description, default, enum values). */
Property *object_class_property_add(ObjectClass *klass, const char *name, PropKind kind,
                                    PropGetter get, PropSetter set, void *opaque);
/* Instance properties (e.g. child<> and link<> added at run time). */
Property *object_property_add(Object *obj, const char *name, PropKind kind,
                              PropGetter get, PropSetter set, void *opaque);
void property_set_description(Property *prop, const char *description);
/* Takes ownership of a floating ref; value must have the kind's type. */
void property_set_default(Property *prop, GVariant *value);
void property_set_enum_values(Property *prop, const char *const *values);
/* For LINK/CHILD properties: the type a target must be; updates type_name
 * to "link<TYPE>"/"child<TYPE>".  Without it any object is accepted. */
void property_set_target_type(Property *prop, const char *type);
/* Remove an instance property (a child<> one unparents the child); false
 * when @obj has no such instance property. */
bool object_property_del(Object *obj, const char *name);

Property *object_property_find(Object *obj, const char *name);
Property *object_class_property_find(ObjectClass *klass, const char *name);
/* All properties of an object (class chain then instance), in a stable
 * order: class properties in declaration order, parents first, then
 * instance properties by name.  Borrowed pointers; g_ptr_array_unref. */
GPtrArray *object_property_list(Object *obj);
GPtrArray *object_class_property_list(ObjectClass *klass);

/* Generic access: type, range and read-only checks with clear errors that
 * name the property, the value and the expected type.  set consumes a
 * floating @value (g_variant_ref_sink semantics); a link value must resolve
 * to an object of the target type ("" clears).  get returns a full
 * reference (g_variant_unref). */
/*
 * The configuration of @obj is fixed (the machine was built from it): every
 * later set fails with OBJECT_ERROR_READ_ONLY, so that a value reported by
 * a get is always the one in effect.  For the machine and accelerator once
 * the machine is built.
 */
void object_freeze_properties(Object *obj);
bool object_property_set(Object *obj, const char *name, GVariant *value, GError **errp);
/* The property currently has the value @text parses to (false when it
 * cannot be read or @text is not a valid value). */
bool object_property_value_is(Object *obj, const char *name, const char *text);
GVariant *object_property_get(Object *obj, const char *name, GError **errp);
/* Parse a command-line string ("on", "0x10", "64M", "path") into the
 * property's kind and set it. */
bool object_property_parse(Object *obj, const char *name, const char *text, GError **errp);
/* Render a value for humans ("on", "123", "0x1000" never; decimal). */
char *object_property_print(Object *obj, const char *name, GError **errp);
/* Convert text to a GVariant of @kind, with range and enum checks: bools
 * on/off/yes/no/true/false, integers decimal or 0x hex, sizes with an
 * optional k/K/M/G/T suffix (powers of 1024).  Returns a full reference. */
GVariant *prop_value_parse(const Property *prop, const char *text, GError **errp);
char *prop_value_print(const Property *prop, GVariant *value);

/* Typed conveniences.  set_int/set_uint convert between the signed and
 * unsigned kinds when the value fits (else an out-of-range error);
 * get_link returns a borrowed pointer. */
bool object_property_set_bool(Object *obj, const char *name, bool v, GError **errp);
bool object_property_set_int(Object *obj, const char *name, int64_t v, GError **errp);
bool object_property_set_uint(Object *obj, const char *name, uint64_t v, GError **errp);
bool object_property_set_str(Object *obj, const char *name, const char *v, GError **errp);
bool object_property_set_link(Object *obj, const char *name, Object *target, GError **errp);
bool object_property_get_bool(Object *obj, const char *name, GError **errp);
int64_t object_property_get_int(Object *obj, const char *name, GError **errp);
uint64_t object_property_get_uint(Object *obj, const char *name, GError **errp);
char *object_property_get_str(Object *obj, const char *name, GError **errp);
Object *object_property_get_link(Object *obj, const char *name, GError **errp);

/* ---- composition tree ------------------------------------------------- */

/* The root object "/" (a container), created on first use. */
Object *object_root(void);
/* Add @child under @parent as property "child<TYPE>" named @name; takes a
 * new reference.  Fails if the name is used. */
bool object_property_add_child(Object *parent, const char *name, Object *child, GError **errp);
/*
 * User-chosen ids (-device id=, -object id=, object-add, chardev ids)
 * follow QEMU's rule: a letter first, then letters, digits, '-', '.' and
 * '_'.  object_id_check() fails with "invalid id 'X' (...)"; @id may hold
 * any bytes.
 */
bool object_id_is_valid(const char *id);
bool object_id_check(const char *id, GError **errp);
/* Place a user-created object: check @id, then add it as @parent's child.
 * On failure nothing was added and the caller still owns @child (and must
 * unref it); on success the parent holds its own reference too. */
bool object_add_user_child(Object *parent, const char *id, Object *child, GError **errp);
/* Remove @obj from its parent, dropping the parent's reference. */
void object_unparent(Object *obj);
Object *object_get_parent(Object *obj);
/* Name under its parent, or NULL when not in the tree. */
const char *object_get_name(Object *obj);
/* Canonical path such as "/machine/peripheral/uart0"; NULL when detached.
 * Free with g_free. */
char *object_get_canonical_path(Object *obj);
/* Resolve an absolute path; also accepts a partial path ("uart0") that
 * matches exactly one object in the tree. */
Object *object_resolve_path(const char *path, bool *ambiguous);
/* Direct child by name. */
Object *object_resolve_child(Object *parent, const char *name);
/* Return (creating a container if needed) the container at @path. */
Object *container_get(const char *path);
/* Iterate over direct children in name order (@fn may unparent them). */
void object_child_foreach(Object *obj, void (*fn)(Object *child, void *opaque), void *opaque);
/* Children as an array sorted by name (borrowed pointers; g_ptr_array_unref). */
GPtrArray *object_get_children(Object *obj);

/* Unparent everything under the root, drop the root and free all types,
 * classes and the missing-type hook; only for tests' setup/teardown. */
void objmodel_reset_for_tests(void);

#endif
