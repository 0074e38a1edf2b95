/* SPDX-License-Identifier: MIT */
/* The abstract host memory backend (kernel/hostmem.h). */
#include <sys/mman.h>

#include "kernel/core.h"
#include "kernel/hostmem.h"
#include "kernel/memory.h"

static const PropertyInfo hostmem_props[] = {
    PROP_SIZE("size", HostMemoryBackend, size, 0, "size of the memory (required)"),
    PROP_BOOL("share", HostMemoryBackend, share, false,
              "on: map the memory shared, so other processes mapping the same file see it"),
    PROP_END
};

void *host_memory_backend_map(HostMemoryBackend *b, GError **errp)
{
    if (b->ptr) {
        return b->ptr;
    }
    const char *type = object_get_typename(OBJECT(b));
    if (!b->size) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "%s: can't create backend with size 0",
                    type);
        return NULL;
    }
    if (b->size > SIZE_MAX) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "%s: size %" G_GUINT64_FORMAT
                    " exceeds the host address space", type, b->size);
        return NULL;
    }
    b->ptr = MEMORY_BACKEND_GET_CLASS(b)->map(b, errp);
    if (b->ptr) {
        b->mapped = b->size;
        memory_ram_advise_dump(b->ptr, b->size);
    }
    return b->ptr;
}

static void hostmem_finalize(Object *obj)
{
    HostMemoryBackend *b = MEMORY_BACKEND(obj);
    if (b->ptr) {
        munmap(b->ptr, b->mapped);
    }
}

static void hostmem_class_init(ObjectClass *klass, const void *data)
{
    object_class_add_field_properties(klass, hostmem_props);
}

static const TypeInfo hostmem_info = {
    .name = TYPE_MEMORY_BACKEND,
    .parent = TYPE_OBJECT,
    .abstract = true,
    .instance_size = sizeof(HostMemoryBackend),
    .class_size = sizeof(HostMemoryBackendClass),
    .class_init = hostmem_class_init,
    .instance_finalize = hostmem_finalize,
};

void hostmem_types_init(void)
{
    type_register_static(&hostmem_info);
}
