/* SPDX-License-Identifier: MIT */
/*
 * Asynchronous requests: a pool of worker threads runs the (synchronous)
 * drivers; finished requests queue up and an eventfd wakes the main loop,
 * which applies the backend's error policy and calls the completion.
 * Neither a vCPU thread nor the main loop ever waits for the host disk.
 *
 * werror/rerror=stop (and enospc for ENOSPC): the failed request is held,
 * BLOCK_IO_ERROR is sent and the VM pauses; `cont` resubmits every held
 * request, so the guest sees no error once the cause is gone.
 *
 * `stop` (any pause of the VM) drains the guest's requests and flushes the
 * devices' nodes once the vCPUs are parked, as QEMU: when it returns, an
 * external reader sees a stable image holding every write the guest saw
 * complete (held werror=stop requests stay held).
 */
#include <errno.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <glib-unix.h>

#include "block-int.h"
#include "kernel/runstate.h"
#include "monitor/monitor-internal.h"

#define BLOCK_POOL_THREADS 8

static int run_request(BlockRequest *req)
{
    BlockNode *bs = blk_node(req->blk);
    int ret;
    if (!bs) {
        return -ENOMEDIUM;
    }
    if (req->type != BLOCK_REQ_FLUSH) {
        int64_t len = block_node_length(bs);
        if (len < 0) {
            return (int)len;
        }
        if (req->off > (uint64_t)len || req->bytes > (uint64_t)len - req->off) {
            return -EINVAL;
        }
    }
    switch (req->type) {
    case BLOCK_REQ_READ:
        return block_node_preadv(bs, req->off, req->bytes, &req->iov);
    case BLOCK_REQ_WRITE:
        ret = block_node_pwritev(bs, req->off, req->bytes, &req->iov, req->flags);
        if (ret >= 0 && (!req->blk->writeback || (req->flags & BLOCK_WRITE_FUA))) {
            ret = block_node_flush(bs);
        }
        return ret;
    case BLOCK_REQ_ZEROES:
        ret = block_node_pwrite_zeroes(bs, req->off, req->bytes, req->may_unmap);
        if (ret >= 0 && !req->blk->writeback) {
            ret = block_node_flush(bs);
        }
        return ret;
    case BLOCK_REQ_FLUSH:
        return block_node_flush(bs);
    case BLOCK_REQ_DISCARD:
        return block_node_pdiscard(bs, req->off, req->bytes);
    case BLOCK_REQ_STATUS:
        return block_node_data_status(bs, req->off, req->bytes, req->pnum);
    }
    return -EINVAL;
}

static void worker(gpointer data, gpointer user_data)
{
    BlockRequest *req = data;
    BlockGraph *g = user_data;
    req->ret = run_request(req);
    g_async_queue_push(g->done, req);
    uint64_t one = 1;
    while (write(g->event_fd, &one, sizeof(one)) < 0 && errno == EINTR) {
    }
}

static const char *const op_names[] = {
    [BLOCK_REQ_READ] = "read", [BLOCK_REQ_WRITE] = "write", [BLOCK_REQ_FLUSH] = "write",
    [BLOCK_REQ_DISCARD] = "write", [BLOCK_REQ_ZEROES] = "write", [BLOCK_REQ_STATUS] = "read",
};

static void emit_io_error(BlockRequest *req, const char *action)
{
    JsonObject *data = json_object_new();
    BlockBackend *blk = req->blk;
    BlockNode *bs = blk_node(blk);
    json_object_set_string_member(data, "device", blk->name ? blk->name : "");
    if (bs) {
        json_object_set_string_member(data, "node-name", bs->node_name);
    }
    json_object_set_string_member(data, "operation", op_names[req->type]);
    json_object_set_string_member(data, "action", action);
    json_object_set_boolean_member(data, "nospace", req->ret == -ENOSPC);
    json_object_set_string_member(data, "reason", g_strerror(-req->ret));
    qmp_event_emit("BLOCK_IO_ERROR", data);
}

static void finish(BlockRequest *req, int ret)
{
    BlockBackend *blk = req->blk;
    int64_t ns = g_get_monotonic_time() * 1000 - req->start_ns;
    block_stats_account(NULL, &blk->stats, req->type, req->bytes, ret, ns);
    blk->in_flight--;
    blk->graph->in_flight--;
    BlockCompletionFn cb = req->cb;
    void *opaque = req->opaque;
    g_free(req->iov.iov);
    g_free(req);
    if (cb) {
        cb(opaque, ret);
    }
}

