/* SPDX-License-Identifier: MIT */
/*
 * Translation blocks: translation, the per-vCPU block cache (hash table on
 * (pc, physical pc, flags) plus a jump cache on the virtual pc), chaining,
 * and invalidation when guest code is written.
 *
 * Each vCPU owns its blocks (compiled code may embed that vCPU's addresses)
 * and is the only thread that frees them.  Any thread may invalidate a
 * block (under tb_lock): it is marked invalid, unlinked from the code pages
 * and from every chain, and queued on its owner's retired list; the owner
 * frees it at its next loop iteration, when it holds no block pointer.
 */
#include <inttypes.h>
#include <string.h>

#include "plugins/accel/tcg/tcg-internal.h"

/* ---- hashing ------------------------------------------------------------------ */

static inline unsigned tb_hash(uint64_t pc, uint64_t flags)
{
    uint64_t h = (pc ^ (flags * 0x9e3779b97f4a7c15ull)) * 0xff51afd7ed558ccdull;
    return (unsigned)(h >> (64 - TCG_TB_HASH_BITS));
}

static inline unsigned jc_hash(uint64_t pc)
{
    return tcg_jc_hash(pc);
}

void tcg_jmp_cache_clear_set(TcgTlbSet *s)
{
    if (s->jc_used) {
        memset(s->jmp_cache, 0, TCG_JMP_CACHE_SIZE * sizeof(TcgTb *));
        s->jc_used = false;
    }
}

void tcg_jmp_cache_clear(TcgVcpuState *v)
{
    for (unsigned i = 0; i < v->nsets; i++) {
        tcg_jmp_cache_clear_set(v->sets[i]);
    }
}

/* Drop the entries of blocks starting in @vaddr's page or the one before
 * (which may extend into it). */
void tcg_jmp_cache_clear_page(TcgTlbSet *s, uint64_t vaddr)
{
    if (!s->jc_used) {
        return;
    }
    for (int i = 0; i < 2; i++) {
        uint64_t page = (vaddr & TCG_PAGE_MASK) - (uint64_t)i * TCG_PAGE_SIZE;
        memset(&s->jmp_cache[tcg_jc_group(page)], 0, TCG_JMP_GROUP_SIZE * sizeof(TcgTb *));
    }
}

void tcg_jmp_cache_put(TcgVcpuState *v, TcgTb *tb)
{
    TcgTlbSet *s = v->cur;
    s->jmp_cache[jc_hash(tb->pc)] = tb;
    s->jc_used = true;
}

bool tcg_tb_cache_init(TcgVcpuState *v)
{
    v->tb_hash = g_new0(TcgTb *, TCG_TB_HASH_SIZE);
    v->retired = g_ptr_array_new();
    return true;
}

/* ---- code pages (tb_lock held) --------------------------------------------------- */

bool tcg_page_has_code_locked(TcgAccel *a, uint64_t page)
{
    return g_hash_table_contains(a->pages, &page);
}

static void page_add_tb(TcgAccel *a, uint64_t page, TcgTb *tb, unsigned start, unsigned end)
{
    TcgPage *p = g_hash_table_lookup(a->pages, &page);
    if (!p) {
        p = g_new0(TcgPage, 1);
        p->page = page;
        p->refs = g_array_new(FALSE, FALSE, sizeof(TcgPageRef));
        g_hash_table_insert(a->pages, &p->page, p);
        /* Count first, then look for fast-writable entries: a fill that
         * misses the count is seen by the scan (tlb.c, lock-free fills). */
        __atomic_fetch_add(&a->code_count[tcg_code_count_slot(page)], 1, __ATOMIC_SEQ_CST);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        tcg_tlb_mark_code_page_locked(a, page);
    }
    TcgPageRef r = { .tb = tb, .start = (uint16_t)start, .end = (uint16_t)end };
    g_array_append_val(p->refs, r);
    for (unsigned g = start / 64; g <= (end - 1) / 64; g++) {
        p->code_bitmap |= 1ull << g;
    }
}

