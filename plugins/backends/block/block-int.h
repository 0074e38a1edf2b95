/* SPDX-License-Identifier: MIT */
/* Block layer internals shared by the block module's sources. */
#ifndef TESSERA_BLOCK_INT_H
#define TESSERA_BLOCK_INT_H

#include "block/block.h"

typedef enum {
    BLOCK_REQ_READ,
    BLOCK_REQ_WRITE,
    BLOCK_REQ_FLUSH,
    BLOCK_REQ_DISCARD,
    BLOCK_REQ_ZEROES,
    BLOCK_REQ_STATUS,
} BlockReqType;

typedef struct BlockRequest {
    BlockBackend *blk;
    BlockReqType type;
    uint64_t off, bytes;
    BlockIOV iov;             /* iov.iov owned */
    int flags;
    bool may_unmap;
    uint64_t *pnum;           /* BLOCK_REQ_STATUS */
    BlockCompletionFn cb;
    void *opaque;
    int ret;
    int64_t start_ns;
} BlockRequest;

struct BlockGraph {
    GPtrArray *jobs;          /* Job * (block/job.h), not yet dismissed */
    GThreadPool *job_pool;    /* runs the jobs' steps */
    GPtrArray *nodes;         /* BlockNode *, creation order */
    GPtrArray *backends;      /* BlockBackend * */
    unsigned next_auto_name;
    unsigned next_drive;
    GThreadPool *pool;
    GAsyncQueue *done;        /* completed BlockRequest * */
    int event_fd;
    GSource *source;
    int in_flight;            /* submitted, not yet completed (main loop) */
    bool resume_listener;
    GData *data;              /* block_graph_set_data */
    GPtrArray *qmp_ext;       /* const BlockQmpExtension * */
};

struct BlockBackend {
    BlockGraph *graph;
    char *name;               /* drive id, or NULL (anonymous) */
    BlockChild *root;         /* NULL: no medium */
    uint32_t perm, shared;
    char *dev_id;             /* the device attached, NULL if none */
    bool dev_attached;
    const BlockDevOps *dev_ops;
    void *dev_opaque;
    BlockErrorAction on_read_error, on_write_error;
    bool writeback;
    bool removable;
    bool tray_open;
    bool locked;
    bool io_status_failed;    /* "failed" until the next cont */
    bool io_status_nospace;
    int in_flight;
    GQueue held;              /* BlockRequest * failed under werror=stop */
    BlockStats stats;
};

/* aio.c */
void block_aio_init(BlockGraph *g);
void block_aio_fini(BlockGraph *g);
void block_aio_submit(BlockRequest *req);
/* Resubmit requests held by werror/rerror=stop (cont). */
void block_aio_retry_held(BlockGraph *g);
/* Complete @blk's held requests with @err (the backend or its medium goes). */
void block_aio_fail_held(BlockBackend *blk, int err);

/* job-util.c */
typedef struct Job Job;
BlockNode *block_find_node_or_drive(BlockGraph *g, const char *name, GError **errp);
BlockNode *block_find_node(BlockGraph *g, const char *name, GError **errp);
const char *block_node_file_name(BlockNode *bs);
BlockNode *block_chain_find_file(BlockNode *top, const char *filename);
bool block_chain_contains(BlockNode *top, BlockNode *bs);
BlockNode *block_chain_overlay_of(BlockNode *top, BlockNode *bs);
/* A device (backend) uses the node directly. */
bool block_node_is_active(BlockNode *bs);
bool block_job_args_check(JsonObject *args, GError **errp);
void block_job_apply_args(Job *job, JsonObject *args);
const char *block_job_id_arg(JsonObject *args, const char *device);
/* A new image file (qcow2 over @backing, or raw), removed again on failure. */
bool block_create_image(BlockGraph *g, const char *path, const char *fmt, uint64_t size,
                        BlockNode *backing, GError **errp);
/* Open an image as an implicit node (owned by its future users). */
BlockNode *block_open_image(BlockGraph *g, const char *path, const char *fmt,
                            const char *node_name, bool no_backing, GError **errp);
/* An anonymous backend holding @perm on @bs for a job (blk_unref releases). */
BlockBackend *block_job_hold(BlockGraph *g, BlockNode *bs, uint32_t perm, uint32_t shared,
                             GError **errp);

/* One byte of state per granule of a disk, with a lock and a condition. */
typedef struct GranuleMap {
    uint64_t gran, length, n;
    uint8_t *state;
    uint64_t count;           /* granules in state 1 */
    GMutex lock;
    GCond cond;
} GranuleMap;
void granule_map_init(GranuleMap *m, uint64_t length, uint64_t granularity);
void granule_map_destroy(GranuleMap *m);
void granule_map_set_locked(GranuleMap *m, uint64_t off, uint64_t bytes, uint8_t v);
bool granule_map_next_run_locked(GranuleMap *m, uint64_t from, uint8_t want, uint64_t max_bytes,
                                 uint64_t *off, uint64_t *bytes);
