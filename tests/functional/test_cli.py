#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The command line and introspection, as a user runs them."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import tessera_test as tt


class Introspection(unittest.TestCase):
    def test_machine_help_lists_none_and_loads_nothing(self):
        r = tt.run(['-M', 'help', '--list-modules'])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('Supported machines are:', r.stdout)
        self.assertRegex(r.stdout, r'(?m)^none\s+empty machine$')
        # the module listing printed after the answer shows nothing loaded
        self.assertNotRegex(r.stdout, r'(?m)^\S+\s+\S+\s+yes\s')

    def test_machine_help_json(self):
        r = tt.run(['-M', 'help,format=json'])
        self.assertEqual(r.returncode, 0, r.stderr)
        names = {m['name'] for m in json.loads(r.stdout)}
        self.assertIn('none', names)

    def test_device_help_loads_only_that_module(self):
        r = tt.run(['-device', 'help'])
        self.assertEqual(r.returncode, 0, r.stderr)
        if shutil.which('strace') is None:
            self.fail('strace is needed (scripts/setup.sh installs it)')
        with tempfile.TemporaryDirectory() as d:
            log = os.path.join(d, 'trace')
            subprocess.run(['strace', '-f', '-e', 'trace=openat', '-o', log, tt.tessera_path(),
                            '-M', 'help'], check=True, stdout=subprocess.DEVNULL)
            with open(log) as f:
                opened = [l for l in f if '.so' in l and '/tessera/modules/' in l]
            self.assertEqual(opened, [], 'listing opened modules: %s' % opened)

    def test_machine_properties(self):
        r = tt.run(['-M', 'none,help'])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('none options:', r.stdout)
        self.assertRegex(r.stdout, r'dumpdtb=<str>')

    def test_unknown_machine(self):
        r = tt.run(['-M', 'nosuchboard'])
        self.assertEqual(r.returncode, 1)
        self.assertIn("nosuchboard", r.stderr)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)

    def test_unknown_device_help(self):
        r = tt.run(['-device', 'nosuchdev,help'])
        self.assertEqual(r.returncode, 1)
        self.assertIn("nosuchdev", r.stderr)

    def test_list_modules(self):
        r = tt.run(['--list-modules'])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r'(?m)^machine-none\s+board\s+no\s+none-machine$')

    def test_debug_help(self):
        r = tt.run(['-d', 'help'])
        self.assertEqual(r.returncode, 0, r.stderr)
        for item in ('guest_errors', 'unimp', 'in_asm', 'exec', 'int', 'cpu'):
            self.assertIn(item, r.stdout)

    def test_version_and_help(self):
        r = tt.run(['-version'])
        self.assertEqual(r.returncode, 0)
        # QEMU's first line (scripts parse it), then Tessera's own version.
        self.assertRegex(r.stdout, r'^QEMU emulator version 7\.2\.0 \(Tessera \d+\.\d+\.\d+\)\n')
        self.assertRegex(r.stdout, r'(?m)^Tessera emulator version \d+\.\d+\.\d+ \(build ')
        r = tt.run(['-h'])
        self.assertEqual(r.returncode, 0)
        self.assertIn('-device', r.stdout)


class BadInput(unittest.TestCase):
    def check_one_line_error(self, args, *needles):
        r = tt.run(args)
        self.assertEqual(r.returncode, 1, (args, r.stdout, r.stderr))
        lines = r.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, r.stderr)
        for n in needles:
            self.assertIn(n, lines[0])
        self.assertTrue(lines[0].startswith('tessera: '), lines[0])

    def test_unknown_option(self):
        self.check_one_line_error(['-frobnicate'], '-frobnicate', 'invalid option')

    def test_missing_argument(self):
        self.check_one_line_error(['-M'], '-M', 'requires an argument')

    def test_unbuilt_subsystem(self):
        self.check_one_line_error(['-drive', 'file=x.img'], '-drive', "Could not open 'x.img'")

    def test_bad_memory_size(self):
        self.check_one_line_error(['-M', 'none', '-m', 'lots'], '-m', 'lots')

    def test_bad_machine_property(self):
        self.check_one_line_error(['-M', 'none,frob=1'], 'frob')

    def test_bad_smp(self):
        self.check_one_line_error(['-M', 'none', '-smp', 'x'], '-smp', 'x')

    def test_bad_debug_item(self):
        self.check_one_line_error(['-M', 'none', '-d', 'nonsense'], 'nonsense')

    def test_bad_cpu_option_names_the_cpu_option(self):
        r = tt.run(['-M', 'virt', '-cpu', 'rv64,zbb=maybe', '-nographic'],
                   link='tessera-system-riscv64')
        self.assertEqual(r.returncode, 1)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        self.assertIn('-cpu rv64,zbb=maybe', r.stderr)
        self.assertIn("'zbb'", r.stderr)

    def test_bad_global(self):
        self.check_one_line_error(['-M', 'none', '-global', 'noequals'], '-global', 'noequals')