static void page_remove_tb(TcgAccel *a, uint64_t page, TcgTb *tb)
{
    TcgPage *p = g_hash_table_lookup(a->pages, &page);
    if (!p) {
        return;
    }
    uint64_t bitmap = 0;
    for (guint i = 0; i < p->refs->len;) {
        TcgPageRef *r = &g_array_index(p->refs, TcgPageRef, i);
        if (r->tb == tb) {
            g_array_remove_index_fast(p->refs, i);
            continue;
        }
        for (unsigned g = r->start / 64; g <= (unsigned)(r->end - 1) / 64; g++) {
            bitmap |= 1ull << g;
        }
        i++;
    }
    p->code_bitmap = bitmap;
    if (!p->refs->len) {
        g_hash_table_remove(a->pages, &page);   /* frees p */
        __atomic_fetch_sub(&a->code_count[tcg_code_count_slot(page)], 1, __ATOMIC_SEQ_CST);
    }
}

static void page_free(gpointer data)
{
    TcgPage *p = data;
    g_array_free(p->refs, TRUE);
    g_free(p);
}

GHashTable *tcg_pages_new(void)
{
    return g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, page_free);
}

/* ---- chaining (tb_lock held) ------------------------------------------------------ */

static void tb_unlink_slot_locked(TcgAccel *a, TcgTb *from, int slot)
{
    TcgTb *to = from->jmp_target[slot];
    if (!to) {
        return;
    }
    __atomic_store_n(&from->jmp_target[slot], NULL, __ATOMIC_RELEASE);
    if (a->bops->link) {
        a->bops->link(a->backend, from, slot);
    }
    uintptr_t key = (uintptr_t)from | (uintptr_t)slot;
    if (to->jmp_in) {
        g_ptr_array_remove_fast(to->jmp_in, (gpointer)key);
    }
}

void tcg_tb_link(TcgVcpuState *v, TcgTb *last, int slot, TcgTb *next)
{
    TcgAccel *a = v->accel;
    g_assert(slot >= 0 && slot < IR_MAX_GOTO_TB);
    if (!a->backend_chains || !a->chaining || last->jmp_target[slot] == next) {
        return;
    }
    g_mutex_lock(&a->tb_lock);
    if (!last->invalid && !next->invalid && !last->jmp_target[slot]) {
        if (!next->jmp_in) {
            next->jmp_in = g_ptr_array_new();
        }
        g_ptr_array_add(next->jmp_in, (gpointer)((uintptr_t)last | (uintptr_t)slot));
        __atomic_store_n(&last->jmp_target[slot], next, __ATOMIC_RELEASE);
        if (a->bops->link) {
            a->bops->link(a->backend, last, slot);
        }
    }
    g_mutex_unlock(&a->tb_lock);
}

/* ---- invalidation ------------------------------------------------------------------ */

static void tb_invalidate_locked(TcgAccel *a, TcgTb *tb)
{
    if (tb->invalid) {
        return;
    }
    __atomic_store_n(&tb->invalid, 1, __ATOMIC_SEQ_CST);
    for (int i = 0; i < 2; i++) {
        if (tb->phys_page[i] != UINT64_MAX) {
            page_remove_tb(a, tb->phys_page[i], tb);
        }
    }
    /* Incoming chains. */
    while (tb->jmp_in && tb->jmp_in->len) {
        uintptr_t key = (uintptr_t)g_ptr_array_index(tb->jmp_in, tb->jmp_in->len - 1);
        TcgTb *from = (TcgTb *)(key & ~(uintptr_t)TCG_TB_SLOT_MASK);
        tb_unlink_slot_locked(a, from, (int)(key & TCG_TB_SLOT_MASK));
    }
    /* Outgoing chains. */
    for (int s = 0; s < IR_MAX_GOTO_TB; s++) {
        tb_unlink_slot_locked(a, tb, s);
    }
    TcgVcpuState *owner = (TcgVcpuState *)tb->owner;
    g_ptr_array_add(owner->retired, tb);
    __atomic_store_n(&owner->has_retired, 1, __ATOMIC_SEQ_CST);
}

