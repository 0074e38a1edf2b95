/* SPDX-License-Identifier: MIT */
/*
 * FdtBuilder: see kernel/fdt.h.  Every write looks its node up by path,
 * calls libfdt, and on -FDT_ERR_NOSPACE doubles the buffer with
 * fdt_open_into() and tries again.
 */
#include "kernel/fdt.h"
#include "kernel/hostfile.h"

#include <inttypes.h>
#include <libfdt.h>
#include <string.h>

#define FDT_INITIAL_SIZE (64u * 1024)
/* The largest -dtb file read (real trees are tens of KiB). */
#define FDT_MAX_FILE_SIZE (16u * 1024 * 1024)
#define FDT_DEFAULT_ADDRESS_CELLS 2
#define FDT_DEFAULT_SIZE_CELLS 1

typedef struct FdtIrqRoute {
    const DeviceState *dev;
    int pin;
    char *parent_label;
    uint32_t cells[FDT_MAX_IRQ_CELLS];   /* the interrupt specifier */
    unsigned ncells;
} FdtIrqRoute;

struct FdtBuilder {
    uint8_t *buf;
    size_t bufsize;
    GError *error;
    GHashTable *phandles;      /* label -> phandle (GUINT_TO_POINTER) */
    uint32_t last_phandle;
    GArray *irqs;              /* FdtIrqRoute */
    char *bus;
};

G_DEFINE_QUARK(tessera-fdt-error-quark, fdt_error)

static void irq_route_clear(gpointer p)
{
    FdtIrqRoute *r = p;
    g_free(r->parent_label);
}

static FdtBuilder *builder_alloc(void)
{
    FdtBuilder *fdt = g_new0(FdtBuilder, 1);
    fdt->phandles = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    fdt->irqs = g_array_new(false, true, sizeof(FdtIrqRoute));
    g_array_set_clear_func(fdt->irqs, irq_route_clear);
    fdt->bus = g_strdup("/");
    return fdt;
}

FdtBuilder *fdt_builder_new(void)
{
    FdtBuilder *fdt = builder_alloc();
    fdt->bufsize = FDT_INITIAL_SIZE;
    fdt->buf = g_malloc0(fdt->bufsize);
    int r = fdt_create_empty_tree(fdt->buf, (int)fdt->bufsize);
    g_assert(r == 0);
    return fdt;
}

/* Deepest node nesting accepted in a user's blob. */
#define FDT_USER_MAX_DEPTH 64

/*
 * What libfdt's read-write functions assume of a blob and fdt_check_header()
 * does not check, for blobs from the user (-dtb): version 16 or later
 * (older ones name nodes by full path), the blocks in the usual order
 * within the blob, a reservation map that ends before the structure
 * block (fdt_open_into() measures it by walking), and a structure block that walks from one root node to
 * FDT_END with every tag advancing, names and property strings readable.
 * (libfdt 1.6.1's own fdt_check_full() loops forever on some blobs and
 * dereferences NULL on others, so it is not used.)  NULL when fine.
 */
