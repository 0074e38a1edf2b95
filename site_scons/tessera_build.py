# SPDX-License-Identifier: MIT
"""Declarative helpers for Tessera's SConscripts.

Folder SConscripts call one of:
  env.CoreSources(sources)                      core (libtessera) sources
  env.TesseraModule(name, kind, sources, libs=[], pkgs=[], target=None)
  env.TesseraTest(name, sources, libs=[], pkgs=[], modules=[])
  env.TesseraProgram(name, sources)             extra core tools
  env.DecodeTree('insn.decode')                 generated decoder headers (decodegen.py)
and this file turns them into libtessera.so, module .so files, the module
index, the tessera executable and its links, test programs and aliases.
"""
import hashlib
import json
import os
import subprocess

from SCons.Script import (AddMethod, Copy, Alias, AlwaysBuild, ARGUMENTS, Builder, Default,
                          Dir, Environment, Exit, File, Glob, SConscript, Variables,
                          EnumVariable, PathVariable, BoolVariable, COMMAND_LINE_TARGETS)

CORE_DIRS = ['objmodel', 'kernel', 'monitor']
CORE_PKGS = ['glib-2.0', 'gthread-2.0', 'json-glib-1.0']
WARNINGS = ['-Wall', '-Wextra', '-Wno-unused-parameter', '-Wno-missing-field-initializers',
            '-Wshadow=local', '-Wformat=2', '-Wmissing-prototypes', '-Wstrict-prototypes',
            '-Wold-style-definition', '-Wvla', '-Wno-format-nonliteral']


def _build_id(root):
    """Hash of the core's sources: in-tree modules must match it exactly."""
    h = hashlib.sha256()
    for d in CORE_DIRS + ['sdk/include']:
        base = os.path.join(root, d)
        for dirpath, _dirs, files in sorted(os.walk(base)):
            for f in sorted(files):
                if f.endswith(('.c', '.h')):
                    p = os.path.join(dirpath, f)
                    h.update(p[len(root):].encode())
                    with open(p, 'rb') as fh:
                        h.update(fh.read())
    return h.hexdigest()[:16]