bool tcg_tb_invalidate_phys_range(TcgAccel *a, uint64_t start, uint64_t len)
{
    bool any = false;
    if (!len) {
        return false;
    }
    uint64_t end = start + len;     /* exclusive */
    g_mutex_lock(&a->tb_lock);
    for (uint64_t page = start & TCG_PAGE_MASK; page < end; page += TCG_PAGE_SIZE) {
        TcgPage *p = g_hash_table_lookup(a->pages, &page);
        if (!p) {
            if (page + TCG_PAGE_SIZE < page) {
                break;
            }
            continue;
        }
        uint64_t lo = MAX(start, page) - page;
        uint64_t hi = MIN(end, page + TCG_PAGE_SIZE) - page;   /* exclusive */
        uint64_t want = 0;
        for (uint64_t g = lo / 64; g <= (hi - 1) / 64; g++) {
            want |= 1ull << g;
        }
        if (!(p->code_bitmap & want)) {
            continue;
        }
        /* Collect first: invalidation edits p->refs (and may free p). */
        g_autoptr(GPtrArray) hit = g_ptr_array_new();
        for (guint i = 0; i < p->refs->len; i++) {
            TcgPageRef *r = &g_array_index(p->refs, TcgPageRef, i);
            if (r->start < hi && r->end > lo) {
                g_ptr_array_add(hit, r->tb);
            }
        }
        for (guint i = 0; i < hit->len; i++) {
            tb_invalidate_locked(a, g_ptr_array_index(hit, i));
            any = true;
        }
        if (page + TCG_PAGE_SIZE < page) {
            break;
        }
    }
    g_mutex_unlock(&a->tb_lock);
    return any;
}

/* ---- freeing (owner thread only) ---------------------------------------------------- */

static void tb_hash_remove(TcgVcpuState *v, TcgTb *tb)
{
    TcgTb **pp = &v->tb_hash[tb_hash(tb->pc, tb->flags)];
    while (*pp) {
        if (*pp == tb) {
            *pp = tb->hash_next;
            v->ntbs--;
            return;
        }
        pp = &(*pp)->hash_next;
    }
}

static void tb_free(TcgVcpuState *v, TcgTb *tb)
{
    TcgAccel *a = v->accel;
    unsigned j = jc_hash(tb->pc);
    for (unsigned i = 0; i < v->nsets; i++) {
        if (v->sets[i]->jmp_cache[j] == tb) {
            v->sets[i]->jmp_cache[j] = NULL;
        }
    }
    tb_hash_remove(v, tb);
    if (v->pub.cur_tb == tb) {
        v->pub.cur_tb = NULL;
    }
    v->code_bytes -= tb->code_size;
    a->bops->free_code(a->backend, &v->pub, tb);
    if (tb->jmp_in) {
        g_ptr_array_free(tb->jmp_in, TRUE);
    }
    g_free(tb->insn_data);
    g_free(tb->code_copy);
    g_free(tb);
}

void tcg_tb_process_retired(TcgVcpuState *v)
{
    if (!__atomic_load_n(&v->has_retired, __ATOMIC_ACQUIRE)) {
        return;
    }
    TcgAccel *a = v->accel;
    g_mutex_lock(&a->tb_lock);
    GPtrArray *list = v->retired;
    v->retired = g_ptr_array_new();
    v->has_retired = 0;
    g_mutex_unlock(&a->tb_lock);
    for (guint i = 0; i < list->len; i++) {
        tb_free(v, g_ptr_array_index(list, i));
    }
    g_ptr_array_free(list, TRUE);
}

void tcg_tb_flush_vcpu(TcgVcpuState *v)
{
    TcgAccel *a = v->accel;
    g_mutex_lock(&a->tb_lock);
    for (unsigned h = 0; h < TCG_TB_HASH_SIZE; h++) {
        for (TcgTb *tb = v->tb_hash[h]; tb; tb = tb->hash_next) {
            tb_invalidate_locked(a, tb);
        }
    }
    g_mutex_unlock(&a->tb_lock);
    tcg_tb_process_retired(v);
    tcg_jmp_cache_clear(v);
    g_assert(v->ntbs == 0);
}

