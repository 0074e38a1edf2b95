/* SPDX-License-Identifier: MIT */
/*
 * The block layer's contract (library module "block").
 *
 * A BlockGraph holds named BlockNodes.  A node is one driver instance
 * (format "qcow2" or "raw" over protocol "file", "host_device", "null-co")
 * with children by role ("file", "backing").  Every edge into a node, from
 * a parent node or from a BlockBackend (what a device attaches to), carries
 * the permissions it takes (perm) and those it lets others hold (shared);
 * attaching an edge whose permissions clash with another's is refused, so
 * two writers cannot share a node by accident.
 *
 * I/O: drivers are synchronous and run on the graph's worker threads, never
 * on a vCPU thread or in the main loop.  Backends submit requests
 * asynchronously (blk_aio_*); completions are delivered in the main loop
 * (with the device lock held, like every main-loop callback), where the
 * backend's error policy (werror/rerror) is applied.
 *
 * Options are flat dictionaries (GHashTable of "key" or "child.key" ->
 * string), as QEMU's dotted-key syntax writes them; JSON options are
 * flattened into that form.  JSON null is the empty string.
 *
 * Drivers are modules providing a type "block-driver-NAME" (parent
 * TYPE_BLOCK_DRIVER) whose class points at their BlockDriver table; the
 * graph finds them by type name, which loads their module.
 */
#ifndef TESSERA_BLOCK_BLOCK_H
#define TESSERA_BLOCK_BLOCK_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "objmodel/object.h"

#define BLOCK_ERROR (block_error_quark())
GQuark block_error_quark(void);
typedef enum {
    BLOCK_ERROR_INVALID,   /* bad option or value */
    BLOCK_ERROR_NOT_FOUND, /* unknown node, driver, file */
    BLOCK_ERROR_PERM,      /* permission conflict, read-only */
    BLOCK_ERROR_IN_USE,    /* node still has users */
    BLOCK_ERROR_IMAGE,     /* corrupt or unsupported image */
    BLOCK_ERROR_IO,        /* host I/O error */
} BlockErrorCode;

typedef struct BlockGraph BlockGraph;
typedef struct BlockNode BlockNode;
typedef struct BlockBackend BlockBackend;
typedef struct BlockDriver BlockDriver;

/* ---- permissions ----------------------------------------------------- */

enum {
    BLK_PERM_CONSISTENT_READ = 1 << 0,
    BLK_PERM_WRITE = 1 << 1,
    BLK_PERM_WRITE_UNCHANGED = 1 << 2,
    BLK_PERM_RESIZE = 1 << 3,
    BLK_PERM_ALL = (1 << 4) - 1,
};

/* "consistent-read, write" for messages (free with g_free). */
char *block_perm_names(uint32_t perm);

/* ---- scatter lists --------------------------------------------------- */

typedef struct BlockIOV {
    struct iovec *iov;
    int niov;
    uint64_t size;
} BlockIOV;

/* A one-element list over @buf (no allocation: @one holds the element). */
void block_iov_from_buf(BlockIOV *v, struct iovec *one, void *buf, uint64_t len);
/* @dst: the part [off, off+len) of @src; free dst->iov with g_free. */
void block_iov_slice(BlockIOV *dst, const BlockIOV *src, uint64_t off, uint64_t len);
void block_iov_to_buf(const BlockIOV *v, uint64_t off, void *buf, uint64_t len);
void block_iov_from_buf_copy(const BlockIOV *v, uint64_t off, const void *buf, uint64_t len);
void block_iov_memset(const BlockIOV *v, uint64_t off, int c, uint64_t len);
bool block_iov_is_zero(const BlockIOV *v);
bool block_buf_is_zero(const void *buf, size_t len);

/* ---- options --------------------------------------------------------- */

typedef GHashTable BlockOpts; /* char * -> char *, owned */

BlockOpts *block_opts_new(void);
/* Flatten a JSON object ({"file": {"driver": "file"}} -> "file.driver"). */
bool block_opts_from_json(BlockOpts *opts, JsonObject *obj, const char *prefix,
                          GError **errp);
