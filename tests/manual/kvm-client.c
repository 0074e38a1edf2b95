// SPDX-License-Identifier: MIT
// A tiny KVM client for an aarch64 Linux guest of Tessera (issue 18/19: a
// hypervisor inside).  It runs a few instructions in a KVM guest:
// arithmetic, an MMIO store of the result (KVM_EXIT_MMIO), an MMIO load the
// client answers, a second store of a value computed from it, then PSCI
// SYSTEM_OFF through HVC (KVM_EXIT_SYSTEM_EVENT).  With "timer" as argument
// With "mmu" the guest runs with its stage-1 MMU on and reaches the MMIO
// page through a different virtual address (0x40100000), so the exit's
// address comes from the fault IPA (HPFAR_EL2), not the VA.
// With "timer" it also makes an in-kernel vGIC (v2 or v3, whichever the host supports)
// and has the guest wait in WFI for its virtual timer interrupt.
// Build: aarch64-linux-gnu-gcc -static -O2 -o kvm-client kvm-client.c
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define GUEST_BASE 0x10000ULL   // IPA of the one memory slot
#define GUEST_SIZE 0x10000ULL
#define MMIO_BASE 0x100000ULL   // unmapped: accesses exit to us
#define MMIO_VA 0x40100000ULL   // "mmu": VA of MMIO_BASE
#define GICD_BASE 0x8000000ULL  // vGIC frames (timer mode)
#define GICC_BASE 0x8010000ULL  // GICv2 CPU interface
#define GICR_BASE 0x80a0000ULL  // GICv3 redistributors

// Guest code (EL1, MMU off).  x0..x5 end up observable through MMIO.
__asm__(".pushsection .rodata\n"
        ".balign 4\n"
        ".global guest_code, guest_code_end\n"
        "guest_code:\n"
        "  mov x0, #6\n"
        "  mov x1, #7\n"
        "  mul x2, x0, x1\n"            // 42
        "  add x2, x2, #100\n"          // 142
        "  lsl x2, x2, #32\n"
        "  movk x2, #0x5a\n"           // 0x0000008e0000005a
        "  mov x3, x19\n"               // MMIO_BASE, or its VA alias (mmu)
        "  str x2, [x3]\n"              // exit 1: write 8 bytes
        "  ldr x4, [x3, #8]\n"          // exit 2: read, client answers
        "  add x5, x4, x2\n"
        "  str w5, [x3, #16]\n"         // exit 3: write 4 bytes (low half)
        "  movz w0, #0x0008\n"
        "  movk w0, #0x8400, lsl #16\n" // PSCI_0_2_FN_SYSTEM_OFF
        "  hvc #0\n"                    // exit 4: system event
        "  b .\n"
        "guest_code_end:\n"
        // Timer mode: enable the CPU interface (v2 MMIO or v3 sysregs per x20),
        // enable PPI 27 at the distributor, arm CNTV for a short delay, WFI,
        // acknowledge, report the INTID through MMIO, then SYSTEM_OFF.
        ".global guest_timer, guest_timer_end\n"
        "guest_timer:\n"
        "  movz x3, #0x10, lsl #16\n"
        "  movz x10, #0x800, lsl #16\n"  // GICD
        "  mov w11, #3\n"
        "  str w11, [x10]\n"              // GICD_CTLR: enable groups 0 and 1
        "  cbz x20, 1f\n"
        // GICv3: redistributor SGI frame at GICR + 64K: ISENABLER0 at 0x100
        "  movz x12, #0x80a, lsl #16\n"
        "  add x12, x12, #0x10000\n"
        "  mov w13, #(1 << 27)\n"
        "  str w13, [x12, #0x100]\n"
        "  mov x13, #0xff\n"
        "  msr s3_0_c4_c6_0, x13\n"      // ICC_PMR_EL1
        "  mov x13, #1\n"
        "  msr s3_0_c12_c12_7, x13\n"    // ICC_IGRPEN1_EL1
        "  isb\n"
        "  b 2f\n"
        "1:\n"
        "  mov w13, #(1 << 27)\n"
        "  str w13, [x10, #0x100]\n"     // GICD_ISENABLER0
        "  movz x12, #0x801, lsl #16\n"  // GICC
        "  mov w13, #0xff\n"
        "  str w13, [x12, #4]\n"         // GICC_PMR
        "  mov w13, #1\n"
        "  str w13, [x12]\n"             // GICC_CTLR
        "2:\n"
        "  mrs x14, cntvct_el0\n"
        "  add x14, x14, #0x10000\n"     // ~1 ms at 62.5 MHz
        "  msr cntv_cval_el0, x14\n"
        "  mov x14, #1\n"
        "  msr cntv_ctl_el0, x14\n"      // enable, unmasked
        "  isb\n"
        "  msr daifclr, #2\n"            // IRQs on: the vector branches to 3f
        "4:\n"
        "  wfi\n"
        "  b 4b\n"
        "3:\n"                           // IRQ vector target
        "  cbz x20, 5f\n"
        "  mrs x15, s3_0_c12_c12_0\n"    // ICC_IAR1_EL1
        "  b 6f\n"
        "5:\n"
        "  ldr w15, [x12, #0xc]\n"       // GICC_IAR
        "6:\n"
        "  mrs x16, cntv_ctl_el0\n"      // ISTATUS must be set
        "  mov x17, #2\n"
        "  msr cntv_ctl_el0, x17\n"      // mask it
        "  str x15, [x3]\n"              // exit: INTID
        "  str x16, [x3, #8]\n"          // exit: CNTV_CTL
        "  movz w0, #0x0008\n"
        "  movk w0, #0x8400, lsl #16\n"
        "  hvc #0\n"
        "  b .\n"
        "guest_timer_end:\n"
        ".popsection\n");
