/* SPDX-License-Identifier: MIT */
/*
 * Module loader and module index.
 *
 * The index (DIR/modules.index) is a GKeyFile with one [module NAME] group
 * per module and one [type NAME] group per provided type.  Listing reads it
 * and loads nothing.  A directory whose index is missing or corrupt is
 * scanned instead (each .so opened just to read its descriptor), with one
 * warning.  DIR/modules.catalog, written by the build, lists every in-tree
 * module even when a split install left some out, so that a request for a
 * type whose module is absent can name the module to install.
 */
#define _GNU_SOURCE /* dladdr */
#include "kernel/module.h"

#include <dlfcn.h>
#include <ltdl.h>
#include <string.h>
#include <unistd.h>

#include "kernel/log.h"
#include "objmodel/object.h"
#include "tessera/version.h"

#define INDEX_VERSION 2 /* 2: a type's group names its target */
#define CATALOG_FILE "modules.catalog"

typedef struct ModuleState {
    GPtrArray *dirs;          /* char *, search order */
    GPtrArray *modules;       /* ModuleInfo *, first found wins */
    GHashTable *by_name;      /* name -> ModuleInfo * */
    /* A type is identified by its name and target: two modules may provide
     * "virt-machine", one for riscv64 and one for aarch64.  Only the types
     * of the current target (and untargeted ones) are visible. */
    GHashTable *types;        /* type name -> ModuleTypeEntry * (visible) */
    GPtrArray *visible;       /* every visible ModuleTypeEntry * (borrowed) */
    GHashTable *ambiguous;    /* name -> "t1, t2": visible for several targets */
    GHashTable *catalog;      /* type name -> module name, from catalogs */
    GHashTable *handles;      /* module name -> lt_dlhandle */
    char *target;
    char *fallback_target;    /* resolves shared names when target is NULL */
    bool scanned;
    GRecMutex lock;
} ModuleState;

static ModuleState mods;

G_DEFINE_QUARK(tessera-module-error-quark, module_error)

const char *tessera_build_id(void)
{
    return tessera_build_id_str;
}

static void type_entry_free(gpointer p)
{
    ModuleTypeEntry *e = p;
    g_free(e->name);
    g_free(e->parent);
    g_free(e->category);
    g_free(e->target);
    g_free(e->description);
    g_free(e->module);
    g_free(e);
}

static void module_info_free(gpointer p)
{
    ModuleInfo *m = p;
    g_free(m->name);
    g_free(m->kind);
    g_free(m->path);
    g_strfreev(m->requires);
    g_ptr_array_unref(m->types);
    g_free(m);
}

static bool module_missing_hook(const char *name, GError **errp)
{
    return module_load_for_type(name, errp);
}

static char *exe_relative_module_dir(void)
{
    char *exe = g_file_read_link("/proc/self/exe", NULL);
    if (!exe) {
        return NULL;
    }
    char *bindir = g_path_get_dirname(exe);
    char *dir = g_build_filename(bindir, "..", "lib", "tessera", "modules", NULL);
    g_free(bindir);
    g_free(exe);
    return dir;
}

void module_init(const char *install_dir)
{
    static gsize once;
    if (g_once_init_enter(&once)) {
        g_rec_mutex_init(&mods.lock);
        lt_dlinit();
        g_once_init_leave(&once, 1);
    }
    module_reset_for_tests();
    mods.dirs = g_ptr_array_new_with_free_func(g_free);
    char *dir = install_dir ? g_strdup(install_dir) : exe_relative_module_dir();
    if (dir) {
        char *canon = g_canonicalize_filename(dir, NULL);
        g_ptr_array_add(mods.dirs, canon);
        g_free(dir);
    }
    const char *env = g_getenv("TESSERA_MODULE_DIR");
    if (env) {
        char **parts = g_strsplit(env, ":", -1);
        for (char **p = parts; *p; p++) {
            if (**p) {
                module_add_search_dir(*p);
            }
        }
        g_strfreev(parts);
    }
    type_set_missing_hook(module_missing_hook);
}

void module_add_search_dir(const char *dir)
{
    char *canon = g_canonicalize_filename(dir, NULL);
    for (guint i = 0; i < mods.dirs->len; i++) {
        if (!strcmp(g_ptr_array_index(mods.dirs, i), canon)) {
            g_free(canon);
            return;
        }
    }
    g_ptr_array_add(mods.dirs, canon);
    mods.scanned = false;
}

