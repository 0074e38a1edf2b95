#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install what is needed, build, and boot riscv64 Linux to an interactive
# busybox shell on this terminal.  Leave the guest with `exit` (it powers
# off) or Ctrl-A x.  Guest images: $TESSERA_GUEST_DIR (default ../shared/guests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
scons -j"$(nproc)" mode=release
guests="${TESSERA_GUEST_DIR:-$(cd .. && pwd)/shared/guests}/riscv64"
for f in Image.xz initramfs.cpio.gz; do
  [ -e "$guests/$f" ] || { echo "quickstart: $guests/$f not found; set TESSERA_GUEST_DIR" >&2; exit 1; }
done
image=build/release/guests/Image
if [ ! -e "$image" ] || [ "$guests/Image.xz" -nt "$image" ]; then
  mkdir -p "$(dirname "$image")"
  xz -dc "$guests/Image.xz" > "$image.tmp" && mv "$image.tmp" "$image"
fi
exec build/release/bin/tessera-system-riscv64 -M virt -m 256 -smp 2 -nographic \
  -kernel "$image" -initrd "$guests/initramfs.cpio.gz" -append "console=ttyS0"
