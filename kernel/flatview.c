/* SPDX-License-Identifier: MIT */
/*
 * Flat views and address spaces.
 *
 * Rendering walks the region tree depth first, visiting subregions from
 * the highest priority (and, among equals, the most recently added) down.
 * Each terminal region only fills the parts of its window that nothing
 * rendered before it already covers, so the first region to claim an
 * address is the one that wins.  Aliases re-enter their target with the
 * window as clip; containers clip their children to their own size.
 *
 * Arithmetic uses 128-bit signed addresses so that a 2^64-byte root and
 * aliases with offsets never overflow.
 *
 * Every address space is on one list so that a change to a region reached
 * through an alias (whose target does not know its aliases) still updates
 * the right views: a change re-renders each address space whose root
 * reaches the changed region.
 */
#include "kernel/memory.h"

#include <inttypes.h>

typedef __int128 Addr;

#define ADDR_SPACE_END ((Addr)1 << 64)
/* Deeper nesting than this means an alias loop (a programming error). */
#define MAX_RENDER_DEPTH 64

/* All address spaces, for topology updates.  Recursive: a listener's
 * commit may itself change the topology. */
static GRecMutex spaces_lock;
static GSList *spaces_all;

static Addr region_extent(const MemoryRegion *mr)
{
    return mr->size == UINT64_MAX ? ADDR_SPACE_END : (Addr)mr->size;
}

/* ---- rendering ------------------------------------------------------------ */

static void view_insert(GArray *view, guint i, Addr start, Addr end, MemoryRegion *mr,
                        Addr offset)
{
    Addr size = end - start;
    FlatRange fr = {
        .start = (hwaddr)start,
        /* Only a 2^64-byte terminal region could not be represented. */
        .size = size >= ADDR_SPACE_END ? UINT64_MAX : (uint64_t)size,
        .mr = mr,
        .offset_in_region = (hwaddr)offset,
    };
    g_array_insert_val(view, i, fr);
}

/* Claim the parts of [lo, hi) no range covers yet for @mr, whose offset at
 * @lo is @offset. */
static void view_fill_holes(GArray *view, Addr lo, Addr hi, MemoryRegion *mr, Addr offset)
{
    Addr cur = lo;
    guint i = 0;
    while (cur < hi) {
        if (i == view->len) {
            view_insert(view, i, cur, hi, mr, offset + (cur - lo));
            return;
        }
        const FlatRange *fr = &g_array_index(view, FlatRange, i);
        Addr rs = fr->start, re = rs + (Addr)fr->size;
        if (re <= cur) {
            i++;
        } else if (rs <= cur) {
            cur = re;
            i++;
        } else {
            Addr gap_end = MIN(hi, rs);
            view_insert(view, i, cur, gap_end, mr, offset + (cur - lo));
            i++;
            cur = gap_end;
        }
    }
}

/* Render @mr placed at @base, clipped to [clip_lo, clip_hi). */
static void render_region(GArray *view, MemoryRegion *mr, Addr base, Addr clip_lo,
                          Addr clip_hi, unsigned depth)
{
    g_assert(depth < MAX_RENDER_DEPTH);
    if (!mr->enabled) {
        return;
    }
    Addr lo = MAX(clip_lo, base);
    Addr hi = MIN(clip_hi, base + region_extent(mr));
    if (lo >= hi) {
        return;
    }
    switch (mr->kind) {
    case MR_ALIAS:
        render_region(view, mr->alias, base - (Addr)mr->alias_offset, lo, hi, depth + 1);
        break;
    case MR_CONTAINER:
        for (guint i = 0; i < mr->subregions->len; i++) {
            MemoryRegion *sub = g_ptr_array_index(mr->subregions, i);
            render_region(view, sub, base + (Addr)sub->addr, lo, hi, depth + 1);
        }
        break;
    default:
        view_fill_holes(view, lo, hi, mr, lo - base);
        break;
    }
}

/* Join neighbours that continue the same region (e.g. an alias next to
 * its target), so host-pointer lengths run as far as possible. */
static void view_merge(GArray *view)
{
    guint out = 0;
    for (guint i = 0; i < view->len; i++) {
        FlatRange *cur = &g_array_index(view, FlatRange, i);
        if (out > 0) {
            FlatRange *prev = &g_array_index(view, FlatRange, out - 1);
            if (prev->mr == cur->mr && prev->start + prev->size == cur->start &&
                prev->offset_in_region + prev->size == cur->offset_in_region &&
                prev->size + cur->size > prev->size) {
                prev->size += cur->size;
                continue;
            }
        }
        g_array_index(view, FlatRange, out++) = *cur;
    }
    g_array_set_size(view, out);
}