static const char *user_blob_problem(const void *blob)
{
    if (fdt_version(blob) < 16) {
        return "version older than 16";
    }
    uint64_t rsv = fdt_off_mem_rsvmap(blob), st = fdt_off_dt_struct(blob);
    uint64_t str = fdt_off_dt_strings(blob), total = fdt_totalsize(blob);
    uint64_t st_size = fdt_version(blob) >= 17 ? fdt_size_dt_struct(blob) : 0;
    if (rsv < sizeof(struct fdt_header) || rsv > st || st + st_size > str ||
        str + fdt_size_dt_strings(blob) > total) {
        return "blocks out of order or outside the blob";
    }
    /* The reservation map ends (a zero-size entry) before the structure. */
    int nrsv = fdt_num_mem_rsv(blob);
    if (nrsv < 0 || rsv + (uint64_t)(nrsv + 1) * sizeof(struct fdt_reserve_entry) > st) {
        return "memory reservation map runs into the structure block";
    }
    int depth = 0, offset = 0, next = 0, roots = 0;
    for (;;) {
        uint32_t tag = fdt_next_tag(blob, offset, &next);
        if (tag == FDT_END) {
            return next >= 0 && depth == 0 && roots == 1 ? NULL : "structure block is corrupt";
        }
        if (next <= offset) {
            return "structure block is corrupt";
        }
        int len;
        const char *name = NULL;
        switch (tag) {
        case FDT_BEGIN_NODE:
            if ((depth == 0 && roots++) || ++depth > FDT_USER_MAX_DEPTH ||
                !fdt_get_name(blob, offset, &len)) {
                return "node nesting or name is corrupt";
            }
            break;
        case FDT_END_NODE:
            if (--depth < 0) {
                return "unbalanced end of node";
            }
            break;
        case FDT_PROP:
            if (depth < 1 || !fdt_getprop_by_offset(blob, offset, &name, &len) || !name) {
                return "property outside a node or with a bad name";
            }
            break;
        case FDT_NOP:
            break;
        default:
            return "unknown structure tag";
        }
        offset = next;
    }
}

FdtBuilder *fdt_builder_new_from_blob(const void *blob, size_t size, GError **errp)
{
    if (size < sizeof(struct fdt_header) || fdt_check_header(blob) != 0 ||
        fdt_totalsize(blob) > size) {
        g_set_error(errp, FDT_ERROR, FDT_ERROR_INVALID, "not a valid device tree blob");
        return NULL;
    }
    const char *why = user_blob_problem(blob);
    if (why) {
        g_set_error(errp, FDT_ERROR, FDT_ERROR_INVALID, "invalid device tree blob: %s", why);
        return NULL;
    }
    FdtBuilder *fdt = builder_alloc();
    fdt->bufsize = MAX(FDT_INITIAL_SIZE, (size_t)fdt_totalsize(blob) * 2);
    fdt->buf = g_malloc0(fdt->bufsize);
    int r = fdt_open_into(blob, fdt->buf, (int)fdt->bufsize);
    if (r == 0) {
        r = fdt_find_max_phandle(fdt->buf, &fdt->last_phandle);
    }
    if (r != 0) {
        g_set_error(errp, FDT_ERROR, FDT_ERROR_INVALID, "invalid device tree blob: %s",
                    fdt_strerror(r));
        fdt_builder_free(fdt);
        return NULL;
    }
    return fdt;
}

void fdt_builder_free(FdtBuilder *fdt)
{
    if (!fdt) {
        return;
    }
    g_free(fdt->buf);
    g_clear_error(&fdt->error);
    g_hash_table_unref(fdt->phandles);
    g_array_unref(fdt->irqs);
    g_free(fdt->bus);
    g_free(fdt);
}

bool fdt_builder_failed(const FdtBuilder *fdt)
{
    return fdt->error != NULL;
}

bool fdt_builder_take_error(FdtBuilder *fdt, GError **errp)
{
    if (!fdt->error) {
        return true;
    }
    g_propagate_error(errp, fdt->error);
    fdt->error = NULL;
    return false;
}

static void G_GNUC_PRINTF(3, 4) builder_fail(FdtBuilder *fdt, int code, const char *fmt, ...)
{
    if (fdt->error) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    fdt->error = g_error_new_literal(FDT_ERROR, code, msg);
    g_free(msg);
}

static bool builder_grow(FdtBuilder *fdt)
{
    size_t newsize = fdt->bufsize * 2;
    if (newsize > FDT_BUILDER_MAX_SIZE) {
        builder_fail(fdt, FDT_ERROR_TOO_BIG, "device tree larger than %u bytes",
                     FDT_BUILDER_MAX_SIZE);
        return false;
    }
    uint8_t *nbuf = g_malloc0(newsize);
    int r = fdt_open_into(fdt->buf, nbuf, (int)newsize);
    if (r != 0) {
        g_free(nbuf);
        builder_fail(fdt, FDT_ERROR_LIBFDT, "cannot grow device tree: %s", fdt_strerror(r));
        return false;
    }
    g_free(fdt->buf);
    fdt->buf = nbuf;
    fdt->bufsize = newsize;
    return true;
}

