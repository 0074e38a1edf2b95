/* SPDX-License-Identifier: MIT */
/*
 * Host memory backends: objects that provide guest RAM
 * (-object memory-backend-ram|file|memfd,id=ID,size=S[,share=on] and
 * -machine memory-backend=ID).  The abstract base lives in the core so
 * that the machine can take its RAM from one; the kinds are modules
 * (plugins/backends/memory-backend).
 */
#ifndef TESSERA_KERNEL_HOSTMEM_H
#define TESSERA_KERNEL_HOSTMEM_H

#include "objmodel/object.h"

#define TYPE_MEMORY_BACKEND "memory-backend"

typedef struct HostMemoryBackend {
    Object parent_obj;
    uint64_t size;             /* "size" */
    bool share;                /* "share": MAP_SHARED, visible to other mappers */
    /* Set by host_memory_backend_map(). */
    void *ptr;
    uint64_t mapped;           /* bytes at ptr */
    bool in_use;               /* a machine's RAM */
} HostMemoryBackend;

typedef struct HostMemoryBackendClass {
    ObjectClass parent_class;
    /* Map b->size bytes (shared when b->share); NULL with @errp set. */
    void *(*map)(HostMemoryBackend *b, GError **errp);
} HostMemoryBackendClass;

OBJECT_DECLARE_TYPE(HostMemoryBackend, HostMemoryBackendClass, MEMORY_BACKEND,
                    TYPE_MEMORY_BACKEND)

/* The backend's memory, mapped on first use; NULL with @errp set. */
void *host_memory_backend_map(HostMemoryBackend *b, GError **errp);

void hostmem_types_init(void);

#endif
