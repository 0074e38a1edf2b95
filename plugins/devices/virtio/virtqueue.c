/* SPDX-License-Identifier: MIT */
/*
 * Split virtqueues (VIRTIO 1.1 section 2.6): taking requests from the
 * available ring with every descriptor validated, completing them in the
 * used ring, and interrupt suppression (VIRTQ_AVAIL_F_NO_INTERRUPT, or
 * used_event/avail_event with VIRTIO_F_EVENT_IDX).
 *
 * Rings and buffers are reached through host pointers of the device's DMA
 * view (address_space_get_host_ptr), never byte by byte; anything that is
 * not RAM (MMIO, holes, bus mastering off) is a guest error.  Ring indexes
 * are read with acquire and published with release ordering, since vCPU
 * threads write the rings while the device reads them.
 */
#include <string.h>

#include "kernel/log.h"
#include "virtio/virtio.h"
#include "plugins/devices/virtio/virtio-internal.h"

#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2
#define VRING_DESC_F_INDIRECT 4
#define VRING_AVAIL_F_NO_INTERRUPT 1
#define VRING_USED_F_NO_NOTIFY 1
#define VRING_DESC_SIZE 16

void *vq_map(VirtQueue *vq, uint64_t addr, uint64_t len, bool write)
{
    AddressSpace *as = device_dma_address_space(DEVICE(vq->vdev));
    uint64_t plen = 0;
    if (!as || addr + len < addr) {
        return NULL;
    }
    void *p = address_space_get_host_ptr(as, addr, write, &plen);
    return p && plen >= len ? p : NULL;
}

static uint16_t ld16(const void *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return GUINT16_FROM_LE(v);
}

static uint32_t ld32(const void *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return GUINT32_FROM_LE(v);
}

static uint64_t ld64(const void *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return GUINT64_FROM_LE(v);
}

static void st16(void *p, uint16_t v)
{
    v = GUINT16_TO_LE(v);
    memcpy(p, &v, 2);
}

static void st32(void *p, uint32_t v)
{
    v = GUINT32_TO_LE(v);
    memcpy(p, &v, 4);
}

/* The available index, read before the entries it covers. */
static uint16_t avail_idx(const uint8_t *avail)
{
    uint16_t v = __atomic_load_n((const uint16_t *)(avail + 2), __ATOMIC_ACQUIRE);
    return GUINT16_FROM_LE(v);
}

bool virtqueue_has_work(VirtQueue *vq)
{
    if (!vq->ready || vq->vdev->broken) {
        return false;
    }
    const uint8_t *avail = vq_map(vq, vq->avail, 6 + 2ULL * vq->num, false);
    return avail && avail_idx(avail) != vq->last_avail_idx;
}

/* Map [addr, addr+len) into @sg (several entries where RAM ranges split). */
static bool map_buffer(VirtQueue *vq, VirtQueueElement *e, uint64_t addr, uint32_t len,
                       bool write)
{
    VirtIODevice *vdev = vq->vdev;
    AddressSpace *as = device_dma_address_space(DEVICE(vdev));
    struct iovec *sg = write ? e->in_sg : e->out_sg;
    unsigned *num = write ? &e->in_num : &e->out_num;
    if (addr + len < addr) {
        virtio_error(vdev, "queue %u: buffer 0x%" PRIx64 "+0x%x wraps the address space",
                     vq->index, addr, len);
        return false;
    }
    while (len) {
        uint64_t plen = 0;
        void *p = as ? address_space_get_host_ptr(as, addr, write, &plen) : NULL;
        if (!p) {
            virtio_error(vdev, "queue %u: %s buffer at 0x%" PRIx64 " (0x%x bytes) is not in %s",
                         vq->index, write ? "writable" : "readable", addr, len,
                         write ? "writable RAM" : "RAM");
            return false;
        }
        if (e->in_num + e->out_num >= VIRTQUEUE_MAX_SG) {
            virtio_error(vdev, "queue %u: request maps more than %u buffers", vq->index,
                         VIRTQUEUE_MAX_SG);
            return false;
        }
        uint32_t take = (uint32_t)MIN((uint64_t)len, plen);
        sg[*num] = (struct iovec){ .iov_base = p, .iov_len = take };
        (*num)++;
        addr += take;
        len -= take;
    }
    return true;
}

