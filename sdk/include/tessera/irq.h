/* SPDX-License-Identifier: MIT */
/*
 * Tessera device SDK: interrupt output pins.
 *
 * A device drives its outputs; the board connects output N to an
 * interrupt-controller input (output 0 to the device's "irq" property on
 * boards that place user devices).  Driving an unconnected pin does
 * nothing.  Levels are sent as they are set, repeats included: a
 * level-triggered device keeps its pin high while its condition holds.
 */
#ifndef TESSERA_SDK_IRQ_H
#define TESSERA_SDK_IRQ_H

#include <tessera/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Add output pin number N (0, 1, ... in call order).  Only from init. */
TsrIrq *tsr_device_add_irq(TsrDevice *dev);
/* Drive the pin: @level 0 low, nonzero high. */
void tsr_irq_set(TsrIrq *irq, int level);

static inline void tsr_irq_raise(TsrIrq *irq) { tsr_irq_set(irq, 1); }
static inline void tsr_irq_lower(TsrIrq *irq) { tsr_irq_set(irq, 0); }
/* A rising then a falling edge (edge-triggered interrupts). */
static inline void tsr_irq_pulse(TsrIrq *irq) { tsr_irq_set(irq, 1); tsr_irq_set(irq, 0); }

#ifdef __cplusplus
}
#endif

#endif
