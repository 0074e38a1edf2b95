/* SPDX-License-Identifier: MIT */
/* Helpers for the block layer tests: a graph, temporary images, qemu-img. */
#ifndef TESSERA_TESTS_BLOCKTEST_H
#define TESSERA_TESTS_BLOCKTEST_H

#include <check.h>
#include <stdint.h>

#include "block/block.h"

/* Core and block module loaded; a fresh graph. */
BlockGraph *bt_graph(void);
/* A new temporary directory (removed at exit); path of NAME in it. */
char *bt_path(const char *name);
/* Run a shell command; its exit status.  Output into *out if out. */
int bt_sh(char **out, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Fails the test naming the tool when it is missing. */
void bt_need(const char *tool);
/* A backend over "-drive TEXT" (if=none, id=d0 added). */
BlockBackend *bt_drive(BlockGraph *g, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* The error of "-drive TEXT", or NULL when it opened. */
char *bt_drive_error(BlockGraph *g, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Writable backend permissions, as a disk device takes them. */
void bt_take_write(BlockBackend *blk);
void bt_fill(uint8_t *buf, size_t len, uint32_t seed);
/* Write/read through the backend, failing the test on errors. */
void bt_write(BlockBackend *blk, uint64_t off, const void *buf, uint64_t len);
void bt_read(BlockBackend *blk, uint64_t off, void *buf, uint64_t len);
/* qemu-img check exit status (0 clean, 3 leaks only, 2 corruption). */
int bt_qemu_img_check(const char *img);
/* The whole guest view of @img as raw bytes (qemu-img convert). */
uint8_t *bt_qemu_img_read(const char *img, uint64_t *len);

#endif
