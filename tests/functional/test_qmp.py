#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""QMP from the outside: tessera -M none -qmp unix:PATH,server=on,wait=off,
driven over plain sockets (and once by socat, as the issue's acceptance
test does), with QEMU's reply shapes."""
import json
import os
import shutil
import subprocess
import sys
import time
import unittest

import tessera_test as tt
from qmp_client import QmpError, Vm, connect_unix

ISSUE_COMMANDS = {
    'qmp_capabilities', 'query-version', 'query-status', 'query-commands', 'query-qmp-schema',
    'query-machines', 'query-cpus-fast', 'query-chardev', 'qom-list', 'qom-get', 'qom-set',
    'qom-list-types', 'qom-list-properties', 'device-list-properties', 'device_add',
    'device_del', 'object-add', 'object-del', 'stop', 'cont', 'system_reset',
    'system_powerdown', 'quit', 'human-monitor-command',
}


def board_available(name):
    r = tt.run(['-M', 'help'])
    return any(line.split()[:1] == [name] for line in r.stdout.splitlines())


class MonitorTest(unittest.TestCase):
    def vm(self, args=('-M', 'none'), **kw):
        v = Vm(list(args), **kw)
        self.addCleanup(v.close)
        return v

    def assertError(self, reply, klass, desc=None, prefix=None):
        self.assertIn('error', reply, reply)
        self.assertEqual(reply['error']['class'], klass, reply)
        if desc is not None:
            self.assertEqual(reply['error']['desc'], desc)
        if prefix is not None:
            self.assertTrue(reply['error']['desc'].startswith(prefix), reply)

    def assertRaisesQmp(self, klass, fn, *args, **kw):
        with self.assertRaises(QmpError) as cm:
            fn(*args, **kw)
        self.assertEqual(cm.exception.klass, klass, cm.exception.desc)
        return cm.exception.desc


class Protocol(MonitorTest):
    def test_greeting_has_qemus_shape(self):
        q = self.vm().qmp(negotiate=False)
        g = q.greeting
        self.assertEqual(set(g), {'QMP'})
        self.assertEqual(set(g['QMP']), {'version', 'capabilities'})
        self.assertEqual(g['QMP']['capabilities'], [])
        # Tessera's own version in package, the QEMU interface level in qemu.
        self.assertRegex(g['QMP']['version']['package'], r'^tessera \d+\.\d+\.\d+$')
        triple = g['QMP']['version']['qemu']
        self.assertEqual(triple, {'major': 7, 'minor': 2, 'micro': 0})
        self.assertEqual(set(triple), {'major', 'minor', 'micro'})
        self.assertTrue(all(isinstance(v, int) for v in triple.values()))

    def test_commands_before_negotiation_are_refused(self):
        q = self.vm().qmp(negotiate=False)
        self.assertError(q.execute('query-status'), 'CommandNotFound',
                         "Expecting capabilities negotiation with 'qmp_capabilities'")
        self.assertEqual(q.execute('qmp_capabilities'), {'return': {}})
        self.assertIn('return', q.execute('query-status'))

    def test_negotiation_happens_once(self):
        q = self.vm().qmp()
        self.assertError(q.execute('qmp_capabilities'), 'CommandNotFound',
                         'Capabilities negotiation is already complete, command ignored')

    def test_oob_capability_is_refused(self):
        q = self.vm().qmp(negotiate=False)
        self.assertError(q.execute('qmp_capabilities', {'enable': ['oob']}), 'GenericError',
                         "Capability 'oob' not available")
        self.assertError(q.execute('query-status'), 'CommandNotFound')

    def test_id_is_echoed(self):
        q = self.vm().qmp()
        r = q.execute('query-status', id='req-1')
        self.assertEqual(r['id'], 'req-1')
        self.assertIn('return', r)
        r = q.execute('no-such-command', id={'n': [1, 2]})
        self.assertEqual(r['id'], {'n': [1, 2]})
        self.assertError(r, 'CommandNotFound', 'The command no-such-command has not been found')

    def test_a_new_client_starts_over(self):
        vm = self.vm()
        q = vm.qmp()
        q.close()
        q2 = vm.qmp(negotiate=False)
        self.assertIn('QMP', q2.greeting)
        self.assertError(q2.execute('query-status'), 'CommandNotFound')

    def test_wire_layout_is_qemus(self):
        vm = self.vm(['-M', 'none', '-S'])
        vm._wait_socket(vm.qmp_paths[0])
        s = connect_unix(vm.qmp_paths[0])
        self.addCleanup(s.close)
        f = s.makefile('rb')
        self.assertTrue(f.readline().startswith(b'{"QMP": {"version": {"qemu": {'))
        s.sendall(b'{"execute": "qmp_capabilities"}')
        self.assertEqual(f.readline(), b'{"return": {}}\r\n')


