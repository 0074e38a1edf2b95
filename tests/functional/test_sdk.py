#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The device SDK from the outside: install, build a plugin elsewhere, load it.

`scons install DESTDIR=$D PREFIX=/usr` once (same build mode as the build
under test), then, outside the source tree and against $D only:
  - the installed example plugin and template, with their Check tests,
    build with pkg-config and pass;
  - with TESSERA_MODULE_DIR pointing at the plugin, -device help lists it,
    -device NAME,help shows its properties, -M none runs with it;
  - plugins built for a newer minor or another major SDK are refused with a
    message naming the file and both versions, and the VM still starts;
  - a plugin calling a core symbol outside the SDK fails to link;
  - a split install works and names a module that is not installed.
The guest-side acceptance (a bare-metal program on the riscv virt board
using the example device through the PLIC) needs the board's user-device
region and lives with the board's tests.
"""
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

import tessera_test as tt

# Where the install puts the example and the template (relative to PREFIX).
EXAMPLE = 'share/tessera/sdk/examples/timer-device'
TEMPLATE = 'share/tessera/sdk/templates/device-template'
STRICT_CFLAGS = 'CFLAGS=-O2 -g -Wall -Wextra -Wno-unused-parameter -Werror'


def sdk_version():
    with open(os.path.join(tt.ROOT, 'sdk', 'include', 'tessera', 'version.h')) as f:
        text = f.read()
    major = int(re.search(r'#define TESSERA_SDK_MAJOR (\d+)', text).group(1))
    minor = int(re.search(r'#define TESSERA_SDK_MINOR (\d+)', text).group(1))
    return major, minor


def build_mode():
    """debug or release; a sanitizer build stages the plain build of its mode, since
    plugins built by a plain cc are what users build against."""
    name = os.path.basename(os.path.normpath(tt.build_dir()))
    return name.split('-')[0]


class Stage:
    """One `scons install` and one outside build of the example, shared by all tests."""
    tmp = dest = usr = libdir = plugin_dir = example = None


def setUpModule():
    mode = build_mode()
    Stage.tmp = tempfile.mkdtemp(prefix='tessera-sdk-')
    Stage.dest = os.path.join(Stage.tmp, 'stage')
    r = subprocess.run(['scons', '-Q', '-j2', 'install', 'DESTDIR=' + Stage.dest,
                        'PREFIX=/usr', 'mode=' + mode],
                       cwd=tt.ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=1800)
    if r.returncode != 0:
        shutil.rmtree(Stage.tmp, ignore_errors=True)
        raise AssertionError('scons install failed:\n' + r.stdout[-4000:])
    Stage.usr = os.path.join(Stage.dest, 'usr')
    Stage.libdir = os.path.join(Stage.usr, 'lib')
    Stage.plugin_dir = os.path.join(Stage.tmp, 'plugins')
    os.makedirs(Stage.plugin_dir)
    Stage.example = Installed.copy_sources(os.path.join(Stage.usr, EXAMPLE), 'example')
    Installed.make(Stage.example, [STRICT_CFLAGS, 'example-timer.so'])
    shutil.copy(os.path.join(Stage.example, 'example-timer.so'), Stage.plugin_dir)


def tearDownModule():
    if Stage.tmp:
        shutil.rmtree(Stage.tmp, ignore_errors=True)


class Installed(unittest.TestCase):
    """Helpers over the staged install; each test copies what it changes."""

    @classmethod
    def setUpClass(cls):
        cls.tmp, cls.dest, cls.usr = Stage.tmp, Stage.dest, Stage.usr
        cls.libdir, cls.plugin_dir, cls.example = Stage.libdir, Stage.plugin_dir, Stage.example

    @staticmethod
    def copy_sources(src, name):
        dst = os.path.join(Stage.tmp, name)
        shutil.copytree(src, dst)
        return dst

    @staticmethod
    def build_env():
        """The environment of a developer using the SDK staged in DESTDIR."""
        e = dict(os.environ)
        for k in ('TESSERA_MODULE_DIR', 'TESSERA_BUILD_DIR', 'CPATH', 'LIBRARY_PATH'):
            e.pop(k, None)
        e['PKG_CONFIG_PATH'] = os.path.join(Stage.libdir, 'pkgconfig')
        e['PKG_CONFIG_SYSROOT_DIR'] = Stage.dest
        # The staged libraries are not in the dynamic linker's default paths.
        e['LD_LIBRARY_PATH'] = Stage.libdir
        return e

    @staticmethod
    def make(cwd, args):
        r = subprocess.run(['make'] + list(args), cwd=cwd, env=Installed.build_env(),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=600)
        if r.returncode != 0:
            raise AssertionError('make %s in %s failed:\n%s' % (' '.join(args), cwd, r.stdout))
        return r.stdout

    @staticmethod
    def run_env():
        """A user's environment: tessera finds libtessera-sdk by itself."""
        e = Installed.build_env()
        e.pop('LD_LIBRARY_PATH', None)
        return e

    def tessera(self, args, module_dirs=(), usr=None, timeout=60):
        exe = os.path.join(usr or self.usr, 'bin', 'tessera')
        e = self.run_env()
        if module_dirs:
            e['TESSERA_MODULE_DIR'] = ':'.join(module_dirs)
        return subprocess.run([exe] + list(args), env=e, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=timeout)

    def start_vm(self, args, module_dirs=(), usr=None):
        """Run `tessera -M none ...` for half a second; returns (still running, stderr)."""
        exe = os.path.join(usr or self.usr, 'bin', 'tessera')
        e = self.run_env()
        if module_dirs:
            e['TESSERA_MODULE_DIR'] = ':'.join(module_dirs)
        p = subprocess.Popen([exe, '-M', 'none', '-display', 'none'] + list(args), env=e,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        try:
            time.sleep(0.5)
            running = p.poll() is None
            p.terminate()
            _out, err = p.communicate(timeout=10)
        finally:
            p.kill()
        return running, err

    def build_plugin(self, name, source, extra_flags=()):
        """cc -shared -fPIC ... against the staged SDK; returns the CompletedProcess."""
        out = os.path.join(self.tmp, name + '.so')
        cmd = ('cc -shared -fPIC %s -o %s %s $(pkg-config --cflags --libs tessera-sdk)'
               % (' '.join(extra_flags), out, source))
        return subprocess.run(cmd, shell=True, env=self.build_env(), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=300), out


class Packaging(Installed):
    def test_install_layout(self):
        for rel in ('bin/tessera', 'lib/libtessera.so', 'lib/libtessera-sdk.so',
                    'lib/libtessera-testing.so', 'lib/pkgconfig/tessera-sdk.pc',
                    'lib/pkgconfig/tessera-testing.pc', 'include/tessera/device.h',
                    'include/tessera/testing.h', 'include/tessera/version.h',
                    'lib/tessera/modules/modules.index', EXAMPLE + '/Makefile',
                    TEMPLATE + '/my_device.c', 'share/doc/tessera/plugin-guide.md'):
            self.assertTrue(os.path.exists(os.path.join(self.usr, rel)), rel)

    def test_pkg_config_file_is_for_the_prefix(self):
        with open(os.path.join(self.libdir, 'pkgconfig', 'tessera-sdk.pc')) as f:
            pc = f.read()
        self.assertIn('prefix=/usr\n', pc)
        self.assertRegex(pc, r'(?m)^Cflags: -I\$\{includedir\}$')
        self.assertRegex(pc, r'(?m)^Libs: -L\$\{libdir\} .*-ltessera-sdk.* -Wl,--no-undefined$')
        major, minor = sdk_version()
        r = subprocess.run(['pkg-config', '--modversion', 'tessera-sdk'], env=self.build_env(),
                           stdout=subprocess.PIPE, text=True, check=True)
        self.assertEqual(r.stdout.strip(), '%d.%d' % (major, minor))

    def test_sdk_library_exports_only_the_sdk(self):
        for lib, prefix in (('libtessera-sdk.so', 'tsr_'), ('libtessera-testing.so', 'tsr_test_')):
            out = subprocess.run(['nm', '-D', '--defined-only', os.path.join(self.libdir, lib)],
                                 stdout=subprocess.PIPE, text=True, check=True).stdout
            names = [l.split()[-1] for l in out.splitlines() if l.strip()]
            self.assertIn(prefix + ('device_register_abi' if prefix == 'tsr_' else 'bus_new'),
                          names)
            self.assertEqual([n for n in names if not n.startswith(prefix)], [], lib)


class OutsideBuild(Installed):
    def test_example_tests_pass_on_the_harness(self):
        out = self.make(self.example, [STRICT_CFLAGS, 'check'])
        self.assertRegex(out, r'100%: Checks: \d+, Failures: 0, Errors: 0')

    def test_template_builds_and_its_tests_pass(self):
        d = self.copy_sources(os.path.join(self.usr, TEMPLATE), 'template')
        out = self.make(d, [STRICT_CFLAGS, 'check'])
        self.assertRegex(out, r'100%: Checks: \d+, Failures: 0, Errors: 0')

    def test_plugin_builds_with_nothing_but_pkg_config(self):
        # The exact command shape: flags before the source file.
        e = self.build_env()
        out = os.path.join(self.tmp, 'literal.so')
        cmd = ('cc -shared -fPIC $(pkg-config --cflags --libs tessera-sdk) -o %s %s'
               % (out, os.path.join(self.example, 'example_timer.c')))
        r = subprocess.run(cmd, shell=True, env=e, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        self.assertEqual(r.returncode, 0, r.stdout)
        dyn = subprocess.run(['readelf', '-d', out], stdout=subprocess.PIPE, text=True,
                             check=True).stdout
        self.assertIn('[libtessera-sdk.so]', dyn)
        self.assertNotIn('[libtessera.so]', dyn)

    def test_internal_symbol_fails_to_link(self):
        src = os.path.join(self.tmp, 'sneaky.c')
        with open(src, 'w') as f:
            f.write('/* SPDX-License-Identifier: MIT */\n'
                    '#include <tessera/device.h>\n'
                    'void *object_new(const char *typename);\n'
                    'void *sneaky(void);\n'
                    'void *sneaky(void) { return object_new("device"); }\n')
        r, _so = self.build_plugin('sneaky', src)
        self.assertNotEqual(r.returncode, 0, r.stdout)
        self.assertIn("undefined reference to `object_new'", r.stdout)


class Loading(Installed):
    def test_device_help_lists_the_plugin(self):
        r = self.tessera(['-device', 'help'], [self.plugin_dir])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('name "example-timer", desc "Example countdown timer (Tessera SDK)"',
                      r.stdout)

    def test_device_help_shows_properties(self):
        r = self.tessera(['-device', 'example-timer,help'], [self.plugin_dir])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('example-timer options:', r.stdout)
        self.assertRegex(r.stdout, r'freq=<uint32>\s+- Tick rate in Hz .*\(default: 1000000\)')
        self.assertRegex(r.stdout, r'addr=<uint64>\s+- Guest-physical address')
        self.assertRegex(r.stdout, r'irq=<uint32>\s+- Interrupt controller input')

    def test_vm_runs_with_the_device(self):
        running, err = self.start_vm(['-device', 'example-timer,id=t0,freq=32768'],
                                     [self.plugin_dir])
        self.assertTrue(running, err)

    def test_plugin_realize_error_reaches_the_user(self):
        r = self.tessera(['-M', 'none', '-device', 'example-timer,freq=0'], [self.plugin_dir])
        self.assertEqual(r.returncode, 1)
        self.assertIn('-device example-timer: freq must be between 1 and 1000000000 Hz, not 0',
                      r.stderr)

    def refused_plugin(self, macro, value):
        """The example rebuilt as if for another SDK version, alone in a directory."""
        bump = os.path.join(self.tmp, 'bump-%s-%d.h' % (macro, value))
        with open(bump, 'w') as f:
            f.write('/* SPDX-License-Identifier: MIT */\n#include <tessera/version.h>\n'
                    '#undef %s\n#define %s %d\n' % (macro, macro, value))
        d = tempfile.mkdtemp(dir=self.tmp)
        r, so = self.build_plugin('refused-%s-%d' % (macro, value),
                                  os.path.join(self.example, 'example_timer.c'),
                                  ['-include', bump])
        self.assertEqual(r.returncode, 0, r.stdout)
        path = os.path.join(d, 'example-timer.so')
        shutil.move(so, path)
        return d, path

    def check_refused(self, d, path, built_for):
        major, minor = sdk_version()
        message = ('%s: plugin built for SDK %s, but this core provides SDK %d.%d'
                   % (path, built_for, major, minor))
        r = self.tessera(['-device', 'example-timer,help'], [d])
        self.assertEqual(r.returncode, 1)
        self.assertIn(message, r.stderr)
        running, err = self.start_vm([], [d])
        self.assertTrue(running, err)
        self.assertIn(message, err)

    def test_newer_minor_is_refused_and_vm_starts(self):
        major, minor = sdk_version()
        d, path = self.refused_plugin('TESSERA_SDK_MINOR', minor + 1)
        self.check_refused(d, path, '%d.%d' % (major, minor + 1))

    def test_other_major_is_refused_and_vm_starts(self):
        major, minor = sdk_version()
        d, path = self.refused_plugin('TESSERA_SDK_MAJOR', major + 1)
        self.check_refused(d, path, '%d.%d' % (major + 1, minor))


class SplitInstall(Installed):
    def test_modules_split_across_two_trees(self):
        # Core and most modules in one tree; uart16550 and the SDK plugin in
        # another, added later with TESSERA_MODULE_DIR.
        split = os.path.join(self.tmp, 'split')
        usr = os.path.join(split, 'usr')
        shutil.copytree(self.usr, usr, symlinks=True)
        extra = os.path.join(split, 'extra', 'modules')
        os.makedirs(extra)
        moddir = os.path.join(usr, 'lib', 'tessera', 'modules')
        shutil.move(os.path.join(moddir, 'uart16550.so'), extra)
        shutil.copy(os.path.join(self.plugin_dir, 'example-timer.so'), extra)
        for d in (moddir, extra):
            r = self.tessera(['--update-module-index', d], usr=usr)
            self.assertEqual(r.returncode, 0, r.stderr)

        # Without the second tree: the missing module is named.
        r = self.tessera(['-M', 'none', '-device', 'ns16550a'], usr=usr)
        self.assertEqual(r.returncode, 1)
        self.assertIn("provided by module 'uart16550', which is not installed", r.stderr)
        r = self.tessera(['-device', 'help'], usr=usr)
        self.assertNotIn('example-timer', r.stdout)

        # With it: both trees' modules are found.
        r = self.tessera(['-device', 'ns16550a,help'], [extra], usr=usr)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('chardev=<str>', r.stdout)
        r = self.tessera(['-device', 'help'], [extra], usr=usr)
        self.assertIn('name "example-timer"', r.stdout)
        running, err = self.start_vm(['-device', 'example-timer'], [extra], usr=usr)
        self.assertTrue(running, err)


if __name__ == '__main__':
    tt.main('sdk')
