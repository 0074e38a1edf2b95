#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build the guest images the functional tests and the quick start boot, from
# Debian 12 sources, for a machine without a prebuilt set (../shared/guests
# or $TESSERA_GUEST_DIR):
#   OUT/ARCH/Image.xz           Linux 6.1 (Debian linux-source-6.1)
#   OUT/ARCH/busybox            static BusyBox (Debian source package busybox)
#   OUT/ARCH/initramfs.cpio.gz  busybox + tests/guest/linux/init
# for ARCH riscv64 and aarch64 (default: both).
#
# Kernel configuration: the one the prebuilt set was built with when it is
# at hand ($TESSERA_GUEST_CONFIGS, default ../shared/guests:
# riscv64/linux-6.1-riscv64.config, aarch64/linux-6.1-aarch64.config), so
# the kernels are the same; otherwise a configuration of our own with what
# the tests need (riscv: defconfig + virt drivers, modules off; aarch64:
# allnoconfig + the virt board's devices).  An aarch64 configuration that
# builds its initramfs into the Image (CONFIG_INITRAMFS_SOURCE, as the
# prebuilt one does) gets the same initramfs.
#
# Usage: scripts/build-guest-images.sh [--config-only] [OUT] [ARCH...]
#   OUT defaults to build/guests.  Images already in OUT are kept (delete
#   them to rebuild).  --config-only stops after writing each kernel's
#   final .config to OUT/ARCH/linux.config (a quick check of the set-up).
# Needs root for apt-get (packages and the deb-src line for busybox); the
# kernels take tens of minutes each on 2 cores.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
config_only=0
if [ "${1:-}" = "--config-only" ]; then
  config_only=1
  shift
fi
out_arg=${1:-$top/build/guests}
shift || true
arches=("$@")
[ ${#arches[@]} -gt 0 ] || arches=(riscv64 aarch64)
for a in "${arches[@]}"; do
  case "$a" in riscv64|aarch64) ;; *) echo "build-guest-images: unknown arch '$a' (riscv64, aarch64)" >&2; exit 2;; esac
done
mkdir -p "$out_arg"
out_root=$(cd "$out_arg" && pwd)
configs=${TESSERA_GUEST_CONFIGS:-$(cd "$top/.." && pwd)/shared/guests}
work=$(mktemp -d "${TMPDIR:-/tmp}/tessera-guest-XXXXXX")
trap 'rm -rf "$work"' EXIT
jobs=$(nproc)

# ---- packages ------------------------------------------------------------
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
pkgs=(linux-source-6.1 make flex bison bc libssl-dev libelf-dev cpio xz-utils gzip dpkg-dev)
for a in "${arches[@]}"; do
  case "$a" in
    riscv64) pkgs+=(gcc-riscv64-linux-gnu libc6-dev-riscv64-cross) ;;
    aarch64) pkgs+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross) ;;
  esac
done
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
linux_tar=/usr/src/linux-source-6.1.tar.xz
[ -e "$linux_tar" ] || { echo "build-guest-images: $linux_tar missing (package linux-source-6.1)" >&2; exit 1; }

# ---- per architecture ----------------------------------------------------
karch() { case "$1" in riscv64) echo riscv;; aarch64) echo arm64;; esac; }
cross() { case "$1" in riscv64) echo riscv64-linux-gnu-;; aarch64) echo aarch64-linux-gnu-;; esac; }

# The kernel options the tests rely on when no prebuilt configuration is at
# hand (on top of riscv defconfig / arm64 allnoconfig).
own_config() {
  local arch=$1 cfg=$2
  local sc="$work/linux-source-6.1/scripts/config --file $cfg"
  case "$arch" in
    riscv64)
      $sc --disable MODULES --enable SERIAL_8250_CONSOLE --enable RTC_DRV_GOLDFISH \
          --enable POWER_RESET_SYSCON --enable POWER_RESET_SYSCON_POWEROFF --enable BLK_DEV_INITRD ;;
    aarch64)
      $sc --enable 64BIT --enable SMP --enable PRINTK --enable TTY --enable BLK_DEV_INITRD \
          --enable RD_GZIP --enable BINFMT_ELF --enable BINFMT_SCRIPT --enable PROC_FS --enable SYSFS \
          --enable DEVTMPFS --enable DEVTMPFS_MOUNT --enable OF --enable ARCH_VIRT \
          --enable ARM_GIC --enable ARM_GIC_V3 --enable ARM_ARCH_TIMER --enable ARM_PSCI_FW \
          --enable SERIAL_AMBA_PL011 --enable SERIAL_AMBA_PL011_CONSOLE --enable RTC_CLASS \
          --enable RTC_DRV_PL031 --enable POWER_RESET --enable VIRTIO_MENU --enable VIRTIO_MMIO \
          --enable VIRTIO_BLK --enable EFI --enable EFI_STUB --enable ACPI ;;
  esac
}