extern const uint32_t guest_code[], guest_code_end[], guest_timer[], guest_timer_end[];

static int fails;
static void check(int ok, const char *what)
{
    printf("kvm-client: %s %s\n", ok ? "ok  " : "FAIL", what);
    if (!ok)
        fails++;
}

static uint64_t core_reg(size_t off)
{
    return KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | (off / sizeof(uint32_t));
}

static uint64_t sysreg(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2)
{
    return KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM64_SYSREG |
           ((uint64_t)op0 << KVM_REG_ARM64_SYSREG_OP0_SHIFT) |
           ((uint64_t)op1 << KVM_REG_ARM64_SYSREG_OP1_SHIFT) |
           ((uint64_t)crn << KVM_REG_ARM64_SYSREG_CRN_SHIFT) |
           ((uint64_t)crm << KVM_REG_ARM64_SYSREG_CRM_SHIFT) | op2;
}

static void set_reg(int vcpu, uint64_t id, uint64_t v)
{
    struct kvm_one_reg r = {.id = id, .addr = (uintptr_t)&v};
    if (ioctl(vcpu, KVM_SET_ONE_REG, &r) < 0) {
        perror("KVM_SET_ONE_REG");
        exit(1);
    }
}

static int vcpu_run(int vcpu, struct kvm_run *run)
{
    for (;;) {
        if (ioctl(vcpu, KVM_RUN, 0) == 0)
            return run->exit_reason;
        if (errno != EINTR) {
            perror("KVM_RUN");
            exit(1);
        }
    }
}

static const char *exit_name(int r)
{
    switch (r) {
    case KVM_EXIT_MMIO: return "MMIO";
    case KVM_EXIT_SYSTEM_EVENT: return "SYSTEM_EVENT";
    case KVM_EXIT_FAIL_ENTRY: return "FAIL_ENTRY";
    case KVM_EXIT_INTERNAL_ERROR: return "INTERNAL_ERROR";
    default: return "other";
    }
}

