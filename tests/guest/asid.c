/* SPDX-License-Identifier: MIT */
/*
 * Address spaces with ASIDs (Sv39): two page tables with different ASIDs map
 * the same virtual pages (data and code) to different physical pages; S-mode
 * switches satp between them without fences and must always see its own
 * mappings.  sfence.vma by ASID, by address and for everything must drop
 * what the privileged spec (10.2.1) says; global mappings stay correct.
 * Emulators that cache translations per address space (Tessera tags its TLB
 * and jump cache with satp) get each of these wrong if a tag is missed.
 */
#include "common/test.h"

#define PTE_V (1ul << 0)
#define PTE_R (1ul << 1)
#define PTE_W (1ul << 2)
#define PTE_X (1ul << 3)
#define PTE_G (1ul << 5)
#define PTE_A (1ul << 6)
#define PTE_D (1ul << 7)
#define SV39 8ul
/* Away from the TLB indexes of the program's own pages (at 0x80000000). */
#define DATA_VA 0x401a0000ul      /* per address space */
#define CODE_VA 0x401a1000ul      /* per address space, executable */
#define GLOBAL_VA 0x401a2000ul    /* global in both */
#define L0(va) (((va) >> 12) & 511)
#define ASID_A 5ul
#define ASID_B 0x1234ul

typedef struct Space {
    uint64_t *root;
    uint64_t *leaf;               /* level-0 table covering DATA_VA */
    uint64_t satp;
} Space;

static Space a, b;

static uint64_t pte(void *pa, uint64_t flags)
{
    return ((uint64_t)pa >> 12 << 10) | flags | PTE_V;
}

static uint64_t *data_page(uint64_t value)
{
    uint64_t *p = alloc_page();
    p[0] = value;
    return p;
}

/* A page whose code returns @value: addi a0, zero, value; ret. */
static uint32_t *code_page(int value)
{
    uint32_t *p = alloc_page();
    p[0] = ((uint32_t)value << 20) | (10u << 7) | 0x13u;
    p[1] = 0x00008067u;
    return p;
}

static void build(Space *s, uint64_t asid, uint64_t *data, uint32_t *code, uint64_t *global)
{
    s->root = alloc_page();
    /* Identity gigapages for devices and for RAM (code, stack), global. */
    s->root[0] = pte(0, PTE_R | PTE_W | PTE_X | PTE_A | PTE_D | PTE_G);
    s->root[2] = pte((void *)0x80000000ul, PTE_R | PTE_W | PTE_X | PTE_A | PTE_D | PTE_G);
    uint64_t *l1 = alloc_page();
    s->root[DATA_VA >> 30] = pte(l1, 0);
    s->leaf = alloc_page();
    l1[0] = pte(s->leaf, 0);
    s->leaf[L0(DATA_VA)] = pte(data, PTE_R | PTE_W | PTE_A | PTE_D);
    s->leaf[L0(CODE_VA)] = pte(code, PTE_R | PTE_X | PTE_A);
    s->leaf[L0(GLOBAL_VA)] = pte(global, PTE_R | PTE_W | PTE_A | PTE_D | PTE_G);
    s->satp = (SV39 << 60) | (asid << 44) | ((uint64_t)s->root >> 12);
}

static uint64_t load(uint64_t va)
{
    return *(volatile uint64_t *)va;
}

static uint64_t call(uint64_t va)
{
    return ((uint64_t (*)(void))va)();
}

static void use(const Space *s)
{
    csr_write(satp, s->satp);
}

static void sfence_asid(uint64_t asid)
{
    asm volatile("sfence.vma zero, %0" :: "r"(asid) : "memory");
}

static void sfence_addr(uint64_t va)
{
    asm volatile("sfence.vma %0, zero" :: "r"(va) : "memory");
}

static void sfence_addr_asid(uint64_t va, uint64_t asid)
{
    asm volatile("sfence.vma %0, %1" :: "r"(va), "r"(asid) : "memory");
}

static void sfence_all(void)
{
    asm volatile("sfence.vma" ::: "memory");
}