class Queries(MonitorTest):
    def test_query_version_matches_greeting(self):
        q = self.vm().qmp()
        self.assertEqual(q.cmd('query-version'), q.greeting['QMP']['version'])

    def test_query_status(self):
        q = self.vm().qmp()
        self.assertEqual(q.cmd('query-status'),
                         {'status': 'running', 'singlestep': False, 'running': True})
        q2 = self.vm(['-M', 'none', '-S']).qmp()
        self.assertEqual(q2.cmd('query-status'),
                         {'status': 'prelaunch', 'singlestep': False, 'running': False})

    def test_query_commands_lists_every_command(self):
        names = {c['name'] for c in self.vm().qmp().cmd('query-commands')}
        self.assertLessEqual(ISSUE_COMMANDS, names)

    def test_query_qmp_schema_describes_query_status(self):
        schema = self.vm().qmp().cmd('query-qmp-schema')
        by_name = {e['name']: e for e in schema}
        cmd = by_name['query-status']
        self.assertEqual(cmd['meta-type'], 'command')
        ret = by_name[cmd['ret-type']]
        members = {m['name']: m['type'] for m in ret['members']}
        self.assertEqual(set(members), {'status', 'running', 'singlestep'})
        self.assertEqual(by_name[members['status']]['meta-type'], 'enum')
        self.assertIn('paused', by_name[members['status']]['values'])
        args = by_name[by_name['qom-get']['arg-type']]
        self.assertEqual([m['name'] for m in args['members']], ['path', 'property'])
        for e in schema:
            for key in ('arg-type', 'ret-type', 'element-type'):
                if key in e:
                    self.assertIn(e[key], by_name, e)
        self.assertEqual({e['name'] for e in schema if e['meta-type'] == 'event'},
                         {'STOP', 'RESUME', 'RESET', 'SHUTDOWN', 'POWERDOWN', 'DEVICE_DELETED',
                          'NIC_RX_FILTER_CHANGED', 'BLOCK_IO_ERROR', 'DEVICE_TRAY_MOVED', 'JOB_STATUS_CHANGE',
                          'BLOCK_EXPORT_DELETED', 'BLOCK_JOB_READY', 'BLOCK_JOB_COMPLETED',
                          'BLOCK_JOB_CANCELLED', 'BLOCK_JOB_ERROR'})

    def test_query_machines(self):
        vm = self.vm()
        q = vm.qmp()
        machines = {m['name']: m for m in q.cmd('query-machines')}
        self.assertIn('none', machines)
        self.assertEqual(machines['none']['cpu-max'], 1)
        for key in ('hotpluggable-cpus', 'numa-mem-supported', 'deprecated'):
            self.assertIs(machines['none'][key], False)
        self.assertNotIn('default-ram-id', machines['none'])  # no RAM
        if board_available('virt'):
            # The board's module is asked for its real limits (docs/architecture.md,
            # "libvirt compatibility"); -smp one past cpu-max is refused.
            virt = machines['virt']
            self.assertEqual(virt['default-ram-id'], 'ram')
            self.assertEqual(virt['default-cpu-type'], 'rv64-riscv-cpu')
            r = tt.run(['-M', 'virt', '-bios', 'none', '-S', '-nodefaults',
                        '-smp', str(virt['cpu-max'] + 1)], link='tessera-system-riscv64')
            self.assertEqual(r.returncode, 1)
            self.assertIn('supports 1 to %d CPUs' % virt['cpu-max'], r.stderr)

    def test_query_cpus_fast(self):
        self.assertEqual(self.vm().qmp().cmd('query-cpus-fast'), [])

    @unittest.skipUnless(board_available('virt'), 'the riscv virt board is not built')
    def test_query_cpus_fast_on_virt(self):
        q = self.vm(['-M', 'virt', '-bios', 'none', '-S'],
                    env={'TESSERA_MODULE_DIR': ''}).qmp()
        cpus = q.cmd('query-cpus-fast')
        self.assertEqual(len(cpus), 1)
        self.assertEqual(cpus[0]['cpu-index'], 0)
        self.assertEqual(cpus[0]['target'], 'riscv64')
        self.assertTrue(cpus[0]['qom-path'].startswith('/machine/'))
        self.assertIsInstance(cpus[0]['thread-id'], int)
        self.assertEqual(q.cmd('qom-get', path=cpus[0]['qom-path'], property='type')[-4:],
                         '-cpu')

    @unittest.skipUnless(board_available('virt'), 'the riscv virt board is not built')
    def test_query_cpus_fast_thread_ids_are_the_vcpu_threads(self):
        # The vCPU threads start (and wait) before the VM runs, so -S is enough.
        vm = self.vm(['-M', 'virt', '-bios', 'none', '-S', '-smp', '2'])
        cpus = vm.qmp().cmd('query-cpus-fast')
        self.assertEqual([c['cpu-index'] for c in cpus], [0, 1])
        tids = [c['thread-id'] for c in cpus]
        self.assertNotEqual(tids[0], tids[1])
        task_dir = '/proc/%d/task' % vm.proc.pid
        for tid in tids:
            self.assertNotEqual(tid, vm.proc.pid)
            self.assertTrue(os.path.isdir(os.path.join(task_dir, str(tid))),
                            '%d is not a thread of the process' % tid)

    def test_query_chardev_lists_the_monitor(self):
        vm = self.vm(qmp=2)
        devs = vm.qmp().cmd('query-chardev')
        self.assertEqual(len(devs), 2, devs)
        for dev, path in zip(sorted(devs, key=lambda d: d['label']), vm.qmp_paths):
            self.assertIn('unix:' + path, dev['filename'])
            self.assertIs(dev['frontend-open'], True)
            self.assertRegex(dev['label'], r'qmp0|qmp1')

    def test_query_name(self):
        self.assertEqual(self.vm(['-M', 'none', '-name', 'vm1']).qmp().cmd('query-name'),
                         {'name': 'vm1'})
        self.assertEqual(self.vm().qmp().cmd('query-name'), {})

    def test_human_monitor_command(self):
        q = self.vm(['-M', 'none', '-S']).qmp()
        self.assertEqual(q.cmd('human-monitor-command', command_line='info status'),
                         'VM status: paused (prelaunch)\r\n')
        self.assertEqual(q.cmd('human-monitor-command', command_line='nonsense'),
                         "unknown command: 'nonsense'\r\n")


