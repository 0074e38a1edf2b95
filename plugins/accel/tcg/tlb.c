/* SPDX-License-Identifier: MIT */
/*
 * The per-vCPU software TLB and guest memory access.
 *
 * Each mmu index has TCG_TLB_SIZE direct-mapped entries.  An entry's
 * comparators hold the virtual page when the access may go straight to host
 * memory at vaddr + addend; flag bits in their low bits force the slow path
 * here: MMIO (dispatched through the CPU's address space under the device
 * lock) and NOTDIRTY (a store to a page holding translated code, which
 * invalidates the affected blocks).  Misses call TcgCpuOps.tlb_fill, which
 * walks the page table and may raise the guest fault.
 *
 * Atomic operations on RAM use host atomics on the host pointer, so LR/SC
 * and AMOs are atomic across vCPU threads; on MMIO they run under the
 * device lock.
 */
#include <string.h>

#include "plugins/accel/tcg/tcg-internal.h"

/* Result of resolving one access within a page. */
typedef struct TlbAccess {
    uint8_t *host;       /* RAM: host address of the accessed byte; else NULL */
    uint64_t paddr;      /* guest physical address of the accessed byte */
    bool notdirty;       /* RAM page holding code (writes invalidate) */
    bool uncached;       /* served without a TLB entry: may be RAM behind fine PMP */
} TlbAccess;

static inline TcgVcpuState *vstate(CPUState *cpu)
{
    return tcg_vcpu_of(cpu);
}

static inline uint64_t entry_cmp(const TcgTlbEntry *e, TcgAccessType access)
{
    switch (access) {
    case TCG_ACCESS_READ:
        return e->addr_read;
    case TCG_ACCESS_WRITE:
        return __atomic_load_n(&e->addr_write, __ATOMIC_RELAXED);
    default:
        return e->addr_code;
    }
}

static inline bool cmp_hits(uint64_t cmp, uint64_t vaddr)
{
    return !(cmp & TCG_TLB_INVALID) && (cmp & TCG_PAGE_MASK) == (vaddr & TCG_PAGE_MASK);
}

/* ---- flushing ---------------------------------------------------------------- */

static void tlb_entry_clear(TcgTlbEntry *e, TcgTlbFull *f)
{
    e->addr_read = TCG_TLB_EMPTY;
    __atomic_store_n(&e->addr_write, TCG_TLB_EMPTY, __ATOMIC_RELAXED);
    e->addr_code = TCG_TLB_EMPTY;
    e->addend = 0;
    __atomic_store_n(&f->paddr_page, TCG_TLB_EMPTY, __ATOMIC_RELAXED);
    f->global = false;
}

static void set_flush_mmu(TcgTlbSet *s, unsigned mmu)
{
    TcgTlbEntry *t = s->tlb[mmu];
    TcgTlbFull *f = s->full[mmu];
    for (unsigned i = 0; i < TCG_TLB_SIZE; i++) {
        tlb_entry_clear(&t[i], &f[i]);
    }
    s->large_page_addr[mmu] = TCG_TLB_EMPTY;
    s->large_page_mask[mmu] = 0;
}

static void set_flush(TcgVcpuState *v, TcgTlbSet *s)
{
    for (unsigned m = 0; m < v->pub.nb_mmu_modes; m++) {
        if (s->used & (1u << m)) {
            set_flush_mmu(s, m);
        }
    }
    __atomic_store_n(&s->used, 0, __ATOMIC_RELAXED);
    tcg_jmp_cache_clear_set(s);
}

/* Drop the non-global entries of @s (large-page tracking stays: it only
 * makes page flushes coarser). */
static void set_flush_non_global(TcgVcpuState *v, TcgTlbSet *s)
{
    for (unsigned m = 0; m < v->pub.nb_mmu_modes; m++) {
        if (!(s->used & (1u << m))) {
            continue;
        }
        TcgTlbEntry *t = s->tlb[m];
        TcgTlbFull *f = s->full[m];
        for (unsigned i = 0; i < TCG_TLB_SIZE; i++) {
            if (!f[i].global) {
                tlb_entry_clear(&t[i], &f[i]);
            }
        }
    }
    tcg_jmp_cache_clear_set(s);
}

void tcg_tlb_flush_local(TcgVcpuState *v)
{
    /* Counted with -d mmu (grep "tlb: full flush"). */
    log_mask(LOG_MMU, "cpu %u: tlb: full flush\n", v->index);
    for (unsigned i = 0; i < v->nsets; i++) {
        TcgTlbSet *s = v->sets[i];
        set_flush(v, s);
        /* Other address spaces are forgotten: their sets are free. */
        s->live = s == v->cur;
    }
}

static void set_flush_page(TcgVcpuState *v, TcgTlbSet *s, uint64_t vaddr)
{
    uint64_t page = vaddr & TCG_PAGE_MASK;
    unsigned idx = tcg_tlb_index(vaddr);
    bool large = false;
    for (unsigned m = 0; m < v->pub.nb_mmu_modes; m++) {
        if (s->large_page_mask[m] && (vaddr & s->large_page_mask[m]) == s->large_page_addr[m]) {
            set_flush_mmu(s, m);
            large = true;
            continue;
        }
        TcgTlbEntry *e = &s->tlb[m][idx];
        if (cmp_hits(e->addr_read, page) || cmp_hits(e->addr_write, page) ||
            cmp_hits(e->addr_code, page)) {
            tlb_entry_clear(e, &s->full[m][idx]);
        }
    }
    /* Blocks are found by virtual pc; the mapping of this page (or of a
     * large page around it, whose other pages' blocks are anywhere in the
     * jump cache) changed. */
    if (large) {
        tcg_jmp_cache_clear_set(s);
    } else {
        tcg_jmp_cache_clear_page(s, vaddr);
    }
}

void tcg_tlb_flush_page_local(TcgVcpuState *v, uint64_t vaddr)
{
    for (unsigned i = 0; i < v->nsets; i++) {
        if (v->sets[i]->live) {
            set_flush_page(v, v->sets[i], vaddr);
        }
    }
}

void tcg_tlb_flush_tag(TcgVcpuState *v, uint64_t value, uint64_t mask, bool keep_global)
{
    log_mask(LOG_MMU, "cpu %u: tlb: tag flush 0x%" PRIx64 "/0x%" PRIx64 "%s\n", v->index, value,
             mask, keep_global ? " (non-global)" : "");
    for (unsigned i = 0; i < v->nsets; i++) {
        TcgTlbSet *s = v->sets[i];
        if (!s->live || (s->tag & mask) != value) {
            continue;
        }
        if (keep_global) {
            set_flush_non_global(v, s);
        } else {
            set_flush(v, s);
        }
    }
}