/*
 * After a libfdt write returned @r: true means "grown, try again"; errors
 * other than lack of space are recorded.
 */
static bool builder_retry(FdtBuilder *fdt, int r, const char *path, const char *name)
{
    if (r == -FDT_ERR_NOSPACE) {
        return builder_grow(fdt);
    }
    if (r < 0) {
        builder_fail(fdt, FDT_ERROR_LIBFDT, "device tree node %s%s%s: %s", path,
                     name ? " property " : "", name ? name : "", fdt_strerror(r));
    }
    return false;
}

static int node_offset(FdtBuilder *fdt, const char *path)
{
    if (fdt->error) {
        return -1;
    }
    int off = fdt_path_offset(fdt->buf, path);
    if (off < 0) {
        builder_fail(fdt, FDT_ERROR_NOT_FOUND, "device tree has no node %s", path);
    }
    return off;
}

static int ensure_node(FdtBuilder *fdt, const char *path)
{
    if (fdt->error) {
        return -1;
    }
    if (path[0] != '/') {
        builder_fail(fdt, FDT_ERROR_INVALID, "device tree path %s is not absolute", path);
        return -1;
    }
    int off = fdt_path_offset(fdt->buf, path);
    if (off >= 0) {
        return off;
    }
    const char *slash = strrchr(path, '/');
    char *parent = slash == path ? g_strdup("/") : g_strndup(path, slash - path);
    const char *name = slash + 1;
    int r;
    do {
        int poff = ensure_node(fdt, parent);
        if (poff < 0) {
            r = poff;
            break;
        }
        r = fdt_add_subnode(fdt->buf, poff, name);
    } while (builder_retry(fdt, r, path, NULL));
    g_free(parent);
    return fdt->error ? -1 : r;
}

void fdt_builder_add_node(FdtBuilder *fdt, const char *path)
{
    ensure_node(fdt, path);
}

bool fdt_builder_node_exists(FdtBuilder *fdt, const char *path)
{
    return fdt_path_offset(fdt->buf, path) >= 0;
}

void fdt_builder_del_prop(FdtBuilder *fdt, const char *path, const char *name)
{
    int off = node_offset(fdt, path);
    if (off >= 0) {
        fdt_delprop(fdt->buf, off, name); /* absent is fine */
    }
}

void fdt_builder_prop_bytes(FdtBuilder *fdt, const char *path, const char *name,
                            const void *data, size_t len)
{
    int r;
    do {
        int off = node_offset(fdt, path);
        if (off < 0) {
            return;
        }
        r = fdt_setprop(fdt->buf, off, name, data, (int)len);
    } while (builder_retry(fdt, r, path, name));
}

void fdt_builder_prop_empty(FdtBuilder *fdt, const char *path, const char *name)
{
    fdt_builder_prop_bytes(fdt, path, name, NULL, 0);
}

void fdt_builder_prop_string(FdtBuilder *fdt, const char *path, const char *name,
                             const char *value)
{
    fdt_builder_prop_bytes(fdt, path, name, value, strlen(value) + 1);
}

void fdt_builder_prop_strings(FdtBuilder *fdt, const char *path, const char *name,
                              const char *const *values)
{
    GByteArray *b = g_byte_array_new();
    for (const char *const *v = values; *v; v++) {
        g_byte_array_append(b, (const guint8 *)*v, (guint)strlen(*v) + 1);
    }
    fdt_builder_prop_bytes(fdt, path, name, b->data, b->len);
    g_byte_array_unref(b);
}

