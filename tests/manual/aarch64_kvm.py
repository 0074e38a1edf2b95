# SPDX-License-Identifier: MIT
# Manual check for issue 18/19's "hypervisor inside": Linux KVM in a Tessera
# aarch64 guest runs a tiny KVM guest.  The shared aarch64 guest kernel has no
# CONFIG_KVM, so this needs a kernel built from its configuration plus
#   scripts/config -e VIRTUALIZATION -e KVM
# with tests/manual/kvm-client.c (static) in its built-in initramfs as
# /bin/kvm-client: scripts/build-kvm-guest.sh builds both.
#
#   python3 tests/manual/aarch64_kvm.py build/debug/bin/tessera-system-aarch64 Image [gic-version...] [extra options...]
#   (e.g. `... Image 3 -accel tcg,backend=interp` for the interpreter backend)
#
# For each GIC version (default: 2 3) it boots `-M virt,virtualization=on
# -cpu max -smp 2`, checks KVM initialised at EL2 with VHE and its vGIC,
# then runs the client three times: the basic guest (arithmetic, MMIO exits,
# PSCI SYSTEM_OFF through HVC), the same with the guest's stage-1 MMU on
# (MMIO reached through another VA: the exit address comes from HPFAR_EL2,
# stage-1 walks go through stage 2) and the timer guest (in-kernel vGIC, the guest's
# virtual timer interrupt taken in WFI).  Passing qemu-system-aarch64 as the
# binary runs the same as an oracle.
import os, subprocess, sys
exe, image = sys.argv[1], sys.argv[2]
rest = sys.argv[3:]
cut = next((i for i, a in enumerate(rest) if a.startswith('-')), len(rest))
versions, extra = rest[:cut] or ['2', '3'], rest[cut:]
run = 'dmesg|grep+-i+-e+kvm+-e+hyp+-e+vgic;kvm-client;echo+rc=$?;kvm-client+mmu;echo+rc=$?;kvm-client+timer;echo+rc=$?'
failed = []
for v in versions:
    cmd = [exe, '-M', 'virt,virtualization=on,gic-version=%s' % v, '-cpu', 'max', '-smp', '2',
           '-m', '512', '-nographic', '-no-reboot', '-kernel', image,
           '-append', 'console=ttyAMA0 panic=-1 guest.run=' + run] + extra
    if 'qemu' in os.path.basename(exe):
        cmd += ['-nic', 'none']    # QEMU's default NIC wants ipxe-qemu's ROM
    print('$', ' '.join(cmd), flush=True)
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=1200, stdin=subprocess.DEVNULL)
        out = r.stdout.decode(errors='replace').replace('\r', '')
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b'').decode(errors='replace').replace('\r', '') + '\nTIMEOUT'
    lines = [l for l in out.splitlines()
             if 'kvm' in l.lower() or 'hyp' in l.lower() or 'vgic' in l.lower() or 'rc=' in l]
    print('\n'.join(lines))
    want = ['kvm [1]: VHE mode initialized successfully', 'kvm-client: PASS\n',
            'kvm-client: PASS (mmu)', 'kvm-client: PASS (timer)']
    missing = [w for w in want if w not in out]
    if out.count('rc=0') != 3:
        missing.append('three rc=0')
    if missing:
        print(out[-4000:])
        print('FAIL gic-version=%s: missing %s' % (v, missing))
        failed.append(v)
    else:
        print('PASS gic-version=%s' % v)
print('FAIL' if failed else 'PASS')
sys.exit(1 if failed else 0)
