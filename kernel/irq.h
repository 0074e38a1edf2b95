/* SPDX-License-Identifier: MIT */
/*
 * IRQ lines.  An input pin is an IRQLine created by the receiver with a
 * handler; a device's output pin is an `IRQLine *` field it drives with
 * irq_set(); connecting stores the receiver's line in that field.  Driving
 * an unconnected output is a no-op.
 */
#ifndef TESSERA_KERNEL_IRQ_H
#define TESSERA_KERNEL_IRQ_H

#include <stdbool.h>

typedef void (*IRQHandler)(void *opaque, int n, int level);

typedef struct IRQLine {
    IRQHandler handler;
    void *opaque;
    int n;
} IRQLine;

/* An input pin: irq_set() on it calls @handler(@opaque, @n, level). */
IRQLine *irq_new(IRQHandler handler, void *opaque, int n);
/* @count lines numbered 0..count-1 as one array (free with irq_free_array);
 * the array has a NULL after the last line. */
IRQLine **irq_new_array(IRQHandler handler, void *opaque, int count);
void irq_free(IRQLine *irq);
void irq_free_array(IRQLine **irqs, int count);

/* Drive @irq to @level (0 low, nonzero high); the handler runs at once in
 * the caller's thread.  @irq NULL (an unconnected output) does nothing.
 * Every call reaches the handler, repeated levels included: edge detection
 * is the receiver's business. */
void irq_set(IRQLine *irq, int level);
static inline void irq_raise(IRQLine *irq) { irq_set(irq, 1); }
static inline void irq_lower(IRQLine *irq) { irq_set(irq, 0); }
static inline void irq_pulse(IRQLine *irq) { irq_set(irq, 1); irq_set(irq, 0); }

#endif