GPtrArray *module_search_dirs(void)
{
    return mods.dirs;
}

void module_set_target(const char *target)
{
    g_free(mods.target);
    mods.target = g_strdup(target);
    mods.scanned = false;
}

const char *module_get_target(void)
{
    return mods.target;
}

void module_set_fallback_target(const char *target)
{
    g_free(mods.fallback_target);
    mods.fallback_target = g_strdup(target);
    mods.scanned = false;
}

/* ---- descriptors -------------------------------------------------------- */

/* Check a descriptor's stamp; the message names the file and both stamps. */
static bool descriptor_check(const TesseraModuleDesc *d, const char *path, GError **errp)
{
    if (d->magic != TESSERA_MODULE_MAGIC || d->desc_size < offsetof(TesseraModuleDesc, register_types)) {
        g_set_error(errp, MODULE_ERROR, MODULE_ERROR_ABI,
                    "%s: not a Tessera module (bad descriptor magic 0x%08x)", path, d->magic);
        return false;
    }
    if (d->build_id) {
        if (strcmp(d->build_id, tessera_build_id()) != 0) {
            g_set_error(errp, MODULE_ERROR, MODULE_ERROR_ABI,
                        "%s: module built for core build id %s, but this core is build id %s;"
                        " rebuild or reinstall the module", path, d->build_id, tessera_build_id());
            return false;
        }
    } else if (d->sdk_major != TESSERA_SDK_MAJOR || d->sdk_minor > TESSERA_SDK_MINOR) {
        g_set_error(errp, MODULE_ERROR, MODULE_ERROR_ABI,
                    "%s: plugin built for SDK %u.%u, but this core provides SDK %u.%u"
                    " (needs major %u, minor <= %u)", path, d->sdk_major, d->sdk_minor,
                    TESSERA_SDK_MAJOR, TESSERA_SDK_MINOR, TESSERA_SDK_MAJOR, TESSERA_SDK_MINOR);
        return false;
    }
    if (!d->name || !d->kind || !d->types) {
        g_set_error(errp, MODULE_ERROR, MODULE_ERROR_LOAD,
                    "%s: module descriptor lacks a name, kind or type list", path);
        return false;
    }
    return true;
}

/*
 * SDK plugins link libtessera-sdk.so, which lives beside libtessera but may
 * not be on the dynamic linker's path (any prefix but /usr).  Make it
 * available, once, before retrying a plugin that failed to load.
 */
static bool preload_sdk_library(void)
{
    static void *sdk;
    Dl_info info;
    if (sdk || !dladdr((void *)preload_sdk_library, &info) || !info.dli_fname) {
        return false;
    }
    g_autofree char *dir = g_path_get_dirname(info.dli_fname);
    g_autofree char *path = g_build_filename(dir, "libtessera-sdk.so", NULL);
    sdk = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
    return sdk != NULL;
}

static lt_dlhandle dlopen_local(const char *path)
{
    lt_dladvise advise;
    lt_dladvise_init(&advise);
    lt_dladvise_local(&advise);
    lt_dlhandle h = lt_dlopenadvise(path, advise);
    lt_dladvise_destroy(&advise);
    return h;
}

static lt_dlhandle open_descriptor(const char *path, const TesseraModuleDesc **out, GError **errp)
{
    lt_dlhandle h = dlopen_local(path);
    if (!h && preload_sdk_library()) {
        h = dlopen_local(path);
    }
    if (!h) {
        /* libltdl only says "file not found" when every loader failed; ask
         * the dynamic linker for the real reason (bad ELF, missing symbol). */
        const char *why = lt_dlerror();
        void *probe = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (probe) {
            dlclose(probe);
        } else {
            why = dlerror();
        }
        g_set_error(errp, MODULE_ERROR, MODULE_ERROR_LOAD, "cannot load module %s: %s", path,
                    why);
        return NULL;
    }
    const TesseraModuleDesc *d = lt_dlsym(h, TESSERA_MODULE_SYMBOL);
    if (!d) {
        g_set_error(errp, MODULE_ERROR, MODULE_ERROR_LOAD,
                    "%s: no '%s' descriptor; not a Tessera module", path, TESSERA_MODULE_SYMBOL);
        lt_dlclose(h);
        return NULL;
    }
    if (!descriptor_check(d, path, errp)) {
        lt_dlclose(h);
        return NULL;
    }
    *out = d;
    return h;
}

