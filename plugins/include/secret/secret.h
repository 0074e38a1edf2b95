/* SPDX-License-Identifier: MIT */
/*
 * The "secret" object's contract for its users (modules that require
 * 'secret'): the plain bytes of /objects/ID.
 */
#ifndef TESSERA_SECRET_SECRET_H
#define TESSERA_SECRET_SECRET_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* A copy of the secret's bytes (free with g_free); false with @errp set
 * when there is no secret object of that id. */
bool secret_lookup(const char *id, uint8_t **data, size_t *len, GError **errp);

#endif
