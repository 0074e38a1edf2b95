#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build the aarch64 guest kernel for tests/manual/aarch64_kvm.py: the shared
# aarch64 configuration (linux-6.1-aarch64.config) plus CONFIG_VIRTUALIZATION
# and CONFIG_KVM, with the usual built-in initramfs (busybox, init,
# udhcpc.script from the guest set) and /bin/kvm-client
# (tests/manual/kvm-client.c, static).
#
# Usage: scripts/build-kvm-guest.sh [OUT]        (OUT defaults to build/guests/aarch64-kvm)
# Environment:
#   TESSERA_GUEST_DIR   the aarch64 guest set (config, busybox, init, udhcpc.script);
#                       default ../shared/guests/aarch64, else build/guests/aarch64
#   KVM_KERNEL_TREE     an already configured and built tree of the same
#                       configuration to copy (saves most of the build, e.g. the
#                       tree scripts/build-guest-images.sh left); default: unpack
#                       /usr/src/linux-source-6.1.tar.xz (package linux-source-6.1)
# Needs gcc-aarch64-linux-gnu and libc6-dev-arm64-cross (scripts/setup.sh).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/guests/aarch64-kvm}
guests=${TESSERA_GUEST_DIR:-$top/../shared/guests/aarch64}
[ -e "$guests/busybox" ] || guests=$top/build/guests/aarch64
for f in busybox init; do
  [ -e "$guests/$f" ] || { echo "build-kvm-guest: $guests/$f missing (set TESSERA_GUEST_DIR)" >&2; exit 1; }
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
tree=$out/linux
cc=aarch64-linux-gnu-
if [ ! -d "$tree" ]; then
  if [ -n "${KVM_KERNEL_TREE:-}" ]; then
    cp -a "$KVM_KERNEL_TREE" "$tree"
  else
    tar=/usr/src/linux-source-6.1.tar.xz
    [ -e "$tar" ] || { echo "build-kvm-guest: $tar missing (package linux-source-6.1)" >&2; exit 1; }
    mkdir -p "$out/src" && tar xf "$tar" -C "$out/src"
    mv "$out"/src/linux-source-6.1 "$tree" && rmdir "$out/src"
    cfg=$guests/linux-6.1-aarch64.config
    [ -e "$cfg" ] || cfg=$guests/linux.config
    [ -e "$cfg" ] || { echo "build-kvm-guest: no kernel configuration in $guests" >&2; exit 1; }
    cp "$cfg" "$tree/.config"
  fi
fi
"$tree/scripts/config" --file "$tree/.config" --enable VIRTUALIZATION --enable KVM \
  --set-str INITRAMFS_SOURCE initramfs.list
mkdir -p "$tree/initramfs"
"${cc}gcc" -static -O2 -Wall -Wextra -o "$tree/initramfs/kvm-client" "$top/tests/manual/kvm-client.c"
cp "$guests/busybox" "$tree/initramfs/busybox"
install -m 755 "$guests/init" "$tree/initramfs/init"
cat > "$tree/initramfs.list" <<'EOF'
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
dir /bin 0755 0 0
file /bin/busybox initramfs/busybox 0755 0 0
file /init initramfs/init 0755 0 0
file /bin/kvm-client initramfs/kvm-client 0755 0 0
dir /proc 0755 0 0
dir /sys 0755 0 0
dir /etc 0755 0 0
dir /tmp 1777 0 0
dir /mnt 0755 0 0
EOF
if [ -e "$guests/udhcpc.script" ]; then
  cp "$guests/udhcpc.script" "$tree/initramfs/udhcpc.script"
  printf 'dir /etc/udhcpc 0755 0 0\nfile /etc/udhcpc/default.script initramfs/udhcpc.script 0755 0 0\n' \
    >> "$tree/initramfs.list"
fi
make -C "$tree" ARCH=arm64 CROSS_COMPILE=$cc olddefconfig
grep -q '^CONFIG_KVM=y' "$tree/.config" || { echo "build-kvm-guest: CONFIG_KVM did not stick" >&2; exit 1; }
nice make -C "$tree" ARCH=arm64 CROSS_COMPILE=$cc -j"$(nproc)" Image
cp "$tree/arch/arm64/boot/Image" "$out/Image"
echo "build-kvm-guest: $out/Image (then: python3 tests/manual/aarch64_kvm.py build/debug/bin/tessera-system-aarch64 $out/Image)"
