#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install what is needed, build, and boot riscv64 Linux to an interactive
# busybox shell on this terminal.  Leave the guest with `exit` (it powers
# off) or Ctrl-A x.  Guest images: $TESSERA_GUEST_DIR, else ../shared/guests,
# else build/guests; when none has them they are built into build/guests
# from Debian sources by scripts/build-guest-images.sh (tens of minutes,
# once), as the test suite does.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
scons -j"$(nproc)" mode=release
have() { [ -e "$1/riscv64/Image.xz" ] && [ -e "$1/riscv64/initramfs.cpio.gz" ]; }
if [ -n "${TESSERA_GUEST_DIR:-}" ]; then
  have "$TESSERA_GUEST_DIR" ||
    { echo "quickstart: no riscv64 guest images in TESSERA_GUEST_DIR=$TESSERA_GUEST_DIR" >&2; exit 1; }
  dir=$TESSERA_GUEST_DIR
elif have ../shared/guests; then
  dir=../shared/guests
else
  dir=build/guests
  if ! have "$dir"; then
    echo "quickstart: no guest images in ../shared/guests; building them into $dir (tens of minutes)"
    bash scripts/build-guest-images.sh "$dir" riscv64
  fi
fi
guests="$(cd "$dir" && pwd)/riscv64"
image=build/release/guests/Image
if [ ! -e "$image" ] || [ "$guests/Image.xz" -nt "$image" ]; then
  mkdir -p "$(dirname "$image")"
  xz -dc "$guests/Image.xz" > "$image.tmp" && mv "$image.tmp" "$image"
fi
exec build/release/bin/tessera-system-riscv64 -M virt -m 256 -smp 2 -nographic \
  -kernel "$image" -initrd "$guests/initramfs.cpio.gz" -append "console=ttyS0"
