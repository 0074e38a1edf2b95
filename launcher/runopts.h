/* SPDX-License-Identifier: MIT */
/*
 * Process and run options management tools (libvirt) pass on every start:
 * -overcommit, -rtc, -boot, -msg, -name's sub-options, -mon, -audiodev,
 * -machine usb=/dump-guest-core=, and -sandbox (launcher/sandbox.c).
 * Each parser checks its keys and applies what it sets; a value Tessera
 * cannot honour is refused with a one-line error naming it.
 */
#ifndef TESSERA_LAUNCHER_RUNOPTS_H
#define TESSERA_LAUNCHER_RUNOPTS_H

#include <glib.h>
#include <stdbool.h>

#include "kernel/options.h"

/* -overcommit mem-lock=on|off,cpu-pm=off: mem-lock=on locks all memory. */
bool runopts_overcommit(const char *text, GError **errp);
/* -rtc base=utc|localtime|DATE,clock=vm,driftfix=none */
bool runopts_rtc(const char *text, GError **errp);
/* Every -add-fd fd=N,set=M,opaque=TEXT: a duplicate of the inherited fd N
 * joins set M (kernel/fdpass.h); the fds given are closed once all are in. */
bool runopts_add_fds(GPtrArray *texts, GError **errp);
/* -boot strict=on|off,menu=off (boards boot from -kernel/-bios only) */
bool runopts_boot(const char *text, GError **errp);
/* -msg timestamp=on|off,guest-name=on|off; @guest is -name's guest. */
bool runopts_msg(const char *text, const char *guest, GError **errp);
/* -name [guest=]NAME,process=P,debug-threads=on|off: returns the guest
 * name (NULL when none given; free it), applying process= and
 * debug-threads=.  false with @errp set on bad input. */
bool runopts_name(const char *text, char **guest, GError **errp);
/* -mon [chardev=]ID,mode=control|readline,pretty=off,id=X (after the
 * chardevs exist) */
bool runopts_mon(const char *text, GError **errp);
/* -audiodev none,id=ID / {"id":..,"driver":"none"} */
bool runopts_audiodev(const char *text, GError **errp);
/* -machine usb=off, dump-guest-core=on|off: taken out of @mdict and
 * applied (before the board exists). */
bool runopts_machine(OptDict *mdict, GError **errp);
/* -sandbox on|off[,obsolete=][,elevateprivileges=][,spawn=][,resourcecontrol=]:
 * parse; sandbox_apply() installs the filter in every thread. */
bool sandbox_parse(const char *text, GError **errp);
bool sandbox_apply(GError **errp);

#endif