class Qom(MonitorTest):
    def test_qom_list_machine(self):
        q = self.vm(['-M', 'none', '-m', '16M']).qmp()
        props = {p['name']: p['type'] for p in q.cmd('qom-list', path='/machine')}
        self.assertEqual(props['type'], 'string')
        self.assertEqual(props['memory-size'], 'size')
        root = {p['name']: p['type'] for p in q.cmd('qom-list', path='/')}
        self.assertEqual(root['machine'], 'child<none-machine>')
        self.assertEqual(root['chardevs'], 'child<container>')

    def test_qom_get(self):
        q = self.vm(['-M', 'none', '-m', '16M']).qmp()
        self.assertEqual(q.cmd('qom-get', path='/machine', property='type'), 'none-machine')
        self.assertEqual(q.cmd('qom-get', path='/machine', property='memory-size'), 16 << 20)
        label = q.cmd('query-chardev')[0]['label']
        self.assertEqual(q.cmd('qom-get', path='/chardevs/' + label, property='label'), label)
        self.assertRaisesQmp('DeviceNotFound', q.cmd, 'qom-get', path='/nowhere',
                             property='type')
        desc = self.assertRaisesQmp('GenericError', q.cmd, 'qom-get', path='/machine',
                                    property='nosuch')
        self.assertIn('nosuch', desc)

    def test_qom_set(self):
        vm = self.vm(['-M', 'none', '-object', 'test-object,id=obj0'], test_modules=True)
        q = vm.qmp()
        path = '/objects/obj0'
        self.assertEqual(q.cmd('qom-get', path=path, property='size'), 4096)
        self.assertEqual(q.cmd('qom-set', path=path, property='size', value=7), {})
        self.assertEqual(q.cmd('qom-get', path=path, property='size'), 7)
        q.cmd('qom-set', path=path, property='size', value='0x10')
        self.assertEqual(q.cmd('qom-get', path=path, property='size'), 16)
        q.cmd('qom-set', path=path, property='size', value='64k')
        self.assertEqual(q.cmd('qom-get', path=path, property='size'), 65536)
        q.cmd('qom-set', path=path, property='label', value='hello')
        self.assertEqual(q.cmd('qom-get', path=path, property='label'), 'hello')
        self.assertRaisesQmp('GenericError', q.cmd, 'qom-set', path=path, property='size',
                             value=True)
        self.assertRaisesQmp('GenericError', q.cmd, 'qom-set', path=path, property='size',
                             value=-1)
        self.assertRaisesQmp('GenericError', q.cmd, 'qom-set', path=path, property='type',
                             value='x')
        self.assertEqual(q.cmd('qom-get', path='obj0', property='size'), 65536)

    def test_qom_set_refused_on_a_realized_device(self):
        vm = self.vm(['-M', 'none', '-device', 'test-dep-leaf,id=leaf0,level=5'],
                     test_modules=True)
        q = vm.qmp()
        path = '/machine/peripheral/leaf0'
        desc = self.assertRaisesQmp('GenericError', q.cmd, 'qom-set', path=path,
                                    property='level', value=7)
        self.assertIn("after it was realized", desc)
        self.assertIn("leaf0", desc)
        self.assertEqual(q.cmd('qom-get', path=path, property='level'), 5)

    def test_qom_list_types_loads_nothing(self):
        vm = self.vm(test_modules=True)
        q = vm.qmp()
        machines = {t['name']: t for t in q.cmd('qom-list-types', implements='machine')}
        self.assertIn('none-machine', machines)
        self.assertNotIn('machine', machines)
        self.assertEqual(machines['none-machine']['parent'], 'machine')
        everything = {t['name']: t for t in q.cmd('qom-list-types', abstract=True)}
        self.assertIs(everything['device'].get('abstract'), True)
        self.assertIn('test-dep-leaf', everything)
        devices = {t['name'] for t in q.cmd('qom-list-types', implements='device')}
        self.assertIn('test-dep-leaf', devices)
        self.assertNotIn('none-machine', devices)
        modules = q.cmd('human-monitor-command', command_line='info modules')
        self.assertRegex(modules, r'(?m)^dep-leaf\s+device\s+no')

    def test_qom_list_properties(self):
        q = self.vm().qmp()
        props = {p['name']: p for p in q.cmd('qom-list-properties', typename='machine')}
        self.assertEqual(props['memory-size']['type'], 'size')
        self.assertIn('description', props['memory-size'])
        # QEMU 7.2's class for an unknown class (libvirt's probe relies on it).
        self.assertRaisesQmp('DeviceNotFound', q.cmd, 'qom-list-properties', typename='nosuch')

    def test_device_list_properties_loads_only_that_module(self):
        q = self.vm(test_modules=True).qmp()
        props = {p['name']: p for p in q.cmd('device-list-properties', typename='test-dep-leaf')}
        self.assertEqual(props['level']['type'], 'uint32')
        self.assertEqual(props['level']['default-value'], 3)
        self.assertEqual(props['label']['default-value'], 'leaf')
        modules = q.cmd('human-monitor-command', command_line='info modules')
        self.assertRegex(modules, r'(?m)^dep-leaf\s+device\s+yes')
        self.assertRegex(modules, r'(?m)^dep-base\s+library\s+yes')
        self.assertRegex(modules, r'(?m)^test-object\s+device\s+no')
        self.assertRaisesQmp('DeviceNotFound', q.cmd, 'device-list-properties',
                             typename='nosuch')
        self.assertRaisesQmp('GenericError', q.cmd, 'device-list-properties', typename='device')
        self.assertRaisesQmp('GenericError', q.cmd, 'device-list-properties',
                             typename='none-machine')


