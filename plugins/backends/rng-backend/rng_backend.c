/* SPDX-License-Identifier: MIT */
/* The abstract entropy backend type (rng/rng.h): a library module. */
#include "kernel/module.h"
#include "rng/rng.h"

static const TypeInfo rng_backend_info = {
    .name = TYPE_RNG_BACKEND,
    .parent = TYPE_OBJECT,
    .abstract = true,
    .instance_size = sizeof(RngBackend),
    .class_size = sizeof(RngBackendClass),
};

static void rng_backend_register(void)
{
    type_register_static(&rng_backend_info);
}

static const TesseraTypeDesc rng_backend_types[] = {
    { .name = TYPE_RNG_BACKEND, .parent = "object", .category = "object",
      .description = "entropy source", .abstract = true },
    { .name = NULL },
};

TESSERA_MODULE(.name = "rng-backend", .kind = "library", .types = rng_backend_types,
               .register_types = rng_backend_register);
