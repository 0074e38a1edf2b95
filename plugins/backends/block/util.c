/* SPDX-License-Identifier: MIT */
/* Block layer helpers: errors, permission names, scatter lists, options. */
#include <errno.h>
#include <string.h>

#include "block-int.h"
#include "kernel/options.h"

G_DEFINE_QUARK(tessera-block-error-quark, block_error)

static const char *const perm_names[] = {
    "consistent read", "write", "write unchanged", "resize",
};

char *block_perm_names(uint32_t perm)
{
    GString *s = g_string_new(NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(perm_names); i++) {
        if (perm & (1u << i)) {
            g_string_append_printf(s, "%s%s", s->len ? ", " : "", perm_names[i]);
        }
    }
    return g_string_free(s, false);
}

/* ---- scatter lists ---------------------------------------------------- */

void block_iov_from_buf(BlockIOV *v, struct iovec *one, void *buf, uint64_t len)
{
    one->iov_base = buf;
    one->iov_len = len;
    v->iov = one;
    v->niov = 1;
    v->size = len;
}

void block_iov_slice(BlockIOV *dst, const BlockIOV *src, uint64_t off, uint64_t len)
{
    dst->iov = g_new(struct iovec, src->niov ? src->niov : 1);
    dst->niov = 0;
    dst->size = len;
    for (int i = 0; i < src->niov && len; i++) {
        uint64_t l = src->iov[i].iov_len;
        if (off >= l) {
            off -= l;
            continue;
        }
        uint64_t take = MIN(l - off, len);
        dst->iov[dst->niov].iov_base = (uint8_t *)src->iov[i].iov_base + off;
        dst->iov[dst->niov].iov_len = take;
        dst->niov++;
        len -= take;
        off = 0;
    }
    g_assert(len == 0);
}

typedef void (*IovFn)(uint8_t *iov_part, uint8_t *buf, uint64_t len, int c);

static void iov_walk(const BlockIOV *v, uint64_t off, uint8_t *buf, uint64_t len, int c,
                     IovFn fn)
{
    for (int i = 0; i < v->niov && len; i++) {
        uint64_t l = v->iov[i].iov_len;
        if (off >= l) {
            off -= l;
            continue;
        }
        uint64_t take = MIN(l - off, len);
        fn((uint8_t *)v->iov[i].iov_base + off, buf, take, c);
        if (buf) {
            buf += take;
        }
        len -= take;
        off = 0;
    }
}

static void copy_out(uint8_t *p, uint8_t *buf, uint64_t len, int c)
{
    memcpy(buf, p, len);
}

static void copy_in(uint8_t *p, uint8_t *buf, uint64_t len, int c)
{
    memcpy(p, buf, len);
}

static void set_bytes(uint8_t *p, uint8_t *buf, uint64_t len, int c)
{
    memset(p, c, len);
}

void block_iov_to_buf(const BlockIOV *v, uint64_t off, void *buf, uint64_t len)
{
    iov_walk(v, off, buf, len, 0, copy_out);
}

void block_iov_from_buf_copy(const BlockIOV *v, uint64_t off, const void *buf, uint64_t len)
{
    iov_walk(v, off, (uint8_t *)buf, len, 0, copy_in);
}

void block_iov_memset(const BlockIOV *v, uint64_t off, int c, uint64_t len)
{
    iov_walk(v, off, NULL, len, c, set_bytes);
}

bool block_buf_is_zero(const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len && ((uintptr_t)p & 7)) {
        if (*p++) {
            return false;
        }
        len--;
    }
    for (; len >= 8; len -= 8, p += 8) {
        if (*(const uint64_t *)p) {
            return false;
        }
    }
    while (len--) {
        if (*p++) {
            return false;
        }
    }
    return true;
}

bool block_iov_is_zero(const BlockIOV *v)
{
    for (int i = 0; i < v->niov; i++) {
        if (!block_buf_is_zero(v->iov[i].iov_base, v->iov[i].iov_len)) {
            return false;
        }
    }
    return true;
}

/* ---- options ---------------------------------------------------------- */

BlockOpts *block_opts_new(void)
{
    return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

bool block_opts_from_json(BlockOpts *opts, JsonObject *obj, const char *prefix, GError **errp)
{
    g_autoptr(GList) members = json_object_get_members(obj);
    for (GList *l = members; l; l = l->next) {
        const char *name = l->data;
        JsonNode *n = json_object_get_member(obj, name);
        g_autofree char *key = prefix ? g_strdup_printf("%s.%s", prefix, name) : g_strdup(name);
        switch (json_node_get_node_type(n)) {
        case JSON_NODE_OBJECT:
            if (!block_opts_from_json(opts, json_node_get_object(n), key, errp)) {
                return false;
            }
            break;
        case JSON_NODE_NULL:
            g_hash_table_replace(opts, g_steal_pointer(&key), g_strdup(""));
            break;
        case JSON_NODE_ARRAY:
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                        "Parameter '%s': lists are not supported", key);
            return false;
        default: {
            GType t = json_node_get_value_type(n);
            char *v;
            if (t == G_TYPE_BOOLEAN) {
                v = g_strdup(json_node_get_boolean(n) ? "on" : "off");
            } else if (t == G_TYPE_INT64) {
                v = g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(n));
            } else if (t == G_TYPE_DOUBLE) {
                double d = json_node_get_double(n);
                if (d < 0 || d > 1.8e19 || d != (double)(uint64_t)d) {
                    g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                                "Parameter '%s' expects an integer", key);
                    return false;
                }
                v = g_strdup_printf("%" G_GUINT64_FORMAT, (uint64_t)d);
            } else {
                v = g_strdup(json_node_get_string(n));
            }
            g_hash_table_replace(opts, g_steal_pointer(&key), v);
        }
        }
    }
    return true;
}