class RunControl(MonitorTest):
    def test_stop_and_cont_with_events(self):
        q = self.vm().qmp()
        self.assertEqual(q.cmd('stop'), {})
        ev = q.wait_event('STOP')
        self.assertNotIn('data', ev)
        self.assertEqual(set(ev['timestamp']), {'seconds', 'microseconds'})
        self.assertLess(abs(ev['timestamp']['seconds'] - time.time()), 60)
        self.assertEqual(q.cmd('query-status')['status'], 'paused')
        self.assertEqual(q.cmd('cont'), {})
        q.wait_event('RESUME')
        self.assertEqual(q.cmd('query-status')['status'], 'running')

    def test_cont_from_prelaunch(self):
        q = self.vm(['-M', 'none', '-S']).qmp()
        q.cmd('cont')
        q.wait_event('RESUME')
        self.assertIs(q.cmd('query-status')['running'], True)

    def test_system_reset(self):
        q = self.vm().qmp()
        self.assertEqual(q.cmd('system_reset'), {})
        ev = q.wait_event('RESET')
        self.assertEqual(ev['data'], {'guest': False, 'reason': 'host-qmp-system-reset'})

    def test_system_powerdown(self):
        q = self.vm().qmp()
        self.assertEqual(q.cmd('system_powerdown'), {})
        q.wait_event('POWERDOWN')

    def test_quit(self):
        vm = self.vm()
        q = vm.qmp()
        self.assertEqual(q.cmd('quit'), {})
        ev = q.wait_event('SHUTDOWN')
        self.assertEqual(ev['data'], {'guest': False, 'reason': 'host-qmp-quit'})
        self.assertEqual(vm.wait_exit(), 0)


