#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build the riscv64 guest images the functional tests boot, from Debian
# sources, when no prebuilt set is available (TESSERA_GUEST_DIR):
#   OUT/riscv64/Image.xz           Linux 6.1, riscv defconfig + virt drivers
#   OUT/riscv64/busybox            static BusyBox
#   OUT/riscv64/initramfs.cpio.gz  busybox + tests/guest/linux/init
# Usage: scripts/build-guest-images.sh [OUT]   (default: build/guests)
# Needs root for apt-get; takes tens of minutes (the kernel).  Images already
# in OUT are kept (delete them to rebuild).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-$top/build/guests}/riscv64" && cd "${1:-$top/build/guests}/riscv64" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/tessera-guest-XXXXXX")
trap 'rm -rf "$work"' EXIT
cross=riscv64-linux-gnu-
jobs=$(nproc)

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
# Source packages come from the same mirrors as the binary ones.
src_list=/etc/apt/sources.list.d/tessera-deb-src.sources
if [ ! -e "$src_list" ]; then
  sed -n 's/^Types: deb$/Types: deb-src/p; /^URIs:\|^Suites:\|^Components:\|^Signed-By:/p; /^$/p' \
    /etc/apt/sources.list.d/debian.sources | $SUDO tee "$src_list" >/dev/null
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends linux-source-6.1 gcc-riscv64-linux-gnu \
  libc6-dev-riscv64-cross make flex bison bc libssl-dev libelf-dev cpio xz-utils gzip dpkg-dev

# Linux: riscv defconfig already has the virt board's drivers; modules off
# so the initramfs needs nothing but busybox.
cd "$work"
if [ ! -e "$out/Image.xz" ]; then
tar xf /usr/src/linux-source-6.1.tar.xz
kmake() { make -C "$work/linux-source-6.1" ARCH=riscv CROSS_COMPILE=$cross "$@"; }
kmake defconfig
"$work/linux-source-6.1/scripts/config" --file "$work/linux-source-6.1/.config" \
  --disable MODULES --enable SERIAL_8250_CONSOLE --enable RTC_DRV_GOLDFISH \
  --enable POWER_RESET_SYSCON --enable POWER_RESET_SYSCON_POWEROFF --enable BLK_DEV_INITRD
kmake olddefconfig
kmake -j"$jobs" Image
xz -T0 -9 -c "$work/linux-source-6.1/arch/riscv/boot/Image" > "$out/Image.xz.tmp"
mv "$out/Image.xz.tmp" "$out/Image.xz"
fi

# BusyBox, static.
if [ ! -e "$out/busybox" ]; then
cd "$work"
apt-get source -qq busybox
cd "$work"/busybox-*/
make defconfig >/dev/null
sed -i 's/^# CONFIG_STATIC is not set$/CONFIG_STATIC=y/; s/^CONFIG_TC=y$/# CONFIG_TC is not set/' .config
make CROSS_COMPILE=$cross -j"$jobs" busybox
cp busybox "$out/busybox"
fi

# The initramfs: busybox and our init.
root="$work/initramfs"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,etc,mnt}
cp "$out/busybox" "$root/bin/busybox"
install -m 755 "$top/tests/guest/linux/init" "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -9) > "$out/initramfs.cpio.gz"
echo "guest images written to $out"
