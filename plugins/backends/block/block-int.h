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

/* A finished blockdev-create job, kept until job-dismiss. */
typedef struct BlockJobRecord {
    char *id;
    const char *type;
    char *error;
} BlockJobRecord;

struct BlockGraph {
    GPtrArray *jobs;          /* BlockJobRecord * */
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

/* stats helper */
void block_stats_account(GMutex *lock, BlockStats *st, BlockReqType type, uint64_t bytes,
                         int ret, int64_t ns);

#endif