BlockOpts *block_opts_parse(const char *text, GError **errp)
{
    BlockOpts *opts = block_opts_new();
    if (text[0] == '{') {
        g_autoptr(JsonParser) p = json_parser_new();
        GError *err = NULL;
        if (!json_parser_load_from_data(p, text, -1, &err) ||
            !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p))) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID, "invalid JSON: %s",
                        err ? err->message : "not an object");
            g_clear_error(&err);
            g_hash_table_unref(opts);
            return NULL;
        }
        if (!block_opts_from_json(opts, json_node_get_object(json_parser_get_root(p)), NULL,
                                  errp)) {
            g_hash_table_unref(opts);
            return NULL;
        }
        return opts;
    }
    OptDict *d = opt_dict_parse("-blockdev", text, NULL, false, errp);
    if (!d) {
        g_hash_table_unref(opts);
        return NULL;
    }
    for (guint i = 0; i < d->keys->len; i++) {
        const char *k = g_ptr_array_index(d->keys, i);
        g_hash_table_replace(opts, g_strdup(k), g_strdup(opt_dict_get(d, k)));
    }
    if (d->help) {
        g_hash_table_replace(opts, g_strdup("help"), g_strdup("on"));
    }
    opt_dict_free(d);
    return opts;
}

char *block_opts_take(BlockOpts *opts, const char *key)
{
    gpointer k, v;
    if (!g_hash_table_steal_extended(opts, key, &k, &v)) {
        return NULL;
    }
    g_free(k);
    return v;
}

BlockOpts *block_opts_take_prefix(BlockOpts *opts, const char *prefix)
{
    BlockOpts *sub = block_opts_new();
    g_autofree char *dotted = g_strconcat(prefix, ".", NULL);
    size_t n = strlen(dotted);
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, opts);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        if (!strncmp(k, dotted, n)) {
            g_hash_table_insert(sub, g_strdup((char *)k + n), g_strdup(v));
            g_hash_table_iter_remove(&it);
        }
    }
    return sub;
}

bool block_opts_take_bool(BlockOpts *opts, const char *key, bool def, bool *out, GError **errp)
{
    g_autofree char *v = block_opts_take(opts, key);
    if (!v) {
        *out = def;
        return true;
    }
    if (!strcmp(v, "on") || !strcmp(v, "true") || !strcmp(v, "yes")) {
        *out = true;
        return true;
    }
    if (!strcmp(v, "off") || !strcmp(v, "false") || !strcmp(v, "no")) {
        *out = false;
        return true;
    }
    g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                "Parameter '%s' expects 'on' or 'off', got '%s'", key, v);
    return false;
}

bool block_opts_take_uint(BlockOpts *opts, const char *key, uint64_t def, uint64_t *out,
                          GError **errp)
{
    g_autofree char *v = block_opts_take(opts, key);
    if (!v) {
        *out = def;
        return true;
    }
    char *end;
    errno = 0;
    guint64 n = g_ascii_strtoull(v, &end, 0);
    if (!*v || *end || errno || v[0] == '-') {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Parameter '%s' expects a non-negative number, got '%s'", key, v);
        return false;
    }
    *out = n;
    return true;
}

bool block_opts_take_size(BlockOpts *opts, const char *key, uint64_t def, uint64_t *out,
                          GError **errp)
{
    g_autofree char *v = block_opts_take(opts, key);
    if (!v) {
        *out = def;
        return true;
    }
    if (v[0] == '-' || !opt_parse_size(v, 1, out)) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                    "Parameter '%s' expects a size, got '%s'", key, v);
        return false;
    }
    return true;
}

int block_opts_take_enum(BlockOpts *opts, const char *key, const char *const *values, int def,
                         GError **errp)
{
    g_autofree char *v = block_opts_take(opts, key);
    if (!v) {
        return def;
    }
    for (int i = 0; values[i]; i++) {
        if (!strcmp(values[i], v)) {
            return i;
        }
    }
    g_autofree char *list = g_strjoinv(", ", (char **)values);
    g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                "Parameter '%s' does not accept value '%s' (expected one of: %s)", key, v, list);
    return -1;
}

void block_stats_account(GMutex *lock, BlockStats *st, BlockReqType type, uint64_t bytes,
                         int ret, int64_t ns)
{
    if (lock) {
        g_mutex_lock(lock);
    }
    switch (type) {
    case BLOCK_REQ_READ:
        if (ret < 0) {
            st->failed_rd++;
        } else {
            st->rd_ops++;
            st->rd_bytes += bytes;
            st->rd_ns += ns;
        }
        break;
    case BLOCK_REQ_WRITE:
    case BLOCK_REQ_ZEROES:
        if (ret < 0) {
            st->failed_wr++;
        } else {
            st->wr_ops++;
            st->wr_bytes += bytes;
            st->wr_ns += ns;
        }
        break;
    case BLOCK_REQ_FLUSH:
        if (ret < 0) {
            st->failed_flush++;
        } else {
            st->flush_ops++;
            st->flush_ns += ns;
        }
        break;
    case BLOCK_REQ_DISCARD:
        if (ret < 0) {
            st->failed_unmap++;
        } else {
            st->unmap_ops++;
            st->unmap_bytes += bytes;
            st->unmap_ns += ns;
        }
        break;
    case BLOCK_REQ_STATUS:
        break; /* metadata queries are not I/O */
    }
    st->last_ns = g_get_monotonic_time() * 1000;
    if (lock) {
        g_mutex_unlock(lock);
    }
}
