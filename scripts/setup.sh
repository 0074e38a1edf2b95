#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install every Debian package Tessera's build, tests and benchmarks need.
# Idempotent; run as root (or with sudo) on Debian 12.
set -euo pipefail

packages=(
  # build
  build-essential pkg-config scons
  libglib2.0-dev libltdl-dev libfdt-dev check libjson-glib-dev
  # coverage
  gcovr
  # fuzzing (tests/fuzz/build.sh, scripts/fuzz.sh): clang's libFuzzer and sanitizer runtimes
  clang libclang-rt-14-dev
  # tests: firmware, guest toolchain, clients
  opensbi u-boot-qemu qemu-efi-aarch64 gcc-riscv64-unknown-elf gcc-aarch64-linux-gnu device-tree-compiler
  socat strace xz-utils cpio
  # libvirt compatibility tests (issue 16): a private libvirtd with the QEMU driver
  libvirt-daemon-system libvirt-daemon-driver-qemu libvirt-clients
  # -sandbox (seccomp filters) and -object secret keyid/iv (AES-256-CBC)
  libseccomp-dev nettle-dev
  # tests: encrypting a secret as libvirt does
  python3-cryptography
  # network backends: -netdev user
  libslirp-dev
  # gdbstub tests: the debugger, and objdump to compare disassembly with
  gdb-multiarch binutils-riscv64-unknown-elf
  # benchmarks: side-by-side reference only, never used by Tessera itself
  qemu-system-misc qemu-system-arm time
  # bench/arm_boot.py --seed: QEMU's virtio-net-pci wants iPXE's option ROM (efi-virtio.rom)
  ipxe-qemu
  # block benchmark (bench/block.py): a static riscv64 Linux program for the guest
  gcc-riscv64-linux-gnu libc6-dev-riscv64-cross
  # block layer: compressed qcow2 clusters; tests: images made with Debian's tools
  zlib1g-dev libzstd-dev qemu-utils genisoimage e2fsprogs
  # ACPI tests: iasl disassembles the aarch64 virt board's tables
  acpica-tools
  # NBD (issue 12): the client driver uses libnbd; tests talk to the real peers
  libnbd-dev nbdkit libnbd-bin
  # -d out_asm: the x86-64 backend disassembles its generated code
  libcapstone-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages already installed"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