void tcg_tb_cache_destroy(TcgVcpuState *v)
{
    if (v->tb_hash) {
        tcg_tb_flush_vcpu(v);
        g_free(v->tb_hash);
        v->tb_hash = NULL;
    }
    if (v->retired) {
        g_ptr_array_free(v->retired, TRUE);
        v->retired = NULL;
    }
}

/* ---- lookup -------------------------------------------------------------------------- */

/* Does memory still hold the code @tb was translated from? */
static bool tb_code_unchanged(const TcgTb *tb)
{
    const uint8_t *copy = tb->code_copy;
    for (int i = 0; i < 2 && copy; i++) {
        if (tb->host_len[i] && memcmp(tb->host_code[i], copy, tb->host_len[i])) {
            return false;
        }
        copy += tb->host_len[i];
    }
    return true;
}

/* After fence.i: is @tb's code still what was translated? */
static bool tb_still_valid(TcgVcpuState *v, TcgTb *tb)
{
    if (tb->verified_gen == v->pub.icache_gen) {
        return true;
    }
    if (!tb_code_unchanged(tb)) {
        TcgAccel *a = v->accel;
        g_mutex_lock(&a->tb_lock);
        tb_invalidate_locked(a, tb);
        g_mutex_unlock(&a->tb_lock);
        return false;
    }
    tb->verified_gen = v->pub.icache_gen;
    return true;
}

TcgTb *tcg_tb_lookup(TcgVcpuState *v, uint64_t pc, uint64_t flags, bool may_fault)
{
    unsigned j = jc_hash(pc);
    TcgTb *tb = v->cur->jmp_cache[j];
    if (tb && tb->pc == pc && tb->flags == flags && !tb->invalid) {
        return tb_still_valid(v, tb) ? tb : NULL;
    }
    uint64_t phys;
    void *host;
    if (!tcg_get_code_page(v, pc, may_fault, &phys, &host)) {
        return NULL;
    }
    TcgTb **head = &v->tb_hash[tb_hash(pc, flags)];
    for (TcgTb **pp = head; (tb = *pp) != NULL; pp = &tb->hash_next) {
        if (tb->pc == pc && tb->flags == flags && tb->phys_pc == phys && !tb->invalid) {
            if (!tb_still_valid(v, tb)) {
                return NULL;
            }
            /* Most recently found first: chains are walked on every
             * jump-cache miss (only this thread touches them). */
            if (pp != head) {
                *pp = tb->hash_next;
                tb->hash_next = *head;
                *head = tb;
            }
            tcg_jmp_cache_put(v, tb);
            return tb;
        }
    }
    return NULL;
}

/* ---- translation ------------------------------------------------------------------------ */

static void log_in_asm(TcgVcpuState *v, const IrBlock *blk, uint64_t pc, unsigned size)
{
    const TcgCpuOps *ops = v->pub.ops;
    g_autoptr(GString) out = g_string_new(NULL);
    g_string_append_printf(out, "IN: cpu %u\n", v->index);
    /* Instruction boundaries come from the insn_start ops. */
    uint64_t starts[TCG_MAX_INSNS + 1];
    unsigned n = 0;
    for (unsigned i = 0; i < blk->nops && n < TCG_MAX_INSNS; i++) {
        if (blk->ops[i].opc == IR_OP_INSN_START) {
            starts[n++] = blk->ops[i].args[0];
        }
    }
    starts[n] = pc + size;
    for (unsigned i = 0; i < n; i++) {
        uint64_t ipc = starts[i];
        /* Modulo 2^64: a block on the top page may end at or past 0. */
        unsigned len = (unsigned)MIN(starts[i + 1] - ipc, 8u);
        if (!len) {
            len = 4;
        }
        uint8_t bytes[8] = { 0 };
        for (unsigned k = 0; k < len; k++) {
            bytes[k] = (uint8_t)tcg_engine_ops.fetch_code(v->pub.cpu, ipc + k, 1);
        }
        g_string_append_printf(out, "0x%016" PRIx64 ":  ", ipc);
        uint64_t word = 0;
        for (unsigned k = 0; k < len; k++) {
            word |= (uint64_t)bytes[k] << (8 * k);
        }
        g_string_append_printf(out, "%0*" PRIx64 "  ", (int)len * 2, word);
        if (ops->disas) {
            ops->disas(v->pub.cpu, ipc, bytes, len, out);
        }
        g_string_append_c(out, '\n');
    }
    log_mask_printf(LOG_IN_ASM, "%s\n", out->str);
}

