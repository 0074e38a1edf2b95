/* SPDX-License-Identifier: MIT */
/*
 * The "x86_64" TCG backend: compiles IR blocks to native x86-64 code
 * (gen.c) held in per-vCPU chunks of executable memory.  Direct chaining
 * patches each goto_tb's jmp rel32 to the target block's code.
 * Selected with -accel tcg,backend=x86_64.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "kernel/core.h"
#include "kernel/module.h"
#include "plugins/accel/tcg-x86_64/x86.h"

typedef struct X86Backend {
    TcgBackend parent_obj;
    /* perfmap=on: /tmp/perf-PID.map, one line per compiled block, written
     * by every vCPU thread under perfmap_lock. */
    GMutex perfmap_lock;
    FILE *perfmap;
} X86Backend;

OBJECT_DECLARE_SIMPLE_TYPE(X86Backend, X86_64_BACKEND, TYPE_X86_64_TCG_BACKEND)

static void *x86_map_exec(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static void x86_chunk_free(X86Chunk *c)
{
    munmap(c->base, X86_CHUNK_SIZE);
    g_free(c);
}

static bool x86_vcpu_init(TcgBackend *be, TcgVcpu *v, GError **errp)
{
    if (!__builtin_cpu_supports("popcnt")) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_UNSUPPORTED,
                    "-accel tcg,backend=x86_64: the host CPU lacks POPCNT");
        return false;
    }
    X86Vcpu *xv = g_new0(X86Vcpu, 1);
    xv->frame = g_new0(uint64_t, X86_FRAME_SLOTS);
    xv->chunks = g_ptr_array_new();
    xv->stub = x86_map_exec(TCG_PAGE_SIZE);
    if (!xv->stub) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_UNSUPPORTED,
                    "-accel tcg,backend=x86_64: cannot map executable memory: %s",
                    g_strerror(errno));
        g_ptr_array_free(xv->chunks, TRUE);
        g_free(xv->frame);
        g_free(xv);
        return false;
    }
    GByteArray *stub = x86_gen_entry_stub(v, xv->frame);
    g_assert(stub->len <= TCG_PAGE_SIZE);
    memcpy(xv->stub, stub->data, stub->len);
    g_byte_array_free(stub, TRUE);
    xv->entry = (X86EntryFn)(uintptr_t)xv->stub;
    v->backend_data = xv;
    return true;
}

static void x86_vcpu_cleanup(TcgBackend *be, TcgVcpu *v)
{
    X86Vcpu *xv = v->backend_data;
    if (!xv) {
        return;
    }
    for (guint i = 0; i < xv->chunks->len; i++) {
        x86_chunk_free(g_ptr_array_index(xv->chunks, i));
    }
    g_ptr_array_free(xv->chunks, TRUE);
    x86_gen_scratch_free(xv->gen);
    munmap(xv->stub, TCG_PAGE_SIZE);
    g_free(xv->frame);
    g_free(xv);
    v->backend_data = NULL;
}

/* Room for @size bytes (16-byte aligned) in the current chunk or a new one. */
static uint8_t *x86_alloc(X86Vcpu *xv, size_t size, X86Chunk **chunk)
{
    size = (size + 15) & ~(size_t)15;
    if (size > X86_CHUNK_SIZE) {
        return NULL;
    }
    if (!xv->cur || xv->cur->used + size > X86_CHUNK_SIZE) {
        X86Chunk *c = g_new0(X86Chunk, 1);
        c->base = x86_map_exec(X86_CHUNK_SIZE);
        if (!c->base) {
            g_free(c);
            return NULL;
        }
        g_ptr_array_add(xv->chunks, c);
        /* The old current chunk goes once its last block is freed. */
        if (xv->cur && !xv->cur->live) {
            g_ptr_array_remove(xv->chunks, xv->cur);
            x86_chunk_free(xv->cur);
        }
        xv->cur = c;
    }
    uint8_t *p = xv->cur->base + xv->cur->used;
    xv->cur->used += size;
    xv->cur->live++;
    *chunk = xv->cur;
    return p;
}

static void x86_perfmap_add(X86Backend *xb, TcgVcpu *v, const TcgTb *tb, size_t len)
{
    if (xb->perfmap) {
        g_mutex_lock(&xb->perfmap_lock);
        fprintf(xb->perfmap, "%" PRIxPTR " %zx tb cpu%d 0x%" PRIx64 "\n",
                (uintptr_t)tb->code, len, v->cpu->index, tb->pc);
        fflush(xb->perfmap);
        g_mutex_unlock(&xb->perfmap_lock);
    }
}

