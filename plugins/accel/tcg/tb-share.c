/* SPDX-License-Identifier: MIT */
/*
 * Blocks shared between vCPUs.  Each vCPU owns its blocks (tb.c), so with
 * several vCPUs the same guest code used to be translated once per vCPU:
 * in a 4-CPU Linux boot the secondary CPUs spent more time translating the
 * kernel again than the boot CPU spent translating it first.  Now every
 * whole block a vCPU translates is also kept here, as the guest bytes it
 * was translated from, its instruction start data and its compiled code
 * (TcgBackendOps.export_code); another vCPU that needs a block for the same
 * (pc, flags, physical pc) with the same TcgCpuOps.code_key, and finds the
 * same bytes in memory, takes a copy of the code (TcgBackendOps.clone)
 * instead of translating.  The copy is that vCPU's own block from then on:
 * ownership, chaining and invalidation are unchanged.
 *
 * The table is direct-mapped and bounded (TCG_SHARE_SLOTS entries; a new
 * entry replaces the one in its slot).  Entries are never trusted: the
 * guest bytes are compared with memory on every use, so a stale entry is
 * only a miss, and invalidation does not need to know about the table.
 * Blocks of one page only (a block crossing pages depends on the second
 * page's mapping too), no MMIO code, no guest debugging, no per-block logs.
 */
#include <string.h>

#include "plugins/accel/tcg/tcg-internal.h"

#define TCG_SHARE_BITS 16
#define TCG_SHARE_SLOTS (1u << TCG_SHARE_BITS)

typedef struct TcgShared {
    uint64_t pc, flags, phys_pc, code_key;
    const TcgCpuOps *ops;
    unsigned size;           /* guest bytes */
    unsigned ninsns;
    size_t insn_words;
    size_t code_len;         /* exported code */
    uint64_t *insn_data;     /* these three point into data[] */
    uint8_t *guest;
    uint8_t *code;
    uint64_t data[];
} TcgShared;

static unsigned share_slot(uint64_t pc, uint64_t flags, uint64_t phys)
{
    uint64_t h = (pc ^ (phys * 0x9e3779b97f4a7c15ull) ^ (flags * 0xc2b2ae3d27d4eb4full)) *
                 0xff51afd7ed558ccdull;
    return (unsigned)(h >> (64 - TCG_SHARE_BITS));
}

void tcg_share_init(TcgAccel *a)
{
    if (a->shared || a->vcpus->len < 2 || !a->bops->export_code || !a->bops->clone) {
        return;
    }
    for (guint i = 0; i < a->vcpus->len; i++) {
        TcgVcpuState *v = g_ptr_array_index(a->vcpus, i);
        if (!v->has_code_key) {
            return;
        }
    }
    for (unsigned i = 0; i < TCG_SHARE_LOCKS; i++) {
        g_mutex_init(&a->share_lock[i]);
    }
    /* Threads already running (CPUs started earlier) may read it now. */
    __atomic_store_n(&a->shared, g_new0(TcgShared *, TCG_SHARE_SLOTS), __ATOMIC_RELEASE);
}

void tcg_share_destroy(TcgAccel *a)
{
    if (!a->shared) {
        return;
    }
    for (unsigned i = 0; i < TCG_SHARE_SLOTS; i++) {
        g_free(a->shared[i]);
    }
    g_free(a->shared);
    a->shared = NULL;
    for (unsigned i = 0; i < TCG_SHARE_LOCKS; i++) {
        g_mutex_clear(&a->share_lock[i]);
    }
}

bool tcg_share_usable(TcgVcpuState *v)
{
    return __atomic_load_n(&v->accel->shared, __ATOMIC_ACQUIRE) && v->has_code_key && !v->debug_active && !v->dbg_inflight &&
           !log_enabled(LOG_IN_ASM | LOG_OP | LOG_OUT_ASM);
}

TcgTb *tcg_share_find(TcgVcpuState *v, uint64_t pc, uint64_t flags, uint64_t phys,
                      const uint8_t *host)
{
    TcgAccel *a = v->accel;
    unsigned off = (unsigned)(phys & ~TCG_PAGE_MASK);
    TcgTb *tb = NULL;
    unsigned slot = share_slot(pc, flags, phys);
    GMutex *lock = &a->share_lock[slot % TCG_SHARE_LOCKS];
    g_mutex_lock(lock);
    TcgShared *e = a->shared[slot];
    if (e && e->pc == pc && e->flags == flags && e->phys_pc == phys &&
        e->code_key == v->code_key && e->ops == v->pub.ops && off + e->size <= TCG_PAGE_SIZE &&
        !memcmp(host, e->guest, e->size)) {
        tb = g_new0(TcgTb, 1);
        tb->pc = pc;
        tb->flags = flags;
        tb->size = e->size;
        tb->verified_gen = v->pub.icache_gen;
        tb->ninsns = e->ninsns;
        tb->owner = &v->pub;
        tb->phys_page[0] = tb->phys_page[1] = UINT64_MAX;
        tb->insn_data = g_memdup2(e->insn_data, e->insn_words * sizeof(uint64_t));
        if (a->bops->clone(a->backend, &v->pub, e->code, e->code_len, tb)) {
            /* What tcg_tb_install records as the code it was made from. */
            memcpy(v->tr_bytes, e->guest, e->size);
            v->tr_pages[0] = phys & TCG_PAGE_MASK;
            v->tr_pages[1] = UINT64_MAX;
            v->tr_host[0] = (uint8_t *)host - off;
            v->tr_host[1] = NULL;
            v->tr_mmio = false;
        } else {
            g_free(tb->insn_data);
            g_free(tb);
            tb = NULL;
        }
    }
    g_mutex_unlock(lock);
    return tb;
}

void tcg_share_add(TcgVcpuState *v, const TcgTb *tb)
{
    TcgAccel *a = v->accel;
    /* tb_save_code kept a copy of the bytes: one page, RAM, still valid. */
    if (v->tr_mmio || !tb->code_copy || tb->phys_page[1] != UINT64_MAX ||
        __atomic_load_n(&tb->invalid, __ATOMIC_ACQUIRE)) {
        return;
    }
    const TcgCpuOps *ops = v->pub.ops;
    size_t words = (size_t)tb->ninsns * (ops->insn_start_words ? ops->insn_start_words : 1);
    size_t code_len = a->bops->export_code(a->backend, tb, NULL);
    size_t data_words = words + (tb->size + code_len + 7) / 8;
    TcgShared *e = g_malloc(sizeof(*e) + data_words * sizeof(uint64_t));
    *e = (TcgShared){
        .pc = tb->pc, .flags = tb->flags, .phys_pc = tb->phys_pc, .code_key = v->code_key,
        .ops = ops, .size = tb->size, .ninsns = tb->ninsns, .insn_words = words,
        .code_len = code_len,
    };
    e->insn_data = e->data;
    e->guest = (uint8_t *)(e->data + words);
    e->code = e->guest + tb->size;
    memcpy(e->insn_data, tb->insn_data, words * sizeof(uint64_t));
    memcpy(e->guest, tb->code_copy, tb->size);
    a->bops->export_code(a->backend, tb, e->code);
    unsigned slot = share_slot(tb->pc, tb->flags, tb->phys_pc);
    GMutex *lock = &a->share_lock[slot % TCG_SHARE_LOCKS];
    g_mutex_lock(lock);
    TcgShared *old = a->shared[slot];
    a->shared[slot] = e;
    g_mutex_unlock(lock);
    g_free(old);
}
