#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Instruction decoder generator shared by Tessera's CPU targets.

Reads one declarative table (a target's insn.decode, format in
docs/decoder.md) and writes two C headers:

  OUT.decode.h  argument structs, the row enum and row table (mnemonic,
                mask/match, disassembly template), field extractors and, per
                decoder, a pure lookup function: the disassembler and the
                unit tests include it.
  OUT.trans.h   trans_<name>() prototypes and, per decoder, a dispatch
                function that decodes and calls them: the translator
                includes it (after defining struct DisasContext).

Decoding is a tree of switches on the bits every remaining row fixes,
ending in short ordered mask/match checks.  Two rows that can match the
same word are an error naming both, unless they sit in one overlap group
"{ ... }", where the first row (in file order) whose translator accepts the
word wins.

usage: decodegen.py INPUT --decode-h OUT --trans-h OUT
"""
import argparse
import os
import re
import sys

IDENT = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')
BITS = re.compile(r'^[01.]+$')


class DecodeError(Exception):
    pass


class Field:
    def __init__(self, name, segs, signed, shift, add, call, line):
        self.name, self.segs, self.signed = name, segs, signed
        self.shift, self.add, self.call, self.line = shift, add, call, line
        self.width = sum(hi - lo + 1 for hi, lo in segs)

    def c_expr(self, var):
        parts = []
        pos = self.width
        for hi, lo in self.segs:
            n = hi - lo + 1
            pos -= n
            e = '((uint64_t)(%s >> %d) & 0x%xu)' % (var, lo, (1 << n) - 1)
            parts.append('(%s << %d)' % (e, pos) if pos else e)
        e = ' | '.join(parts)
        if self.signed:
            e = '((int64_t)((%s) << %d) >> %d)' % (e, 64 - self.width, 64 - self.width)
        else:
            e = '(int64_t)(%s)' % e
        if self.shift:
            e = '(int64_t)((uint64_t)%s << %d)' % (e, self.shift)
        if self.add:
            e = '(%s + %d)' % (e, self.add)
        if self.call:
            e = '%s(%s)' % (self.call, e)
        return e


class Args:
    def __init__(self, name, members, line):
        self.name, self.members, self.line = name, members, line


class Format:
    def __init__(self, name, args, assigns, template, line):
        self.name, self.args, self.assigns, self.template, self.line = (
            name, args, assigns, template, line)


class Row:
    def __init__(self, name, decoder, mask, match, line):
        self.name, self.decoder, self.mask, self.match, self.line = (
            name, decoder, mask, match, line)
        self.reserved = name is None
        self.group = 0
        self.args = None
        self.assigns = {}
        self.need = []
        self.trans = name
        self.template = ''
        self.index = -1

    def label(self):
        return self.name or 'reserved'


class Decoder:
    def __init__(self, func, width, line):
        self.func, self.width, self.line = func, width, line
        self.rows = []


def tokenize(line):
    """Split on blanks, keeping "quoted strings" (with \\" escapes) whole."""
    out, i, n = [], 0, len(line)
    while i < n:
        c = line[i]
        if c.isspace():
            i += 1
        elif c == '#':
            break
        elif c == '"':
            buf, j = '', i + 1
            while j < n and line[j] != '"':
                if line[j] == '\\' and j + 1 < n:
                    j += 1
                buf += line[j]
                j += 1
            if j >= n:
                raise DecodeError('unterminated string')
            out.append(('str', buf))
            i = j + 1
        else:
            j = i
            while j < n and not line[j].isspace() and line[j] != '#':
                j += 1
            out.append(('word', line[i:j]))
            i = j
    return out


class Table:
    def __init__(self, path):
        self.path = path
        self.prefix = None
        self.includes = []
        self.features = None
        self.fields = {}
        self.args = {}
        self.formats = {}
        self.decoders = []
        self.rows = []          # named rows, in file order
        self.trans = {}         # trans name -> (Args, row)

    def err(self, line, msg):
        raise DecodeError('%s:%d: %s' % (self.path, line, msg))

    # ---- parsing ------------------------------------------------------------------

    def parse(self, text):
        decoder = None
        need = []
        group = 0
        ngroups = 0
        group_line = 0
        for lineno, raw in enumerate(text.splitlines(), 1):
            try:
                toks = tokenize(raw)
            except DecodeError as e:
                self.err(lineno, str(e))
            if not toks:
                continue
            words = [t[1] for t in toks]
            kw = words[0] if toks[0][0] == 'word' else None
            if kw == '{':
                if group:
                    self.err(lineno, 'overlap groups do not nest')
                if decoder is None:
                    self.err(lineno, 'a group must be inside a decoder section')
                ngroups += 1
                group, group_line = ngroups, lineno
                if len(toks) > 1:
                    self.err(lineno, 'nothing may follow "{" on its line')
                continue
            if kw == '}':
                if not group:
                    self.err(lineno, 'unbalanced "}"')
                if len(toks) > 1:
                    self.err(lineno, 'nothing may follow "}" on its line')
                group = 0
                continue
            if kw == 'prefix':
                self.want(lineno, words, 2)
                self.prefix = self.ident(lineno, words[1])
            elif kw == 'include':
                if len(toks) != 2 or toks[1][0] != 'str':
                    self.err(lineno, 'usage: include "header.h"')
                self.includes.append(toks[1][1])
            elif kw == 'features':
                self.want(lineno, words, 2)
                self.features = self.ident(lineno, words[1])
            elif kw == 'field':
                self.parse_field(lineno, words)
            elif kw == 'args':
                self.parse_args(lineno, words)
            elif kw == 'format':
                self.parse_format(lineno, toks)
            elif kw == 'decoder':
                self.want(lineno, words, 3)
                if group:
                    self.err(lineno, 'decoder inside an overlap group')
                width = self.number(lineno, words[2])
                if width not in (16, 32):
                    self.err(lineno, 'decoder width must be 16 or 32, not %d' % width)
                decoder = Decoder(self.ident(lineno, words[1]), width, lineno)
                if any(d.func == decoder.func for d in self.decoders):
                    self.err(lineno, 'decoder %s defined twice' % decoder.func)
                self.decoders.append(decoder)
                need = []
            elif kw == 'need':
                self.want(lineno, words, 2)
                need = [] if words[1] == '-' else self.need_list(lineno, words[1])
            else:
                if decoder is None:
                    self.err(lineno, 'unknown directive "%s" (rows go after a decoder line)'
                             % words[0])
                self.parse_row(lineno, toks, decoder, need, group)
        if group:
            self.err(group_line, 'overlap group "{" is never closed')
        if not self.prefix:
            raise DecodeError('%s: no "prefix NAME" line' % self.path)
        if not self.decoders:
            raise DecodeError('%s: no decoder section' % self.path)

    def want(self, line, words, n):
        if len(words) != n:
            self.err(line, '"%s" takes %d argument(s)' % (words[0], n - 1))

    def ident(self, line, s):
        if not IDENT.match(s):
            self.err(line, '"%s" is not a C identifier' % s)
        return s

    def number(self, line, s):
        try:
            return int(s, 0)
        except ValueError:
            self.err(line, '"%s" is not a number' % s)

    def need_list(self, line, s):
        if self.features is None:
            self.err(line, 'need= used without a "features PREFIX" line')
        return [self.ident(line, t) for t in s.split('|')]

    def parse_field(self, line, words):
        if len(words) < 3:
            self.err(line, 'usage: field NAME [sext] HI:LO... [<<N] [+N] [call=FUNC]')
        name = self.ident(line, words[1])
        if name in self.fields:
            self.err(line, 'field %s defined twice (first at line %d)'
                     % (name, self.fields[name].line))
        signed, shift, add, call, segs = False, 0, 0, None, []
        for w in words[2:]:
            if w == 'sext':
                if segs:
                    self.err(line, '"sext" must come before the bit ranges')
                signed = True
            elif w.startswith('<<'):
                shift = self.number(line, w[2:])
            elif w.startswith('+') or (w.startswith('-') and w[1:].isdigit()):
                add = self.number(line, w)
            elif w.startswith('call='):
                call = self.ident(line, w[5:])
            else:
                m = re.match(r'^(\d+)(?::(\d+))?$', w)
                if not m:
                    self.err(line, 'field %s: bad bit range "%s" (want HI:LO or BIT)' % (name, w))
                hi = int(m.group(1))
                lo = int(m.group(2)) if m.group(2) is not None else hi
                if hi < lo or hi > 31:
                    self.err(line, 'field %s: bad bit range "%s"' % (name, w))
                segs.append((hi, lo))
        if not segs:
            self.err(line, 'field %s has no bit range' % name)
        f = Field(name, segs, signed, shift, add, call, line)
        if f.width > 32:
            self.err(line, 'field %s is wider than 32 bits' % name)
        self.fields[name] = f

    def parse_args(self, line, words):
        if len(words) < 2:
            self.err(line, 'usage: args NAME [MEMBER...]')
        name = self.ident(line, words[1])
        if name in self.args:
            self.err(line, 'args %s defined twice' % name)
        members = [self.ident(line, m) for m in words[2:]]
        if len(set(members)) != len(members):
            self.err(line, 'args %s names a member twice' % name)
        self.args[name] = Args(name, members, line)

    def parse_assigns(self, line, toks, start):
        """MEMBER=FIELD|NUMBER pairs and key=value options; returns (assigns, opts, template)."""
        assigns, opts, template = {}, {}, None
        for kind, w in toks[start:]:
            if kind == 'str':
                if template is not None:
                    self.err(line, 'two disassembly templates')
                template = w
                continue
            if '=' not in w:
                self.err(line, 'expected MEMBER=FIELD, MEMBER=NUMBER or a "template", got "%s"' % w)
            k, v = w.split('=', 1)
            if k in ('need', 'trans'):
                opts[k] = v
                continue
            self.ident(line, k)
            if k in assigns:
                self.err(line, 'member %s assigned twice' % k)
            if IDENT.match(v):
                if v not in self.fields:
                    self.err(line, 'unknown field "%s"' % v)
                assigns[k] = ('field', v)
            else:
                assigns[k] = ('const', self.number(line, v))
        return assigns, opts, template

    def parse_format(self, line, toks):
        words = [t[1] for t in toks]
        if len(words) < 3:
            self.err(line, 'usage: format NAME ARGS [MEMBER=FIELD...] ["template"]')
        name = self.ident(line, words[1])
        if name in self.formats:
            self.err(line, 'format %s defined twice' % name)
        if words[2] not in self.args:
            self.err(line, 'format %s: unknown args "%s"' % (name, words[2]))
        args = self.args[words[2]]
        assigns, opts, template = self.parse_assigns(line, toks, 3)
        if opts:
            self.err(line, 'format %s: need=/trans= belong on rows' % name)
        self.formats[name] = Format(name, args, assigns, template or '', line)

    def parse_row(self, line, toks, decoder, need, group):
        words = [t[1] for t in toks]
        reserved = words[0] == 'reserved'
        name = None if reserved else self.ident(line, words[0])
        bits, i = '', 1
        while i < len(toks) and toks[i][0] == 'word' and BITS.match(words[i]):
            bits += words[i]
            i += 1
        if len(bits) != decoder.width:
            self.err(line, 'row %s has %d pattern bits; decoder %s is %d bits wide'
                     % (name or 'reserved', len(bits), decoder.func, decoder.width))
        mask = match = 0
        for c in bits:
            mask = (mask << 1) | (c != '.')
            match = (match << 1) | (c == '1')
        row = Row(name, decoder, mask, match, line)
        row.group = group
        if reserved:
            if i != len(toks):
                self.err(line, 'a reserved row has only a bit pattern')
            decoder.rows.append(row)
            return
        if any(r.name == name for r in self.rows):
            self.err(line, 'row %s defined twice' % name)
        fmt = None
        if i < len(toks) and toks[i][0] == 'word' and '=' not in words[i]:
            if words[i] not in self.formats:
                self.err(line, 'row %s: unknown format "%s"' % (name, words[i]))
            fmt = self.formats[words[i]]
            i += 1
        assigns, opts, template = self.parse_assigns(line, toks, i)
        if fmt is None:
            if assigns:
                self.err(line, 'row %s assigns members but names no format' % name)
            row.args = self.args.setdefault('empty', Args('empty', [], line))
            row.template = template or ''
        else:
            row.args = fmt.args
            row.assigns = dict(fmt.assigns)
            row.assigns.update(assigns)
            row.template = fmt.template if template is None else template
        # Members not assigned explicitly take the field of the same name.
        for m in row.args.members:
            if m not in row.assigns:
                if m not in self.fields:
                    self.err(line, 'row %s: member %s of args %s has no value (no field %s)'
                             % (name, m, row.args.name, m))
                row.assigns[m] = ('field', m)
        for m in row.assigns:
            if m not in row.args.members:
                self.err(line, 'row %s: args %s has no member %s' % (name, row.args.name, m))
        for m, (kind, v) in row.assigns.items():
            if kind == 'field':
                f = self.fields[v]
                fbits = 0
                for hi, lo in f.segs:
                    fbits |= ((1 << (hi - lo + 1)) - 1) << lo
                if fbits >> decoder.width:
                    self.err(line, 'row %s: field %s lies outside the %d-bit word'
                             % (name, v, decoder.width))
        row.need = self.need_list(line, opts['need']) if 'need' in opts else list(need)
        row.trans = self.ident(line, opts.get('trans', name))
        prev = self.trans.get(row.trans)
        if prev and prev[0] is not row.args:
            self.err(line, 'row %s calls trans_%s with args %s, but row %s (line %d) passes %s'
                     % (name, row.trans, row.args.name, prev[1].name, prev[1].line,
                        prev[0].name))
        self.trans.setdefault(row.trans, (row.args, row))
        row.template = self.compile_template(line, row)
        row.index = len(self.rows)
        self.rows.append(row)
        decoder.rows.append(row)

    def compile_template(self, line, row):
        """{member[:kind]} -> {index:kind}, checked against the row's args."""
        def sub(m):
            member, kind = m.group(1), m.group(2) or 'd'
            if member not in row.args.members:
                self.err(line, 'row %s: template names %s, not a member of args %s'
                         % (row.name, member, row.args.name))
            return '{%d:%s}' % (row.args.members.index(member), kind)
        out = re.sub(r'\{([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z_][A-Za-z0-9_]*))?\}', sub,
                     row.template)
        if re.search(r'\{(?![0-9]+:)', out):
            self.err(line, 'row %s: malformed template "%s"' % (row.name, row.template))
        return out

    # ---- checks ---------------------------------------------------------------------

    def check_overlaps(self):
        for d in self.decoders:
            rows = d.rows
            for i, a in enumerate(rows):
                for b in rows[i + 1:]:
                    if (a.match ^ b.match) & a.mask & b.mask:
                        continue
                    if a.group and a.group == b.group:
                        continue
                    raise DecodeError(
                        '%s:%d: row %s overlaps row %s (line %d), e.g. 0x%0*x; '
                        'put both in one overlap group { } if file order should decide'
                        % (self.path, b.line, b.label(), a.label(), a.line, d.width // 4,
                           a.match | b.match))

    # ---- output ------------------------------------------------------------------------

    def row_enum(self, row):
        return '%s_ROW_%s' % (self.prefix.upper(), row.name.upper())

    def need_expr(self, row):
        if not row.need:
            return '0'
        return ' | '.join('(uint64_t)%s%s' % (self.features, n) for n in row.need)

    def extract_lines(self, row, var, ind):
        out = []
        for m in row.args.members:
            kind, v = row.assigns[m]
            val = '%s_field_%s(insn)' % (self.prefix, v) if kind == 'field' else '%d' % v
            out.append('%s%s.%s = %s;' % (ind, var, m, val))
        return out

    def build_tree(self, rows, used, width, leaf, ind):
        """Switch on the bits all @rows fix and that are not tested yet."""
        full = (1 << width) - 1
        common = full & ~used
        for r in rows:
            common &= r.mask
        if len(rows) <= 1 or not common:
            return leaf(rows, ind)
        parts = {}
        for r in rows:
            parts.setdefault(r.match & common, []).append(r)
        if len(parts) == 1:
            return self.build_tree(rows, used | common, width, leaf, ind)
        out = ['%sswitch (insn & 0x%0*xu) {' % (ind, width // 4, common)]
        for value in sorted(parts):
            out.append('%scase 0x%0*xu:' % (ind, width // 4, value))
            out += self.build_tree(parts[value], used | common, width, leaf, ind + '    ')
            out.append('%s    break;' % ind)
        out.append('%s}' % ind)
        return out

    def feature_test(self, row):
        if not row.need:
            return ''
        need = self.need_expr(row)
        return ' && (features & (%s)) == (%s)' % (need, need)

    def lookup_leaf(self, rows, ind):
        out = []
        for r in rows:
            w = r.decoder.width // 4
            cond = '(insn & 0x%0*xu) == 0x%0*xu' % (w, r.mask, w, r.match)
            if r.reserved:
                out.append('%sif (%s) {' % (ind, cond))
                out.append('%s    return -1;   /* reserved (line %d) */' % (ind, r.line))
                out.append('%s}' % ind)
                continue
            out.append('%sif (%s%s) {' % (ind, cond, self.feature_test(r)))
            out += self.extract_lines(r, 'a->' + r.args.name, ind + '    ')
            out.append('%s    return %s;' % (ind, self.row_enum(r)))
            out.append('%s}' % ind)
        return out

    def dispatch_leaf(self, rows, ind):
        out = []
        for r in rows:
            w = r.decoder.width // 4
            cond = '(insn & 0x%0*xu) == 0x%0*xu' % (w, r.mask, w, r.match)
            if r.reserved:
                out.append('%sif (%s) {' % (ind, cond))
                out.append('%s    return false;   /* reserved (line %d) */' % (ind, r.line))
                out.append('%s}' % ind)
                continue
            out.append('%sif (%s%s) {' % (ind, cond, self.feature_test(r)))
            out += self.extract_lines(r, 'u.' + r.args.name, ind + '    ')
            out.append('%s    if (trans_%s(ctx, &u.%s)) {' % (ind, r.trans, r.args.name))
            out.append('%s        return true;' % ind)
            out.append('%s    }' % ind)
            out.append('%s}' % ind)
        return out

    def gen_decode_h(self, guard_name):
        p = self.prefix
        P = p.upper()
        o = ['/* SPDX-License-Identifier: MIT */',
             '/* Generated by site_scons/decodegen.py from %s: do not edit. */'
             % os.path.basename(self.path),
             '#ifndef %s' % guard_name, '#define %s' % guard_name, '',
             '#include <stdbool.h>', '#include <stddef.h>', '#include <stdint.h>',
             '#include <inttypes.h>', '#include <stdio.h>', '#include <stdlib.h>',
             '#include <string.h>']
        o += ['#include "%s"' % inc for inc in self.includes]
        o.append('')
        maxm = 1
        for a in self.used_args():
            maxm = max(maxm, len(a.members))
            o.append('typedef struct {')
            for m in a.members:
                o.append('    int64_t %s;' % m)
            if not a.members:
                o.append('    int64_t unused_;')
            o.append('} arg_%s;' % a.name)
            o.append('')
        o.append('/* Every args struct, and the same members as an array (for templates). */')
        o.append('typedef union {')
        o.append('    int64_t raw[%d];' % maxm)
        for a in self.used_args():
            o.append('    arg_%s %s;' % (a.name, a.name))
        o.append('} %s_args;' % p)
        o.append('')
        o.append('/* Field extractors. */')
        for f in self.fields.values():
            o.append('__attribute__((unused)) static inline int64_t %s_field_%s(uint32_t insn)'
                     % (p, f.name))
            o.append('{')
            o.append('    return %s;' % f.c_expr('insn'))
            o.append('}')
            o.append('')
        o.append('typedef enum {')
        for r in self.rows:
            o.append('    %s,' % self.row_enum(r))
        o.append('    %s_NUM_ROWS' % P)
        o.append('} %sRow;' % self.camel())
        o.append('')
        for a in self.used_args():
            o.append('__attribute__((unused)) static const char *const %s_members_%s[] = { %s };'
                     % (p, a.name, ', '.join(['"%s"' % m for m in a.members] + ['NULL'])))
        o.append('')
        o += ['/* One table row: what the generator knew about it. */',
              'typedef struct {',
              '    const char *name;        /* row name in the table */',
              '    const char *mnemonic;    /* name with "_" shown as "." */',
              '    const char *args;        /* args set name */',
              '    const char *const *members;  /* its members, NULL-terminated */',
              '    const char *trans;       /* trans_<trans> translates it */',
              '    const char *disas;       /* operands; {N:kind} = member N */',
              '    uint32_t mask, match;',
              '    uint64_t need;           /* feature bits that must all be on */',
              '    uint8_t width;           /* 16 or 32 */',
              '    uint8_t decoder;         /* index of its decoder section */',
              '    uint16_t group;          /* overlap group, 0 = none */',
              '    uint16_t line;           /* line in the table */',
              '} %sRowInfo;' % self.camel(), '']
        o.append('__attribute__((unused)) static const %sRowInfo %s_rows[%s_NUM_ROWS] = {'
                 % (self.camel(), p, P))
        for r in self.rows:
            o.append('    [%s] = { .name = "%s", .mnemonic = "%s", .args = "%s",'
                     % (self.row_enum(r), r.name, r.name.replace('_', '.'), r.args.name))
            o.append('        .members = %s_members_%s, .trans = "%s",' % (p, r.args.name, r.trans))
            o.append('        .disas = "%s", .mask = 0x%08xu, .match = 0x%08xu, .need = %s,'
                     % (c_escape(r.template), r.mask, r.match, self.need_expr(r)))
            o.append('        .width = %d, .decoder = %d, .group = %d, .line = %d },'
                     % (r.decoder.width, self.decoders.index(r.decoder), r.group, r.line))
        o.append('};')
        o.append('')
        res = [r for d in self.decoders for r in d.rows if r.reserved]
        o.append('/* The reserved encodings (illegal even where a group row would match). */')
        o.append('typedef struct {')
        o.append('    uint32_t mask, match;')
        o.append('    uint8_t decoder;')
        o.append('    uint16_t group, line;')
        o.append('} %sReserved;' % self.camel())
        o.append('#define %s_NUM_RESERVED %d' % (P, len(res)))
        o.append('__attribute__((unused)) static const %sReserved %s_reserved[%d] = {'
                 % (self.camel(), p, max(1, len(res))))
        for r in res:
            o.append('    { .mask = 0x%08xu, .match = 0x%08xu, .decoder = %d, .group = %d, .line = %d },'
                     % (r.mask, r.match, self.decoders.index(r.decoder), r.group, r.line))
        o.append('};')
        o.append('')
        for d in self.decoders:
            o.append('/* Row of @insn in decoder %s (%d-bit), its operands in @a; -1: illegal'
                     % (d.func, d.width))
            o.append(' * (no row, a reserved encoding, or a needed feature off in @features). */')
            o.append('__attribute__((unused)) static int %s_lookup(uint32_t insn, '
                     'uint64_t features, %s_args *a)' % (d.func, p))
            o.append('{')
            body = self.build_tree(d.rows, 0, d.width, self.lookup_leaf, '    ')
            o += body
            o.append('    (void)features;')
            o.append('    (void)a;')
            o.append('    return -1;')
            o.append('}')
            o.append('')
        o += self.gen_disas_fn()
        o.append('#endif')
        return '\n'.join(o) + '\n'

    def gen_disas_fn(self):
        p = self.prefix
        return [
            '/* Print an operand of a kind the template engine does not know',
            ' * (register names...) into @buf; false: unknown kind. */',
            'typedef bool (*%s_operand_fn)(const char *kind, int64_t value, char *buf, size_t size);'
            % p,
            '',
            '/* Disassemble row @row with operands @a at @pc into @buf: the mnemonic,',
            ' * then the template with {N:d} signed decimal, {N:x} hex, {N:pc} pc + value',
            ' * and other kinds through @operand. */',
            '__attribute__((unused)) static void %s_disas_row(int row, const %s_args *a, '
            'uint64_t pc, char *buf, size_t size, %s_operand_fn operand)' % (p, p, p),
            '{',
            '    size_t n = 0;',
            '    if (!size) {',
            '        return;',
            '    }',
            '    buf[0] = 0;',
            '    if (row < 0 || row >= %s_NUM_ROWS) {' % p.upper(),
            '        return;',
            '    }',
            '    const char *t = %s_rows[row].disas;' % p,
            '    n += (size_t)snprintf(buf, size, "%%s%%s", %s_rows[row].mnemonic, *t ? " " : "");'
            % p,
            '    while (*t && n < size - 1) {',
            '        if (*t != \'{\') {',
            '            buf[n++] = *t++;',
            '            buf[n] = 0;',
            '            continue;',
            '        }',
            '        char *end;',
            '        long idx = strtol(t + 1, &end, 10);',
            '        char kind[16];',
            '        size_t k = 0;',
            '        for (t = end + 1; *t && *t != \'}\' && k < sizeof(kind) - 1; t++) {',
            '            kind[k++] = *t;',
            '        }',
            '        kind[k] = 0;',
            '        t += *t == \'}\';',
            '        int64_t v = a->raw[idx];',
            '        char op[48];',
            '        if (!strcmp(kind, "d")) {',
            '            snprintf(op, sizeof(op), "%" PRId64, v);',
            '        } else if (!strcmp(kind, "x")) {',
            '            snprintf(op, sizeof(op), "0x%" PRIx64, (uint64_t)v);',
            '        } else if (!strcmp(kind, "pc")) {',
            '            snprintf(op, sizeof(op), "0x%" PRIx64, pc + (uint64_t)v);',
            '        } else if (!operand || !operand(kind, v, op, sizeof(op))) {',
            '            snprintf(op, sizeof(op), "?%s?", kind);',
            '        }',
            '        n += (size_t)snprintf(buf + n, size - n, "%s", op);',
            '    }',
            '}',
            '',
        ]

    def gen_trans_h(self, decode_h_include, guard_name):
        p = self.prefix
        o = ['/* SPDX-License-Identifier: MIT */',
             '/* Generated by site_scons/decodegen.py from %s: do not edit. */'
             % os.path.basename(self.path),
             '#ifndef %s' % guard_name, '#define %s' % guard_name, '',
             '#include "%s"' % decode_h_include, '',
             'typedef struct DisasContext DisasContext;', '',
             '/* The translator defines one of these per row (false: illegal). */']
        for name in sorted(self.trans):
            o.append('static bool trans_%s(DisasContext *ctx, arg_%s *a);'
                     % (name, self.trans[name][0].name))
        o.append('')
        for d in self.decoders:
            o.append('/* Decode @insn (%d-bit) and translate it; false: illegal. */' % d.width)
            o.append('__attribute__((unused)) static bool %s(DisasContext *ctx, uint32_t insn, '
                     'uint64_t features)' % d.func)
            o.append('{')
            o.append('    %s_args u;' % p)
            o += self.build_tree(d.rows, 0, d.width, self.dispatch_leaf, '    ')
            o.append('    (void)features;')
            o.append('    (void)u;')
            o.append('    (void)ctx;')
            o.append('    return false;')
            o.append('}')
            o.append('')
        o.append('#endif')
        return '\n'.join(o) + '\n'

    def used_args(self):
        seen = []
        for a in list(self.args.values()):
            if a not in seen:
                seen.append(a)
        return seen

    def camel(self):
        return ''.join(s.capitalize() for s in self.prefix.split('_'))


def c_escape(s):
    return s.replace('\\', '\\\\').replace('"', '\\"')


def guard(path):
    return 'TESSERA_GEN_' + re.sub(r'[^A-Za-z0-9]', '_', os.path.basename(path)).upper()


def generate(src, decode_h, trans_h, decode_h_include=None):
    """Parse @src and write both headers; raises DecodeError on a bad table."""
    with open(src) as fh:
        text = fh.read()
    t = Table(src)
    t.parse(text)
    t.check_overlaps()
    inc = decode_h_include or os.path.basename(decode_h)
    out_d = t.gen_decode_h(guard(decode_h))
    out_t = t.gen_trans_h(inc, guard(trans_h))
    for path, body in ((decode_h, out_d), (trans_h, out_t)):
        d = os.path.dirname(path)
        if d:
            os.makedirs(d, exist_ok=True)
        with open(path, 'w') as fh:
            fh.write(body)
    return t


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('input')
    ap.add_argument('--decode-h', required=True)
    ap.add_argument('--trans-h', required=True)
    ap.add_argument('--include-as', default=None,
                    help='how OUT.trans.h includes OUT.decode.h (default: its file name)')
    a = ap.parse_args(argv)
    try:
        generate(a.input, a.decode_h, a.trans_h, a.include_as)
    except DecodeError as e:
        print('decodegen: %s' % e, file=sys.stderr)
        return 1
    except OSError as e:
        print('decodegen: %s' % e, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