/* The two tiers share their first fields and requires. */
#define SAME_FIELD(f)                                                                  \
    _Static_assert(offsetof(TesseraModule, f) == offsetof(TesseraModuleDesc, f) &&    \
                       sizeof(((TesseraModule *)0)->f) == sizeof(((TesseraModuleDesc *)0)->f), \
                   "TesseraModule." #f " differs from TesseraModuleDesc")
SAME_FIELD(magic);
SAME_FIELD(desc_size);
SAME_FIELD(build_id);
SAME_FIELD(name);
SAME_FIELD(kind);
SAME_FIELD(types);
SAME_FIELD(requires);

/* An in-tree module's descriptor (build id set), else NULL. */
static const TesseraModule *in_tree(const TesseraModuleDesc *d)
{
    return d->build_id ? (const TesseraModule *)d : NULL;
}

static ModuleTypeEntry *entry_new(const char *module, const char *name, const char *parent,
                                  const char *category, const char *target,
                                  const char *description, bool user_creatable,
                                  bool is_default, bool abstract)
{
    ModuleTypeEntry *e = g_new0(ModuleTypeEntry, 1);
    e->name = g_strdup(name);
    e->parent = g_strdup(parent);
    e->category = g_strdup(category);
    e->target = g_strdup(target);
    e->description = g_strdup(description);
    e->module = g_strdup(module);
    e->user_creatable = user_creatable;
    e->is_default = is_default;
    e->abstract = abstract;
    return e;
}

static ModuleInfo *info_from_descriptor(const TesseraModuleDesc *d, const char *path)
{
    ModuleInfo *m = g_new0(ModuleInfo, 1);
    m->name = g_strdup(d->name);
    m->kind = g_strdup(d->kind);
    m->path = g_strdup(path);
    GStrvBuilder *rb = g_strv_builder_new();
    for (const char *const *r = d->requires; r && *r; r++) {
        g_strv_builder_add(rb, *r);
    }
    m->requires = g_strv_builder_end(rb);
    g_strv_builder_unref(rb);
    m->types = g_ptr_array_new_with_free_func(type_entry_free);
    const TesseraModule *it = in_tree(d);
    for (const TypeInfo *const *ti = it ? it->types : NULL; ti && *ti; ti++) {
        const TypeInfo *t = *ti;
        g_ptr_array_add(m->types, entry_new(d->name, t->name, t->parent, t->category, t->target,
                                            t->description, t->user_creatable, t->is_default,
                                            t->abstract));
    }
    for (const TesseraTypeDesc *t = it ? NULL : d->types; t && t->name; t++) {
        g_ptr_array_add(m->types, entry_new(d->name, t->name, t->parent, t->category, t->target,
                                            t->description, t->user_creatable, t->is_default,
                                            t->abstract));
    }
    return m;
}

/* ---- index files -------------------------------------------------------- */

static char *kf_get(GKeyFile *kf, const char *group, const char *key)
{
    char *v = g_key_file_get_string(kf, group, key, NULL);
    if (v && !*v) {
        g_free(v);
        return NULL;
    }
    return v;
}

static bool kf_bool(GKeyFile *kf, const char *group, const char *key)
{
    return g_key_file_get_boolean(kf, group, key, NULL);
}

/* Parse an index; module paths are made absolute against @dir. */
static GPtrArray *index_read(const char *path, const char *dir, GError **errp)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    GError *err = NULL;
    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &err)) {
        g_set_error(errp, MODULE_ERROR, MODULE_ERROR_INDEX, "module index %s is unreadable: %s",
                    path, err->message);
        g_error_free(err);
        return NULL;
    }
    if (g_key_file_get_integer(kf, "index", "version", NULL) != INDEX_VERSION) {
        g_set_error(errp, MODULE_ERROR, MODULE_ERROR_INDEX,
                    "module index %s is corrupt: missing [index] version=%d", path, INDEX_VERSION);
        return NULL;
    }
    GPtrArray *list = g_ptr_array_new_with_free_func(module_info_free);
    GHashTable *by_name = g_hash_table_new(g_str_hash, g_str_equal);
    gsize ngroups;
    g_auto(GStrv) groups = g_key_file_get_groups(kf, &ngroups);
    for (gsize i = 0; i < ngroups; i++) {
        if (!g_str_has_prefix(groups[i], "module ")) {
            continue;
        }
        g_autofree char *file = kf_get(kf, groups[i], "file");
        g_autofree char *kind = kf_get(kf, groups[i], "kind");
        if (!file || !kind || strchr(file, '/')) {
            g_set_error(errp, MODULE_ERROR, MODULE_ERROR_INDEX,
                        "module index %s is corrupt: group [%s] needs file= and kind=", path,
                        groups[i]);
            goto fail;
        }
        ModuleInfo *m = g_new0(ModuleInfo, 1);
        m->name = g_strdup(groups[i] + strlen("module "));
        m->kind = g_steal_pointer(&kind);
        m->path = g_build_filename(dir, file, NULL);
        m->requires = g_key_file_get_string_list(kf, groups[i], "requires", NULL, NULL);
        if (!m->requires) {
            m->requires = g_new0(char *, 1);
        }
        m->types = g_ptr_array_new_with_free_func(type_entry_free);
        g_ptr_array_add(list, m);
        g_hash_table_insert(by_name, m->name, m);
    }
    for (gsize i = 0; i < ngroups; i++) {
        if (!g_str_has_prefix(groups[i], "type ")) {
            continue;
        }
        g_autofree char *modname = kf_get(kf, groups[i], "module");
        ModuleInfo *m = modname ? g_hash_table_lookup(by_name, modname) : NULL;
        if (!m) {
            g_set_error(errp, MODULE_ERROR, MODULE_ERROR_INDEX,
                        "module index %s is corrupt: [%s] names unknown module '%s'", path,
                        groups[i], modname ? modname : "");
            goto fail;
        }
        ModuleTypeEntry *e = g_new0(ModuleTypeEntry, 1);
        const char *tname = groups[i] + strlen("type ");
        const char *space = strchr(tname, ' ');
        e->name = space ? g_strndup(tname, space - tname) : g_strdup(tname);
        e->parent = kf_get(kf, groups[i], "parent");
        e->category = kf_get(kf, groups[i], "category");
        e->target = kf_get(kf, groups[i], "target");
        if (g_strcmp0(space ? space + 1 : NULL, e->target)) {
            g_set_error(errp, MODULE_ERROR, MODULE_ERROR_INDEX,
                        "module index %s is corrupt: [%s] has target=%s", path, groups[i],
                        e->target ? e->target : "");
            type_entry_free(e);
            goto fail;
        }
        e->description = kf_get(kf, groups[i], "description");
        e->module = g_strdup(m->name);
        e->user_creatable = kf_bool(kf, groups[i], "user-creatable");
        e->is_default = kf_bool(kf, groups[i], "default");
        e->abstract = kf_bool(kf, groups[i], "abstract");
        g_ptr_array_add(m->types, e);
    }
    g_hash_table_unref(by_name);
    return list;