static bool x86_compile(TcgBackend *be, TcgVcpu *v, const IrBlock *ir, TcgTb *tb)
{
    X86Vcpu *xv = v->backend_data;
    X86Links links = { { 0 } };
    unsigned len;
    const uint8_t *code = x86_gen_block(v, xv, ir, tb, &links, &len);
    if (!code) {
        return false;
    }
    X86Chunk *chunk = NULL;
    size_t total = sizeof(X86CodeHeader) + len;
    uint8_t *p = x86_alloc(xv, total, &chunk);
    if (!p) {
        return false;
    }
    X86CodeHeader hdr = { .chunk = chunk, .size = total, .links = links };
    memcpy(p, &hdr, sizeof(hdr));
    memcpy(p + sizeof(hdr), code, len);
    tb->code = p + sizeof(hdr);
    tb->code_size = total;
    x86_perfmap_add((X86Backend *)be, v, tb, len);   /* no checked cast per block */
    return true;
}

/* The code is position independent but for the TcgTb pointer its entry
 * loads (X86_TB_IMM_OFF): the export is the header's jump offsets and the
 * code, unlinked (every patchable rel32 still 0). */
static size_t x86_export_code(TcgBackend *be, const TcgTb *tb, void *buf)
{
    const X86CodeHeader *hdr = (const X86CodeHeader *)((const uint8_t *)tb->code - sizeof(*hdr));
    size_t len = hdr->size - sizeof(*hdr);
    if (buf) {
        memcpy(buf, &hdr->links, sizeof(hdr->links));
        memcpy((uint8_t *)buf + sizeof(hdr->links), tb->code, len);
    }
    return sizeof(hdr->links) + len;
}

static bool x86_clone(TcgBackend *be, TcgVcpu *v, const void *code, size_t size, TcgTb *tb)
{
    X86Vcpu *xv = v->backend_data;
    X86CodeHeader hdr = { 0 };
    g_assert(size > sizeof(hdr.links) + X86_TB_IMM_OFF + 8);
    size_t len = size - sizeof(hdr.links);
    size_t total = sizeof(hdr) + len;
    X86Chunk *chunk = NULL;
    uint8_t *p = x86_alloc(xv, total, &chunk);
    if (!p) {
        return false;
    }
    hdr.chunk = chunk;
    hdr.size = total;
    memcpy(&hdr.links, code, sizeof(hdr.links));
    memcpy(p, &hdr, sizeof(hdr));
    memcpy(p + sizeof(hdr), (const uint8_t *)code + sizeof(hdr.links), len);
    uint64_t self = (uint64_t)(uintptr_t)tb;
    memcpy(p + sizeof(hdr) + X86_TB_IMM_OFF, &self, sizeof(self));
    tb->code = p + sizeof(hdr);
    tb->code_size = total;
    x86_perfmap_add((X86Backend *)be, v, tb, len);
    return true;
}

static void x86_free_code(TcgBackend *be, TcgVcpu *v, TcgTb *tb)
{
    X86Vcpu *xv = v->backend_data;
    if (!tb->code) {
        return;
    }
    X86CodeHeader hdr;
    memcpy(&hdr, (uint8_t *)tb->code - sizeof(hdr), sizeof(hdr));
    tb->code = NULL;
    X86Chunk *c = hdr.chunk;
    g_assert(c->live > 0);
    if (--c->live) {
        return;
    }
    if (c == xv->cur) {
        c->used = 0;                /* empty: reuse from the start */
    } else {
        g_ptr_array_remove(xv->chunks, c);
        x86_chunk_free(c);
    }
}

static TcgTb *x86_exec(TcgBackend *be, TcgVcpu *v, TcgTb *tb, int *exit_slot)
{
    X86Vcpu *xv = v->backend_data;
    *exit_slot = -1;
    return xv->entry(v, tb->code, exit_slot);
}

static const X86CodeHeader *x86_header(const TcgTb *tb)
{
    return (const X86CodeHeader *)((const uint8_t *)tb->code - sizeof(X86CodeHeader));
}

