/* SPDX-License-Identifier: MIT */
/*
 * IRQ lines: an input pin is a handler plus its opaque and pin number;
 * driving a line calls the handler synchronously in the caller's thread
 * (normally with the device lock held).  A NULL line is an unconnected
 * output and ignores every level.
 */
#include "kernel/irq.h"

#include <glib.h>

IRQLine *irq_new(IRQHandler handler, void *opaque, int n)
{
    IRQLine *irq = g_new0(IRQLine, 1);
    irq->handler = handler;
    irq->opaque = opaque;
    irq->n = n;
    return irq;
}

IRQLine **irq_new_array(IRQHandler handler, void *opaque, int count)
{
    g_assert(count >= 0);
    IRQLine **irqs = g_new0(IRQLine *, count + 1);
    for (int i = 0; i < count; i++) {
        irqs[i] = irq_new(handler, opaque, i);
    }
    return irqs;
}

void irq_free(IRQLine *irq)
{
    g_free(irq);
}

void irq_free_array(IRQLine **irqs, int count)
{
    if (!irqs) {
        return;
    }
    for (int i = 0; i < count; i++) {
        irq_free(irqs[i]);
    }
    g_free(irqs);
}

void irq_set(IRQLine *irq, int level)
{
    if (irq && irq->handler) {
        irq->handler(irq->opaque, irq->n, level);
    }
}