static int expect_mmio(struct kvm_run *run, int reason, int write, uint64_t addr, unsigned len)
{
    char what[128];
    snprintf(what, sizeof what, "exit %s(%d) is MMIO %s at 0x%llx len %u", exit_name(reason),
             reason, write ? "write" : "read", (unsigned long long)addr, len);
    int ok = reason == KVM_EXIT_MMIO && run->mmio.is_write == write &&
             run->mmio.phys_addr == addr && run->mmio.len == len;
    if (!ok && reason == KVM_EXIT_MMIO)
        printf("kvm-client: got MMIO %s at 0x%llx len %u\n", run->mmio.is_write ? "write" : "read",
               (unsigned long long)run->mmio.phys_addr, run->mmio.len);
    check(ok, what);
    return ok;
}

static uint64_t mmio_value(struct kvm_run *run)
{
    uint64_t v = 0;
    memcpy(&v, run->mmio.data, run->mmio.len <= 8 ? run->mmio.len : 8);
    return v;
}

// Makes an in-kernel vGIC; returns 3 or 2 for the version, 0 if none works.
static int make_vgic(int vm)
{
    struct kvm_create_device d = {.type = KVM_DEV_TYPE_ARM_VGIC_V3};
    if (ioctl(vm, KVM_CREATE_DEVICE, &d) == 0) {
        uint64_t dist = GICD_BASE, redist = GICR_BASE;
        struct kvm_device_attr a = {.group = KVM_DEV_ARM_VGIC_GRP_ADDR,
                                    .attr = KVM_VGIC_V3_ADDR_TYPE_DIST, .addr = (uintptr_t)&dist};
        if (ioctl(d.fd, KVM_SET_DEVICE_ATTR, &a) < 0)
            perror("vgic v3 dist addr");
        a.attr = KVM_VGIC_V3_ADDR_TYPE_REDIST;
        a.addr = (uintptr_t)&redist;
        if (ioctl(d.fd, KVM_SET_DEVICE_ATTR, &a) < 0)
            perror("vgic v3 redist addr");
        return d.fd << 4 | 3;
    }
    d = (struct kvm_create_device){.type = KVM_DEV_TYPE_ARM_VGIC_V2};
    if (ioctl(vm, KVM_CREATE_DEVICE, &d) == 0) {
        uint64_t dist = GICD_BASE, cpu = GICC_BASE;
        struct kvm_device_attr a = {.group = KVM_DEV_ARM_VGIC_GRP_ADDR,
                                    .attr = KVM_VGIC_V2_ADDR_TYPE_DIST, .addr = (uintptr_t)&dist};
        if (ioctl(d.fd, KVM_SET_DEVICE_ATTR, &a) < 0)
            perror("vgic v2 dist addr");
        a.attr = KVM_VGIC_V2_ADDR_TYPE_CPU;
        a.addr = (uintptr_t)&cpu;
        if (ioctl(d.fd, KVM_SET_DEVICE_ATTR, &a) < 0)
            perror("vgic v2 cpu addr");
        return d.fd << 4 | 2;
    }
    perror("KVM_CREATE_DEVICE vgic");
    return 0;
}

static void vgic_init(int fd)
{
    struct kvm_device_attr a = {.group = KVM_DEV_ARM_VGIC_GRP_CTRL, .attr = KVM_DEV_ARM_VGIC_CTRL_INIT};
    if (ioctl(fd, KVM_SET_DEVICE_ATTR, &a) < 0)
        perror("vgic init");
}

