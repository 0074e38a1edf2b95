/* SPDX-License-Identifier: MIT */
/*
 * rng-random: entropy read from a host file or device ("filename",
 * default /dev/urandom), opened non-blocking when the property is set (so
 * a bad name fails at -object time) or, for the default, at first use.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "kernel/hostfile.h"
#include "kernel/log.h"
#include "kernel/module.h"
#include "rng/rng.h"

#define TYPE_RNG_RANDOM "rng-random"
#define RNG_RANDOM_DEFAULT "/dev/urandom"

typedef struct RngRandom {
    RngBackend parent_obj;
    char *filename;
    int fd;
} RngRandom;

OBJECT_DECLARE_SIMPLE_TYPE(RngRandom, RNG_RANDOM, TYPE_RNG_RANDOM)

static bool open_file(RngRandom *s, const char *name, GError **errp)
{
    int fd = host_file_open(name, O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0);
    if (fd < 0) {
        g_set_error(errp, G_FILE_ERROR, g_file_error_from_errno(errno),
                    "rng-random: cannot open '%s': %s", name, g_strerror(errno));
        return false;
    }
    if (s->fd >= 0) {
        close(s->fd);
    }
    s->fd = fd;
    g_free(s->filename);
    s->filename = g_strdup(name);
    return true;
}

static ssize_t rng_random_read(RngBackend *rng, void *buf, size_t len)
{
    RngRandom *s = RNG_RANDOM(rng);
    if (s->fd < 0 && !open_file(s, s->filename, NULL)) {
        error_report("rng-random: cannot open '%s'", s->filename);
        return -1;
    }
    ssize_t n = read(s->fd, buf, len);
    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) {
            return 0;
        }
        error_report("rng-random: reading '%s': %s", s->filename, g_strerror(errno));
        return -1;
    }
    if (n == 0) {
        /* A regular file ran out: start again from its beginning. */
        lseek(s->fd, 0, SEEK_SET);
    }
    return n;
}

static GVariant *filename_get(Object *obj, Property *prop)
{
    return g_variant_new_string(RNG_RANDOM(obj)->filename);
}

static bool filename_set(Object *obj, Property *prop, GVariant *value, GError **errp)
{
    return open_file(RNG_RANDOM(obj), g_variant_get_string(value, NULL), errp);
}

static void rng_random_init(Object *obj)
{
    RngRandom *s = RNG_RANDOM(obj);
    s->fd = -1;
    s->filename = g_strdup(RNG_RANDOM_DEFAULT);
}

static void rng_random_finalize(Object *obj)
{
    RngRandom *s = RNG_RANDOM(obj);
    if (s->fd >= 0) {
        close(s->fd);
    }
    g_free(s->filename);
}

static void rng_random_class_init(ObjectClass *klass, const void *data)
{
    RNG_BACKEND_CLASS(klass)->read = rng_random_read;
    Property *p = object_class_property_add(klass, "filename", PROP_KIND_STRING, filename_get,
                                            filename_set, NULL);
    property_set_description(p, "host file or device to read entropy from");
    property_set_default(p, g_variant_new_string(RNG_RANDOM_DEFAULT));
}

static const TypeInfo rng_random_info = {
    .name = TYPE_RNG_RANDOM,
    .parent = TYPE_RNG_BACKEND,
    .category = "object",
    .description = "entropy from a host file (default /dev/urandom)",
    .user_creatable = true,
    .instance_size = sizeof(RngRandom),
    .class_size = sizeof(RngBackendClass),
    .instance_init = rng_random_init,
    .instance_finalize = rng_random_finalize,
    .class_init = rng_random_class_init,
};

TESSERA_MODULE(.name = "rng-random", .kind = "backend", .types = TESSERA_TYPES(&rng_random_info));
