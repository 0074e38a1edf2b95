#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Generate docs/qmp.md from the QMP schema table (monitor/qmp-schema.c).

The text comes from the built core itself: this script loads libtessera.so
and calls qmp_schema_doc_markdown(), so the reference can never drift from
what the monitor dispatches.

Usage: gen-qmp-doc.py [--build BUILDDIR] [--check] [--output FILE]
  --check   exit 1 (and say so) when the file differs from the schema
"""
import argparse
import ctypes
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def generate(build):
    lib_path = os.path.join(build, 'lib', 'libtessera.so')
    if not os.path.exists(lib_path):
        sys.exit('gen-qmp-doc: %s not found: run scons first' % lib_path)
    lib = ctypes.CDLL(lib_path)
    glib = ctypes.CDLL('libglib-2.0.so.0')
    lib.qmp_schema_doc_markdown.restype = ctypes.c_void_p
    glib.g_free.argtypes = [ctypes.c_void_p]
    ptr = lib.qmp_schema_doc_markdown()
    try:
        return ctypes.string_at(ptr).decode('utf-8')
    finally:
        glib.g_free(ptr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--build', default=os.environ.get('TESSERA_BUILD_DIR')
                    or os.path.join(ROOT, 'build', 'debug'))
    ap.add_argument('--output', default=os.path.join(ROOT, 'docs', 'qmp.md'))
    ap.add_argument('--check', action='store_true')
    args = ap.parse_args()
    text = generate(args.build)
    if args.check:
        try:
            with open(args.output, encoding='utf-8') as f:
                current = f.read()
        except FileNotFoundError:
            current = None
        if current != text:
            print('%s is out of date: run scripts/gen-qmp-doc.py' % args.output)
            return 1
        return 0
    with open(args.output, 'w', encoding='utf-8') as f:
        f.write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