fail:
    g_hash_table_unref(by_name);
    g_ptr_array_unref(list);
    return NULL;
}

/* "[type NAME]" for an untargeted type, "[type NAME TARGET]" otherwise, so
 * that one name may be indexed once per target. */
static char *type_group_name(const char *name, const char *target)
{
    return target && *target ? g_strconcat("type ", name, " ", target, NULL)
                             : g_strconcat("type ", name, NULL);
}

static void index_write_module(GKeyFile *kf, const ModuleInfo *m)
{
    g_autofree char *group = g_strconcat("module ", m->name, NULL);
    g_autofree char *file = g_path_get_basename(m->path);
    g_key_file_set_string(kf, group, "file", file);
    g_key_file_set_string(kf, group, "kind", m->kind);
    g_key_file_set_string_list(kf, group, "requires", (const char *const *)m->requires,
                               g_strv_length(m->requires));
    for (guint i = 0; i < m->types->len; i++) {
        const ModuleTypeEntry *e = g_ptr_array_index(m->types, i);
        g_autofree char *tg = type_group_name(e->name, e->target);
        g_key_file_set_string(kf, tg, "module", m->name);
        g_key_file_set_string(kf, tg, "parent", e->parent ? e->parent : "");
        g_key_file_set_string(kf, tg, "category", e->category ? e->category : "");
        g_key_file_set_string(kf, tg, "target", e->target ? e->target : "");
        g_key_file_set_string(kf, tg, "description", e->description ? e->description : "");
        g_key_file_set_boolean(kf, tg, "user-creatable", e->user_creatable);
        g_key_file_set_boolean(kf, tg, "default", e->is_default);
        g_key_file_set_boolean(kf, tg, "abstract", e->abstract);
    }
}

