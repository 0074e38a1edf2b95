/* SPDX-License-Identifier: MIT */
/*
 * Tessera device SDK: character backends (serial data to and from the host).
 *
 * A device that talks to the host declares a chardev property with
 * TSR_PROP_CHARDEV; the user writes -chardev BACKEND,id=ID and
 * -device TYPE,chardev=ID.  Before the device's realize runs, the property's
 * TsrChardev * field is set (NULL when no id was given).  Every function
 * below accepts NULL and then does nothing (writes are dropped), so a
 * device need not check.
 */
#ifndef TESSERA_SDK_CHARDEV_H
#define TESSERA_SDK_CHARDEV_H

#include <tessera/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How many bytes the device can take now (0: hold the input back). */
typedef size_t (*TsrChardevCanReceive)(void *opaque);
/* Bytes from the host, never more than the last can_receive allowed. */
typedef void (*TsrChardevReceive)(void *opaque, const uint8_t *buf, size_t len);

/* Send bytes to the host; never blocks.  Returns the bytes taken (a
 * backend that cannot keep up drops output rather than stall the guest). */
size_t tsr_chardev_write(TsrChardev *chr, const void *buf, size_t len);
/* Start receiving (typically from realize); NULL callbacks stop it. */
void tsr_chardev_set_receive(TsrChardev *chr, TsrChardevCanReceive can_receive,
                             TsrChardevReceive receive, void *opaque);
/* The device has room again after can_receive returned 0. */
void tsr_chardev_accept_input(TsrChardev *chr);

#ifdef __cplusplus
}
#endif

#endif