void fdt_builder_prop_cells(FdtBuilder *fdt, const char *path, const char *name,
                            const uint32_t *cells, size_t count)
{
    fdt32_t *be = g_new(fdt32_t, count ? count : 1);
    for (size_t i = 0; i < count; i++) {
        be[i] = cpu_to_fdt32(cells[i]);
    }
    fdt_builder_prop_bytes(fdt, path, name, be, count * sizeof(fdt32_t));
    g_free(be);
}

void fdt_builder_prop_u32(FdtBuilder *fdt, const char *path, const char *name, uint32_t value)
{
    fdt_builder_prop_cells(fdt, path, name, &value, 1);
}

void fdt_builder_prop_u64(FdtBuilder *fdt, const char *path, const char *name, uint64_t value)
{
    uint32_t cells[2] = { (uint32_t)(value >> 32), (uint32_t)value };
    fdt_builder_prop_cells(fdt, path, name, cells, 2);
}

#define FDT_MAX_CELLS 4

/* Cell count property of the node at @off, or @def when absent. */
static int node_cells(FdtBuilder *fdt, int off, const char *name, int def)
{
    int len;
    const fdt32_t *p = fdt_getprop(fdt->buf, off, name, &len);
    if (!p || len != sizeof(fdt32_t)) {
        return def;
    }
    return (int)fdt32_to_cpu(*p);
}

static void push_cells(GArray *cells, uint64_t value, int count)
{
    for (int i = count - 1; i >= 0; i--) {
        uint32_t c = i >= 2 ? 0 : (uint32_t)(value >> (32 * i));
        g_array_append_val(cells, c);
    }
}

void fdt_builder_prop_reg(FdtBuilder *fdt, const char *path, const uint64_t *pairs,
                          size_t count)
{
    int off = node_offset(fdt, path);
    if (off < 0) {
        return;
    }
    int parent = fdt_parent_offset(fdt->buf, off);
    int acells = FDT_DEFAULT_ADDRESS_CELLS, scells = FDT_DEFAULT_SIZE_CELLS;
    if (parent >= 0) {
        acells = node_cells(fdt, parent, "#address-cells", FDT_DEFAULT_ADDRESS_CELLS);
        scells = node_cells(fdt, parent, "#size-cells", FDT_DEFAULT_SIZE_CELLS);
    }
    /* The parent may come from the user's -dtb: a cell count is at most 4
     * (PCI addresses take 3), never billions. */
    if (acells < 0 || acells > FDT_MAX_CELLS || scells < 0 || scells > FDT_MAX_CELLS) {
        builder_fail(fdt, FDT_ERROR_INVALID,
                     "device tree node %s: the parent's #address-cells/#size-cells (%d/%d) "
                     "are not 0 to %d", path, acells, scells, FDT_MAX_CELLS);
        return;
    }
    GArray *cells = g_array_new(false, false, sizeof(uint32_t));
    for (size_t i = 0; i < count; i++) {
        uint64_t addr = pairs[2 * i], size = pairs[2 * i + 1];
        if ((acells < 2 && addr > UINT32_MAX) || (scells < 2 && size > UINT32_MAX)) {
            builder_fail(fdt, FDT_ERROR_INVALID,
                         "device tree node %s: reg 0x%" PRIx64 "+0x%" PRIx64
                         " does not fit the parent's cell sizes", path, addr, size);
            break;
        }
        push_cells(cells, addr, acells);
        push_cells(cells, size, scells);
    }
    fdt_builder_prop_cells(fdt, path, "reg", (const uint32_t *)cells->data, cells->len);
    g_array_unref(cells);
}

/* ---- phandles --------------------------------------------------------- */

uint32_t fdt_builder_phandle(FdtBuilder *fdt, const char *label)
{
    gpointer v = g_hash_table_lookup(fdt->phandles, label);
    if (v) {
        return GPOINTER_TO_UINT(v);
    }
    uint32_t ph = ++fdt->last_phandle;
    g_hash_table_insert(fdt->phandles, g_strdup(label), GUINT_TO_POINTER(ph));
    return ph;
}