FlatView *flatview_render(MemoryRegion *root)
{
    GArray *view = g_array_new(FALSE, FALSE, sizeof(FlatRange));
    render_region(view, root, 0, 0, ADDR_SPACE_END, 0);
    view_merge(view);
    FlatView *fv = g_new0(FlatView, 1);
    fv->ref = 1;
    fv->nr = view->len;
    fv->ranges = (FlatRange *)(void *)g_array_free(view, FALSE);
    return fv;
}

void flatview_unref(FlatView *fv)
{
    if (fv && g_atomic_int_dec_and_test(&fv->ref)) {
        g_free(fv->ranges);
        g_free(fv);
    }
}

/* ---- address spaces ---------------------------------------------------- */

FlatView *address_space_get_flatview(AddressSpace *as)
{
    g_mutex_lock(&as->lock);
    FlatView *fv = as->current;
    g_atomic_int_inc(&fv->ref);
    g_mutex_unlock(&as->lock);
    return fv;
}

static void address_space_update(AddressSpace *as)
{
    FlatView *fv = flatview_render(as->root);
    g_mutex_lock(&as->lock);
    FlatView *old = as->current;
    as->current = fv;
    g_mutex_unlock(&as->lock);
    /* Readers still holding the old view keep it alive until they finish. */
    flatview_unref(old);
    for (GSList *l = as->listeners; l; l = l->next) {
        AddressSpaceListener *listener = l->data;
        if (listener->commit) {
            listener->commit(as, listener->opaque);
        }
    }
}

static bool region_reaches(const MemoryRegion *from, const MemoryRegion *target,
                           unsigned depth)
{
    g_assert(depth < MAX_RENDER_DEPTH);
    if (from == target) {
        return true;
    }
    if (from->kind == MR_ALIAS) {
        return region_reaches(from->alias, target, depth + 1);
    }
    if (from->kind == MR_CONTAINER) {
        for (guint i = 0; i < from->subregions->len; i++) {
            if (region_reaches(g_ptr_array_index(from->subregions, i), target, depth + 1)) {
                return true;
            }
        }
    }
    return false;
}

void memory_region_topology_changed(MemoryRegion *mr)
{
    g_rec_mutex_lock(&spaces_lock);
    for (GSList *l = spaces_all; l; l = l->next) {
        AddressSpace *as = l->data;
        if (region_reaches(as->root, mr, 0)) {
            address_space_update(as);
        }
    }
    g_rec_mutex_unlock(&spaces_lock);
}

void memory_region_notify_written(MemoryRegion *mr, hwaddr offset, uint64_t len)
{
    if (!len) {
        return;
    }
    g_rec_mutex_lock(&spaces_lock);
    for (GSList *l = spaces_all; l; l = l->next) {
        AddressSpace *as = l->data;
        gboolean any_written = FALSE;
        for (GSList *k = as->listeners; k && !any_written; k = k->next) {
            any_written = ((AddressSpaceListener *)k->data)->written != NULL;
        }
        if (!any_written) {
            continue;
        }
        FlatView *fv = address_space_get_flatview(as);
        for (unsigned i = 0; i < fv->nr; i++) {
            const FlatRange *fr = &fv->ranges[i];
            /* The part of [offset, offset + len) this range shows. */
            Addr lo = MAX((Addr)offset, (Addr)fr->offset_in_region);
            Addr hi = MIN((Addr)offset + len, (Addr)fr->offset_in_region + (Addr)fr->size);
            if (fr->mr != mr || lo >= hi) {
                continue;
            }
            hwaddr addr = fr->start + (hwaddr)(lo - (Addr)fr->offset_in_region);
            for (GSList *k = as->listeners; k; k = k->next) {
                AddressSpaceListener *listener = k->data;
                if (listener->written) {
                    listener->written(as, addr, (uint64_t)(hi - lo), listener->opaque);
                }
            }
        }
        flatview_unref(fv);
    }
    g_rec_mutex_unlock(&spaces_lock);
}

void address_space_init(AddressSpace *as, MemoryRegion *root, const char *name)
{
    g_assert(root);
    memset(as, 0, sizeof(*as));
    as->name = g_strdup(name);
    as->root = root;
    g_mutex_init(&as->lock);
    as->current = flatview_render(root);
    root->spaces = g_slist_prepend(root->spaces, as);
    g_rec_mutex_lock(&spaces_lock);
    spaces_all = g_slist_append(spaces_all, as);
    g_rec_mutex_unlock(&spaces_lock);
}

void address_space_destroy(AddressSpace *as)
{
    g_rec_mutex_lock(&spaces_lock);
    spaces_all = g_slist_remove(spaces_all, as);
    g_rec_mutex_unlock(&spaces_lock);
    as->root->spaces = g_slist_remove(as->root->spaces, as);
    flatview_unref(as->current);
    as->current = NULL;
    g_slist_free(as->listeners);
    as->listeners = NULL;
    g_mutex_clear(&as->lock);
    g_clear_pointer(&as->name, g_free);
}