class Hotplug(MonitorTest):
    def test_device_add_and_del(self):
        vm = self.vm(test_modules=True)
        q = vm.qmp()
        self.assertEqual(q.cmd('device_add', driver='test-dep-leaf', id='leaf0', level=5,
                               label='hot'), {})
        kids = {p['name']: p['type'] for p in q.cmd('qom-list', path='/machine/peripheral')}
        self.assertEqual(kids['leaf0'], 'child<test-dep-leaf>')
        self.assertEqual(q.cmd('qom-get', path='/machine/peripheral/leaf0', property='level'), 5)
        qtree = q.cmd('human-monitor-command', command_line='info qtree')
        self.assertIn('dev: test-dep-leaf, id "leaf0"', qtree)
        self.assertEqual(q.cmd('device_del', id='leaf0'), {})
        ev = q.wait_event('DEVICE_DELETED')
        self.assertEqual(ev['data'], {'device': 'leaf0', 'path': '/machine/peripheral/leaf0'})
        kids = {p['name'] for p in q.cmd('qom-list', path='/machine/peripheral')}
        self.assertNotIn('leaf0', kids)
        self.assertRaisesQmp('DeviceNotFound', q.cmd, 'device_del', id='leaf0')

    def test_anonymous_device_is_deleted_by_path(self):
        q = self.vm(test_modules=True).qmp()
        q.cmd('device_add', driver='test-dep-leaf')
        path = '/machine/peripheral-anon/device[0]'
        self.assertEqual(q.cmd('qom-get', path=path, property='type'), 'test-dep-leaf')
        q.cmd('device_del', id=path)
        self.assertEqual(q.wait_event('DEVICE_DELETED')['data'], {'path': path})

    def test_device_add_refusals(self):
        q = self.vm(test_modules=True).qmp()
        desc = self.assertRaisesQmp('GenericError', q.cmd, 'device_add',
                                    driver='test-cold-device')
        self.assertIn('hotplug', desc)
        self.assertRaisesQmp('GenericError', q.cmd, 'device_add', driver='no-such-device')
        self.assertRaisesQmp('GenericError', q.cmd, 'device_add', driver='test-dep-leaf',
                             level='many')
        q.cmd('device_add', driver='test-dep-leaf', id='twice')
        desc = self.assertRaisesQmp('GenericError', q.cmd, 'device_add', driver='test-dep-leaf',
                                    id='twice')
        self.assertIn('twice', desc)
        self.assertRaisesQmp('GenericError', q.cmd, 'device_add', id='nodriver')

    def test_cold_device_cannot_be_unplugged(self):
        q = self.vm(['-M', 'none', '-device', 'test-cold-device,id=cold'],
                    test_modules=True).qmp()
        desc = self.assertRaisesQmp('GenericError', q.cmd, 'device_del', id='cold')
        self.assertIn('hot-unplug', desc)