static void set_activate(TcgVcpuState *v, TcgTlbSet *s)
{
    v->cur = s;
    s->stamp = ++v->set_clock;
    for (unsigned m = 0; m < v->pub.nb_mmu_modes; m++) {
        v->pub.tlb[m] = s->tlb[m];
    }
    if (v->pub.jmp_cache) {
        v->pub.jmp_cache = s->jmp_cache;
    }
}

static TcgTlbSet *set_new(TcgVcpuState *v)
{
    TcgTlbSet *s = g_new0(TcgTlbSet, 1);
    for (unsigned m = 0; m < v->pub.nb_mmu_modes; m++) {
        s->tlb[m] = g_new(TcgTlbEntry, TCG_TLB_SIZE);
        s->full[m] = g_new(TcgTlbFull, TCG_TLB_SIZE);
        set_flush_mmu(s, m);
    }
    s->jmp_cache = g_new0(TcgTb *, TCG_JMP_CACHE_SIZE);
    return s;
}

/* Carry @from's global entries into the empty set @to (tb_lock held, so
 * that no page becomes code between reading and writing an entry). */
static void set_copy_globals(TcgVcpuState *v, TcgTlbSet *from, TcgTlbSet *to)
{
    for (unsigned m = 0; m < v->pub.nb_mmu_modes; m++) {
        if (!(from->used & (1u << m))) {
            continue;
        }
        bool any = false;
        for (unsigned i = 0; i < TCG_TLB_SIZE; i++) {
            const TcgTlbFull *f = &from->full[m][i];
            if (!f->global) {
                continue;
            }
            const TcgTlbEntry *e = &from->tlb[m][i];
            TcgTlbEntry *d = &to->tlb[m][i];
            d->addr_read = e->addr_read;
            d->addr_code = e->addr_code;
            d->addend = e->addend;
            __atomic_store_n(&d->addr_write, __atomic_load_n(&e->addr_write, __ATOMIC_RELAXED),
                             __ATOMIC_RELAXED);
            to->full[m][i].global = true;
            __atomic_store_n(&to->full[m][i].paddr_page, f->paddr_page, __ATOMIC_RELAXED);
            any = true;
        }
        if (any) {
            __atomic_fetch_or(&to->used, 1u << m, __ATOMIC_RELAXED);
            /* Keep page flushes inside the source's large pages coarse. */
            to->large_page_addr[m] = from->large_page_addr[m];
            to->large_page_mask[m] = from->large_page_mask[m];
        }
    }
}

void tcg_tlb_set_tag(TcgVcpuState *v, uint64_t tag, uint64_t global_mask)
{
    TcgTlbSet *cur = v->cur;
    if (cur->tag == tag) {
        return;
    }
    TcgTlbSet *victim = NULL;
    for (unsigned i = 0; i < v->nsets; i++) {
        TcgTlbSet *s = v->sets[i];
        if (s->live && s->tag == tag) {
            set_activate(v, s);
            return;
        }
        if (s != cur && (!victim || (victim->live && (!s->live || s->stamp < victim->stamp)))) {
            victim = s;
        }
    }
    log_mask(LOG_MMU, "cpu %u: tlb: new tag 0x%" PRIx64 "\n", v->index, tag);
    TcgAccel *a = v->accel;
    g_mutex_lock(&a->tb_lock);
    if (v->nsets < TCG_TLB_TAG_SETS && (!victim || victim->live)) {
        victim = set_new(v);
        v->sets[v->nsets] = victim;
        __atomic_store_n(&v->nsets, v->nsets + 1, __ATOMIC_RELEASE);
    } else {
        set_flush(v, victim);
    }
    victim->tag = tag;
    victim->live = true;
    if (((cur->tag ^ tag) & global_mask) == 0) {
        set_copy_globals(v, cur, victim);
    }
    g_mutex_unlock(&a->tb_lock);
    set_activate(v, victim);
}

bool tcg_tlb_init(TcgVcpuState *v)
{
    unsigned n = v->pub.ops->nb_mmu_modes;
    g_assert(n >= 1 && n <= TCG_MAX_MMU_MODES);
    v->pub.nb_mmu_modes = n;
    TcgTlbSet *s = set_new(v);
    s->tag = 0;
    s->live = true;
    v->sets[0] = s;
    v->nsets = 1;
    set_activate(v, s);
    g_mutex_init(&v->flush_lock);
    g_cond_init(&v->flush_cond);
    return true;
}

void tcg_tlb_destroy(TcgVcpuState *v)
{
    for (unsigned i = 0; i < v->nsets; i++) {
        TcgTlbSet *s = v->sets[i];
        for (unsigned m = 0; m < TCG_MAX_MMU_MODES; m++) {
            g_free(s->tlb[m]);
            g_free(s->full[m]);
        }
        g_free(s->jmp_cache);
        g_free(s);
        v->sets[i] = NULL;
    }
    v->nsets = 0;
    v->cur = NULL;
    for (unsigned m = 0; m < TCG_MAX_MMU_MODES; m++) {
        v->pub.tlb[m] = NULL;
    }
    v->pub.jmp_cache = NULL;
    g_mutex_clear(&v->flush_lock);
    g_cond_clear(&v->flush_cond);
}