def test_modules_dir(*names):
    """A temporary directory with copies of tests/modules/ builds."""
    d = tempfile.mkdtemp(prefix='tessera-cli-')
    for n in names:
        shutil.copy(os.path.join(tt.build_dir(), 'tests', 'modules', n + '.so'), d)
    return d


class ModuleErrors(unittest.TestCase):
    def test_wrong_stamp_is_refused_and_the_rest_works(self):
        d = test_modules_dir('wrong-stamp')
        env = {'TESSERA_MODULE_DIR': d}
        r = tt.run(['-device', 'wrong-stamp-device,help'], env=env)
        self.assertEqual(r.returncode, 1)
        self.assertIn(os.path.join(d, 'wrong-stamp.so'), r.stderr)
        self.assertIn('0000000000000000-other', r.stderr)
        build_id = re.search(r'build (\S+)\)', tt.run(['-version']).stdout).group(1)
        self.assertIn(build_id, r.stderr)
        r = tt.run(['-M', 'help'], env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('none', r.stdout)

    def test_missing_module_is_named(self):
        d = test_modules_dir('dep-base', 'dep-leaf')
        self.assertEqual(tt.run(['--update-module-index', d]).returncode, 0)
        shutil.copy(os.path.join(d, 'modules.index'), os.path.join(d, 'modules.catalog'))
        os.unlink(os.path.join(d, 'dep-leaf.so'))
        self.assertEqual(tt.run(['--update-module-index', d]).returncode, 0)
        r = tt.run(['-M', 'none', '-device', 'test-dep-leaf'], env={'TESSERA_MODULE_DIR': d})
        self.assertEqual(r.returncode, 1)
        self.assertIn("module 'dep-leaf', which is not installed", r.stderr)

    def test_user_device_properties(self):
        d = test_modules_dir('dep-base', 'dep-leaf')
        env = {'TESSERA_MODULE_DIR': d}
        r = tt.run(['-device', 'test-dep-leaf,help'], env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r'level=<uint32>\s+- a number with a default \(default: 3\)')
        r = tt.run(['-device', 'help'], env=env)
        self.assertIn('name "test-dep-leaf", desc "test leaf device"', r.stdout)
        r = tt.run(['-M', 'none', '-device', 'test-dep-leaf,level=300000000000'], env=env)
        self.assertEqual(r.returncode, 1)
        self.assertIn('level', r.stderr)
        r = tt.run(['-M', 'none', '-device', 'test-dep-leaf,colour=red'], env=env)
        self.assertEqual(r.returncode, 1)
        self.assertIn('colour', r.stderr)
        r = tt.run(['-M', 'none', '-device', '{"driver":"test-dep-leaf","id":"x","level":7}',
                    '-device', 'test-dep-leaf,id=x'], env=env)
        self.assertEqual(r.returncode, 1)
        self.assertIn("duplicate id 'x'", r.stderr)


class Lifecycle(unittest.TestCase):
    def test_none_machine_shuts_down_on_sigterm(self):
        p = subprocess.Popen([tt.tessera_path(), '-M', 'none', '-display', 'none'],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        try:
            with self.assertRaises(subprocess.TimeoutExpired):
                p.wait(timeout=0.5)
            p.terminate()
            self.assertEqual(p.wait(timeout=10), 0)
        finally:
            p.kill()

    def test_core_links_no_hardware(self):
        """libtessera and tessera define no symbol from any plugins/ source."""
        build = tt.build_dir()
        plugin_syms = set()
        objdir = os.path.join(build, 'obj', 'plugins')
        for dirpath, _dirs, files in os.walk(objdir):
            for f in files:
                if f.endswith('.os'):
                    out = subprocess.run(['nm', '--defined-only', '-g', os.path.join(dirpath, f)],
                                         capture_output=True, text=True, check=True).stdout
                    plugin_syms |= {l.split()[-1] for l in out.splitlines() if l.strip()}
        plugin_syms.discard('tessera_module')
        self.assertTrue(os.path.isdir(objdir))
        for binary in (os.path.join(build, 'lib', 'libtessera.so'),
                       os.path.join(build, 'bin', 'tessera')):
            out = subprocess.run(['nm', '-D', '--defined-only', binary], capture_output=True,
                                 text=True, check=True).stdout
            core = {l.split()[-1] for l in out.splitlines() if l.strip()}
            self.assertEqual(core & plugin_syms, set(), binary)


if __name__ == '__main__':
    tt.main('cli')