build_arch() {
  local arch=$1 out="$out_root/$1" ka cc src_cfg
  ka=$(karch "$arch")
  cc=$(cross "$arch")
  mkdir -p "$out"
  kmake() { make -C "$work/linux-source-6.1" O="$work/kbuild-$arch" ARCH="$ka" CROSS_COMPILE="$cc" "$@"; }
  [ -d "$work/linux-source-6.1" ] || tar xf "$linux_tar" -C "$work"
  mkdir -p "$work/kbuild-$arch"
  local cfg="$work/kbuild-$arch/.config"
  src_cfg="$configs/$arch/linux-6.1-$arch.config"
  if [ -e "$src_cfg" ]; then
    echo "build-guest-images: $arch kernel with $src_cfg"
    cp "$src_cfg" "$cfg"
  else
    echo "build-guest-images: $arch kernel with Tessera's own configuration ($src_cfg not found)"
    if [ "$arch" = riscv64 ]; then kmake defconfig; else kmake allnoconfig; fi
    own_config "$arch" "$cfg"
  fi
  # An initramfs built into the Image: give it the same files.
  local initramfs_src
  initramfs_src=$(sed -n 's/^CONFIG_INITRAMFS_SOURCE="\(.*\)"$/\1/p' "$cfg")
  if [ -n "$initramfs_src" ]; then
    mkdir -p "$work/kbuild-$arch/initramfs"
    cat > "$work/kbuild-$arch/$initramfs_src" <<'EOF'
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
dir /bin 0755 0 0
file /bin/busybox initramfs/busybox 0755 0 0
file /init initramfs/init 0755 0 0
dir /proc 0755 0 0
dir /sys 0755 0 0
dir /etc 0755 0 0
dir /tmp 1777 0 0
dir /mnt 0755 0 0
EOF
  fi
  kmake olddefconfig
  cp "$cfg" "$out/linux.config"
  [ "$config_only" -eq 0 ] || return 0

  # BusyBox, static.
  if [ ! -e "$out/busybox" ]; then
    if [ ! -d "$work/busybox-src" ]; then
      ensure_deb_src
      mkdir -p "$work/busybox-src"
      (cd "$work/busybox-src" && apt-get source -qq busybox)
    fi
    local bb
    bb=$(ls -d "$work"/busybox-src/busybox-*/ | head -1)
    rm -rf "$work/bb-$arch" && cp -a "$bb" "$work/bb-$arch"
    (cd "$work/bb-$arch" && make defconfig >/dev/null &&
     sed -i 's/^# CONFIG_STATIC is not set$/CONFIG_STATIC=y/; s/^CONFIG_TC=y$/# CONFIG_TC is not set/' .config &&
     make CROSS_COMPILE="$cc" -j"$jobs" busybox)
    cp "$work/bb-$arch/busybox" "$out/busybox"
  fi

  # The initramfs: busybox and our init.
  local root="$work/initramfs-$arch"
  mkdir -p "$root"/{bin,dev,proc,sys,tmp,etc,mnt}
  cp "$out/busybox" "$root/bin/busybox"
  install -m 755 "$top/tests/guest/linux/init" "$root/init"
  (cd "$root" && find . | cpio -o -H newc --quiet | gzip -9 -n) > "$out/initramfs.cpio.gz"

  # The kernel.
  if [ ! -e "$out/Image.xz" ]; then
    if [ -n "$initramfs_src" ]; then
      cp "$out/busybox" "$work/kbuild-$arch/initramfs/busybox"
      install -m 755 "$top/tests/guest/linux/init" "$work/kbuild-$arch/initramfs/init"
    fi
    kmake -j"$jobs" Image
    xz -T0 -9 -c "$work/kbuild-$arch/arch/$ka/boot/Image" > "$out/Image.xz.tmp"
    mv "$out/Image.xz.tmp" "$out/Image.xz"
  fi
  echo "build-guest-images: $arch images in $out"
}

# Source packages come from the same mirrors as the binary ones.
ensure_deb_src() {
  local src_list=/etc/apt/sources.list.d/tessera-deb-src.sources
  if [ ! -e "$src_list" ]; then
    sed -n 's/^Types: deb$/Types: deb-src/p; /^URIs:\|^Suites:\|^Components:\|^Signed-By:/p; /^$/p' \
      /etc/apt/sources.list.d/debian.sources | $SUDO tee "$src_list" >/dev/null
    $SUDO apt-get update -qq
  fi
}

for a in "${arches[@]}"; do
  build_arch "$a"
done