bool granule_map_any_locked(GranuleMap *m, uint64_t off, uint64_t bytes, uint8_t v);
void granule_map_settle_locked(GranuleMap *m, uint64_t off, uint64_t bytes, uint8_t from,
                               uint8_t to);

/* Commands (snapshot.c, mirror.c, commit.c, stream.c, backup.c). */
JsonNode *block_qmp_snapshot_sync(BlockGraph *g, JsonObject *args, GError **errp);
JsonNode *block_qmp_snapshot(BlockGraph *g, JsonObject *args, GError **errp);
JsonNode *block_qmp_transaction(BlockGraph *g, JsonObject *args, GError **errp);
JsonNode *block_qmp_blockdev_mirror(BlockGraph *g, JsonObject *args, GError **errp);
JsonNode *block_qmp_drive_mirror(BlockGraph *g, JsonObject *args, GError **errp);
JsonNode *block_qmp_commit(BlockGraph *g, JsonObject *args, GError **errp);
JsonNode *block_qmp_stream(BlockGraph *g, JsonObject *args, GError **errp);
JsonNode *block_qmp_backup(BlockGraph *g, JsonObject *args, GError **errp);

/* Transactionable actions: prepare checks and builds everything that can
 * fail; commit applies it (cannot fail); abort undoes prepare. */
typedef struct BlockAction {
    void *state;
    void (*commit)(void *state);
    void (*abort)(void *state);
} BlockAction;
bool block_snapshot_sync_prepare(BlockGraph *g, JsonObject *args, BlockAction *a,
                                 GError **errp);
bool block_snapshot_prepare(BlockGraph *g, JsonObject *args, BlockAction *a, GError **errp);
bool block_mirror_prepare(BlockGraph *g, JsonObject *args, bool drive, BlockAction *a,
                          GError **errp);
bool block_backup_prepare(BlockGraph *g, JsonObject *args, BlockAction *a, GError **errp);

/* mirror.c: a mirror (or, @commit, an active commit into @tgt) not started. */
Job *block_mirror_create(BlockGraph *g, const char *id, BlockNode *src, BlockNode *tgt,
                         bool commit, int sync, uint64_t gran, JsonObject *args,
                         GError **errp);
/* mirror-top.c: a job's filter-node-name filter of driver @driver
 * (mirror_top, commit_top, copy-on-read) above @src (its users moved onto
 * it), and its removal (users moved to @to, the filter freed).  A read
 * hook runs before each read passes through (copy-on-read). */
extern const TypeInfo block_mirror_top_type, block_commit_top_type, block_cor_type;
BlockNode *block_job_filter_insert(BlockGraph *g, BlockNode *src, const char *name,
                                   const char *driver, GError **errp);
void block_job_filter_remove(BlockNode *f, BlockNode *to);
typedef int (*BlockFilterReadHook)(void *opaque, uint64_t off, uint64_t bytes);
void block_job_filter_set_read_hook(BlockNode *f, BlockFilterReadHook hook, void *opaque);
bool block_commit_base_writable(BlockNode *base, bool *reopened, GError **errp);
void block_commit_base_restore(BlockGraph *g, BlockNode *base, bool reopened);
/* Set on an active commit's job (mirror.c) after block_mirror_create. */
void block_mirror_set_base_reopened(Job *job, bool reopened);

/* job.c */
void block_jobs_init(BlockGraph *g);
void block_jobs_fini(BlockGraph *g);

/* graph.c */
bool block_node_name_valid(const char *name);
char *block_graph_auto_name(BlockGraph *g);
void block_node_unref_children(BlockNode *bs);
void block_node_free_if_unused(BlockNode *bs);
BlockChild *block_backend_edge_new(BlockBackend *blk, BlockNode *bs, GError **errp);

/* qmp.c */
void block_emit_tray_moved(BlockBackend *blk);
JsonNode *block_qmp_dispatch(const char *command, JsonObject *args, GError **errp);
void block_hmp_info(const char *what, const char *arg, GString *out);

/* bitmap-qmp.c */
extern const BlockQmpExtension block_bitmap_qmp;
/* Transaction actions (bitmap-qmp.c): an added bitmap goes on abort; a
 * removal is checked at prepare and done at commit. */
bool block_bitmap_add_prepare(BlockGraph *g, JsonObject *args, BlockAction *a, GError **errp);
bool block_bitmap_remove_prepare(BlockGraph *g, JsonObject *args, BlockAction *a,
                                 GError **errp);

/* stats helper */
void block_stats_account(GMutex *lock, BlockStats *st, BlockReqType type, uint64_t bytes,
                         int ret, int64_t ns);

#endif