int main(int argc, char **argv)
{
    int timer = argc > 1 && !strcmp(argv[1], "timer");
    int mmu = argc > 1 && !strcmp(argv[1], "mmu");
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0) {
        perror("kvm-client: /dev/kvm");
        printf("kvm-client: FAIL no /dev/kvm\n");
        return 1;
    }
    printf("kvm-client: KVM API %d\n", ioctl(kvm, KVM_GET_API_VERSION, 0));
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0) {
        perror("KVM_CREATE_VM");
        printf("kvm-client: FAIL\n");
        return 1;
    }
    uint8_t *mem = mmap(NULL, GUEST_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    const uint32_t *code = timer ? guest_timer : guest_code;
    size_t code_len = (size_t)((timer ? guest_timer_end : guest_code_end) - code) * 4;
    memcpy(mem, code, code_len);
    if (timer) {
        // IRQ vector of the current EL with SP_ELx: VBAR + 0x280 branches to label 3.
        // The label sits at a fixed distance from the end: compute it from the code.
        // Find "cbz x20" after the WFI loop: the IRQ target is the first such word
        // following the "b 4b" (0x17ffffff).
        size_t n = code_len / 4, target = 0;
        for (size_t i = 1; i < n; i++)
            if (code[i - 1] == 0x17ffffffu) {
                target = i;
                break;
            }
        uint32_t *vec = (uint32_t *)(mem + 0x800 + 0x280);
        if (!target || code_len > 0x800) {
            printf("kvm-client: FAIL guest code layout\n");
            return 1;
        }
        int32_t off = (int32_t)(target * 4) - (0x800 + 0x280);
        *vec = 0x14000000u | ((uint32_t)(off / 4) & 0x03ffffffu);
    }
    if (mmu) {
        // 4 KiB granule, 39-bit VA, walk from level 1.  L1[0] -> L2 at
        // +0x2000 whose entry 0 maps IPA 0-2 MiB as normal memory (the
        // code); L1[1] -> L2 at +0x3000 whose entry 0 maps VA 1 GiB..+2 MiB
        // to IPA 0 as device memory (MMIO_VA -> MMIO_BASE).
        uint64_t *l1 = (uint64_t *)(mem + 0x1000), *l2a = (uint64_t *)(mem + 0x2000),
                 *l2b = (uint64_t *)(mem + 0x3000);
        if (code_len > 0x1000) {
            printf("kvm-client: FAIL guest code layout\n");
            return 1;
        }
        l1[0] = (GUEST_BASE + 0x2000) | 3;
        l1[1] = (GUEST_BASE + 0x3000) | 3;
        l2a[0] = 0 | 1ull << 10 | 3ull << 8 | 0 << 2 | 1;   // AF, inner shareable, attr 0
        l2b[0] = 0 | 1ull << 10 | 1 << 2 | 1;               // AF, attr 1 (device)
    }
    struct kvm_userspace_memory_region region = {
        .slot = 0, .guest_phys_addr = GUEST_BASE, .memory_size = GUEST_SIZE,
        .userspace_addr = (uintptr_t)mem};
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
        perror("KVM_SET_USER_MEMORY_REGION");
        return 1;
    }
    int gic = 0, gicfd = -1;
    if (timer) {
        int r = make_vgic(vm);
        gic = r & 15;
        gicfd = r >> 4;
        check(gic != 0, "in-kernel vGIC created");
        if (!gic)
            return 1;
        printf("kvm-client: vGIC v%d\n", gic);
    }
    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0) {
        perror("KVM_CREATE_VCPU");
        return 1;
    }
    struct kvm_vcpu_init init;
    if (ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init) < 0) {
        perror("KVM_ARM_PREFERRED_TARGET");
        return 1;
    }
    printf("kvm-client: preferred target %u\n", init.target);
    init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
    if (ioctl(vcpu, KVM_ARM_VCPU_INIT, &init) < 0) {
        perror("KVM_ARM_VCPU_INIT");
        return 1;
    }
    if (timer)
        vgic_init(gicfd);
    int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    struct kvm_run *run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED) {
        perror("mmap kvm_run");
        return 1;
    }
    set_reg(vcpu, core_reg(offsetof(struct kvm_regs, regs.pc)), GUEST_BASE);
    set_reg(vcpu, core_reg(offsetof(struct kvm_regs, regs.pstate)), 0x3c5); // EL1h, DAIF masked
    set_reg(vcpu, core_reg(offsetof(struct kvm_regs, regs.regs[19])), mmu ? MMIO_VA : MMIO_BASE);
    if (mmu) {
        uint64_t sctlr = 0;
        struct kvm_one_reg g = {.id = sysreg(3, 0, 1, 0, 0), .addr = (uintptr_t)&sctlr};
        if (ioctl(vcpu, KVM_GET_ONE_REG, &g) < 0) {
            perror("KVM_GET_ONE_REG SCTLR_EL1");
            return 1;
        }
        set_reg(vcpu, sysreg(3, 0, 10, 2, 0), 0x00ff);                 // MAIR_EL1
        set_reg(vcpu, sysreg(3, 0, 2, 0, 2),                            // TCR_EL1
                25 | 1u << 8 | 1u << 10 | 3u << 12 | 1ull << 23 | 2ull << 32); // T0SZ 25, WBWA, ISH, EPD1, IPS 40
        set_reg(vcpu, sysreg(3, 0, 2, 0, 0), GUEST_BASE + 0x1000);     // TTBR0_EL1
        set_reg(vcpu, sysreg(3, 0, 1, 0, 0), sctlr | 1 | 1u << 2 | 1u << 12); // M, C, I
    }
    if (timer) {
        set_reg(vcpu, core_reg(offsetof(struct kvm_regs, regs.regs[20])), gic == 3);
        // VBAR_EL1 = GUEST_BASE + 0x800 (op0 3, op1 0, CRn 12, CRm 0, op2 0)
        set_reg(vcpu, sysreg(3, 0, 12, 0, 0), GUEST_BASE + 0x800);
    }

    int r = vcpu_run(vcpu, run);
    if (timer) {
        if (expect_mmio(run, r, 1, MMIO_BASE, 8))
            check(mmio_value(run) == 27, "guest acknowledged its virtual timer PPI 27");
        printf("kvm-client: INTID %llu\n", (unsigned long long)mmio_value(run));
        r = vcpu_run(vcpu, run);
        if (expect_mmio(run, r, 1, MMIO_BASE + 8, 8))
            check((mmio_value(run) & 5) == 5, "CNTV_CTL_EL0 shows ENABLE and ISTATUS");
    } else {
        if (expect_mmio(run, r, 1, MMIO_BASE, 8))
            check(mmio_value(run) == 0x0000008e0000005aull, "stored value 0x8e0000005a (6*7+100)<<32|0x5a");
        r = vcpu_run(vcpu, run);
        if (expect_mmio(run, r, 0, MMIO_BASE + 8, 8)) {
            uint64_t v = 0x1111111100000100ull;
            memcpy(run->mmio.data, &v, 8);
        }
        r = vcpu_run(vcpu, run);
        if (expect_mmio(run, r, 1, MMIO_BASE + 16, 4))
            check(mmio_value(run) == 0x15a, "guest added the loaded value: 0x15a");
    }
    r = vcpu_run(vcpu, run);
    check(r == KVM_EXIT_SYSTEM_EVENT && run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN,
          "PSCI SYSTEM_OFF gives KVM_EXIT_SYSTEM_EVENT shutdown");
    if (r != KVM_EXIT_SYSTEM_EVENT) {
        struct kvm_one_reg pr = {.id = core_reg(offsetof(struct kvm_regs, regs.pc))};
        uint64_t pc = 0;
        pr.addr = (uintptr_t)&pc;
        ioctl(vcpu, KVM_GET_ONE_REG, &pr);
        printf("kvm-client: exit %d (%s) pc 0x%llx\n", r, exit_name(r), (unsigned long long)pc);
    }
    printf("kvm-client: %s%s\n", fails ? "FAIL" : "PASS", timer ? " (timer)" : mmu ? " (mmu)" : "");
    return fails ? 1 : 0;
}