uint32_t fdt_builder_lookup_phandle(const FdtBuilder *fdt, const char *label)
{
    return GPOINTER_TO_UINT(g_hash_table_lookup(fdt->phandles, label));
}

uint32_t fdt_builder_set_phandle(FdtBuilder *fdt, const char *path, const char *label)
{
    uint32_t ph = fdt_builder_phandle(fdt, label);
    fdt_builder_prop_u32(fdt, path, "phandle", ph);
    return ph;
}

char *fdt_device_label(const DeviceState *dev)
{
    char *path = object_get_canonical_path(OBJECT(dev));
    return path ? path : g_strdup_printf("detached-device@%p", (const void *)dev);
}

/* ---- interrupt routing -------------------------------------------------- */

void fdt_builder_set_irq_cells(FdtBuilder *fdt, const DeviceState *dev, int pin,
                               const char *parent_label, const uint32_t *cells, unsigned ncells)
{
    g_assert(ncells >= 1 && ncells <= FDT_MAX_IRQ_CELLS);
    FdtIrqRoute *r = NULL;
    for (guint i = 0; i < fdt->irqs->len && !r; i++) {
        FdtIrqRoute *x = &g_array_index(fdt->irqs, FdtIrqRoute, i);
        if (x->dev == dev && x->pin == pin) {
            r = x;
            g_free(r->parent_label);
        }
    }
    if (!r) {
        FdtIrqRoute fresh = { .dev = dev, .pin = pin };
        g_array_append_val(fdt->irqs, fresh);
        r = &g_array_index(fdt->irqs, FdtIrqRoute, fdt->irqs->len - 1);
    }
    r->parent_label = g_strdup(parent_label);
    memcpy(r->cells, cells, ncells * sizeof(uint32_t));
    r->ncells = ncells;
}

void fdt_builder_set_irq(FdtBuilder *fdt, const DeviceState *dev, int pin,
                         const char *parent_label, uint32_t irq)
{
    fdt_builder_set_irq_cells(fdt, dev, pin, parent_label, &irq, 1);
}

bool fdt_builder_get_irq(const FdtBuilder *fdt, const DeviceState *dev, int pin,
                         const char **parent_label, uint32_t cells[FDT_MAX_IRQ_CELLS],
                         unsigned *ncells)
{
    for (guint i = 0; i < fdt->irqs->len; i++) {
        const FdtIrqRoute *r = &g_array_index(fdt->irqs, FdtIrqRoute, i);
        if (r->dev == dev && r->pin == pin) {
            *parent_label = r->parent_label;
            memcpy(cells, r->cells, r->ncells * sizeof(uint32_t));
            *ncells = r->ncells;
            return true;
        }
    }
    return false;
}

static gint route_cmp_pin(gconstpointer a, gconstpointer b)
{
    const FdtIrqRoute *ra = *(FdtIrqRoute *const *)a, *rb = *(FdtIrqRoute *const *)b;
    return ra->pin - rb->pin;
}

/* @dev's routes for pins first + k * stride, sorted by pin (borrowed). */
static GPtrArray *routes_of(FdtBuilder *fdt, const DeviceState *dev, int first, int stride)
{
    GPtrArray *list = g_ptr_array_new();
    for (guint i = 0; i < fdt->irqs->len; i++) {
        FdtIrqRoute *r = &g_array_index(fdt->irqs, FdtIrqRoute, i);
        if (r->dev == dev && r->pin >= first && (r->pin - first) % stride == 0) {
            g_ptr_array_add(list, r);
        }
    }
    g_ptr_array_sort(list, route_cmp_pin);
    return list;
}