static int cmp_strings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_modules(gconstpointer a, gconstpointer b)
{
    return strcmp((*(ModuleInfo *const *)a)->name, (*(ModuleInfo *const *)b)->name);
}

static int cmp_type_entries(gconstpointer a, gconstpointer b)
{
    const ModuleTypeEntry *x = *(ModuleTypeEntry *const *)a, *y = *(ModuleTypeEntry *const *)b;
    int c = strcmp(x->name, y->name);
    return c ? c : g_strcmp0(x->target, y->target);
}

/* Read descriptors of every .so in DIR; problems are collected as warnings. */
static GPtrArray *scan_dir(const char *dir, GPtrArray *warnings)
{
    GPtrArray *list = g_ptr_array_new_with_free_func(module_info_free);
    GDir *d = g_dir_open(dir, 0, NULL);
    if (!d) {
        return list;
    }
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *n;
    while ((n = g_dir_read_name(d))) {
        if (g_str_has_suffix(n, ".so")) {
            g_ptr_array_add(names, g_strdup(n));
        }
    }
    g_dir_close(d);
    g_ptr_array_sort(names, cmp_strings);
    for (guint i = 0; i < names->len; i++) {
        g_autofree char *path = g_build_filename(dir, g_ptr_array_index(names, i), NULL);
        const TesseraModuleDesc *desc;
        GError *err = NULL;
        lt_dlhandle h = open_descriptor(path, &desc, &err);
        if (!h) {
            g_ptr_array_add(warnings, g_strdup(err->message));
            g_error_free(err);
            continue;
        }
        g_ptr_array_add(list, info_from_descriptor(desc, path));
        lt_dlclose(h);
    }
    g_ptr_array_unref(names);
    return list;
}

bool module_update_index(const char *dir, GError **errp)
{
    if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
        g_set_error(errp, MODULE_ERROR, MODULE_ERROR_NOT_FOUND, "%s: no such directory", dir);
        return false;
    }
    if (!mods.dirs) {
        module_init(NULL);
    }
    GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
    GPtrArray *list = scan_dir(dir, warnings);
    for (guint i = 0; i < warnings->len; i++) {
        warn_report("%s; skipped", (char *)g_ptr_array_index(warnings, i));
    }
    g_ptr_array_unref(warnings);
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_key_file_set_comment(kf, NULL, NULL,
                           " Tessera module index, generated by tessera --update-module-index",
                           NULL);
    g_key_file_set_integer(kf, "index", "version", INDEX_VERSION);
    for (guint i = 0; i < list->len; i++) {
        index_write_module(kf, g_ptr_array_index(list, i));
    }
    g_ptr_array_unref(list);
    g_autofree char *path = g_build_filename(dir, TESSERA_MODULE_INDEX, NULL);
    GError *err = NULL;
    if (!g_key_file_save_to_file(kf, path, &err)) {
        g_set_error(errp, MODULE_ERROR, MODULE_ERROR_INDEX, "cannot write %s: %s", path,
                    err->message);
        g_error_free(err);
        return false;
    }
    mods.scanned = false;
    return true;
}

/* ---- the in-memory view of all directories --------------------------- */

static bool type_visible(const ModuleTypeEntry *e)
{
    return !e->target || !mods.target || !strcmp(e->target, mods.target);
}