/* Parse "-blockdev" text: JSON ("{...}") or dotted keys. */
BlockOpts *block_opts_parse(const char *text, GError **errp);
/* Remove @key and return its value (owned), NULL if absent. */
char *block_opts_take(BlockOpts *opts, const char *key);
/* Remove every "prefix.*" key into a new dictionary without the prefix. */
BlockOpts *block_opts_take_prefix(BlockOpts *opts, const char *prefix);
bool block_opts_take_bool(BlockOpts *opts, const char *key, bool def, bool *out,
                          GError **errp);
bool block_opts_take_uint(BlockOpts *opts, const char *key, uint64_t def, uint64_t *out,
                          GError **errp);
/* Size with suffixes ("64M"). */
bool block_opts_take_size(BlockOpts *opts, const char *key, uint64_t def, uint64_t *out,
                          GError **errp);
/* One of @values (NULL-terminated); returns the index or -1 with @errp set. */
int block_opts_take_enum(BlockOpts *opts, const char *key, const char *const *values, int def,
                         GError **errp);

/* Refuse whatever is left in @opts, naming the first key. */
bool block_opts_check_empty(BlockOpts *opts, const char *driver, GError **errp);

/* ---- drivers --------------------------------------------------------- */

enum {
    BLOCK_WRITE_FUA = 1 << 0,
    /* A job's own write (block_node_pwritev only): write notifiers are not
     * called; the graph strips the flag before the driver sees it. */
    BLOCK_WRITE_NO_NOTIFY = 1 << 1,
};

struct BlockDriver {
    const char *name;
    /* Formats sit on a "file" child; protocols open the host object. */
    bool is_format;
    /* Probe score for the first bytes of an image (formats; 0: no). */
    int (*probe)(const uint8_t *buf, size_t len);
    /* Open: take the options the driver knows from @opts (what is left is
     * refused by name).  A format opens bs->file itself is done by the
     * graph before this; the driver may set bs->backing_file/_format. */
    bool (*open)(BlockNode *bs, BlockOpts *opts, GError **errp);
    void (*close)(BlockNode *bs);
    /* I/O, on a worker thread: 0 or -errno. */
    int (*preadv)(BlockNode *bs, uint64_t off, uint64_t bytes, const BlockIOV *iov);
    int (*pwritev)(BlockNode *bs, uint64_t off, uint64_t bytes, const BlockIOV *iov, int flags);
    int (*flush)(BlockNode *bs);
    int (*pdiscard)(BlockNode *bs, uint64_t off, uint64_t bytes);
    /* NULL: the graph writes a zeroed buffer. */
    int (*pwrite_zeroes)(BlockNode *bs, uint64_t off, uint64_t bytes, bool may_unmap);
    int64_t (*getlength)(BlockNode *bs);
    /* Host bytes used, or -1. */
    int64_t (*allocated_size)(BlockNode *bs);
    bool (*truncate)(BlockNode *bs, uint64_t size, GError **errp);
    /* query-block's "image" members beyond the common ones. */
    void (*query_image)(BlockNode *bs, JsonObject *image);
    /* Allocation in this node itself of [off, off+bytes): 1 allocated here
     * (data or zeros), 0 not (reads fall through to the backing node, or
     * zeros); *pnum gets how many bytes from @off share the answer (> 0).
     * <0: -errno.  NULL: everything is allocated (protocols, raw). */
    int (*block_status)(BlockNode *bs, uint64_t off, uint64_t bytes, uint64_t *pnum);
    /* Rewrite the backing file name the image header records (NULL: none)
     * after a job changed the chain (stream, commit).  NULL: the driver
     * records no backing file (then only a NULL name is accepted). */
    int (*change_backing_file)(BlockNode *bs, const char *file, const char *fmt);
    /* blockdev-create: @opts without "driver"; "file" names a node for
     * formats, "filename" the host file for protocols. */
    bool (*create)(BlockGraph *g, BlockOpts *opts, GError **errp);
    /* What [off, off+bytes) holds, as seen by a reader of this node (the
     * whole chain below it): BLOCK_DATA_* flags (0: data) or -errno; *pnum
     * (1..bytes) says how far the answer holds.  NULL: everything is data. */
    int (*data_status)(BlockNode *bs, uint64_t off, uint64_t bytes, uint64_t *pnum);
    /* Persistent dirty bitmaps (NULL: the format cannot store them).  May
     * @bs store a bitmap called @name of @granularity bytes? */
    bool (*can_store_bitmap)(BlockNode *bs, const char *name, uint32_t granularity,
                             GError **errp);
    /* Forget the stored copy of a persistent bitmap now (remove). */
    bool (*remove_persistent_bitmap)(BlockNode *bs, const char *name, GError **errp);
    /* Switch the host object to read-only or read-write access in place
     * (block-commit into a backing file opened read-only); NULL: cannot. */
    bool (*reopen)(BlockNode *bs, bool read_only, GError **errp);
    /* The process ends: write what must be on disk (persistent bitmaps, the
     * clean state), leaving the node usable.  Main loop, nothing in flight. */
    void (*inactivate)(BlockNode *bs);
    /* Copy offload (block_node_copy_range), on a worker thread; NULL or
     * -ENOTSUP: not here, the caller reads and writes.  _from: @bs is the
     * source, it maps [off, off+bytes) onto its child and passes the copy
     * on (to the child's _from, down to a protocol, which calls
     * block_node_copy_range_to on @dst).  _to: @bs is the destination and
     * @src a protocol node holding the data at @soff. */
    int (*copy_range_from)(BlockNode *bs, uint64_t off, uint64_t bytes, BlockNode *dst,
                           uint64_t doff);
    int (*copy_range_to)(BlockNode *bs, uint64_t off, uint64_t bytes, BlockNode *src,
                         uint64_t soff);
};