VirtQueueElement *virtqueue_pop(VirtQueue *vq)
{
    VirtIODevice *vdev = vq->vdev;
    if (vdev->broken || !vq->ready || !vq->num) {
        return NULL;
    }
    unsigned num = vq->num;
    const uint8_t *avail = vq_map(vq, vq->avail, 6 + 2ULL * num, false);
    const uint8_t *desc = vq_map(vq, vq->desc, (uint64_t)VRING_DESC_SIZE * num, false);
    if (!avail || !desc) {
        virtio_error(vdev, "queue %u rings are no longer in RAM", vq->index);
        return NULL;
    }
    uint16_t idx = avail_idx(avail);
    uint16_t pending = (uint16_t)(idx - vq->last_avail_idx);
    if (!pending) {
        /* Ask for a notification at the next buffer, then look once more
         * so one made available meanwhile is not missed. */
        virtqueue_update_avail_event(vq);
        idx = avail_idx(avail);
        pending = (uint16_t)(idx - vq->last_avail_idx);
        if (!pending) {
            return NULL;
        }
    }
    if (pending > num) {
        virtio_error(vdev, "queue %u: available index %u is %u ahead of %u, more than the "
                     "queue's %u entries", vq->index, idx, pending, vq->last_avail_idx, num);
        return NULL;
    }
    unsigned head = ld16(avail + 4 + 2 * (vq->last_avail_idx % num));
    if (head >= num) {
        virtio_error(vdev, "queue %u: head descriptor %u is past the queue's %u entries",
                     vq->index, head, num);
        return NULL;
    }
    VirtQueueElement *e = g_new(VirtQueueElement, 1);
    e->index = head;
    e->in_num = e->out_num = 0;
    e->in_len = e->out_len = 0;
    const uint8_t *table = desc;
    unsigned table_num = num, i = head, count = 0;
    bool indirect = false;
    for (;;) {
        if (i >= table_num) {
            virtio_error(vdev, "queue %u: next descriptor %u is past the %s's %u entries",
                         vq->index, i, indirect ? "indirect table" : "queue", table_num);
            goto fail;
        }
        if (++count > table_num) {
            virtio_error(vdev, "queue %u: descriptor chain from %u loops or is longer than "
                         "the %s (%u entries)", vq->index, head,
                         indirect ? "indirect table" : "queue", table_num);
            goto fail;
        }
        const uint8_t *d = table + (size_t)VRING_DESC_SIZE * i;
        uint64_t addr = ld64(d);
        uint32_t len = ld32(d + 8);
        uint16_t flags = ld16(d + 12), next = ld16(d + 14);
        if (flags & VRING_DESC_F_INDIRECT) {
            if (!virtio_has_feature(vdev, VIRTIO_RING_F_INDIRECT_DESC)) {
                virtio_error(vdev, "queue %u: indirect descriptor without the feature",
                             vq->index);
                goto fail;
            }
            if (indirect) {
                virtio_error(vdev, "queue %u: indirect descriptor inside an indirect table",
                             vq->index);
                goto fail;
            }
            if (flags & VRING_DESC_F_NEXT) {
                virtio_error(vdev, "queue %u: indirect descriptor also has NEXT set",
                             vq->index);
                goto fail;
            }
            if (!len || len % VRING_DESC_SIZE || len / VRING_DESC_SIZE > VIRTQUEUE_MAX_SG) {
                virtio_error(vdev, "queue %u: indirect table length %u is not a multiple of "
                             "16 between 16 and %u", vq->index, len,
                             VIRTQUEUE_MAX_SG * VRING_DESC_SIZE);
                goto fail;
            }
            table = vq_map(vq, addr, len, false);
            if (!table) {
                virtio_error(vdev, "queue %u: indirect table at 0x%" PRIx64 " (0x%x bytes) is "
                             "not in RAM", vq->index, addr, len);
                goto fail;
            }
            table_num = len / VRING_DESC_SIZE;
            indirect = true;
            i = 0;
            count = 0;
            continue;
        }
        bool write = flags & VRING_DESC_F_WRITE;
        if (!write && e->in_num) {
            virtio_error(vdev, "queue %u: readable descriptor after a writable one",
                         vq->index);
            goto fail;
        }
        if (!map_buffer(vq, e, addr, len, write)) {
            goto fail;
        }
        if (write) {
            e->in_len += len;
        } else {
            e->out_len += len;
        }
        if (!(flags & VRING_DESC_F_NEXT)) {
            break;
        }
        i = next;
    }
    vq->last_avail_idx++;
    vq->inuse++;
    /* Whoever takes requests outside a notification (a chardev, a timer)
     * still gets the driver's next kick. */
    virtqueue_update_avail_event(vq);
    return e;
fail:
    g_free(e);
    return NULL;
}