static void complete(BlockRequest *req)
{
    BlockBackend *blk = req->blk;
    if (req->ret >= 0) {
        finish(req, req->type == BLOCK_REQ_STATUS ? req->ret : 0);
        return;
    }
    BlockErrorAction action = req->type == BLOCK_REQ_READ ? blk->on_read_error
                                                          : blk->on_write_error;
    if (req->type == BLOCK_REQ_DISCARD || req->type == BLOCK_REQ_STATUS ||
        req->ret == -EINVAL || req->ret == -ENOMEDIUM) {
        action = BLOCK_ERROR_ACTION_REPORT; /* bad requests are the guest's own fault */
    }
    if (action == BLOCK_ERROR_ACTION_ENOSPC) {
        action = req->ret == -ENOSPC ? BLOCK_ERROR_ACTION_STOP : BLOCK_ERROR_ACTION_REPORT;
    }
    switch (action) {
    case BLOCK_ERROR_ACTION_STOP:
        blk->io_status_failed = true;
        blk->io_status_nospace = req->ret == -ENOSPC;
        emit_io_error(req, "stop");
        g_queue_push_tail(&blk->held, req);
        if (runstate_is_running()) {
            vm_stop();
        }
        return;
    case BLOCK_ERROR_ACTION_IGNORE:
        emit_io_error(req, "ignore");
        finish(req, 0);
        return;
    default:
        emit_io_error(req, "report");
        finish(req, req->ret);
        return;
    }
}

static void process_completions(BlockGraph *g)
{
    uint64_t cnt;
    while (read(g->event_fd, &cnt, sizeof(cnt)) < 0 && errno == EINTR) {
    }
    BlockRequest *req;
    while ((req = g_async_queue_try_pop(g->done))) {
        complete(req);
    }
}

static gboolean on_event(gint fd, GIOCondition cond, gpointer opaque)
{
    process_completions(opaque);
    return G_SOURCE_CONTINUE;
}

void block_aio_retry_held(BlockGraph *g)
{
    for (guint i = 0; i < g->backends->len; i++) {
        BlockBackend *blk = g_ptr_array_index(g->backends, i);
        blk->io_status_failed = false;
        blk->io_status_nospace = false;
        BlockRequest *req;
        while ((req = g_queue_pop_head(&blk->held))) {
            req->ret = 0;
            g_thread_pool_push(g->pool, req, NULL);
        }
    }
}

void block_aio_fail_held(BlockBackend *blk, int err)
{
    BlockRequest *req;
    while ((req = g_queue_pop_head(&blk->held))) {
        finish(req, err);
    }
}

static void drain_and_flush(BlockGraph *g)
{
    block_graph_drain(g);
    for (guint i = 0; i < g->backends->len; i++) {
        BlockNode *bs = blk_node(g_ptr_array_index(g->backends, i));
        if (bs) {
            int ret = block_node_flush(bs);
            if (ret < 0) {
                g_printerr("tessera: stop: could not flush '%s': %s\n",
                           block_node_name_for_messages(bs), g_strerror(-ret));
            }
        }
    }
}

static void on_run_event(RunEvent ev, ShutdownCause cause, void *opaque)
{
    if (ev == RUN_EVENT_RESUME) {
        block_aio_retry_held(opaque);
    } else if (ev == RUN_EVENT_STOP) {
        drain_and_flush(opaque);
    }
}

void block_aio_init(BlockGraph *g)
{
    g->done = g_async_queue_new();
    g->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    g_assert(g->event_fd >= 0);
    g->pool = g_thread_pool_new(worker, g, BLOCK_POOL_THREADS, false, NULL);
    g->source = g_unix_fd_source_new(g->event_fd, G_IO_IN);
    g_source_set_callback(g->source, (GSourceFunc)(void (*)(void))on_event, g, NULL);
    g_source_attach(g->source, main_loop_context());
    runstate_add_listener(on_run_event, g);
}

void block_aio_fini(BlockGraph *g)
{
    block_graph_drain(g);
    runstate_remove_listener(on_run_event, g);
    g_thread_pool_free(g->pool, false, true);
    g_source_destroy(g->source);
    g_source_unref(g->source);
    close(g->event_fd);
    g_async_queue_unref(g->done);
}

void block_aio_submit(BlockRequest *req)
{
    BlockGraph *g = req->blk->graph;
    req->start_ns = g_get_monotonic_time() * 1000;
    req->blk->in_flight++;
    g->in_flight++;
    g_thread_pool_push(g->pool, req, NULL);
}

void block_graph_drain(BlockGraph *g)
{
    for (;;) {
        int held = 0;
        for (guint i = 0; i < g->backends->len; i++) {
            held += g_queue_get_length(&((BlockBackend *)g_ptr_array_index(g->backends, i))->held);
        }
        if (g->in_flight <= held) {
            return;
        }
        BlockRequest *req = g_async_queue_timeout_pop(g->done, 100 * 1000);
        if (req) {
            complete(req);
        }
    }
}