#define TYPE_BLOCK_DRIVER "block-driver"
#define TYPE_BLOCK_DRIVER_PREFIX "block-driver-"

typedef struct BlockDriverClass {
    ObjectClass parent_class;
    const BlockDriver *drv;
} BlockDriverClass;

/* The driver called @name, loading its module; NULL with an error. */
const BlockDriver *block_driver_find(const char *name, GError **errp);
/* class_init helper for driver modules: class_data is the BlockDriver. */
void block_driver_class_init(ObjectClass *klass, const void *data);

/* ---- nodes ----------------------------------------------------------- */

typedef enum {
    BLOCK_DETECT_ZEROES_OFF,
    BLOCK_DETECT_ZEROES_ON,
    BLOCK_DETECT_ZEROES_UNMAP,
} BlockDetectZeroes;

/*
 * Write notifiers (jobs, dirty bitmaps): called on the worker thread for
 * every write, zeroing or discard that reaches the node through
 * block_node_pwritev/_pwrite_zeroes/_pdiscard (not for BLOCK_WRITE_NO_NOTIFY
 * writes).  before_write runs before the driver (a negative return fails
 * the request with it: copy-before-write that could not save the old data);
 * after_write runs after it with its result.  Either may be NULL.  The
 * callbacks may block (they run on a worker thread) but must not wait for
 * the main loop.  Add and remove in the main loop; removal waits for
 * callbacks in progress.
 */
typedef struct BlockWriteNotifier BlockWriteNotifier;
struct BlockWriteNotifier {
    int (*before_write)(BlockWriteNotifier *n, BlockNode *bs, uint64_t off, uint64_t bytes);
    void (*after_write)(BlockWriteNotifier *n, BlockNode *bs, uint64_t off, uint64_t bytes,
                        int ret);
    void *opaque;
};

typedef struct BlockStats {
    uint64_t rd_bytes, wr_bytes, unmap_bytes;
    uint64_t rd_ops, wr_ops, flush_ops, unmap_ops, zone_ops;
    uint64_t rd_ns, wr_ns, flush_ns, unmap_ns;
    uint64_t failed_rd, failed_wr, failed_flush, failed_unmap;
    uint64_t invalid_rd, invalid_wr, invalid_flush, invalid_unmap;
    int64_t last_ns;
} BlockStats;

/* One edge: a parent (node or backend) using a child node. */
typedef struct BlockChild {
    char *role;               /* "file", "backing", "root" (backend) */
    BlockNode *parent;        /* NULL for a backend's edge */
    BlockBackend *blk;        /* the backend, for a backend's edge */
    BlockNode *node;
    uint32_t perm, shared;
} BlockChild;