static void x86_patch(uint8_t *site, const uint8_t *to)
{
    int64_t rel = to ? (intptr_t)to - (intptr_t)(site + 4) : 0;
    if (rel != (int32_t)rel) {
        rel = 0;
    }
    __atomic_store_n((int32_t *)site, (int32_t)rel, __ATOMIC_RELEASE);
}

/*
 * Point goto_tb @slot of @tb at its jmp_target's code, or back at the
 * fall-through (the exit to the loop); a slot linked to @tb itself goes to
 * its loop stub when it has one (X86Links).  Called under the engine's
 * tb_lock, possibly from another thread while @tb runs: each rel32 is
 * 4-byte aligned, so its store is atomic for the executing thread.  A
 * target out of rel32 range stays unpatched (the loop then handles that
 * exit).
 */
static void x86_link(TcgBackend *be, TcgTb *tb, int slot)
{
    if (!tb->code) {
        return;
    }
    const X86Links *l = &x86_header(tb)->links;
    uint8_t *code = tb->code;
    uint32_t off = l->jmp_off[slot];
    g_assert(off && (off & 3) == 0);
    TcgTb *to = __atomic_load_n(&tb->jmp_target[slot], __ATOMIC_ACQUIRE);
    bool self = to == tb && l->self_at[slot];
    if (l->self_at[slot]) {
        x86_patch(code + l->self_at[slot], self ? code + l->self_to[slot] : NULL);
    }
    x86_patch(code + off, to && !self ? to->code : NULL);
}

static unsigned x86_find_insn(TcgBackend *be, TcgVcpu *v, TcgTb *tb, uintptr_t ra)
{
    /* Compiled code stores the instruction index before every call-out. */
    return v->cur_insn;
}

/*
 * perf's map for JIT code: "START SIZE NAME" lines in hex, found by the
 * process id.  Blocks freed and their memory reused get a new line; perf
 * keeps the latest symbol for an address.
 */
static bool x86_perfmap_open(TcgBackend *be, GError **errp)
{
    X86Backend *xb = X86_64_BACKEND(be);
    g_autofree char *path = g_strdup_printf("/tmp/perf-%d.map", (int)getpid());
    xb->perfmap = fopen(path, "w");
    if (!xb->perfmap) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "-perfmap: cannot write %s: %s",
                    path, g_strerror(errno));
        return false;
    }
    return true;
}

static void x86_instance_init(Object *obj)
{
    g_mutex_init(&X86_64_BACKEND(obj)->perfmap_lock);
}

static void x86_instance_finalize(Object *obj)
{
    X86Backend *xb = X86_64_BACKEND(obj);
    if (xb->perfmap) {
        fclose(xb->perfmap);
    }
    g_mutex_clear(&xb->perfmap_lock);
}

/* -d out_asm: the block's code (after its header) through capstone. */
static void x86_dump_code(TcgBackend *be, const TcgTb *tb, GString *out)
{
    const uint8_t *code = tb->code;
    size_t len = x86_header(tb)->size - sizeof(X86CodeHeader);
    x86_disas(code, len, out);
}

static const TcgBackendOps x86_ops = {
    .perfmap_open = x86_perfmap_open,
    .dump_code = x86_dump_code,
    .vcpu_init = x86_vcpu_init,
    .vcpu_cleanup = x86_vcpu_cleanup,
    .compile = x86_compile,
    .free_code = x86_free_code,
    .exec = x86_exec,
    .link = x86_link,
    .find_insn = x86_find_insn,
    .export_code = x86_export_code,
    .clone = x86_clone,
};

static void x86_class_init(ObjectClass *klass, const void *data)
{
    TcgBackendClass *bc = TCG_BACKEND_CLASS(klass);
    bc->ops = &x86_ops;
    bc->chaining = true;
}

static const TypeInfo x86_type_info = {
    .name = TYPE_X86_64_TCG_BACKEND,
    .parent = TYPE_TCG_BACKEND,
    .category = "tcg-backend",
    .description = "native x86-64 code generator",
    .instance_size = sizeof(X86Backend),
    .instance_init = x86_instance_init,
    .instance_finalize = x86_instance_finalize,
    .class_size = sizeof(TcgBackendClass),
    .class_init = x86_class_init,
};

TESSERA_MODULE(.name = "tcg-x86_64", .kind = "tcg-backend", .types = TESSERA_TYPES(&x86_type_info));