void tcg_tlb_mark_code_page_locked(TcgAccel *a, uint64_t page)
{
    for (guint i = 0; i < a->vcpus->len; i++) {
        TcgVcpuState *v = g_ptr_array_index(a->vcpus, i);
        unsigned nsets = __atomic_load_n(&v->nsets, __ATOMIC_ACQUIRE);
        for (unsigned si = 0; si < nsets; si++) {
            TcgTlbSet *s = v->sets[si];
            /* Mmu indexes never filled since their last flush hold nothing
             * (a fill marks its index before storing the entry and fences
             * before reading the code count, see tlb_resolve). */
            unsigned used = __atomic_load_n(&s->used, __ATOMIC_RELAXED);
            for (unsigned m = 0; m < v->pub.nb_mmu_modes; m++) {
                if (!(used & (1u << m))) {
                    continue;
                }
                TcgTlbEntry *t = s->tlb[m];
                TcgTlbFull *f = s->full[m];
                for (unsigned k = 0; k < TCG_TLB_SIZE; k++) {
                    if (__atomic_load_n(&f[k].paddr_page, __ATOMIC_ACQUIRE) != page) {
                        continue;
                    }
                    uint64_t w = __atomic_load_n(&t[k].addr_write, __ATOMIC_RELAXED);
                    /* A concurrent flush by the owner makes the CAS fail: fine. */
                    if (!(w & TCG_TLB_FLAGS_MASK)) {
                        __atomic_compare_exchange_n(&t[k].addr_write, &w, w | TCG_TLB_NOTDIRTY,
                                                    false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
                    }
                }
            }
        }
    }
}

/* ---- filling ------------------------------------------------------------------ */

static void *ram_page_ptr(CPUState *cpu, uint64_t paddr_page, bool is_write)
{
    uint64_t len = 0;
    void *p = address_space_get_host_ptr(cpu->as, paddr_page, is_write, &len);
    return (p && len >= TCG_PAGE_SIZE) ? p : NULL;
}

static void note_large_page(TcgTlbSet *s, unsigned mmu, uint64_t vaddr, uint64_t size)
{
    uint64_t mask = ~(size - 1);
    uint64_t addr = vaddr & mask;
    if (s->large_page_mask[mmu]) {
        uint64_t old = s->large_page_addr[mmu];
        mask &= s->large_page_mask[mmu];
        while ((old ^ addr) & mask) {
            mask <<= 1;
        }
        addr &= mask;
    }
    s->large_page_addr[mmu] = addr;
    s->large_page_mask[mmu] = mask;
}

/*
 * Resolve @vaddr (@size bytes within one page) for @access through the TLB,
 * filling it on a miss (tlb_fill raises on faults unless @probe, in which
 * case false is returned).
 */
static bool tlb_resolve(TcgVcpuState *v, uint64_t vaddr, unsigned size, TcgAccessType access,
                        int mmu, bool probe, uintptr_t ra, TlbAccess *out)
{
    CPUState *cpu = v->pub.cpu;
    g_assert((unsigned)mmu < v->pub.nb_mmu_modes);
    unsigned idx = tcg_tlb_index(vaddr);
    TcgTlbEntry *e = &v->pub.tlb[mmu][idx];
    uint64_t cmp = entry_cmp(e, access);
    if (!cmp_hits(cmp, vaddr)) {
        TcgTlbFillResult res = { 0 };
        if (!v->pub.ops->tlb_fill(cpu, vaddr, size, access, mmu, probe, ra, &res)) {
            g_assert(probe);
            return false;
        }
        uint64_t vpage = vaddr & TCG_PAGE_MASK;
        uint64_t ppage = res.paddr & TCG_PAGE_MASK;
        /* A watched page: data accesses always take the slow path. */
        bool watched = v->dbg_watching && tcg_debug_page_watched(v, vpage);
        if (res.page_size < TCG_PAGE_SIZE || (watched && access != TCG_ACCESS_FETCH)) {
            /* Not cacheable (fine-grained PMP): serve this access only. */
            out->paddr = res.paddr;
            out->host = NULL;
            out->notdirty = false;
            out->uncached = true;
            return true;
        }
        if (res.page_size > TCG_PAGE_SIZE) {
            note_large_page(v->cur, mmu, vaddr, res.page_size);
        }
        uint8_t *hr = ram_page_ptr(cpu, ppage, false);
        uint8_t *hw = ram_page_ptr(cpu, ppage, true);
        if (hw && hw != hr) {
            hw = NULL;
        }
        TcgTlbEntry ne = {
            .addr_read = (res.prot & TCG_PROT_READ) ? (vpage | (hr ? 0 : TCG_TLB_MMIO))
                                                    : TCG_TLB_EMPTY,
            .addr_code = (res.prot & TCG_PROT_EXEC) ? (vpage | (hr ? 0 : TCG_TLB_MMIO))
                                                    : TCG_TLB_EMPTY,
            .addr_write = (res.prot & TCG_PROT_WRITE) ? (vpage | (hw ? 0 : TCG_TLB_MMIO))
                                                      : TCG_TLB_EMPTY,
            .addend = hr ? (uintptr_t)hr - (uintptr_t)vpage : 0,
        };
        /* The access being served must be granted even if tlb_fill's prot
         * forgot it (e.g. MXR makes execute-only pages readable). */
        if (access == TCG_ACCESS_READ && ne.addr_read == TCG_TLB_EMPTY) {
            ne.addr_read = vpage | (hr ? 0 : TCG_TLB_MMIO);
        } else if (access == TCG_ACCESS_WRITE && ne.addr_write == TCG_TLB_EMPTY) {
            ne.addr_write = vpage | (hw ? 0 : TCG_TLB_MMIO);
        } else if (access == TCG_ACCESS_FETCH && ne.addr_code == TCG_TLB_EMPTY) {
            ne.addr_code = vpage | (hr ? 0 : TCG_TLB_MMIO);
        }
        if (watched) {
            ne.addr_read = TCG_TLB_EMPTY;
            ne.addr_write = TCG_TLB_EMPTY;
        }
        TcgAccel *a = v->accel;
        TcgTlbSet *set = v->cur;
        __atomic_fetch_or(&set->used, 1u << mmu, __ATOMIC_RELAXED);
        /*
         * No lock on the common path.  "Page holds code" and "entry is
         * fast-writable" must stay exclusive: the entry is stored first,
         * then the page's code count read; page_add_tb counts the page
         * first, then scans every TLB (tb_lock held), with a full fence
         * between on both sides.  So either the scan sees this entry and
         * makes it NOTDIRTY, or this fill sees the count and checks the
         * page under the lock.  The owner stores through the entry only
         * after the fill, and other vCPUs never do.
         */
        e->addr_read = ne.addr_read;
        e->addr_code = ne.addr_code;
        e->addend = ne.addend;
        __atomic_store_n(&e->addr_write, ne.addr_write, __ATOMIC_RELAXED);
        set->full[mmu][idx].global = res.global;
        __atomic_store_n(&set->full[mmu][idx].paddr_page, ppage, __ATOMIC_RELEASE);
        if (ne.addr_write != TCG_TLB_EMPTY && !(ne.addr_write & TCG_TLB_FLAGS_MASK)) {
            __atomic_thread_fence(__ATOMIC_SEQ_CST);
            if (__atomic_load_n(&a->code_count[tcg_code_count_slot(ppage)], __ATOMIC_RELAXED)) {
                g_mutex_lock(&a->tb_lock);
                uint64_t w = ne.addr_write;
                if (tcg_page_has_code_locked(a, ppage)) {
                    __atomic_compare_exchange_n(&e->addr_write, &w, w | TCG_TLB_NOTDIRTY, false,
                                                __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
                }
                g_mutex_unlock(&a->tb_lock);
            }
        }
        cmp = entry_cmp(e, access);
    }
    uint64_t off = vaddr & ~TCG_PAGE_MASK;
    out->paddr = v->cur->full[mmu][idx].paddr_page | off;
    out->notdirty = (cmp & TCG_TLB_NOTDIRTY) != 0;
    out->uncached = false;
    out->host = (cmp & TCG_TLB_MMIO) ? NULL : (uint8_t *)(uintptr_t)(vaddr + e->addend);
    return true;
}

/* ---- raw accesses within a page -------------------------------------------------- */

static uint64_t host_load(const uint8_t *p, unsigned size)
{
    switch (size) {
    case 1:
        return *p;
    case 2: {
        uint16_t x;
        memcpy(&x, p, 2);
        return GUINT16_FROM_LE(x);
    }
    case 4: {
        uint32_t x;
        memcpy(&x, p, 4);
        return GUINT32_FROM_LE(x);
    }
    default: {
        uint64_t x;
        memcpy(&x, p, 8);
        return GUINT64_FROM_LE(x);
    }
    }
}

static void host_store(uint8_t *p, uint64_t val, unsigned size)
{
    switch (size) {
    case 1:
        *p = (uint8_t)val;
        break;
    case 2: {
        uint16_t x = GUINT16_TO_LE((uint16_t)val);
        memcpy(p, &x, 2);
        break;
    }
    case 4: {
        uint32_t x = GUINT32_TO_LE((uint32_t)val);
        memcpy(p, &x, 4);
        break;
    }
    default: {
        uint64_t x = GUINT64_TO_LE(val);
        memcpy(p, &x, 8);
        break;
    }
    }
}

static const char *const access_names[] = {
    [TCG_ACCESS_READ] = "read",
    [TCG_ACCESS_WRITE] = "write",
    [TCG_ACCESS_FETCH] = "fetch",
};

/* A bus transaction failed: log it and let the CPU raise its access fault
 * (called with the device lock released). */
static void transaction_failed(TcgVcpuState *v, uint64_t vaddr, uint64_t paddr, unsigned size,
                               TcgAccessType access, int mmu, MemTxResult r, uintptr_t ra)
{
    CPUState *cpu = v->pub.cpu;
    log_mask(LOG_GUEST_ERROR,
             "cpu %d: %s of %u bytes at 0x%" PRIx64 " (physical 0x%" PRIx64 ") failed: %s\n",
             cpu->index, access_names[access], size, vaddr, paddr,
             r == MEMTX_DECODE_ERROR ? "nothing is mapped there" : "the device refused it");
    if (v->pub.ops->do_transaction_failed) {
        v->pub.ops->do_transaction_failed(cpu, vaddr, paddr, size, access, mmu, r, ra);
    }
}

/* Waiting for the device lock the vCPU runs no guest code: broadcast TLB
 * maintenance does not wait for it, and it applies what was posted before
 * going on (the access in progress keeps the translation it already has,
 * like a store already issued). */
static void vcpu_devlock_lock(TcgVcpuState *v)
{
    bool was = __atomic_load_n(&v->in_code, __ATOMIC_RELAXED);
    if (was) {
        tcg_vcpu_leave_code(v);
    }
    devlock_lock();
    if (was) {
        tcg_vcpu_enter_code(v);
    }
}

static uint64_t mmio_read(TcgVcpuState *v, uint64_t vaddr, uint64_t paddr, unsigned size,
                          TcgAccessType access, int mmu, uintptr_t ra)
{
    uint64_t val = 0;
    vcpu_devlock_lock(v);
    MemTxResult r = address_space_read(v->pub.cpu->as, paddr, &val, size);
    devlock_unlock();
    if (r != MEMTX_OK) {
        transaction_failed(v, vaddr, paddr, size, access, mmu, r, ra);
        val = 0;
    }
    return val;
}

static void mmio_write(TcgVcpuState *v, uint64_t vaddr, uint64_t paddr, uint64_t val,
                       unsigned size, int mmu, uintptr_t ra)
{
    vcpu_devlock_lock(v);
    MemTxResult r = address_space_write(v->pub.cpu->as, paddr, val, size);
    devlock_unlock();
    if (r != MEMTX_OK) {
        transaction_failed(v, vaddr, paddr, size, TCG_ACCESS_WRITE, mmu, r, ra);
    }
}

/* After a store to RAM that may hold code. */
static void code_written(TcgVcpuState *v, uint64_t vaddr, int mmu, uint64_t paddr, unsigned size)
{
    TcgAccel *a = v->accel;
    tcg_tb_invalidate_phys_range(a, paddr, size);
    /* No code left on the page: let stores take the fast path again. */
    unsigned idx = tcg_tlb_index(vaddr);
    g_mutex_lock(&a->tb_lock);
    if (!tcg_page_has_code_locked(a, paddr & TCG_PAGE_MASK) &&
        v->cur->full[mmu][idx].paddr_page == (paddr & TCG_PAGE_MASK)) {
        TcgTlbEntry *e = &v->pub.tlb[mmu][idx];
        uint64_t w = __atomic_load_n(&e->addr_write, __ATOMIC_RELAXED);
        if (cmp_hits(w, vaddr) && (w & TCG_TLB_NOTDIRTY)) {
            __atomic_compare_exchange_n(&e->addr_write, &w, w & ~(uint64_t)TCG_TLB_NOTDIRTY,
                                        false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
        }
    }
    g_mutex_unlock(&a->tb_lock);
}

static uint64_t ld_in_page(TcgVcpuState *v, uint64_t vaddr, unsigned size, int mmu, uintptr_t ra,
                           TcgAccessType access)
{
    TlbAccess t;
    tlb_resolve(v, vaddr, size, access, mmu, false, ra, &t);
    if (t.host) {
        return host_load(t.host, size);
    }
    return mmio_read(v, vaddr, t.paddr, size, access, mmu, ra);
}

static void st_in_page(TcgVcpuState *v, uint64_t vaddr, uint64_t val, unsigned size, int mmu,
                       uintptr_t ra, const TlbAccess *t)
{
    if (t->host) {
        host_store(t->host, val, size);
        if (t->notdirty) {
            code_written(v, vaddr, mmu, t->paddr, size);
        }
        return;
    }
    mmio_write(v, vaddr, t->paddr, val, size, mmu, ra);
    /* A store served without a TLB entry may have written RAM holding code.
     * Stores to devices or ROM cannot: translated code only comes from RAM
     * pages, so they skip the TB lock. */
    if (t->uncached) {
        tcg_tb_invalidate_phys_range(v->accel, t->paddr, size);
    }
}

static uint64_t extend(uint64_t val, unsigned memop)
{
    switch (memop & (IR_MO_SIZE | IR_MO_SIGN)) {
    case IR_MO_8:
        return (uint8_t)val;
    case IR_MO_16:
        return (uint16_t)val;
    case IR_MO_32:
        return (uint32_t)val;
    case IR_MO_8 | IR_MO_SIGN:
        return (uint64_t)(int64_t)(int8_t)val;
    case IR_MO_16 | IR_MO_SIGN:
        return (uint64_t)(int64_t)(int16_t)val;
    case IR_MO_32 | IR_MO_SIGN:
        return (uint64_t)(int64_t)(int32_t)val;
    default:
        return val;
    }
}

static bool crosses_page(uint64_t vaddr, unsigned size)
{
    return (vaddr & ~TCG_PAGE_MASK) + size > TCG_PAGE_SIZE;
}

static void check_align(TcgVcpuState *v, uint64_t vaddr, unsigned memop, TcgAccessType access,
                        int mmu, uintptr_t ra)
{
    unsigned size = ir_memop_size(memop);
    if ((vaddr & (size - 1)) && (memop & IR_MO_ALIGN)) {
        v->pub.ops->do_unaligned_access(v->pub.cpu, vaddr, access, mmu, ra);
        g_assert_not_reached();
    }
}

/* ---- the slow paths --------------------------------------------------------------- */

static uint64_t do_ld(TcgVcpuState *v, uint64_t vaddr, unsigned memop, int mmu, uintptr_t ra,
                      TcgAccessType access)
{
    unsigned size = ir_memop_size(memop);
    check_align(v, vaddr, memop, access, mmu, ra);
    if (v->dbg_watching && access != TCG_ACCESS_FETCH) {
        tcg_debug_check_watch(v, vaddr, size, false, ra);
    }
    uint64_t val;
    if (!crosses_page(vaddr, size)) {
        val = ld_in_page(v, vaddr, size, mmu, ra, access);
    } else {
        val = 0;
        for (unsigned i = 0; i < size; i++) {
            val |= ld_in_page(v, vaddr + i, 1, mmu, ra, access) << (8 * i);
        }
    }
    return extend(val, memop);
}

static void do_st(TcgVcpuState *v, uint64_t vaddr, uint64_t val, unsigned memop, int mmu,
                  uintptr_t ra)
{
    unsigned size = ir_memop_size(memop);
    check_align(v, vaddr, memop, TCG_ACCESS_WRITE, mmu, ra);
    if (v->dbg_watching) {
        tcg_debug_check_watch(v, vaddr, size, true, ra);
    }
    TlbAccess t;
    if (!crosses_page(vaddr, size)) {
        tlb_resolve(v, vaddr, size, TCG_ACCESS_WRITE, mmu, false, ra, &t);
        st_in_page(v, vaddr, val, size, mmu, ra, &t);
        return;
    }
    /* Check both pages before writing anything so a fault is precise. */
    unsigned first = (unsigned)(TCG_PAGE_SIZE - (vaddr & ~TCG_PAGE_MASK));
    tlb_resolve(v, vaddr, first, TCG_ACCESS_WRITE, mmu, false, ra, &t);
    tlb_resolve(v, vaddr + first, size - first, TCG_ACCESS_WRITE, mmu, false, ra, &t);
    for (unsigned i = 0; i < size; i++) {
        tlb_resolve(v, vaddr + i, 1, TCG_ACCESS_WRITE, mmu, false, ra, &t);
        st_in_page(v, vaddr + i, val >> (8 * i), 1, mmu, ra, &t);
    }
}

static uint64_t size_mask(unsigned size)
{
    return size == 8 ? UINT64_MAX : ((1ull << (8 * size)) - 1);
}

static uint64_t rmw_apply(IrAtomicOp op, uint64_t old, uint64_t val, unsigned memop)
{
    uint64_t so = extend(old, memop | IR_MO_SIGN), sv = extend(val, memop | IR_MO_SIGN);
    uint64_t uo = extend(old, memop & ~IR_MO_SIGN), uv = extend(val, memop & ~IR_MO_SIGN);
    switch (op) {
    case IR_ATOMIC_XCHG:
        return val;
    case IR_ATOMIC_ADD:
        return old + val;
    case IR_ATOMIC_AND:
        return old & val;
    case IR_ATOMIC_OR:
        return old | val;
    case IR_ATOMIC_XOR:
        return old ^ val;
    case IR_ATOMIC_SMIN:
        return (int64_t)so < (int64_t)sv ? old : val;
    case IR_ATOMIC_SMAX:
        return (int64_t)so > (int64_t)sv ? old : val;
    case IR_ATOMIC_UMIN:
        return uo < uv ? old : val;
    case IR_ATOMIC_UMAX:
        return uo > uv ? old : val;
    }
    g_assert_not_reached();
}

/* Host compare-and-swap of @size bytes; returns the old value. */
static uint64_t host_cas(uint8_t *p, unsigned size, uint64_t cmp, uint64_t newv)
{
    switch (size) {
    case 1: {
        uint8_t c = (uint8_t)cmp;
        __atomic_compare_exchange_n(p, &c, (uint8_t)newv, false, __ATOMIC_SEQ_CST,
                                    __ATOMIC_SEQ_CST);
        return c;
    }
    case 2: {
        uint16_t c = (uint16_t)cmp;
        __atomic_compare_exchange_n((uint16_t *)p, &c, (uint16_t)newv, false,
                                    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
        return c;
    }
    case 4: {
        uint32_t c = (uint32_t)cmp;
        __atomic_compare_exchange_n((uint32_t *)p, &c, (uint32_t)newv, false,
                                    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
        return c;
    }
    default: {
        uint64_t c = cmp;
        __atomic_compare_exchange_n((uint64_t *)p, &c, newv, false, __ATOMIC_SEQ_CST,
                                    __ATOMIC_SEQ_CST);
        return c;
    }
    }
}

static uint64_t host_atomic_load(uint8_t *p, unsigned size)
{
    switch (size) {
    case 1:
        return __atomic_load_n(p, __ATOMIC_SEQ_CST);
    case 2:
        return __atomic_load_n((uint16_t *)p, __ATOMIC_SEQ_CST);
    case 4:
        return __atomic_load_n((uint32_t *)p, __ATOMIC_SEQ_CST);
    default:
        return __atomic_load_n((uint64_t *)p, __ATOMIC_SEQ_CST);
    }
}

/*
 * Shared by cmpxchg and rmw: @op < 0 means compare-and-swap with @cmp.
 * Atomic accesses must be aligned; they are checked as stores.
 */
static uint64_t do_atomic(TcgVcpuState *v, uint64_t vaddr, int op, uint64_t cmp, uint64_t val,
                          unsigned memop, int mmu, uintptr_t ra)
{
    unsigned size = ir_memop_size(memop);
    if (vaddr & (size - 1)) {
        v->pub.ops->do_unaligned_access(v->pub.cpu, vaddr, TCG_ACCESS_WRITE, mmu, ra);
        g_assert_not_reached();
    }
    uint64_t mask = size_mask(size);
    if (v->dbg_watching) {
        tcg_debug_check_watch(v, vaddr, size, true, ra);
    }
    TlbAccess t;
    tlb_resolve(v, vaddr, size, TCG_ACCESS_WRITE, mmu, false, ra, &t);
    uint64_t old;
    if (t.host) {
        if (op < 0) {
            old = host_cas(t.host, size, cmp & mask, val & mask);
        } else {
            old = host_atomic_load(t.host, size);
            for (;;) {
                uint64_t nv = rmw_apply((IrAtomicOp)op, old, val, memop) & mask;
                uint64_t seen = host_cas(t.host, size, old, nv);
                if (seen == old) {
                    break;
                }
                old = seen;
            }
        }
        if (t.notdirty) {
            code_written(v, vaddr, mmu, t.paddr, size);
        }
    } else {
        CPUState *cpu = v->pub.cpu;
        vcpu_devlock_lock(v);
        old = 0;
        MemTxResult r = address_space_read(cpu->as, t.paddr, &old, size);
        if (r != MEMTX_OK) {
            devlock_unlock();
            transaction_failed(v, vaddr, t.paddr, size, TCG_ACCESS_WRITE, mmu, r, ra);
            vcpu_devlock_lock(v);
        }
        old &= mask;
        uint64_t nv = op < 0 ? ((old == (cmp & mask)) ? val : old)
                             : rmw_apply((IrAtomicOp)op, old, val, memop);
        if (op >= 0 || old == (cmp & mask)) {
            address_space_write(cpu->as, t.paddr, nv & mask, size);
        }
        devlock_unlock();
    }
    return extend(old, memop);
}

/* ---- entry points for compiled code (TcgVcpu hooks) ----------------------------- */

static uint64_t hook_slow_ld(TcgVcpu *pub, uint64_t addr, unsigned memop, int mmu, uintptr_t ra)
{
    return do_ld((TcgVcpuState *)pub, addr, memop, mmu, ra, TCG_ACCESS_READ);
}

static void hook_slow_st(TcgVcpu *pub, uint64_t addr, uint64_t val, unsigned memop, int mmu,
                         uintptr_t ra)
{
    do_st((TcgVcpuState *)pub, addr, val, memop, mmu, ra);
}

static uint64_t hook_cmpxchg(TcgVcpu *pub, uint64_t addr, uint64_t cmp, uint64_t newv,
                             unsigned memop, int mmu, uintptr_t ra)
{
    return do_atomic((TcgVcpuState *)pub, addr, -1, cmp, newv, memop, mmu, ra);
}

static uint64_t hook_rmw(TcgVcpu *pub, uint64_t addr, uint64_t val, IrAtomicOp op,
                         unsigned memop, int mmu, uintptr_t ra)
{
    return do_atomic((TcgVcpuState *)pub, addr, (int)op, 0, val, memop, mmu, ra);
}

void tcg_tlb_install_vcpu_hooks(TcgVcpu *v)
{
    v->slow_ld = hook_slow_ld;
    v->slow_st = hook_slow_st;
    v->atomic_cmpxchg = hook_cmpxchg;
    v->atomic_rmw = hook_rmw;
    v->lookup_tb = tcg_lookup_tb_for_backend;
}

/* ---- code ------------------------------------------------------------------------ */

bool tcg_get_code_page(TcgVcpuState *v, uint64_t vaddr, bool may_fault, uint64_t *paddr,
                       void **host)
{
    int mmu = v->pub.ops->mmu_index(v->pub.cpu, true);
    TlbAccess t;
    if (!tlb_resolve(v, vaddr, 1, TCG_ACCESS_FETCH, mmu, !may_fault, 0, &t)) {
        return false;
    }
    *paddr = t.paddr;
    *host = t.host;
    return true;
}

static uint32_t eng_fetch_code(CPUState *cpu, uint64_t vaddr, unsigned size)
{
    TcgVcpuState *v = vstate(cpu);
    g_assert(size == 1 || size == 2 || size == 4);
    int mmu = v->pub.ops->mmu_index(cpu, true);
    uint32_t val = 0;
    unsigned done = 0;
    while (done < size) {
        uint64_t a = vaddr + done;
        unsigned chunk = size - done;
        if (crosses_page(a, chunk)) {
            chunk = (unsigned)(TCG_PAGE_SIZE - (a & ~TCG_PAGE_MASK));
        }
        TlbAccess t;
        tlb_resolve(v, a, chunk, TCG_ACCESS_FETCH, mmu, false, 0, &t);
        uint64_t page = t.paddr & TCG_PAGE_MASK;
        if (v->translating) {
            uint8_t *host_page = t.host ? t.host - (t.paddr & ~TCG_PAGE_MASK) : NULL;
            if (!t.host) {
                v->tr_mmio = true;
            } else if (v->tr_pages[0] == UINT64_MAX) {
                v->tr_pages[0] = page;
                v->tr_host[0] = host_page;
            } else if (v->tr_pages[0] != page) {
                v->tr_pages[1] = page;
                v->tr_host[1] = host_page;
            }
        }
        for (unsigned i = 0; i < chunk; i++) {
            uint64_t byte = t.host ? __atomic_load_n(&t.host[i], __ATOMIC_RELAXED)
                                   : mmio_read(v, a + i, t.paddr + i, 1, TCG_ACCESS_FETCH, mmu, 0);
            val |= (uint32_t)byte << (8 * (done + i));
            uint64_t off = a + i - v->builder.pub.pc_first;   /* modulo 2^64 */
            if (v->translating && off < sizeof(v->tr_bytes)) {
                v->tr_bytes[off] = (uint8_t)byte;
            }
        }
        done += chunk;
    }
    return val;
}

/* ---- engine ops for helpers -------------------------------------------------------- */

static uint64_t eng_ld(CPUState *cpu, uint64_t vaddr, unsigned memop, int mmu, uintptr_t ra)
{
    return do_ld(vstate(cpu), vaddr, memop, mmu, ra, TCG_ACCESS_READ);
}

static void eng_st(CPUState *cpu, uint64_t vaddr, uint64_t val, unsigned memop, int mmu,
                   uintptr_t ra)
{
    do_st(vstate(cpu), vaddr, val, memop, mmu, ra);
}

static uint64_t eng_cmpxchg(CPUState *cpu, uint64_t vaddr, uint64_t cmp, uint64_t newv,
                            unsigned memop, int mmu, uintptr_t ra)
{
    return do_atomic(vstate(cpu), vaddr, -1, cmp, newv, memop, mmu, ra);
}

static uint64_t eng_rmw(CPUState *cpu, uint64_t vaddr, uint64_t val, IrAtomicOp op,
                        unsigned memop, int mmu, uintptr_t ra)
{
    return do_atomic(vstate(cpu), vaddr, (int)op, 0, val, memop, mmu, ra);
}

static void *eng_probe_access(CPUState *cpu, uint64_t vaddr, unsigned size,
                              TcgAccessType access, int mmu, bool nonfault, bool *faulted,
                              uintptr_t ra)
{
    TcgVcpuState *v = vstate(cpu);
    TlbAccess t;
    if (faulted) {
        *faulted = false;
    }
    g_assert(size >= 1 && !crosses_page(vaddr, size));
    if (!tlb_resolve(v, vaddr, size, access, mmu, nonfault, ra, &t)) {
        if (faulted) {
            *faulted = true;
        }
        return NULL;
    }
    if (access == TCG_ACCESS_WRITE && t.notdirty) {
        return NULL;
    }
    return t.host;
}

static void eng_tlb_flush(CPUState *cpu)
{
    tcg_tlb_flush_local(vstate(cpu));
}

static void eng_tlb_flush_page(CPUState *cpu, uint64_t vaddr)
{
    tcg_tlb_flush_page_local(vstate(cpu), vaddr);
}

static void eng_tlb_set_tag(CPUState *cpu, uint64_t tag, uint64_t global_mask)
{
    tcg_tlb_set_tag(vstate(cpu), tag, global_mask);
}

static void eng_tlb_flush_tag(CPUState *cpu, uint64_t value, uint64_t mask, bool keep_global)
{
    tcg_tlb_flush_tag(vstate(cpu), value, mask, keep_global);
}

/* ---- synchronous broadcast maintenance ------------------------------------------ */

/*
 * Protocol (docs/architecture.md, "Synchronous broadcast TLB maintenance"):
 * the issuer queues the operation on every other vCPU (flush_lock,
 * flush_posted), sets TCG_REQ_TLB_QUEUE and kicks it, applies the operation
 * to itself, then waits until each target has acknowledged (flush_acked
 * reached the posted number) or is out of guest code (in_code clear: it
 * applies its queue before it next runs guest code, see
 * tcg_vcpu_enter_code).  Deadlock avoidance: no wait when the issuer holds
 * the device lock; an issuer applies its own queue while it waits (two
 * vCPUs broadcasting at once); vCPUs waiting for the device lock or for a
 * pause count as out of code; and the wait is bounded
 * (TCG_FLUSH_SYNC_TIMEOUT_US, logged with -d mmu).
 */
#define TCG_FLUSH_SYNC_TIMEOUT_US (2 * G_TIME_SPAN_SECOND)

static void apply_op(TcgVcpuState *v, const TcgFlushOp *op)
{
    switch (op->kind) {
    case TCG_FLUSH_ALL:
        tcg_tlb_flush_local(v);
        break;
    case TCG_FLUSH_PAGE:
        tcg_tlb_flush_page_local(v, op->value);
        break;
    case TCG_FLUSH_TAG:
        tcg_tlb_flush_tag(v, op->value, op->mask, op->keep_global);
        break;
    }
}

static void wake_waiters(TcgVcpuState *v)
{
    if (__atomic_load_n(&v->flush_waiters, __ATOMIC_SEQ_CST)) {
        g_mutex_lock(&v->flush_lock);
        g_cond_broadcast(&v->flush_cond);
        g_mutex_unlock(&v->flush_lock);
    }
}

void tcg_tlb_process_requests(TcgVcpuState *v)
{
    const int bits = TCG_REQ_TLB_FLUSH | TCG_REQ_TLB_QUEUE;
    int req = __atomic_fetch_and(&v->requests, ~bits, __ATOMIC_SEQ_CST) & bits;
    if (!req) {
        return;
    }
    if (req & TCG_REQ_TLB_FLUSH) {
        tcg_tlb_flush_local(v);
    }
    if (!(req & TCG_REQ_TLB_QUEUE)) {
        return;
    }
    TcgFlushOp ops[TCG_FLUSH_QUEUE];
    g_mutex_lock(&v->flush_lock);
    unsigned n = v->flush_n;
    bool all = v->flush_overflow;
    uint64_t seq = v->flush_posted;
    memcpy(ops, v->flush_q, n * sizeof(ops[0]));
    v->flush_n = 0;
    v->flush_overflow = false;
    g_mutex_unlock(&v->flush_lock);
    if (all) {
        tcg_tlb_flush_local(v);
    } else {
        for (unsigned i = 0; i < n; i++) {
            apply_op(v, &ops[i]);
        }
    }
    g_mutex_lock(&v->flush_lock);
    if (seq > v->flush_acked) {
        __atomic_store_n(&v->flush_acked, seq, __ATOMIC_RELEASE);
    }
    g_cond_broadcast(&v->flush_cond);
    g_mutex_unlock(&v->flush_lock);
}

void tcg_vcpu_leave_code(TcgVcpuState *v)
{
    __atomic_store_n(&v->in_code, 0, __ATOMIC_SEQ_CST);
    wake_waiters(v);
}

void tcg_vcpu_enter_code(TcgVcpuState *v)
{
    /* Pairs with broadcast(): it posts then reads in_code; this sets
     * in_code then reads requests.  One of the two sees the other. */
    __atomic_store_n(&v->in_code, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&v->requests, __ATOMIC_SEQ_CST) & (TCG_REQ_TLB_FLUSH | TCG_REQ_TLB_QUEUE)) {
        tcg_tlb_process_requests(v);
    }
}

void tcg_tlb_reset_requests(TcgVcpuState *v)
{
    g_mutex_lock(&v->flush_lock);
    v->flush_n = 0;
    v->flush_overflow = false;
    __atomic_store_n(&v->flush_acked, v->flush_posted, __ATOMIC_RELEASE);
    g_cond_broadcast(&v->flush_cond);
    g_mutex_unlock(&v->flush_lock);
}

/* Wait until @o acknowledged @seq or left guest code (see above). */
static void wait_for_ack(TcgVcpuState *me, bool on_own_thread, TcgVcpuState *o, uint64_t seq,
                         gint64 deadline)
{
    __atomic_fetch_add(&o->flush_waiters, 1, __ATOMIC_SEQ_CST);
    g_mutex_lock(&o->flush_lock);
    while (__atomic_load_n(&o->flush_acked, __ATOMIC_ACQUIRE) < seq &&
           __atomic_load_n(&o->in_code, __ATOMIC_SEQ_CST)) {
        if (on_own_thread && (__atomic_load_n(&me->requests, __ATOMIC_SEQ_CST) &
                              (TCG_REQ_TLB_FLUSH | TCG_REQ_TLB_QUEUE))) {
            /* Another vCPU broadcasts too and waits for us. */
            g_mutex_unlock(&o->flush_lock);
            tcg_tlb_process_requests(me);
            g_mutex_lock(&o->flush_lock);
            continue;
        }
        gint64 now = g_get_monotonic_time();
        if (now >= deadline) {
            log_mask(LOG_MMU, "cpu %u: tlb: cpu %u did not acknowledge a broadcast flush\n",
                     me->index, o->index);
            break;
        }
        /* Short slices: a vCPU leaving code wakes us, but a broadcast
         * posted to us by another issuer only shows up in requests. */
        g_cond_wait_until(&o->flush_cond, &o->flush_lock, MIN(now + 500, deadline));
    }
    g_mutex_unlock(&o->flush_lock);
    __atomic_fetch_sub(&o->flush_waiters, 1, __ATOMIC_SEQ_CST);
}

static void broadcast(CPUState *cpu, const TcgFlushOp *op)
{
    TcgVcpuState *me = vstate(cpu);
    TcgAccel *a = me->accel;
    bool own = me->thread == g_thread_self();
    guint n = a->vcpus->len;
    uint64_t *seqs = g_newa(uint64_t, n);
    for (guint i = 0; i < n; i++) {
        TcgVcpuState *o = g_ptr_array_index(a->vcpus, i);
        seqs[i] = 0;
        if (o == me && own) {
            continue;
        }
        g_mutex_lock(&o->flush_lock);
        if (o->flush_n < TCG_FLUSH_QUEUE) {
            o->flush_q[o->flush_n++] = *op;
        } else {
            o->flush_overflow = true;
        }
        seqs[i] = ++o->flush_posted;
        g_mutex_unlock(&o->flush_lock);
        __atomic_fetch_or(&o->requests, TCG_REQ_TLB_QUEUE, __ATOMIC_SEQ_CST);
        tcg_cpu_exit(o->pub.cpu);
    }
    if (own) {
        apply_op(me, op);
        /* Issuers waiting for us re-check their own queue. */
        wake_waiters(me);
    }
    if (devlock_held()) {
        /* Targets may wait for this lock; they flush before their next
         * block (kicked) or before re-entering guest code. */
        return;
    }
    gint64 deadline = g_get_monotonic_time() + TCG_FLUSH_SYNC_TIMEOUT_US;
    for (guint i = 0; i < n; i++) {
        TcgVcpuState *o = g_ptr_array_index(a->vcpus, i);
        if (seqs[i]) {
            wait_for_ack(me, own, o, seqs[i], deadline);
        }
    }
}

static void eng_tlb_flush_all_cpus(CPUState *cpu)
{
    broadcast(cpu, &(TcgFlushOp){ .kind = TCG_FLUSH_ALL });
}

static void eng_tlb_flush_page_all_cpus(CPUState *cpu, uint64_t vaddr)
{
    broadcast(cpu, &(TcgFlushOp){ .kind = TCG_FLUSH_PAGE, .value = vaddr });
}

static void eng_tlb_flush_tag_all_cpus(CPUState *cpu, uint64_t value, uint64_t mask,
                                       bool keep_global)
{
    broadcast(cpu, &(TcgFlushOp){ .kind = TCG_FLUSH_TAG, .value = value, .mask = mask,
                                  .keep_global = keep_global });
}

static void eng_tb_invalidate_phys_range(CPUState *cpu, uint64_t paddr, uint64_t len)
{
    tcg_tb_invalidate_phys_range(vstate(cpu)->accel, paddr, len);
}

static void eng_icache_flush(CPUState *cpu)
{
    /*
     * Stores by vCPUs invalidated stale blocks already; code written behind
     * the engine's back (device DMA into RAM) is caught by checking each
     * block's bytes again before its next use.
     */
    vstate(cpu)->pub.icache_gen++;
}

const TcgEngineOps tcg_engine_ops = {
    .abi_version = TCG_CPU_ABI_VERSION,
    .raise_exception = tcg_raise_exception,
    .loop_exit = tcg_loop_exit,
    .wait_timeout = tcg_wait_timeout,
    .fetch_code = eng_fetch_code,
    .ld = eng_ld,
    .st = eng_st,
    .atomic_cmpxchg = eng_cmpxchg,
    .atomic_rmw = eng_rmw,
    .probe_access = eng_probe_access,
    .tlb_flush = eng_tlb_flush,
    .tlb_flush_page = eng_tlb_flush_page,
    .tlb_flush_all_cpus = eng_tlb_flush_all_cpus,
    .tlb_flush_page_all_cpus = eng_tlb_flush_page_all_cpus,
    .tb_invalidate_phys_range = eng_tb_invalidate_phys_range,
    .icache_flush = eng_icache_flush,
    .cpu_exit = tcg_cpu_exit,
    .debug_stop_before = tcg_debug_stop_before,
    .tlb_set_tag = eng_tlb_set_tag,
    .tlb_flush_tag = eng_tlb_flush_tag,
    .tlb_flush_tag_all_cpus = eng_tlb_flush_tag_all_cpus,
};