struct BlockNode {
    BlockGraph *graph;
    char *node_name;
    bool implicit;            /* made for -drive or nested options */
    bool monitor_owned;       /* blockdev-add / -blockdev top level */
    const BlockDriver *drv;
    void *opaque;             /* the driver's state */
    char *filename;           /* what query-block shows */
    bool read_only, auto_read_only, cache_direct, cache_no_flush, discard_unmap, force_share;
    BlockDetectZeroes detect_zeroes;
    uint32_t request_alignment; /* bytes; 1 unless O_DIRECT or the device wants more */
    BlockChild *file, *backing;
    char *backing_file;       /* from the image header (formats) */
    char *backing_format;
    GPtrArray *parents;       /* BlockChild * */
    GMutex stats_lock;
    BlockStats stats;
    GRWLock notify_lock;      /* readers: requests calling notifiers */
    GPtrArray *notifiers;     /* BlockWriteNotifier * */
    char *job_id;             /* the job using this node (one at a time), or NULL */
    /* Dirty bitmaps (block/bitmap.h); bitmap_lock guards the list and bits. */
    GMutex bitmap_lock;
    GPtrArray *dirty_bitmaps; /* BlockDirtyBitmap * */
    void *bitmap_notifier;    /* BlockWriteNotifier while bitmaps exist */
};

/* Open a node (and its nested children) from @opts (consumed); the node
 * is monitor-owned (-blockdev, blockdev-add). */
BlockNode *block_node_open(BlockGraph *g, BlockOpts *opts, GError **errp);
/* Same, for a node owned by its future parent or backend (-drive). */
BlockNode *block_node_open_implicit(BlockGraph *g, BlockOpts *opts, GError **errp);
/* The format whose probe scores best on the first bytes of @file. */
const BlockDriver *block_probe_format(BlockNode *file, GError **errp);
BlockNode *block_node_find(BlockGraph *g, const char *node_name);
/* blockdev-del: only monitor-owned nodes without users. */
bool block_node_delete(BlockGraph *g, const char *node_name, GError **errp);
int64_t block_node_length(BlockNode *bs);
/* Chain depth below @bs through backing children. */
int block_node_backing_depth(BlockNode *bs);
/* The node whose data @bs's "file" eventually reaches (for messages). */
const char *block_node_name_for_messages(BlockNode *bs);

/* Synchronous I/O in the calling thread (workers, open, create, tests). */
int block_node_pread(BlockNode *bs, uint64_t off, uint64_t bytes, void *buf);
int block_node_pwrite(BlockNode *bs, uint64_t off, uint64_t bytes, const void *buf, int flags);
int block_node_preadv(BlockNode *bs, uint64_t off, uint64_t bytes, const BlockIOV *iov);
/* block_node_pread into @buf that already holds zeros (fresh anonymous
 * memory): chunks that read as all zero are not copied, so the pages they
 * would have touched stay unallocated (a 64 MiB flash image that is mostly
 * padding costs its data, not 64 MiB of host memory). */
int block_node_pread_nonzero(BlockNode *bs, uint64_t off, uint64_t bytes, void *buf);
int block_node_pwritev(BlockNode *bs, uint64_t off, uint64_t bytes, const BlockIOV *iov,
                       int flags);
int block_node_flush(BlockNode *bs);
int block_node_pdiscard(BlockNode *bs, uint64_t off, uint64_t bytes);
int block_node_pwrite_zeroes(BlockNode *bs, uint64_t off, uint64_t bytes, bool may_unmap);
/* Copy [soff, soff+bytes) of @src to @doff of @dst without a bounce buffer
 * when both stacks can (copy_file_range between host files); -ENOTSUP when
 * they cannot (nothing or part copied: the caller then reads and writes
 * the range).  Write notifiers of @dst are not called (a job's own copy). */
int block_node_copy_range(BlockNode *src, uint64_t soff, BlockNode *dst, uint64_t doff,
                          uint64_t bytes);
int block_node_copy_range_to(BlockNode *dst, uint64_t doff, uint64_t bytes, BlockNode *src,
                             uint64_t soff);
/* What a reader of @bs finds (NBD base:allocation): BLOCK_DATA_HOLE - no
 * data stored for the range in the chain; BLOCK_DATA_ZERO - it reads as
 * zeros.  Returns the flags (>= 0) for the first *pnum bytes, or -errno. */
enum { BLOCK_DATA_HOLE = 1 << 0, BLOCK_DATA_ZERO = 1 << 1 };
int block_node_data_status(BlockNode *bs, uint64_t off, uint64_t bytes, uint64_t *pnum);