class Objects(MonitorTest):
    def test_object_add_and_del(self):
        q = self.vm(test_modules=True).qmp()
        self.assertEqual(q.cmd('object-add', qom_type='test-object', id='obj0', size=8192,
                               label='x'), {})
        self.assertEqual(q.cmd('qom-get', path='/objects/obj0', property='size'), 8192)
        self.assertEqual(q.cmd('qom-get', path='/objects/obj0', property='label'), 'x')
        self.assertEqual(q.cmd('object-del', id='obj0'), {})
        self.assertRaisesQmp('DeviceNotFound', q.cmd, 'qom-get', path='/objects/obj0',
                             property='size')
        self.assertRaisesQmp('GenericError', q.cmd, 'object-del', id='obj0')

    def test_object_add_refusals(self):
        q = self.vm(test_modules=True).qmp()
        self.assertRaisesQmp('GenericError', q.cmd, 'object-add', qom_type='nosuch', id='a')
        self.assertRaisesQmp('GenericError', q.cmd, 'object-add', qom_type='test-dep-leaf',
                             id='b')
        q.cmd('object-add', qom_type='test-object', id='c')
        self.assertRaisesQmp('GenericError', q.cmd, 'object-add', qom_type='test-object',
                             id='c')
        self.assertRaisesQmp('GenericError', q.cmd, 'object-add', qom_type='test-object',
                             id='d', size='huge')


class BadInput(MonitorTest):
    """Each bad message gets one error reply and the session goes on."""

    def setUp(self):
        self.q = self.vm().qmp()

    def send(self, data):
        self.q.send_raw(data)
        r = self.q.reply()
        self.assertEqual(self.q.cmd('query-status')['status'], 'running')
        return r

    def test_malformed_json(self):
        self.assertError(self.send('{"execute": }'), 'GenericError', prefix='JSON parse error, ')
        self.assertError(self.send('{"execute" "stop"}'), 'GenericError',
                         prefix='JSON parse error, ')

    def test_garbage_and_stray_tokens(self):
        self.assertError(self.send('hello\n'), 'GenericError', prefix='JSON parse error, ')
        self.assertError(self.send('}'), 'GenericError', prefix='JSON parse error, ')
        self.assertError(self.send('42\n'), 'GenericError', 'QMP input must be a JSON object')
        self.assertError(self.send('"str"'), 'GenericError', 'QMP input must be a JSON object')
        self.assertError(self.send('[{"execute": "stop"}]'), 'GenericError',
                         'QMP input must be a JSON object')

    def test_bad_requests(self):
        self.assertError(self.send('{}'), 'GenericError', "QMP input lacks member 'execute'")
        self.assertError(self.send('{"execute": ["stop"]}'), 'GenericError',
                         "QMP input member 'execute' must be a string")
        self.assertError(self.send('{"execute": "qom-list", "arguments": "/"}'),
                         'GenericError', "QMP input member 'arguments' must be an object")
        self.assertError(self.send('{"execute": "stop", "bogus": 1}'), 'GenericError',
                         "QMP input member 'bogus' is unexpected")
        self.assertError(self.send('{"execute": "frobnicate"}'), 'CommandNotFound',
                         'The command frobnicate has not been found')

    def test_bad_arguments(self):
        self.assertError(self.send('{"execute": "qom-get", "arguments": {"property": "x"}}'),
                         'GenericError', "Parameter 'path' is missing")
        self.assertError(self.send('{"execute": "qom-list", "arguments": '
                                   '{"path": "/", "foo": 1}}'),
                         'GenericError', "Invalid parameter 'foo'")
        self.assertError(self.send('{"execute": "device_del", "arguments": {"id": 1}}'),
                         'GenericError', "Parameter 'id' expects string")
        self.assertError(self.send('{"execute": "human-monitor-command", "arguments": '
                                   '{"command-line": "info", "cpu-index": "0"}}'),
                         'GenericError', "Parameter 'cpu-index' expects integer")
        self.assertError(self.send('{"execute": "stop", "arguments": {"x": null}}'),
                         'GenericError', "Invalid parameter 'x'")

    def test_oversized_message(self):
        big = '{"execute": "qom-list", "arguments": {"path": "%s"}}' % ('a' * (1100 * 1024))
        self.assertError(self.send(big), 'GenericError', prefix='JSON parse error, message too')

    def test_deep_nesting(self):
        self.assertError(self.send('[' * 5000 + ']' * 5000), 'GenericError',
                         prefix='JSON parse error, too many nested')

    def test_invalid_utf8_and_reset_byte(self):
        self.assertError(self.send(b'{"execute": "st\xc3\x28op"}'), 'GenericError',
                         prefix='JSON parse error')
        self.assertError(self.send(b'{"execute": "st\xff'), 'GenericError',
                         prefix='JSON parse error, input reset')
        self.assertError(self.send(b'{"execute": "st\x00op"}'), 'GenericError',
                         prefix='JSON parse error')

    def test_rude_client_does_not_hurt_the_next(self):
        vm = self.vm()
        rude = vm.qmp()
        rude.send_raw('{"execute": "qom-list", "arguments": {"pa')
        rude.close()
        polite = vm.qmp()
        self.assertEqual(polite.cmd('query-status')['status'], 'running')