static void add_modules(GPtrArray *list)
{
    for (guint i = 0; i < list->len; i++) {
        ModuleInfo *m = g_ptr_array_index(list, i);
        if (g_hash_table_contains(mods.by_name, m->name)) {
            continue; /* an earlier directory provides it */
        }
        m->loaded = g_hash_table_contains(mods.handles, m->name);
        g_ptr_array_add(mods.modules, m);
        g_hash_table_insert(mods.by_name, m->name, m);
        for (guint j = 0; j < m->types->len; j++) {
            ModuleTypeEntry *e = g_ptr_array_index(m->types, j);
            if (!type_visible(e)) {
                continue;
            }
            ModuleTypeEntry *first = g_hash_table_lookup(mods.types, e->name);
            if (!first) {
                g_hash_table_insert(mods.types, e->name, e);
                g_ptr_array_add(mods.visible, e);
            } else if (g_strcmp0(first->target, e->target)) {
                /* Only without a current target: the same name for
                 * several targets cannot be told apart. */
                GString *targets = g_hash_table_lookup(mods.ambiguous, e->name);
                if (!targets) {
                    targets = g_string_new(first->target ? first->target : "any");
                    g_hash_table_insert(mods.ambiguous, e->name, targets);
                }
                g_string_append_printf(targets, ", %s", e->target ? e->target : "any");
                g_ptr_array_add(mods.visible, e);
            }
            /* else: an earlier module of the same target provides it */
        }
    }
    g_ptr_array_set_free_func(list, NULL);
    g_ptr_array_unref(list);
    /* Without a current target, a name several targets share means the
     * fallback target's type, if it has one. */
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, mods.ambiguous);
    while (mods.fallback_target && g_hash_table_iter_next(&it, &key, NULL)) {
        for (guint i = 0; i < mods.visible->len; i++) {
            ModuleTypeEntry *e = g_ptr_array_index(mods.visible, i);
            if (!strcmp(e->name, key) && !g_strcmp0(e->target, mods.fallback_target)) {
                g_hash_table_insert(mods.types, e->name, e);
                g_hash_table_iter_remove(&it);
                break;
            }
        }
    }
}

static void read_catalog(const char *dir)
{
    g_autofree char *path = g_build_filename(dir, CATALOG_FILE, NULL);
    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        return;
    }
    GPtrArray *list = index_read(path, dir, NULL);
    if (!list) {
        return;
    }
    for (guint i = 0; i < list->len; i++) {
        ModuleInfo *m = g_ptr_array_index(list, i);
        for (guint j = 0; j < m->types->len; j++) {
            ModuleTypeEntry *e = g_ptr_array_index(m->types, j);
            if (type_visible(e) && !g_hash_table_contains(mods.catalog, e->name)) {
                g_hash_table_insert(mods.catalog, g_strdup(e->name), g_strdup(m->name));
            }
        }
    }
    g_ptr_array_unref(list);
}

static void string_free(gpointer p)
{
    g_string_free(p, TRUE);
}

static void free_view(void)
{
    g_ptr_array_unref(mods.visible);
    g_hash_table_unref(mods.ambiguous);
    g_hash_table_unref(mods.types);
    g_hash_table_unref(mods.by_name);
    g_hash_table_unref(mods.catalog);
    g_ptr_array_unref(mods.modules); /* owns the entries: last */
    mods.modules = NULL;
}

static void ensure_scanned(void)
{
    if (mods.scanned) {
        return;
    }
    if (!mods.dirs) {
        module_init(NULL);
    }
    if (mods.modules) {
        free_view();
    }
    mods.modules = g_ptr_array_new_with_free_func(module_info_free);
    mods.by_name = g_hash_table_new(g_str_hash, g_str_equal);
    mods.types = g_hash_table_new(g_str_hash, g_str_equal);
    mods.visible = g_ptr_array_new();
    mods.ambiguous = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, string_free);
    mods.catalog = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    for (guint i = 0; i < mods.dirs->len; i++) {
        const char *dir = g_ptr_array_index(mods.dirs, i);
        if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
            continue;
        }
        read_catalog(dir);
        g_autofree char *path = g_build_filename(dir, TESSERA_MODULE_INDEX, NULL);
        GError *err = NULL;
        GPtrArray *list = NULL;
        if (g_file_test(path, G_FILE_TEST_EXISTS)) {
            list = index_read(path, dir, &err);
            if (!list) {
                warn_report("%s; scanning %s instead", err->message, dir);
                g_clear_error(&err);
            }
        }
        if (!list) {
            GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
            list = scan_dir(dir, warnings);
            for (guint w = 0; w < warnings->len; w++) {
                warn_report("%s", (char *)g_ptr_array_index(warnings, w));
            }
            g_ptr_array_unref(warnings);
        }
        add_modules(list);
    }
    mods.scanned = true;
}