void virtqueue_unpop(VirtQueue *vq, VirtQueueElement *elem)
{
    vq->last_avail_idx--;
    vq->inuse--;
    g_free(elem);
}

void virtqueue_push(VirtQueue *vq, VirtQueueElement *elem, uint32_t len)
{
    VirtIODevice *vdev = vq->vdev;
    unsigned num = vq->num;
    uint8_t *used = vq_map(vq, vq->used, 6 + 8ULL * num + 2, true);
    if (!used) {
        virtio_error(vdev, "queue %u used ring is no longer in RAM", vq->index);
        g_free(elem);
        return;
    }
    if (len > elem->in_len) {
        len = (uint32_t)elem->in_len;
    }
    uint8_t *entry = used + 4 + 8 * (vq->used_idx % num);
    st32(entry, elem->index);
    st32(entry + 4, len);
    vq->used_idx++;
    uint16_t le = GUINT16_TO_LE(vq->used_idx);
    __atomic_store_n((uint16_t *)(used + 2), le, __ATOMIC_RELEASE);
    vq->inuse--;
    g_free(elem);
}

/* Tell the driver to notify once it makes entry last_avail_idx available. */
void virtqueue_update_avail_event(VirtQueue *vq)
{
    if (!vq->ready || !virtio_has_feature(vq->vdev, VIRTIO_RING_F_EVENT_IDX)) {
        return;
    }
    uint8_t *used = vq_map(vq, vq->used, 6 + 8ULL * vq->num + 2, true);
    if (used) {
        st16(used + 4 + 8 * vq->num, vq->last_avail_idx);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
    }
}

static bool vring_need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
    return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

void virtio_notify(VirtIODevice *vdev, VirtQueue *vq)
{
    if (!vq->ready) {
        return;
    }
    const uint8_t *avail = vq_map(vq, vq->avail, 6 + 2ULL * vq->num + 2, false);
    if (!avail) {
        return;
    }
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    bool need;
    if (virtio_has_feature(vdev, VIRTIO_RING_F_EVENT_IDX)) {
        uint16_t old = vq->signalled_used, now = vq->used_idx;
        bool valid = vq->signalled_used_valid;
        vq->signalled_used = now;
        vq->signalled_used_valid = true;
        need = !valid || vring_need_event(ld16(avail + 4 + 2 * vq->num), now, old);
    } else {
        need = !(ld16(avail) & VRING_AVAIL_F_NO_INTERRUPT);
    }
    if (need) {
        virtio_raise(vdev, VIRTIO_ISR_QUEUE, vq->vector);
    }
}

void virtio_queue_notify(VirtIODevice *vdev, unsigned n)
{
    VirtQueue *vq = virtio_get_queue(vdev, n);
    if (!vq) {
        log_mask(LOG_GUEST_ERROR, "%s: notify of queue %u, which does not exist\n", vdev->name,
                 n);
        return;
    }
    if (!vq->ready || !vq->handle || !virtio_is_ready(vdev)) {
        return;
    }
    /* Drain; with EVENT_IDX, publish avail_event and look again so a buffer
     * made available meanwhile is not left without a notification. */
    for (;;) {
        uint16_t before = vq->last_avail_idx;
        vq->handle(vdev, vq);
        virtqueue_update_avail_event(vq);
        if (vq->last_avail_idx == before || !virtqueue_has_work(vq)) {
            break;
        }
    }
}