class Clients(MonitorTest):
    def test_two_clients_at_once(self):
        vm = self.vm(qmp=2)
        a, b = vm.qmp(0), vm.qmp(1)
        a.cmd('stop')
        a.wait_event('STOP')
        b.wait_event('STOP')
        self.assertEqual(b.cmd('query-status')['status'], 'paused')
        b.cmd('cont')
        a.wait_event('RESUME')
        b.wait_event('RESUME')
        # Interleaved requests are answered on their own connection.
        a.send_raw('{"execute": "query-version", "id": "a"}')
        b.send_raw('{"execute": "query-status", "id": "b"}')
        self.assertEqual(b.reply()['id'], 'b')
        self.assertEqual(a.reply()['id'], 'a')
        a.cmd('quit')
        self.assertEqual(b.wait_event('SHUTDOWN')['data']['reason'], 'host-qmp-quit')
        self.assertEqual(vm.wait_exit(), 0)

    def test_unnegotiated_client_gets_no_events(self):
        vm = self.vm(qmp=2)
        quiet = vm.qmp(1, negotiate=False)
        a = vm.qmp(0)
        a.cmd('stop')
        a.wait_event('STOP')
        self.assertEqual(quiet.execute('qmp_capabilities'), {'return': {}})
        self.assertEqual(quiet.events, [])


@unittest.skipUnless(shutil.which('socat'), 'socat is not installed')
class Socat(MonitorTest):
    def test_socat_session(self):
        """The issue's acceptance line: a socat-driven session."""
        vm = self.vm(['-M', 'none', '-m', '16M'])
        vm._wait_socket(vm.qmp_paths[0])
        requests = [
            {'execute': 'qmp_capabilities'},
            {'execute': 'query-status'},
            {'execute': 'qom-list', 'arguments': {'path': '/machine'}},
            {'execute': 'qom-get', 'arguments': {'path': '/machine', 'property': 'memory-size'}},
            {'execute': 'stop'},
            {'execute': 'cont'},
            {'execute': 'quit'},
        ]
        text = ''.join(json.dumps(r) + '\n' for r in requests)
        for _attempt in range(50):   # the socket file may exist before listen()
            r = subprocess.run(['socat', '-t', '5', '-', 'UNIX-CONNECT:' + vm.qmp_paths[0]],
                               input=text, capture_output=True, text=True, timeout=30)
            if r.returncode == 0 or 'refused' not in r.stderr:
                break
            time.sleep(0.05)
        msgs = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
        self.assertIn('QMP', msgs[0])
        replies = [m for m in msgs[1:] if 'event' not in m]
        events = [m['event'] for m in msgs if 'event' in m]
        self.assertEqual(len(replies), len(requests), r.stdout)
        self.assertEqual(replies[0], {'return': {}})
        self.assertEqual(replies[1]['return'],
                         {'status': 'running', 'singlestep': False, 'running': True})
        self.assertIn({'name': 'memory-size', 'type': 'size'}, replies[2]['return'])
        self.assertEqual(replies[3], {'return': 16 << 20})
        self.assertEqual(replies[4:], [{'return': {}}] * 3)
        self.assertEqual(events, ['STOP', 'RESUME', 'SHUTDOWN'])
        self.assertEqual(vm.wait_exit(), 0)


class Docs(unittest.TestCase):
    def test_docs_qmp_md_is_generated_from_the_schema(self):
        script = os.path.join(tt.ROOT, 'scripts', 'gen-qmp-doc.py')
        env = dict(os.environ)
        if tt.build_dir().rstrip('/').endswith('-san'):
            # python loads the sanitized libtessera: ASan's runtime must come first
            libasan = subprocess.run(['gcc', '-print-file-name=libasan.so'], capture_output=True,
                                     text=True, check=True).stdout.strip()
            env['LD_PRELOAD'] = libasan
            env['ASAN_OPTIONS'] = 'detect_leaks=0'
        r = subprocess.run([sys.executable, script, '--check', '--build', tt.build_dir()],
                           capture_output=True, text=True, env=env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


if __name__ == '__main__':
    tt.main('qmp')
