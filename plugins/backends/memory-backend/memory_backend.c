/* SPDX-License-Identifier: MIT */
/*
 * The kinds of host memory backend (kernel/hostmem.h):
 *   memory-backend-ram    anonymous memory (share=on: MAP_SHARED, inherited
 *                         by children, not reachable by other processes)
 *   memory-backend-file   a file (mem-path=FILE, created when missing,
 *                         grown to size; share=on writes reach the file and
 *                         every process that maps it)
 *   memory-backend-memfd  an anonymous memfd (share defaults to on, as in
 *                         QEMU; another process may map /proc/PID/fd/N)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/core.h"
#include "kernel/hostfile.h"
#include "kernel/hostmem.h"
#include "kernel/module.h"

typedef struct FileBackend {
    HostMemoryBackend parent_obj;
    char *mem_path;
} FileBackend;

typedef struct MemfdBackend {
    HostMemoryBackend parent_obj;
    int fd;
} MemfdBackend;

static void *map_fd(HostMemoryBackend *b, int fd, GError **errp)
{
    void *p = mmap(NULL, b->size, PROT_READ | PROT_WRITE,
                   (b->share ? MAP_SHARED : MAP_PRIVATE) | (fd < 0 ? MAP_ANONYMOUS : 0) |
                   MAP_NORESERVE, fd, 0);
    if (p == MAP_FAILED) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "%s: cannot map %" G_GUINT64_FORMAT
                    " bytes: %s", object_get_typename(OBJECT(b)), b->size, g_strerror(errno));
        return NULL;
    }
    return p;
}

/* ---- memory-backend-ram ----------------------------------------------------- */

static void *ram_map(HostMemoryBackend *b, GError **errp)
{
    return map_fd(b, -1, errp);
}

static void ram_class_init(ObjectClass *klass, const void *data)
{
    MEMORY_BACKEND_CLASS(klass)->map = ram_map;
}

static const TypeInfo ram_info = {
    .name = "memory-backend-ram",
    .parent = TYPE_MEMORY_BACKEND,
    .category = "object",
    .description = "guest RAM from anonymous host memory",
    .user_creatable = true,
    .instance_size = sizeof(HostMemoryBackend),
    .class_size = sizeof(HostMemoryBackendClass),
    .class_init = ram_class_init,
};

/* ---- memory-backend-file ---------------------------------------------------- */

static const PropertyInfo file_props[] = {
    PROP_STRING("mem-path", FileBackend, mem_path, NULL, "the file holding the memory"),
    PROP_END
};

static void *file_map(HostMemoryBackend *b, GError **errp)
{
    FileBackend *f = (FileBackend *)b;
    if (!f->mem_path || !*f->mem_path) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "memory-backend-file: mem-path property not set");
        return NULL;
    }
    int fd = host_file_open(f->mem_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0600);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "memory-backend-file: can't open backing store %s: %s", f->mem_path,
                    g_strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "memory-backend-file: %s is not a regular file", f->mem_path);
        close(fd);
        return NULL;
    }
    if ((uint64_t)st.st_size < b->size && ftruncate(fd, (off_t)b->size) < 0) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "memory-backend-file: can't grow %s to %" G_GUINT64_FORMAT " bytes: %s",
                    f->mem_path, b->size, g_strerror(errno));
        close(fd);
        return NULL;
    }
    void *p = map_fd(b, fd, errp);
    close(fd); /* the mapping keeps the file */
    return p;
}

static void file_finalize(Object *obj)
{
    g_free(((FileBackend *)obj)->mem_path);
}

static void file_class_init(ObjectClass *klass, const void *data)
{
    MEMORY_BACKEND_CLASS(klass)->map = file_map;
    object_class_add_field_properties(klass, file_props);
}

static const TypeInfo file_info = {
    .name = "memory-backend-file",
    .parent = TYPE_MEMORY_BACKEND,
    .category = "object",
    .description = "guest RAM from a host file (mem-path)",
    .user_creatable = true,
    .instance_size = sizeof(FileBackend),
    .class_size = sizeof(HostMemoryBackendClass),
    .class_init = file_class_init,
    .instance_finalize = file_finalize,
};

/* ---- memory-backend-memfd --------------------------------------------------- */

static void *memfd_map(HostMemoryBackend *b, GError **errp)
{
    MemfdBackend *m = (MemfdBackend *)b;
    m->fd = memfd_create(object_get_typename(OBJECT(b)), MFD_CLOEXEC);
    if (m->fd < 0 || ftruncate(m->fd, (off_t)b->size) < 0) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "memory-backend-memfd: cannot create %" G_GUINT64_FORMAT " bytes: %s",
                    b->size, g_strerror(errno));
        return NULL;
    }
    return map_fd(b, m->fd, errp);
}

static void memfd_init(Object *obj)
{
    ((MemfdBackend *)obj)->fd = -1;
    MEMORY_BACKEND(obj)->share = true; /* QEMU's default for memfd */
}

static void memfd_finalize(Object *obj)
{
    MemfdBackend *m = (MemfdBackend *)obj;
    if (m->fd >= 0) {
        close(m->fd);
    }
}

static void memfd_class_init(ObjectClass *klass, const void *data)
{
    MEMORY_BACKEND_CLASS(klass)->map = memfd_map;
}

static const TypeInfo memfd_info = {
    .name = "memory-backend-memfd",
    .parent = TYPE_MEMORY_BACKEND,
    .category = "object",
    .description = "guest RAM from an anonymous memfd (shared by default)",
    .user_creatable = true,
    .instance_size = sizeof(MemfdBackend),
    .class_size = sizeof(HostMemoryBackendClass),
    .instance_init = memfd_init,
    .instance_finalize = memfd_finalize,
    .class_init = memfd_class_init,
};

TESSERA_MODULE(.name = "memory-backend", .kind = "backend",
               .types = TESSERA_TYPES(&ram_info, &file_info, &memfd_info));