def configure_and_build(g):
    vars_ = Variables(None, ARGUMENTS)
    vars_.Add(EnumVariable('mode', 'build mode', 'debug', allowed_values=('debug', 'release', 'coverage')))
    vars_.Add('sanitize', 'comma list for -fsanitize= (e.g. address,undefined)', '')
    vars_.Add(PathVariable('PREFIX', 'install prefix', '/usr/local', PathVariable.PathAccept))
    vars_.Add(PathVariable('DESTDIR', 'staging root for install', '', PathVariable.PathAccept))
    vars_.Add(BoolVariable('werror', 'treat warnings as errors', True))
    vars_.Add('CC', 'C compiler', 'gcc')
    env = Environment(variables=vars_, ENV=os.environ)
    unknown = vars_.UnknownVariables()
    if unknown:
        print('scons: unknown build variable(s): %s' % ', '.join(unknown.keys()))
        Exit(1)
    root = Dir('#').abspath
    mode = env['mode']
    if 'coverage' in COMMAND_LINE_TARGETS:
        mode = 'coverage'
    # Another compiler (CC=clang, as tests/fuzz/build.sh uses) builds apart.
    cc = os.path.basename(env['CC'])
    variant = 'build/' + mode + ('' if cc == 'gcc' else '-' + cc) + ('-san' if env['sanitize'] else '')
    env['VARIANT'] = variant
    env['BUILD_ID'] = _build_id(root) + ('-' + mode)
    env.Append(CCFLAGS=['-std=gnu11', '-fPIC', '-pthread'] + WARNINGS,
               CPPPATH=['#', '#sdk/include', '#plugins/include'],
               CPPDEFINES=[('TESSERA_VERSION', '\\"0.1.0\\"'),
                           'G_LOG_DOMAIN=\\"tessera\\"'],
               LINKFLAGS=['-pthread'])
    if env['werror']:
        env.Append(CCFLAGS=['-Werror'])
    if mode == 'debug':
        env.Append(CCFLAGS=['-O1', '-g'])
    elif mode == 'release':
        env.Append(CCFLAGS=['-O2', '-g'], CPPDEFINES=['G_DISABLE_CAST_CHECKS'])
    else:
        env.Append(CCFLAGS=['-O0', '-g', '--coverage'], LINKFLAGS=['--coverage'])
    if env['sanitize']:
        flag = '-fsanitize=' + env['sanitize']
        env.Append(CCFLAGS=[flag, '-fno-omit-frame-pointer'], LINKFLAGS=[flag])
        # Memory errors and undefined behaviour fail loudly.  Leak checking
        # is left to an explicit audit (ASAN_OPTIONS=detect_leaks=1): test
        # fixtures and the process's lifetime objects are not torn down.
        # Every module exports its descriptor under the same name
        # (tessera_module, looked up per handle with dlsym), and a module
        # linked against a library module sees both: not an ODR violation.
        env['ENV'].setdefault('ASAN_OPTIONS', 'detect_leaks=0:detect_odr_violation=0')
        env['ENV'].setdefault('UBSAN_OPTIONS', 'halt_on_error=1:print_stacktrace=1')
    for pkg in CORE_PKGS + ['libfdt']:
        if pkg == 'libfdt':
            env.Append(LIBS=['fdt'])
            continue
        try:
            env.ParseConfig('pkg-config --cflags --libs ' + pkg)
        except OSError:
            print('scons: pkg-config package %s is missing; run scripts/setup.sh' % pkg)
            Exit(1)
    env.Append(LIBS=['ltdl', 'm'])

    out = '#' + variant
    # The build id lives in one generated object linked (hidden) into the
    # core and every module, so a core change relinks modules but does not
    # recompile them.
    gen = env.Command(out + '/gen/build-id.c', env.Value(env['BUILD_ID']),
                      'printf \'/* SPDX-License-Identifier: MIT */\\n/* generated */\\n'
                      '__attribute__((visibility("hidden"))) const char tessera_build_id_str[] = '
                      '"%s";\\n\' > $TARGET' % env['BUILD_ID'])
    build_id_obj = env.SharedObject(out + '/gen/build-id.os', gen)
    state = {'core': [], 'modules': [], 'tests': [], 'programs': [], 'cpu_targets': set(),
             'test_progs': [], 'test_progs_deps': [], 'sources': {}, 'module_requires': {}}

    # Generated headers live under <variant>/gen/<source path>, found through
    # CPPPATH as "plugins/cpu/<target>/insn.decode.h".
    env.Append(CPPPATH=[out + '/gen'])

    def DecodeTree(e, source):
        """insn.decode -> insn.decode.h (lookup, rows) + insn.trans.h (dispatch)."""
        src = e.File(source).srcnode()
        rel = os.path.relpath(src.abspath, root)
        stem = os.path.splitext(rel)[0]
        targets = [out + '/gen/' + rel + '.h', out + '/gen/' + stem + '.trans.h']
        gen_py = File('#site_scons/decodegen.py')
        return e.Command(targets, [src, gen_py],
                         'python3 ${SOURCES[1]} ${SOURCES[0]} --decode-h ${TARGETS[0]} '
                         '--trans-h ${TARGETS[1]} --include-as %s.h' % rel)

    def CoreSources(e, sources):
        state['core'].extend(e.File(s) for s in sources)

    def _link_requires(me, name, requires):
        """A module's requirements are library modules it links against:
        their exported functions resolve through DT_NEEDED (matched by
        soname to the copy the loader opened first), with $ORIGIN as the
        fallback for tools that open a module alone.  The descriptor's
        list comes from the same place (TESSERA_MODULE_REQUIRES)."""
        me.Append(SHLINKFLAGS=['-Wl,-soname,%s.so' % name])
        if requires:
            me.Append(CPPDEFINES=[('TESSERA_MODULE_REQUIRES',
                                   ','.join('\\"%s\\"' % r for r in requires))],
                      RPATH=[me.Literal('\\$$ORIGIN')])
            me.Prepend(LIBS=[File(out + '/lib/tessera/modules/%s.so' % r) for r in requires])

    def _record_sources(name, sources):
        for src in sources:
            path = File(src).srcnode().abspath
            owner = state['sources'].get(path)
            if owner and owner != name:
                print('scons: %s is compiled into both module %s and module %s; make it a'
                      ' library module that both require' % (path, owner, name))
                Exit(1)
            state['sources'][path] = name

    def TesseraModule(e, name, kind, sources, libs=(), pkgs=(), target=None, requires=()):
        me = e.Clone()
        for p in pkgs:
            me.ParseConfig('pkg-config --cflags --libs ' + p)
        me.Prepend(LIBS=['tessera'] + list(libs))
        me.Append(LIBPATH=[out + '/lib'])
        _link_requires(me, name, requires)
        _record_sources(name, sources)
        objs = [me.SharedObject(s) for s in sources] + build_id_obj
        so = me.SharedLibrary(out + '/lib/tessera/modules/' + name, objs, SHLIBPREFIX='',
                              LINKFLAGS=me['LINKFLAGS'] + ['-Wl,--no-undefined'])
        state['modules'].append(so[0])
        state['module_requires'][name] = list(requires)
        if kind == 'cpu' and target:
            state['cpu_targets'].add(target)
        return so

    def TesseraTest(e, name, sources, libs=(), pkgs=(), modules=()):
        te = e.Clone()
        te.ParseConfig('pkg-config --cflags --libs check')
        for p in pkgs:
            te.ParseConfig('pkg-config --cflags --libs ' + p)
        te.Prepend(LIBS=['tessera'] + list(libs))
        te.Append(LIBPATH=[out + '/lib'], RPATH=[Dir(out + '/lib').abspath])
        prog = te.Program(out + '/tests/' + name, list(sources) + build_id_obj)
        state['test_progs'].append(prog[0])
        return prog

    def TesseraTestModule(e, name, sources, requires=()):
        """A module used only by tests, kept out of the real module dir."""
        me = e.Clone()
        me.Prepend(LIBS=['tessera'])
        me.Append(LIBPATH=[out + '/lib'])
        me.Append(SHLINKFLAGS=['-Wl,-soname,%s.so' % name])
        if requires:
            me.Append(CPPDEFINES=[('TESSERA_MODULE_REQUIRES',
                                   ','.join('\\"%s\\"' % r for r in requires))],
                      RPATH=[me.Literal('\\$$ORIGIN')])
            me.Prepend(LIBS=[File(out + '/tests/modules/%s.so' % r) for r in requires])
        objs = [me.SharedObject(s) for s in sources] + build_id_obj
        so = me.SharedLibrary(out + '/tests/modules/' + name, objs, SHLIBPREFIX='')
        state['test_progs_deps'].append(so[0])
        return so

    def TesseraProgram(e, name, sources, pkgs=()):
        pe = e.Clone()
        for p in pkgs:
            pe.ParseConfig('pkg-config --cflags --libs ' + p)
        pe.Prepend(LIBS=['tessera'])
        pe.Append(LIBPATH=[out + '/lib'], RPATH=[pe.Literal('\\$$ORIGIN/../lib')])
        prog = pe.Program(out + '/bin/' + name, sources)
        state['programs'].append(prog[0])
        return prog

    AddMethod(Environment, CoreSources)
    AddMethod(Environment, DecodeTree)
    AddMethod(Environment, TesseraModule)
    AddMethod(Environment, TesseraTest)
    AddMethod(Environment, TesseraProgram)
    AddMethod(Environment, TesseraTestModule)

    for d in CORE_DIRS:
        if os.path.exists(os.path.join(root, d, 'SConscript')):
            SConscript(d + '/SConscript', exports={'env': env}, variant_dir=variant + '/obj/' + d,
                       duplicate=False)
    core_objs = [env.SharedObject(s) for s in state['core']] + build_id_obj
    lib = env.SharedLibrary(out + '/lib/tessera', core_objs,
                            SHLINKFLAGS=env['SHLINKFLAGS'] + ['-Wl,-soname,libtessera.so'])
    # The launcher sits above kernel and monitor: it is the only code that
    # wires both together, and it lives in the executable, not the library.
    env.VariantDir(variant + '/obj/launcher', '#launcher', duplicate=False)
    # libseccomp: -sandbox (launcher/sandbox.c).
    main = env.TesseraProgram('tessera', Glob(variant + '/obj/launcher/*.c'), pkgs=['libseccomp'])
    for dirpath, dirs, files in sorted(os.walk(os.path.join(root, 'plugins'))):
        dirs.sort()
        if 'SConscript' in files:
            rel = os.path.relpath(dirpath, root)
            SConscript(rel + '/SConscript', exports={'env': env},
                       variant_dir=variant + '/obj/' + rel, duplicate=False)
    for extra in ['sdk', 'tests']:
        for dirpath, dirs, files in sorted(os.walk(os.path.join(root, extra))):
            dirs.sort()
            if 'SConscript' in files and 'templates' not in dirpath and 'examples' not in dirpath:
                rel = os.path.relpath(dirpath, root)
                SConscript(rel + '/SConscript', exports={'env': env},
                           variant_dir=variant + '/obj/' + rel, duplicate=False)

    # Which sources each module is built from, for the import check test.
    def write_manifest(target, source, env):
        with open(str(target[0]), 'w') as fh:
            json.dump({'sources': state['sources'], 'requires': state['module_requires']}, fh,
                      indent=1, sort_keys=True)

    manifest = env.Command(out + '/module-sources.json',
                           env.Value(repr(sorted(state['sources'].items())) +
                                     repr(sorted(state['module_requires'].items()))),
                           write_manifest)
    tessera_bin = main[0]
    moddir = out + '/lib/tessera/modules'
    index = env.Command([moddir + '/modules.index', moddir + '/modules.catalog'],
                        [tessera_bin, lib] + state['modules'],
                        ['${SOURCES[0]} --update-module-index %s' % Dir(moddir).abspath,
                         Copy('${TARGETS[1]}', '${TARGETS[0]}')])
    links = []
    for t in sorted(state['cpu_targets']):
        links += env.Command(out + '/bin/tessera-system-' + t, tessera_bin,
                             'ln -sf tessera $TARGET')
    everything = [lib, tessera_bin, index, manifest] + state['modules'] + links + state['programs']
    Default(everything)
    Alias('build', everything)

    # scons test: build all, then run every test program and functional test.
    runner = env.Command('test.phony', everything + state['test_progs'] + state['test_progs_deps'],
                         'python3 scripts/run-tests.py --build %s %s' %
                         (Dir(out).abspath, ' '.join(p.abspath for p in state['test_progs'])))
    AlwaysBuild(runner)
    Alias('test', runner)

    cov = env.Command('coverage.phony', everything + state['test_progs'] + state['test_progs_deps'],
                      'python3 scripts/coverage.py --build %s %s' %
                      (Dir(out).abspath, ' '.join(p.abspath for p in state['test_progs'])))
    AlwaysBuild(cov)
    Alias('coverage', cov)

    # scons install PREFIX=/usr DESTDIR=/tmp/stage
    dest = env['DESTDIR'] + env['PREFIX']
    inst = []
    inst += env.Install(dest + '/bin', tessera_bin)
    inst += env.Install(dest + '/lib', lib)
    inst += env.Install(dest + '/lib/tessera/modules', state['modules'] + [index[1]])
    for t in sorted(state['cpu_targets']):
        inst += env.Command(dest + '/bin/tessera-system-' + t, dest + '/bin/tessera',
                            'ln -sf tessera $TARGET')
    sdk_headers = Glob('#sdk/include/tessera/*.h')
    inst += env.Install(dest + '/include/tessera', sdk_headers)
    inst += env.Install(dest + '/share/doc/tessera', Glob('#docs/*.md') + [File('#README.md')])
    idx = env.Command(dest + '/lib/tessera/modules/modules.index', inst,
                      '%s/bin/tessera --update-module-index %s/lib/tessera/modules' % (dest, dest))
    AlwaysBuild(idx)
    Alias('install', inst + idx)