GPtrArray *module_list(void)
{
    g_rec_mutex_lock(&mods.lock);
    ensure_scanned();
    for (guint i = 0; i < mods.modules->len; i++) {
        ModuleInfo *m = g_ptr_array_index(mods.modules, i);
        m->loaded = g_hash_table_contains(mods.handles, m->name);
    }
    g_ptr_array_sort(mods.modules, cmp_modules);
    g_rec_mutex_unlock(&mods.lock);
    return mods.modules;
}

const ModuleTypeEntry *module_find_type(const char *name)
{
    g_rec_mutex_lock(&mods.lock);
    ensure_scanned();
    const ModuleTypeEntry *e = g_hash_table_lookup(mods.types, name);
    g_rec_mutex_unlock(&mods.lock);
    return e;
}

/* Does index type @name derive from @ancestor?  Follows the index's parent
 * chain, then registered (core) types. */
static bool entry_is_a(const char *name, const char *ancestor)
{
    for (int depth = 0; name && depth < 64; depth++) {
        if (!strcmp(name, ancestor)) {
            return true;
        }
        const ModuleTypeEntry *e = g_hash_table_lookup(mods.types, name);
        if (!e) {
            TypeImpl *t = type_lookup(name);
            return t && type_is_a(t, ancestor);
        }
        name = e->parent;
    }
    return false;
}

GPtrArray *module_list_types(const char *ancestor)
{
    g_rec_mutex_lock(&mods.lock);
    ensure_scanned();
    GPtrArray *out = g_ptr_array_new();
    for (guint i = 0; i < mods.visible->len; i++) {
        ModuleTypeEntry *e = g_ptr_array_index(mods.visible, i);
        if (!e->abstract && entry_is_a(e->name, ancestor)) {
            g_ptr_array_add(out, e);
        }
    }
    g_ptr_array_sort(out, cmp_type_entries);
    g_rec_mutex_unlock(&mods.lock);
    return out;
}

bool module_is_loaded(const char *name)
{
    g_rec_mutex_lock(&mods.lock);
    bool loaded = mods.handles && g_hash_table_contains(mods.handles, name);
    g_rec_mutex_unlock(&mods.lock);
    return loaded;
}

static bool load_info(ModuleInfo *m, int depth, GError **errp);

static bool load_by_name(const char *name, int depth, GError **errp)
{
    if (g_hash_table_contains(mods.handles, name)) {
        return true;
    }
    ModuleInfo *m = g_hash_table_lookup(mods.by_name, name);
    if (!m) {
        g_set_error(errp, MODULE_ERROR, MODULE_ERROR_NOT_INSTALLED,
                    "module '%s' is not installed (searched %u module directories)", name,
                    mods.dirs->len);
        return false;
    }
    return load_info(m, depth, errp);
}

static bool load_info(ModuleInfo *m, int depth, GError **errp)
{
    if (depth > 16) {
        g_set_error(errp, MODULE_ERROR, MODULE_ERROR_LOAD,
                    "module '%s': requirement chain too deep (a cycle?)", m->name);
        return false;
    }
    if (!g_file_test(m->path, G_FILE_TEST_EXISTS)) {
        g_set_error(errp, MODULE_ERROR, MODULE_ERROR_NOT_INSTALLED,
                    "module '%s' is listed in the index but %s is missing; reinstall it or run"
                    " tessera --update-module-index", m->name, m->path);
        return false;
    }
    for (char **r = m->requires; r && *r; r++) {
        GError *err = NULL;
        if (!load_by_name(*r, depth + 1, &err)) {
            g_set_error(errp, MODULE_ERROR, err->code, "module '%s' requires '%s': %s", m->name,
                        *r, err->message);
            g_error_free(err);
            return false;
        }
    }
    const TesseraModuleDesc *d;
    lt_dlhandle h = open_descriptor(m->path, &d, errp);
    if (!h) {
        return false;
    }
    if (strcmp(d->name, m->name) != 0) {
        g_set_error(errp, MODULE_ERROR, MODULE_ERROR_INDEX,
                    "%s provides module '%s' but the index says '%s'; run tessera"
                    " --update-module-index", m->path, d->name, m->name);
        lt_dlclose(h);
        return false;
    }
    g_hash_table_insert(mods.handles, g_strdup(m->name), h);
    m->loaded = true;
    /* A program that links a module's code directly (a test) has its types
     * already: registering them again would be a programming error. */
    bool all_registered = m->types->len > 0; /* a module without types: run its init */
    for (guint i = 0; i < m->types->len; i++) {
        all_registered &= type_lookup(((ModuleTypeEntry *)g_ptr_array_index(m->types, i))->name)
                          != NULL;
    }
    const TesseraModule *it = in_tree(d);
    if (!all_registered) {
        for (const TypeInfo *const *ti = it ? it->types : NULL; ti && *ti; ti++) {
            type_register_static(*ti);
        }
        void (*init)(void) = it ? it->init : d->register_types;
        if (init) {
            init();
        }
    }
    for (guint i = 0; i < m->types->len; i++) {
        const char *name = ((ModuleTypeEntry *)g_ptr_array_index(m->types, i))->name;
        if (!type_lookup(name)) {
            warn_report("%s: module '%s' declares type '%s' but did not register it", m->path,
                        m->name, name);
        }
    }
    return true;
}