void block_node_add_write_notifier(BlockNode *bs, BlockWriteNotifier *n);
void block_node_remove_write_notifier(BlockNode *bs, BlockWriteNotifier *n);
/* Allocation of [off, off+bytes) in @bs itself (see BlockDriver.block_status). */
int block_node_block_status(BlockNode *bs, uint64_t off, uint64_t bytes, uint64_t *pnum);
/* Is [off, off+*pnum) allocated somewhere in the chain from @top down to,
 * not including, @base (NULL: the whole chain)?  1/0 as block_status. */
int block_node_is_allocated_above(BlockNode *top, BlockNode *base, uint64_t off,
                                  uint64_t bytes, uint64_t *pnum);
/* Every user of @from (backends and parent nodes, but not @to's own edges)
 * is moved onto @to, keeping its permissions; all or nothing.  Call with
 * the graph drained. */
bool block_node_replace(BlockNode *from, BlockNode *to, GError **errp);
/* Make @backing (NULL: none) @bs's backing node, and record it in the
 * image header when @update_header.  All or nothing. */
bool block_node_set_backing(BlockNode *bs, BlockNode *backing, bool update_header,
                            GError **errp);

/* Attach @child to @parent as @role with permissions (checked). */
BlockChild *block_node_attach_child(BlockNode *parent, BlockNode *child, const char *role,
                                    uint32_t perm, uint32_t shared, GError **errp);
void block_child_detach(BlockChild *c);
/* Change an edge's permissions (checked; unchanged on failure). */
bool block_child_set_perm(BlockChild *c, uint32_t perm, uint32_t shared, GError **errp);

/* ---- the graph ------------------------------------------------------- */

BlockGraph *block_graph_new(void);
void block_graph_free(BlockGraph *g);
/* The process's graph (made when the block module loads). */
BlockGraph *block_graph_default(void);
/* Nodes in creation order (borrowed). */
GPtrArray *block_graph_nodes(BlockGraph *g);
GPtrArray *block_graph_backends(BlockGraph *g);
/* Wait until no request of @g is in flight, delivering completions. */
void block_graph_drain(BlockGraph *g);
/* The process ends: drain, let every driver write its final state
 * (inactivate), flush every node. */
void block_graph_shutdown(BlockGraph *g);
/* blockdev-create with flat options ("driver" required). */
bool block_create(BlockGraph *g, BlockOpts *opts, GError **errp);

/* Process-wide state of a module that works on the graph (NBD server,
 * jobs): plugins keep no globals, so it hangs off the graph by @key and
 * @destroy runs when the graph is freed (or the key is set again). */
void block_graph_set_data(BlockGraph *g, const char *key, void *data, GDestroyNotify destroy);
void *block_graph_get_data(BlockGraph *g, const char *key);

/* QMP commands served by another module (the monitor forwards every block
 * command to the block module by name).  The module registers its commands
 * when it loads; the block module loads the module named for a command in
 * its table of such commands (qmp.c) on first use. */
typedef struct BlockQmpExtension {
    const char *const *commands;   /* NULL-terminated */
    JsonNode *(*dispatch)(BlockGraph *g, const char *command, JsonObject *args,
                          GError **errp);
} BlockQmpExtension;
void block_qmp_register(BlockGraph *g, const BlockQmpExtension *ext);

/* ---- backends -------------------------------------------------------- */

typedef enum {
    BLOCK_ERROR_ACTION_REPORT,
    BLOCK_ERROR_ACTION_IGNORE,
    BLOCK_ERROR_ACTION_STOP,
    BLOCK_ERROR_ACTION_ENOSPC,   /* stop on ENOSPC, report others */
} BlockErrorAction;

typedef void (*BlockCompletionFn)(void *opaque, int ret);

/* Media change notification for removable devices (scsi-cd, virtio-blk
 * config change on resize). */
typedef struct BlockDevOps {
    void (*change_media)(void *opaque, bool load);
    void (*resize)(void *opaque);
    bool (*is_tray_open)(void *opaque);
} BlockDevOps;

