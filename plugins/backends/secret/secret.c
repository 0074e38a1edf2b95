/* SPDX-License-Identifier: MIT */
/*
 * -object secret,id=ID,data=TEXT|file=PATH[,format=raw|base64]
 *                [,keyid=SECRETID,iv=BASE64]
 *
 * The value comes from data= or from the file, in the given input format
 * (raw bytes or base64).  With keyid= the value is AES-256-CBC ciphertext
 * (base64) encrypted with the 32-byte secret keyid under the 16-byte iv,
 * PKCS#7 padded: what libvirt sends, keyed by its master key.  Everything
 * is checked when the object is created; secret_lookup() hands out the
 * plain bytes.
 */
#include <nettle/aes.h>
#include <nettle/cbc.h>
#include <string.h>

#include "kernel/core.h"
#include "kernel/module.h"
#include "secret/secret.h"

#define TYPE_SECRET "secret"

typedef struct Secret {
    Object parent_obj;
    char *data, *file, *format, *keyid, *iv;
    uint8_t *value;          /* the plain bytes, once complete */
    size_t len;
} Secret;

OBJECT_DECLARE_SIMPLE_TYPE(Secret, SECRET, TYPE_SECRET)

static const PropertyInfo secret_props[] = {
    PROP_STRING("data", Secret, data, NULL, "the secret itself"),
    PROP_STRING("file", Secret, file, NULL, "a file holding the secret"),
    PROP_STRING("format", Secret, format, "raw", "raw or base64: how data/file is encoded"),
    PROP_STRING("keyid", Secret, keyid, NULL, "id of the secret (AES-256 key) decrypting this"),
    PROP_STRING("iv", Secret, iv, NULL, "base64 AES initialisation vector (with keyid)"),
    PROP_END
};

static bool base64_decode(const char *what, const char *text, size_t textlen, uint8_t **out,
                          size_t *len, GError **errp)
{
    for (size_t i = 0; i < textlen; i++) {
        char c = text[i];
        if (!g_ascii_isalnum(c) && c != '+' && c != '/' && c != '=' && c != '\n') {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "%s: invalid base64 data", what);
            return false;
        }
    }
    g_autofree char *z = g_strndup(text, textlen);
    gsize n;
    *out = g_base64_decode(z, &n);
    *len = n;
    return true;
}

static bool secret_decrypt(Secret *s, uint8_t **buf, size_t *len, GError **errp)
{
    uint8_t *key;
    size_t keylen;
    if (!secret_lookup(s->keyid, &key, &keylen, errp)) {
        return false;
    }
    g_autofree uint8_t *ivb = NULL;
    g_autofree uint8_t *ct = NULL;
    size_t ivlen = 0, ctlen;
    bool ok = false;
    if (keylen != AES256_KEY_SIZE) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "keyid %s: an AES-256 key has 32 bytes, not %zu", s->keyid, keylen);
        goto out;
    }
    if (!s->iv) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "keyid needs an iv");
        goto out;
    }
    if (!base64_decode("iv", s->iv, strlen(s->iv), &ivb, &ivlen, errp)) {
        goto out;
    }
    if (ivlen != AES_BLOCK_SIZE) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "iv: an AES initialisation vector has 16 bytes, not %zu", ivlen);
        goto out;
    }
    /* Ciphertext is always base64 (format= describes the plain text). */
    if (!base64_decode("secret", (const char *)*buf, *len, &ct, &ctlen, errp)) {
        goto out;
    }
    if (ctlen == 0 || ctlen % AES_BLOCK_SIZE) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "ciphertext of %zu bytes is not whole AES blocks", ctlen);
        goto out;
    }
    struct aes256_ctx ctx;
    aes256_set_decrypt_key(&ctx, key);
    uint8_t *plain = g_malloc(ctlen);
    cbc_decrypt(&ctx, (nettle_cipher_func *)aes256_decrypt, AES_BLOCK_SIZE, ivb, ctlen, plain,
                ct);
    uint8_t pad = plain[ctlen - 1];
    bool pad_ok = pad >= 1 && pad <= AES_BLOCK_SIZE;
    for (size_t i = 0; pad_ok && i < pad; i++) {
        pad_ok = plain[ctlen - 1 - i] == pad;
    }
    if (!pad_ok) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "decryption with keyid %s failed (bad padding: wrong key or iv?)", s->keyid);
        memset(plain, 0, ctlen);
        g_free(plain);
        goto out;
    }
    memset(*buf, 0, *len);
    g_free(*buf);
    *buf = plain;
    *len = ctlen - pad;
    ok = true;
out:
    memset(key, 0, keylen);
    g_free(key);
    return ok;
}

static bool secret_complete(Object *obj, GError **errp)
{
    Secret *s = SECRET(obj);
    uint8_t *buf;
    size_t len;
    if (!!s->data == !!s->file) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    s->data ? "'data' and 'file' are mutually exclusive"
                            : "either 'data' or 'file' must be given");
        return false;
    }
    if (strcmp(s->format, "raw") && strcmp(s->format, "base64")) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "format=%s: expected raw or base64", s->format);
        return false;
    }
    if (s->iv && !s->keyid) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "iv is only for encrypted secrets "
                    "(keyid=)");
        return false;
    }
    if (s->file) {
        GError *err = NULL;
        gsize n;
        if (!g_file_get_contents(s->file, (char **)&buf, &n, &err)) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "Unable to read %s: %s", s->file,
                        err->message);
            g_error_free(err);
            return false;
        }
        len = n;
    } else {
        len = strlen(s->data);
        buf = (uint8_t *)g_strndup(s->data, len);
    }
    if (s->keyid && !secret_decrypt(s, &buf, &len, errp)) {
        g_free(buf);
        return false;
    }
    if (!strcmp(s->format, "base64")) {
        uint8_t *dec;
        size_t dlen;
        bool ok = base64_decode("secret", (const char *)buf, len, &dec, &dlen, errp);
        memset(buf, 0, len);
        g_free(buf);
        if (!ok) {
            return false;
        }
        buf = dec;
        len = dlen;
    }
    s->value = buf;
    s->len = len;
    return true;
}

bool secret_lookup(const char *id, uint8_t **data, size_t *len, GError **errp)
{
    g_autofree char *path = g_strdup_printf("/objects/%s", id);
    Object *obj = object_resolve_path(path, NULL);
    Secret *s = obj ? (Secret *)object_dynamic_cast(obj, TYPE_SECRET) : NULL;
    if (!s || !s->value) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_NOT_FOUND, "No secret with id '%s'", id);
        return false;
    }
    *data = g_memdup2(s->value, s->len);
    *len = s->len;
    return true;
}

static void secret_finalize(Object *obj)
{
    Secret *s = SECRET(obj);
    if (s->value) {
        memset(s->value, 0, s->len);
    }
    g_free(s->value);   /* the string properties are released by the object model */
}

static void secret_class_init(ObjectClass *klass, const void *data)
{
    klass->complete = secret_complete;
    object_class_add_field_properties(klass, secret_props);
}

static const TypeInfo secret_info = {
    .name = TYPE_SECRET,
    .parent = TYPE_OBJECT,
    .category = "object",
    .description = "a password or key for other objects (data=/file=, raw/base64, "
                   "keyid=/iv= AES-256-CBC)",
    .user_creatable = true,
    .instance_size = sizeof(Secret),
    .class_size = sizeof(ObjectClass),
    .class_init = secret_class_init,
    .instance_finalize = secret_finalize,
};

TESSERA_MODULE(.name = "secret", .kind = "backend", .types = TESSERA_TYPES(&secret_info));