int main(void)
{
    uint64_t *global = data_page(0x6666);
    build(&a, ASID_A, data_page(0xaaaa), code_page(0x1a), global);
    build(&b, ASID_B, data_page(0xbbbb), code_page(0x1b), global);
    asm volatile("fence.i" ::: "memory");

    /* Both ASIDs are supported (ASIDLEN 16). */
    csr_write(satp, a.satp);
    CHECK_EQ(csr_read(satp), a.satp);
    csr_write(satp, b.satp);
    CHECK_EQ(csr_read(satp), b.satp);
    csr_write(satp, 0);
    sfence_all();

    /* Switching satp alone (no fence) changes what the same VA means, for
     * loads, stores and fetches, back and forth. */
    switch_mode(PRV_S);
    for (int round = 0; round < 3; round++) {
        use(&a);
        CHECK_EQ(load(DATA_VA), 0xaaaa);
        CHECK_EQ(call(CODE_VA), 0x1a);
        CHECK_EQ(load(GLOBAL_VA), 0x6666);
        use(&b);
        CHECK_EQ(load(DATA_VA), 0xbbbb);
        CHECK_EQ(call(CODE_VA), 0x1b);
        CHECK_EQ(load(GLOBAL_VA), 0x6666);
    }
    use(&a);
    *(volatile uint64_t *)DATA_VA = 0xa0a0;
    use(&b);
    *(volatile uint64_t *)DATA_VA = 0xb0b0;
    CHECK_EQ(load(DATA_VA), 0xb0b0);
    use(&a);
    CHECK_EQ(load(DATA_VA), 0xa0a0);

    /* Remap A's data and code while running in B; sfence.vma by A's ASID
     * makes the new mapping visible when A comes back. */
    use(&b);
    a.leaf[L0(DATA_VA)] = pte(data_page(0xcccc), PTE_R | PTE_W | PTE_A | PTE_D);
    a.leaf[L0(CODE_VA)] = pte(code_page(0x1c), PTE_R | PTE_X | PTE_A);
    asm volatile("fence.i" ::: "memory");
    sfence_asid(ASID_A);
    CHECK_EQ(load(DATA_VA), 0xb0b0);
    CHECK_EQ(call(CODE_VA), 0x1b);
    use(&a);
    CHECK_EQ(load(DATA_VA), 0xcccc);
    CHECK_EQ(call(CODE_VA), 0x1c);

    /* The same from inside the address space: a fence by the current ASID. */
    a.leaf[L0(DATA_VA)] = pte(data_page(0xdddd), PTE_R | PTE_W | PTE_A | PTE_D);
    sfence_asid(ASID_A);
    CHECK_EQ(load(DATA_VA), 0xdddd);

    /* By address (every ASID): B's remapped page is seen in B. */
    b.leaf[L0(DATA_VA)] = pte(data_page(0xeeee), PTE_R | PTE_W | PTE_A | PTE_D);
    sfence_addr(DATA_VA);
    use(&b);
    CHECK_EQ(load(DATA_VA), 0xeeee);
    use(&a);
    CHECK_EQ(load(DATA_VA), 0xdddd);

    /* By address and ASID. */
    a.leaf[L0(CODE_VA)] = pte(code_page(0x1d), PTE_R | PTE_X | PTE_A);
    asm volatile("fence.i" ::: "memory");
    sfence_addr_asid(CODE_VA, ASID_A);
    CHECK_EQ(call(CODE_VA), 0x1d);

    /* A global mapping changed in both tables: a fence by address drops it
     * in every address space (a fence by ASID need not). */
    uint64_t *global2 = data_page(0x7777);
    a.leaf[L0(GLOBAL_VA)] = pte(global2, PTE_R | PTE_W | PTE_A | PTE_D | PTE_G);
    b.leaf[L0(GLOBAL_VA)] = a.leaf[L0(GLOBAL_VA)];
    sfence_addr(GLOBAL_VA);
    CHECK_EQ(load(GLOBAL_VA), 0x7777);
    use(&b);
    CHECK_EQ(load(GLOBAL_VA), 0x7777);
    /* ...and a full fence drops everything. */
    uint64_t *global3 = data_page(0x8888);
    a.leaf[L0(GLOBAL_VA)] = pte(global3, PTE_R | PTE_W | PTE_A | PTE_D | PTE_G);
    b.leaf[L0(GLOBAL_VA)] = a.leaf[L0(GLOBAL_VA)];
    b.leaf[L0(DATA_VA)] = pte(data_page(0xffff), PTE_R | PTE_W | PTE_A | PTE_D);
    sfence_all();
    CHECK_EQ(load(GLOBAL_VA), 0x8888);
    CHECK_EQ(load(DATA_VA), 0xffff);
    use(&a);
    CHECK_EQ(load(GLOBAL_VA), 0x8888);
    CHECK_EQ(load(DATA_VA), 0xdddd);

    /* More address spaces than an emulator may cache: each still sees its
     * own page after the others ran. */
    static Space many[12];
    for (uint64_t i = 0; i < 12; i++) {
        build(&many[i], 100 + i, data_page(0x100 + i), code_page((int)(0x100 + i)), global3);
    }
    asm volatile("fence.i" ::: "memory");
    for (int round = 0; round < 2; round++) {
        for (uint64_t i = 0; i < 12; i++) {
            use(&many[i]);
            CHECK_EQ(load(DATA_VA), 0x100 + i);
            CHECK_EQ(call(CODE_VA), 0x100 + i);
            CHECK_EQ(load(GLOBAL_VA), 0x8888);
        }
    }
    use(&a);
    CHECK_EQ(load(DATA_VA), 0xdddd);
    back_to_m();

    csr_write(satp, 0);
    sfence_all();
    return 0;
}