static void log_ops(TcgVcpuState *v, const IrBlock *blk, const char *what)
{
    g_autoptr(GString) out = g_string_new(NULL);
    g_string_append_printf(out, "%s: cpu %u pc 0x%016" PRIx64 "\n", what, v->index,
                           v->builder.pub.pc_first);
    ir_block_dump(blk, out);
    log_mask_printf(LOG_OP, "%s\n", out->str);
}

/* -d out_asm: the backend's code for @tb (host instructions if it has any). */
static void log_out_asm(TcgVcpuState *v, const TcgTb *tb)
{
    TcgAccel *a = v->accel;
    g_autoptr(GString) out = g_string_new(NULL);
    g_string_append_printf(out, "OUT: cpu %u pc 0x%016" PRIx64 "\n", v->index, tb->pc);
    if (a->bops->dump_code) {
        a->bops->dump_code(a->backend, tb, out);
    } else {
        g_string_append_printf(out, "  (backend %s: %" PRIu64 " bytes of interpreter code,"
                               " no host code)\n", object_get_typename(OBJECT(a->backend)),
                               (uint64_t)tb->code_size);
    }
    log_mask_printf(LOG_OUT_ASM, "%s\n", out->str);
}

/* Keep a copy of the guest code as translated (see tb_still_valid): the
 * bytes the translator read, not memory now, which another vCPU may have
 * written since. */
static void tb_save_code(TcgVcpuState *v, TcgTb *tb, uint64_t phys)
{
    unsigned off = (unsigned)(phys & ~TCG_PAGE_MASK);
    unsigned first = MIN(tb->size, (unsigned)TCG_PAGE_SIZE - off);
    if (!v->tr_host[0] || (first < tb->size && !v->tr_host[1])) {
        return;
    }
    tb->host_code[0] = v->tr_host[0] + off;
    tb->host_len[0] = (uint16_t)first;
    if (first < tb->size) {
        tb->host_code[1] = v->tr_host[1];
        tb->host_len[1] = (uint16_t)(tb->size - first);
    }
    g_assert(tb->size <= sizeof(v->tr_bytes));
    tb->code_copy = g_memdup2(v->tr_bytes, tb->size);
}

void tcg_tb_install(TcgVcpuState *v, TcgTb *tb, uint64_t phys)
{
    TcgAccel *a = v->accel;
    uint64_t size = tb->size;
    /* Physical identity and code pages. */
    tb->phys_pc = phys;
    unsigned h = tb_hash(tb->pc, tb->flags);
    tb->hash_next = v->tb_hash[h];
    v->tb_hash[h] = tb;
    v->ntbs++;
    tcg_jmp_cache_put(v, tb);

    if (v->tr_mmio) {
        return;
    }
    tb_save_code(v, tb, phys);
    g_mutex_lock(&a->tb_lock);
    uint64_t p0 = phys & TCG_PAGE_MASK;
    uint64_t off = phys - p0;
    unsigned first = (unsigned)MIN(size, TCG_PAGE_SIZE - off);
    tb->phys_page[0] = p0;
    page_add_tb(a, p0, tb, (unsigned)off, (unsigned)off + first);
    if (first < size && v->tr_pages[1] != UINT64_MAX) {
        tb->phys_page[1] = v->tr_pages[1];
        page_add_tb(a, v->tr_pages[1], tb, 0, (unsigned)size - first);
    }
    /*
     * Stores from now on invalidate the block; one that another
     * vCPU made while it was being translated did not.  Then the
     * block runs this once (the fetch happened before the store)
     * and is never found again.
     */
    if (!tb_code_unchanged(tb)) {
        tb_invalidate_locked(a, tb);
    }
    g_mutex_unlock(&a->tb_lock);
}

