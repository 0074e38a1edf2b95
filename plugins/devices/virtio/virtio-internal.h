/* SPDX-License-Identifier: MIT */
/* Inside the virtio library module: what its files share. */
#ifndef TESSERA_VIRTIO_INTERNAL_H
#define TESSERA_VIRTIO_INTERNAL_H

#include "virtio/virtio.h"

/* Host pointer to @len bytes of guest memory at @addr in the device's DMA
 * view, all in one RAM range; NULL otherwise. */
void *vq_map(VirtQueue *vq, uint64_t addr, uint64_t len, bool write);
/* Set ISR bits and ask the transport for an interrupt. */
void virtio_raise(VirtIODevice *vdev, uint8_t isr_bits, uint16_t vector);
void virtqueue_update_avail_event(VirtQueue *vq);

#endif
