# SPDX-License-Identifier: MIT
"""From the built files: every module imports only from libtessera, system
libraries and the library modules it declares as requirements, and no
source file is compiled into two modules."""
import configparser
import os
import re
import subprocess
import unittest

import tessera_test


def module_dir():
    return os.path.join(tessera_test.build_dir(), 'lib', 'tessera', 'modules')


def modules():
    d = module_dir()
    return {f[:-3]: os.path.join(d, f) for f in sorted(os.listdir(d)) if f.endswith('.so')}


def needed(path):
    out = subprocess.run(['readelf', '-d', path], stdout=subprocess.PIPE, text=True,
                         check=True).stdout
    return re.findall(r'\(NEEDED\)\s+Shared library: \[([^\]]+)\]', out)


def dynsyms(path, defined):
    flag = '--defined-only' if defined else '--undefined-only'
    out = subprocess.run(['nm', '-D', flag, path], stdout=subprocess.PIPE, text=True,
                         check=True).stdout
    syms = set()
    for line in out.splitlines():
        parts = line.split()
        if not parts:
            continue
        kind, name = parts[-2], parts[-1]
        if defined and kind in 'TDBRVW' or not defined and kind in 'Uw':
            syms.add(name.split('@')[0])
    return syms


def compile_units(path):
    """Names of the C files compiled into @path, from its DWARF."""
    out = subprocess.run(['readelf', '--debug-dump=info', '--dwarf-depth=1', path],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    return set(re.findall(r'DW_AT_name\s*:\s*(?:\(indirect[^)]*\):\s*)?(\S+\.c)\b', out))


def index_requires():
    cp = configparser.ConfigParser(interpolation=None, strict=False)
    cp.read(os.path.join(module_dir(), 'modules.index'))
    req = {}
    for sec in cp.sections():
        if sec.startswith('module '):
            raw = cp[sec].get('requires', '')
            req[sec[len('module '):]] = [r for r in raw.split(';') if r]
    return req


class ModuleImports(unittest.TestCase):
    def setUp(self):
        self.mods = modules()
        self.assertGreater(len(self.mods), 10, 'no modules found in %s' % module_dir())
        self.requires = index_requires()
        lib = os.path.join(tessera_test.build_dir(), 'lib', 'libtessera.so')
        self.core_syms = dynsyms(lib, True)
        self.exports = {name: dynsyms(p, True) for name, p in self.mods.items()}

    def test_needed_only_declared_modules(self):
        for name, path in self.mods.items():
            declared = set(self.requires.get(name, []))
            for lib in needed(path):
                if lib[:-3] in self.mods:
                    self.assertIn(lib[:-3], declared,
                                  '%s links module %s without declaring it' % (name, lib))

    def test_symbols_come_from_core_or_declared_libraries(self):
        for name, path in self.mods.items():
            declared = set(self.requires.get(name, []))
            for sym in dynsyms(path, False) - self.core_syms:
                owners = [m for m, ex in self.exports.items() if sym in ex and m != name]
                bad = [m for m in owners if m not in declared]
                if owners and not [m for m in owners if m in declared]:
                    self.fail('%s imports %s from module %s, which it does not require'
                              % (name, sym, bad[0]))

    def test_library_requirements_are_loadable_modules(self):
        for name, reqs in self.requires.items():
            for r in reqs:
                self.assertIn(r, self.mods, '%s requires %s, which is not built' % (name, r))

    def test_no_source_in_two_modules(self):
        seen = {}
        for name, path in self.mods.items():
            units = compile_units(path)
            self.assertTrue(units, 'no DWARF compile units in %s (built without -g?)' % path)
            for cu in units:
                if cu.endswith('build-id.c'):
                    continue
                key = os.path.normpath(cu)
                self.assertNotIn(key, seen, '%s is compiled into both %s and %s'
                                 % (cu, seen.get(key), name))
                seen[key] = name


if __name__ == '__main__':
    tessera_test.main('module-imports')