/* A backend called @name (NULL: anonymous) holding no permissions yet. */
BlockBackend *blk_new(BlockGraph *g, const char *name, GError **errp);
void blk_unref(BlockBackend *blk);
BlockBackend *blk_by_name(BlockGraph *g, const char *name);
/* A device's drive= : a backend name, else a node name (an anonymous
 * backend is made over it).  Refuses a backend another device holds. */
BlockBackend *blk_for_device(BlockGraph *g, const char *drive, const char *dev_id,
                             GError **errp);
/* The device lets go (unrealize); an anonymous backend is freed. */
void blk_detach_device(BlockBackend *blk);
bool blk_insert_node(BlockBackend *blk, BlockNode *bs, GError **errp);
void blk_remove_node(BlockBackend *blk);
BlockNode *blk_node(BlockBackend *blk);
const char *blk_name(BlockBackend *blk);
bool blk_set_perm(BlockBackend *blk, uint32_t perm, uint32_t shared, GError **errp);
void blk_set_dev_ops(BlockBackend *blk, const BlockDevOps *ops, void *opaque);
bool blk_is_read_only(BlockBackend *blk);
bool blk_is_inserted(BlockBackend *blk);
int64_t blk_length(BlockBackend *blk);
void blk_set_error_actions(BlockBackend *blk, BlockErrorAction on_read,
                           BlockErrorAction on_write);
/* Writethrough: every write is followed by a flush before it completes. */
void blk_set_write_cache(BlockBackend *blk, bool writeback);
bool blk_get_write_cache(BlockBackend *blk);
void blk_set_removable(BlockBackend *blk, bool removable);
bool blk_is_removable(BlockBackend *blk);
/* Removable media: the tray, as the guest moves it (DEVICE_TRAY_MOVED
 * follows a change) and locks it (PREVENT ALLOW MEDIUM REMOVAL). */
bool blk_is_tray_open(BlockBackend *blk);
void blk_guest_set_tray(BlockBackend *blk, bool open);
void blk_set_locked(BlockBackend *blk, bool locked);

/* Asynchronous requests: @cb runs in the main loop with 0 or -errno.
 * @iov is copied (the buffers it points at must stay valid). */
void blk_aio_preadv(BlockBackend *blk, uint64_t off, const BlockIOV *iov,
                    BlockCompletionFn cb, void *opaque);
void blk_aio_pwritev(BlockBackend *blk, uint64_t off, const BlockIOV *iov, int flags,
                     BlockCompletionFn cb, void *opaque);
void blk_aio_flush(BlockBackend *blk, BlockCompletionFn cb, void *opaque);
void blk_aio_pdiscard(BlockBackend *blk, uint64_t off, uint64_t bytes,
                      BlockCompletionFn cb, void *opaque);
void blk_aio_pwrite_zeroes(BlockBackend *blk, uint64_t off, uint64_t bytes, bool may_unmap,
                           BlockCompletionFn cb, void *opaque);
/* block_node_data_status of [off, off+bytes): @cb gets the flags (>= 0)
 * or -errno and *pnum how far they hold (@pnum must stay valid until then). */
void blk_aio_data_status(BlockBackend *blk, uint64_t off, uint64_t bytes, uint64_t *pnum,
                          BlockCompletionFn cb, void *opaque);
/* Requests in flight (and held by werror=stop). */
int blk_in_flight(BlockBackend *blk);
/* Count a request the device refused (bad sector range). */
void blk_account_invalid(BlockBackend *blk, bool write);
/* Synchronous helpers (tests, device set-up): submit and drain. */
int blk_pread(BlockBackend *blk, uint64_t off, uint64_t bytes, void *buf);
int blk_pwrite(BlockBackend *blk, uint64_t off, uint64_t bytes, const void *buf, int flags);
int blk_flush(BlockBackend *blk);

/* block_resize: grow or shrink, then tell the device. */
bool blk_resize(BlockBackend *blk, uint64_t size, GError **errp);

/* ---- command line and monitor (block module) -------------------------- */

/* -blockdev TEXT */
bool block_cmdline_blockdev(BlockGraph *g, const char *text, GError **errp);
/* -drive TEXT; -snapshot sets @snapshot_all.  Appends "-device" text for
 * if=virtio to @devices. */
bool block_cmdline_drive(BlockGraph *g, const char *text, bool snapshot_all,
                         GPtrArray *devices, GError **errp);

#endif
