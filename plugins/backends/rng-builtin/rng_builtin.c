/* SPDX-License-Identifier: MIT */
/*
 * rng-builtin: entropy from the host kernel's getrandom(2), never blocking
 * (GRND_NONBLOCK).  The default source of virtio-rng when rng= is not given.
 */
#include <errno.h>
#include <sys/random.h>

#include "kernel/log.h"
#include "kernel/module.h"
#include "rng/rng.h"

#define TYPE_RNG_BUILTIN "rng-builtin"

static ssize_t rng_builtin_read(RngBackend *rng, void *buf, size_t len)
{
    ssize_t n = getrandom(buf, len, GRND_NONBLOCK);
    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) {
            return 0;
        }
        error_report("rng-builtin: getrandom: %s", g_strerror(errno));
        return -1;
    }
    return n;
}

static void rng_builtin_class_init(ObjectClass *klass, const void *data)
{
    RNG_BACKEND_CLASS(klass)->read = rng_builtin_read;
}

static const TypeInfo rng_builtin_info = {
    .name = TYPE_RNG_BUILTIN,
    .parent = TYPE_RNG_BACKEND,
    .category = "object",
    .description = "entropy from the host kernel (getrandom)",
    .user_creatable = true,
    .instance_size = sizeof(RngBackend),
    .class_size = sizeof(RngBackendClass),
    .class_init = rng_builtin_class_init,
};

TESSERA_MODULE(.name = "rng-builtin", .kind = "backend", .types = TESSERA_TYPES(&rng_builtin_info));