void module_register_linked(const TesseraModule *m)
{
    for (const TypeInfo *const *t = m->types; t && *t; t++) {
        type_register_static(*t);
    }
    if (m->init) {
        m->init();
    }
}

bool module_load(const char *name, GError **errp)
{
    g_rec_mutex_lock(&mods.lock);
    ensure_scanned();
    bool ok = load_by_name(name, 0, errp);
    g_rec_mutex_unlock(&mods.lock);
    return ok;
}

bool module_load_for_type(const char *typename, GError **errp)
{
    g_rec_mutex_lock(&mods.lock);
    ensure_scanned();
    bool ok = false;
    const ModuleTypeEntry *e = g_hash_table_lookup(mods.types, typename);
    GString *targets = g_hash_table_lookup(mods.ambiguous, typename);
    if (targets) {
        g_set_error(errp, MODULE_ERROR, MODULE_ERROR_NOT_FOUND,
                    "type '%s' exists for several targets (%s); choose one"
                    " (tessera-system-TARGET or -target TARGET)", typename, targets->str);
    } else if (e) {
        ok = load_by_name(e->module, 0, errp);
    } else if (g_hash_table_contains(mods.catalog, typename)) {
        g_set_error(errp, MODULE_ERROR, MODULE_ERROR_NOT_INSTALLED,
                    "type '%s' is provided by module '%s', which is not installed", typename,
                    (char *)g_hash_table_lookup(mods.catalog, typename));
    } else {
        g_set_error(errp, MODULE_ERROR, MODULE_ERROR_NOT_FOUND,
                    "no module provides type '%s'", typename);
    }
    g_rec_mutex_unlock(&mods.lock);
    return ok;
}

bool module_load_file(const char *path, GError **errp)
{
    g_rec_mutex_lock(&mods.lock);
    ensure_scanned();
    const TesseraModuleDesc *d;
    bool ok = false;
    lt_dlhandle h = open_descriptor(path, &d, errp);
    if (h) {
        ModuleInfo *m = info_from_descriptor(d, path);
        lt_dlclose(h);
        if (g_hash_table_contains(mods.handles, m->name)) {
            module_info_free(m);
            ok = true;
        } else {
            GPtrArray *one = g_ptr_array_new();
            g_ptr_array_add(one, m);
            ModuleInfo *existing = g_hash_table_lookup(mods.by_name, m->name);
            if (existing) {
                /* An explicit file wins over the index's copy. */
                g_free(existing->path);
                existing->path = g_strdup(path);
                g_ptr_array_unref(one);
                module_info_free(m);
                ok = load_info(existing, 0, errp);
            } else {
                add_modules(one);
                ok = load_info(m, 0, errp);
            }
        }
    }
    g_rec_mutex_unlock(&mods.lock);
    return ok;
}

void module_reset_for_tests(void)
{
    if (mods.modules) {
        free_view();
    }
    if (mods.dirs) {
        g_ptr_array_unref(mods.dirs);
        mods.dirs = NULL;
    }
    /* Loaded code stays mapped: types registered from it remain valid. */
    if (!mods.handles) {
        mods.handles = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    }
    mods.scanned = false;
}