void address_space_add_listener(AddressSpace *as, AddressSpaceListener *l)
{
    as->listeners = g_slist_append(as->listeners, l);
}

void address_space_remove_listener(AddressSpace *as, AddressSpaceListener *l)
{
    as->listeners = g_slist_remove(as->listeners, l);
}

/* ---- info mtree ---------------------------------------------------------- */

static const char *const region_kind_names[] = {
    [MR_CONTAINER] = "container",
    [MR_RAM] = "ram",
    [MR_ROM] = "rom",
    [MR_MMIO] = "i/o",
    [MR_ALIAS] = "alias",
    [MR_ROM_DEVICE] = "romd",
};

static void format_span(GString *out, Addr start, Addr size)
{
    Addr last = size > 0 ? start + size - 1 : start;
    g_string_append_printf(out, "%016" PRIx64 "-%016" PRIx64,
                           (uint64_t)start, (uint64_t)last);
}

/* Display order: by address, then highest priority first. */
static gint subregion_display_cmp(gconstpointer a, gconstpointer b)
{
    const MemoryRegion *x = *(MemoryRegion *const *)a;
    const MemoryRegion *y = *(MemoryRegion *const *)b;
    if (x->addr != y->addr) {
        return x->addr < y->addr ? -1 : 1;
    }
    if (x->priority != y->priority) {
        return x->priority > y->priority ? -1 : 1;
    }
    return x->seq > y->seq ? -1 : (x->seq < y->seq);
}

static void format_region(GString *out, MemoryRegion *mr, Addr base, unsigned level,
                          GPtrArray *alias_targets)
{
    g_string_append_printf(out, "%*s", (int)(2 * level), "");
    format_span(out, base, region_extent(mr));
    g_string_append_printf(out, " (prio %d, %s): %s", mr->priority,
                           region_kind_names[mr->kind], mr->name);
    if (mr->kind == MR_ALIAS) {
        g_string_append_printf(out, " @%s ", mr->alias->name);
        format_span(out, mr->alias_offset, region_extent(mr));
        if (mr->alias->kind == MR_CONTAINER || mr->alias->kind == MR_ALIAS) {
            if (!g_ptr_array_find(alias_targets, mr->alias, NULL)) {
                g_ptr_array_add(alias_targets, mr->alias);
            }
        }
    }
    if (!mr->enabled) {
        g_string_append(out, " [disabled]");
    }
    g_string_append_c(out, '\n');
    if (mr->kind != MR_CONTAINER) {
        return;
    }
    GPtrArray *subs = g_ptr_array_copy(mr->subregions, NULL, NULL);
    g_ptr_array_sort(subs, subregion_display_cmp);
    for (guint i = 0; i < subs->len; i++) {
        MemoryRegion *sub = g_ptr_array_index(subs, i);
        format_region(out, sub, base + (Addr)sub->addr, level + 1, alias_targets);
    }
    g_ptr_array_free(subs, TRUE);
}

static void format_flatview(GString *out, AddressSpace *as)
{
    FlatView *fv = address_space_get_flatview(as);
    g_string_append_printf(out, "FlatView #0\n AS \"%s\", root: %s\n Root memory region: %s\n",
                           as->name, as->root->name, as->root->name);
    if (fv->nr == 0) {
        g_string_append(out, "  No rendered FlatView\n");
    }
    for (unsigned i = 0; i < fv->nr; i++) {
        const FlatRange *fr = &fv->ranges[i];
        g_string_append(out, "  ");
        format_span(out, fr->start, fr->size);
        g_string_append_printf(out, " (prio %d, %s): %s", fr->mr->priority,
                               region_kind_names[fr->mr->kind], fr->mr->name);
        if (fr->offset_in_region) {
            g_string_append_printf(out, " @%016" PRIx64, fr->offset_in_region);
        }
        g_string_append_c(out, '\n');
    }
    flatview_unref(fv);
}

char *address_space_format_mtree(AddressSpace *as, bool flatview)
{
    GString *out = g_string_new(NULL);
    GPtrArray *alias_targets = g_ptr_array_new();
    g_string_append_printf(out, "address-space: %s\n", as->name);
    format_region(out, as->root, 0, 1, alias_targets);
    /* Containers seen only through aliases get their own listing. */
    for (guint i = 0; i < alias_targets->len; i++) {
        MemoryRegion *target = g_ptr_array_index(alias_targets, i);
        g_string_append_printf(out, "\nmemory-region: %s\n", target->name);
        format_region(out, target, 0, 1, alias_targets);
    }
    g_ptr_array_free(alias_targets, TRUE);
    if (flatview) {
        g_string_append_c(out, '\n');
        format_flatview(out, as);
    }
    return g_string_free(out, FALSE);
}
