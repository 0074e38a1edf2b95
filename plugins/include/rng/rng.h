/* SPDX-License-Identifier: MIT */
/*
 * Entropy backends (library module "rng-backend"): the abstract object type
 * "rng-backend" that devices such as virtio-rng link to (rng=ID), and whose
 * subtypes (rng-random, rng-builtin) are -object types.
 */
#ifndef TESSERA_RNG_RNG_H
#define TESSERA_RNG_RNG_H

#include <sys/types.h>

#include "objmodel/object.h"

#define TYPE_RNG_BACKEND "rng-backend"

typedef struct RngBackend {
    Object parent_obj;
} RngBackend;

typedef struct RngBackendClass {
    ObjectClass parent_class;
    /* Fill up to @len bytes without blocking: the count, 0 when nothing is
     * available now (try again later), -1 on a host error (logged). */
    ssize_t (*read)(RngBackend *rng, void *buf, size_t len);
} RngBackendClass;

OBJECT_DECLARE_TYPE(RngBackend, RngBackendClass, RNG_BACKEND, TYPE_RNG_BACKEND)

static inline ssize_t rng_backend_read(RngBackend *rng, void *buf, size_t len)
{
    return RNG_BACKEND_GET_CLASS(rng)->read(rng, buf, len);
}

#endif
