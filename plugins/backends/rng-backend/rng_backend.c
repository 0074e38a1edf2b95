/* SPDX-License-Identifier: MIT */
/* The abstract entropy backend type (rng/rng.h): a library module. */
#include "kernel/module.h"
#include "rng/rng.h"

static const TypeInfo rng_backend_info = {
    .name = TYPE_RNG_BACKEND,
    .parent = TYPE_OBJECT,
    .category = "object",
    .description = "entropy source",
    .abstract = true,
    .instance_size = sizeof(RngBackend),
    .class_size = sizeof(RngBackendClass),
};

TESSERA_MODULE(.name = "rng-backend", .kind = "library", .types = TESSERA_TYPES(&rng_backend_info));
