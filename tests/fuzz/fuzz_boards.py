# SPDX-License-Identifier: MIT
"""Run configurations of the device fuzzer (tests/fuzz/device_fuzz.c): target
name, board, and the -device options ('@'-separated) added to it.  Read by
tests/fuzz/SConscript (replays) and tests/fuzz/build.sh (libFuzzer builds)."""
BOARDS = [
    ('device-virt', 'virt', 'ns16550a,id=fuzz-uart@goldfish-rtc,id=fuzz-rtc'),
    ('device-spike', 'spike', ''),
]

if __name__ == '__main__':
    for name, board, devices in BOARDS:
        print('%s %s %s' % (name, board, devices or '-'))