TcgTb *tcg_tb_gen_code(TcgVcpuState *v, uint64_t pc, uint64_t flags)
{
    return tcg_tb_gen_code_n(v, pc, flags, TCG_MAX_INSNS);
}

void tcg_tb_discard(TcgVcpuState *v, TcgTb *tb)
{
    TcgAccel *a = v->accel;
    g_mutex_lock(&a->tb_lock);
    if (!tb->invalid) {
        tb_invalidate_locked(a, tb);
    }
    g_mutex_unlock(&a->tb_lock);
}

TcgTb *tcg_tb_gen_code_n(TcgVcpuState *v, uint64_t pc, uint64_t flags, int max_insns)
{
    TcgAccel *a = v->accel;
    const TcgCpuOps *ops = v->pub.ops;
    /* Only whole blocks are shared: a smaller limit is a single step or a
     * block that did not fit the backend. */
    bool shareable = max_insns == TCG_MAX_INSNS && tcg_share_usable(v);
    if (shareable) {
        uint64_t phys;
        void *host;
        if (tcg_get_code_page(v, pc, false, &phys, &host) && host) {
            TcgTb *tb = tcg_share_find(v, pc, flags, phys, host);
            if (tb) {
                v->code_bytes += tb->code_size;
                tcg_tb_install(v, tb, phys);
                return tb;
            }
        }
    }

    for (;;) {
        IrBuilderImpl *ib = &v->builder;
        ir_builder_reset(ib, pc, flags, max_insns);
        v->tr_pages[0] = v->tr_pages[1] = UINT64_MAX;
        v->tr_host[0] = v->tr_host[1] = NULL;
        v->tr_mmio = false;
        v->translating = true;
        /* A fetch fault raised here unwinds to the loop (translating is
         * cleared there). */
        unsigned size = ops->translate(v->pub.cpu, &ib->pub);
        v->translating = false;
        g_assert(size > 0);
        IrBlock *blk = &ib->blk;
        g_assert(blk->nops > 0 && blk->ninsns > 0);

        if (log_enabled(LOG_IN_ASM)) {
            log_in_asm(v, blk, pc, size);
        }
        if (log_enabled(LOG_OP)) {
            log_ops(v, blk, "OP");
        }
        ir_optimize(ib);
        if (log_enabled(LOG_OP)) {
            log_ops(v, blk, "OP after optimization");
        }

        TcgTb *tb = g_new0(TcgTb, 1);
        tb->pc = pc;
        tb->flags = flags;
        tb->size = size;
        tb->verified_gen = v->pub.icache_gen;
        tb->ninsns = blk->ninsns;
        tb->owner = &v->pub;
        tb->phys_page[0] = tb->phys_page[1] = UINT64_MAX;
        unsigned words = ops->insn_start_words ? ops->insn_start_words : 1;
        tb->insn_data = g_new0(uint64_t, (size_t)blk->ninsns * words);
        for (unsigned i = 0, k = 0; i < blk->nops; i++) {
            if (blk->ops[i].opc == IR_OP_INSN_START) {
                memcpy(&tb->insn_data[k * words], blk->ops[i].args, words * sizeof(uint64_t));
                k++;
            }
        }
        if (!a->bops->compile(a->backend, &v->pub, blk, tb)) {
            g_free(tb->insn_data);
            g_free(tb);
            g_assert(max_insns > 1);
            max_insns = MAX(1, MIN(max_insns, (int)blk->ninsns) / 2);
            shareable = false;
            continue;
        }
        v->code_bytes += tb->code_size;
        if (log_enabled(LOG_OUT_ASM)) {
            log_out_asm(v, tb);
        }
        uint64_t phys;
        void *host;
        tcg_get_code_page(v, pc, true, &phys, &host);
        tcg_tb_install(v, tb, phys);
        if (shareable) {
            tcg_share_add(v, tb);
        }
        return tb;
    }
}