static void write_irqs(FdtBuilder *fdt, const char *path, const DeviceState *dev,
                       bool force_extended, int first_pin, int stride)
{
    GPtrArray *list = routes_of(fdt, dev, first_pin, stride);
    if (list->len == 0) {
        g_ptr_array_unref(list);
        return;
    }
    bool one_parent = !force_extended;
    const FdtIrqRoute *first = g_ptr_array_index(list, 0);
    for (guint i = 1; i < list->len && one_parent; i++) {
        const FdtIrqRoute *r = g_ptr_array_index(list, i);
        one_parent = !strcmp(r->parent_label, first->parent_label);
    }
    GArray *cells = g_array_new(false, false, sizeof(uint32_t));
    for (guint i = 0; i < list->len; i++) {
        const FdtIrqRoute *r = g_ptr_array_index(list, i);
        if (!one_parent) {
            uint32_t ph = fdt_builder_phandle(fdt, r->parent_label);
            g_array_append_val(cells, ph);
        }
        g_array_append_vals(cells, r->cells, r->ncells);
    }
    if (one_parent) {
        fdt_builder_prop_u32(fdt, path, "interrupt-parent",
                             fdt_builder_phandle(fdt, first->parent_label));
        fdt_builder_prop_cells(fdt, path, "interrupts", (const uint32_t *)cells->data,
                               cells->len);
    } else {
        fdt_builder_prop_cells(fdt, path, "interrupts-extended",
                               (const uint32_t *)cells->data, cells->len);
    }
    g_array_unref(cells);
    g_ptr_array_unref(list);
}

void fdt_builder_prop_irqs(FdtBuilder *fdt, const char *path, const DeviceState *dev)
{
    write_irqs(fdt, path, dev, false, 0, 1);
}

void fdt_builder_prop_irqs_extended(FdtBuilder *fdt, const char *path, const DeviceState *dev)
{
    write_irqs(fdt, path, dev, true, 0, 1);
}

void fdt_builder_prop_irqs_extended_subset(FdtBuilder *fdt, const char *path,
                                           const DeviceState *dev, int first, int stride)
{
    g_assert(first >= 0 && stride > 0);
    write_irqs(fdt, path, dev, true, first, stride);
}

/* ---- placement ---------------------------------------------------------- */

void fdt_builder_set_bus_path(FdtBuilder *fdt, const char *path)
{
    g_free(fdt->bus);
    fdt->bus = g_strdup(path);
}

const char *fdt_builder_bus_path(const FdtBuilder *fdt)
{
    return fdt->bus;
}

char *fdt_builder_device_path(const FdtBuilder *fdt, const char *name, uint64_t addr)
{
    const char *sep = g_str_has_suffix(fdt->bus, "/") ? "" : "/";
    return g_strdup_printf("%s%s%s@%" PRIx64, fdt->bus, sep, name, addr);
}

/* ---- output ------------------------------------------------------------- */

bool fdt_builder_finish(FdtBuilder *fdt, GError **errp)
{
    if (!fdt->error) {
        int r = fdt_pack(fdt->buf);
        if (r != 0) {
            builder_fail(fdt, FDT_ERROR_LIBFDT, "cannot pack device tree: %s", fdt_strerror(r));
        }
    }
    return fdt_builder_take_error(fdt, errp);
}

const void *fdt_builder_blob(const FdtBuilder *fdt, size_t *size)
{
    if (size) {
        *size = fdt_totalsize(fdt->buf);
    }
    return fdt->buf;
}

bool fdt_load_file(const char *filename, void **blob, size_t *size, GError **errp)
{
    char *data;
    size_t len;
    GError *err = NULL;
    if (!host_file_read(filename, FDT_MAX_FILE_SIZE, &data, &len, &err)) {
        g_set_error(errp, FDT_ERROR, FDT_ERROR_INVALID, "cannot read device tree '%s': %s",
                    filename, err->message);
        g_error_free(err);
        return false;
    }
    if (len < sizeof(struct fdt_header) || fdt_check_header(data) != 0 ||
        fdt_totalsize(data) > len) {
        g_set_error(errp, FDT_ERROR, FDT_ERROR_INVALID,
                    "'%s' is not a valid device tree blob", filename);
        g_free(data);
        return false;
    }
    *blob = data;
    *size = len;
    return true;
}
