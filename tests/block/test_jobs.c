/* SPDX-License-Identifier: MIT */
/*
 * Jobs: the state machine tables, the life cycle of a job driven by a
 * test driver (events, pause/resume, cancel, finalize/dismiss, speed,
 * refused verbs), and each block job on real images while a "guest"
 * backend writes: mirror (READY, complete pivots; cancel after READY
 * leaves a copy), snapshot + active commit, intermediate commit, stream,
 * backup (copy-before-write keeps the point in time), transaction (all
 * or nothing), wrong uses with QEMU's errors, and ENOSPC on the target
 * pausing a job with on-target-error=stop.  Images are checked with
 * qemu-img.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "blocktest.h"
#include "block/bitmap.h"
#include "block/job.h"
#include "kernel/runstate.h"
#include "monitor/monitor-internal.h"

#define MIB (1024 * 1024)

/* ---- events ------------------------------------------------------------------ */

static GString *events;

/* Events as compact JSON ("a":1,"b":2), whatever spacing the monitor uses. */
static void capture(void *opaque, const char *data, size_t len)
{
    bool in_str = false;
    for (size_t i = 0; i < len; i++) {
        char c = data[i];
        if (c == '"' && (i == 0 || data[i - 1] != '\\')) {
            in_str = !in_str;
        }
        if (!in_str && c == ' ') {
            continue;
        }
        g_string_append_c(events, c);
    }
}

static QmpSession *listen_events(void)
{
    if (!events) {
        events = g_string_new(NULL);
    }
    g_string_truncate(events, 0);
    QmpSession *s = qmp_session_new(capture, NULL);
    qmp_session_open(s);
    const char *cap = "{\"execute\": \"qmp_capabilities\"}\n";
    qmp_session_input(s, (const uint8_t *)cap, strlen(cap));
    g_string_truncate(events, 0);
    return s;
}

static bool saw(const char *text)
{
    return strstr(events->str, text) != NULL;
}

/* The statuses of JOB_STATUS_CHANGE for @id, in order, comma separated. */
static char *status_trail(const char *id)
{
    GString *t = g_string_new(NULL);
    g_autofree char *pat = g_strdup_printf("\"id\":\"%s\",\"status\":\"", id);
    for (const char *p = strstr(events->str, pat); p; p = strstr(p + 1, pat)) {
        const char *v = p + strlen(pat);
        const char *e = strchr(v, '"');
        g_string_append_printf(t, "%s%.*s", t->len ? "," : "", (int)(e - v), v);
    }
    return g_string_free(t, false);
}

static void iterate_until(bool (*cond)(void *), void *opaque)
{
    gint64 deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;
    while (!cond(opaque)) {
        ck_assert_msg(g_get_monotonic_time() < deadline, "timed out waiting");
        g_main_context_iteration(main_loop_context(), TRUE);
    }
}

static bool job_in_status(void *opaque)
{
    Job *job = ((void **)opaque)[0];
    JobStatus want = GPOINTER_TO_INT(((void **)opaque)[1]);
    return job->status == want;
}

static void wait_status(Job *job, JobStatus s)
{
    void *args[2] = { job, GINT_TO_POINTER(s) };
    iterate_until(job_in_status, args);
}

static bool job_gone(void *opaque)
{
    void **a = opaque;
    return job_find(a[0], a[1]) == NULL;
}

static void wait_gone(BlockGraph *g, const char *id)
{
    void *args[2] = { g, (void *)id };
    iterate_until(job_gone, args);
}

/* ---- QMP through the job dispatcher ---------------------------------------- */

static JsonObject *json_args(const char *json)
{
    JsonParser *p = json_parser_new();
    ck_assert_msg(json_parser_load_from_data(p, json, -1, NULL), "%s", json);
    JsonObject *o = json_object_ref(json_node_get_object(json_parser_get_root(p)));
    g_object_unref(p);
    return o;
}

static bool cmd_v(BlockGraph *g, char **error, const char **klass, const char *command,
                  const char *fmt, va_list ap)
{
    g_autofree char *json = g_strdup_vprintf(fmt, ap);
    JsonObject *args = json_args(json);
    GError *err = NULL;
    bool handled;
    JsonNode *ret = job_qmp_dispatch(g, command, args, &handled, &err);
    json_object_unref(args);
    ck_assert_msg(handled, "%s not handled", command);
    if (ret) {
        json_node_unref(ret);
        if (error) {
            *error = NULL;
        }
        return true;
    }
    if (klass) {
        *klass = qmp_error_class(err);
    }
    if (error) {
        *error = g_strdup(err->message);
    }
    g_error_free(err);
    return false;
}

static void cmd(BlockGraph *g, const char *command, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
static void cmd(BlockGraph *g, const char *command, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *error = NULL;
    bool ok = cmd_v(g, &error, NULL, command, fmt, ap);
    va_end(ap);
    ck_assert_msg(ok, "%s: %s", command, error);
}

/* The error (owned) and its class of a command that must fail. */
static char *cmd_error(BlockGraph *g, const char **klass, const char *command,
                       const char *fmt, ...) G_GNUC_PRINTF(4, 5);
static char *cmd_error(BlockGraph *g, const char **klass, const char *command,
                       const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *error = NULL;
    bool ok = cmd_v(g, &error, klass, command, fmt, ap);
    va_end(ap);
    ck_assert_msg(!ok, "%s succeeded", command);
    return error;
}

/* ---- the state machine ------------------------------------------------------ */

START_TEST(test_state_tables)
{
    ck_assert(job_transition_allowed(JOB_STATUS_CREATED, JOB_STATUS_RUNNING));
    ck_assert(job_transition_allowed(JOB_STATUS_RUNNING, JOB_STATUS_READY));
    ck_assert(job_transition_allowed(JOB_STATUS_READY, JOB_STATUS_STANDBY));
    ck_assert(job_transition_allowed(JOB_STATUS_PENDING, JOB_STATUS_CONCLUDED));
    ck_assert(!job_transition_allowed(JOB_STATUS_CONCLUDED, JOB_STATUS_RUNNING));
    ck_assert(!job_transition_allowed(JOB_STATUS_PAUSED, JOB_STATUS_READY));
    ck_assert(!job_transition_allowed(JOB_STATUS_NULL, JOB_STATUS_CREATED));
    ck_assert(job_verb_allowed(JOB_STATUS_READY, JOB_VERB_COMPLETE));
    ck_assert(!job_verb_allowed(JOB_STATUS_RUNNING, JOB_VERB_COMPLETE));
    ck_assert(job_verb_allowed(JOB_STATUS_PENDING, JOB_VERB_FINALIZE));
    ck_assert(!job_verb_allowed(JOB_STATUS_RUNNING, JOB_VERB_DISMISS));
    ck_assert(job_verb_allowed(JOB_STATUS_CONCLUDED, JOB_VERB_DISMISS));
    ck_assert(!job_verb_allowed(JOB_STATUS_CONCLUDED, JOB_VERB_CANCEL));
    ck_assert_str_eq(job_status_name(JOB_STATUS_STANDBY), "standby");
    ck_assert_int_eq(job_error_policy_parse("stop"), JOB_ERROR_STOP);
    ck_assert_int_eq(job_error_policy_parse("bogus"), -1);
}
END_TEST

/* A test driver: @steps steps of 1000 bytes each, counting calls. */
typedef struct Fake {
    int steps, done;
    int fail_at;
    bool ready;
    int commits, aborts, cleans;
} Fake;

static int fake_step(Job *job)
{
    Fake *f = job->opaque;
    g_usleep(1000);
    if (f->fail_at && f->done + 1 == f->fail_at) {
        f->fail_at = 0;
        job->err_is_read = false;
        return -ENOSPC;
    }
    if (f->done >= f->steps) {
        return JOB_STEP_DONE;
    }
    f->done++;
    job_progress_update(job, 1000);
    return JOB_STEP_MORE;
}

static void fake_commit(Job *job)
{
    ((Fake *)job->opaque)->commits++;
}

static void fake_abort(Job *job)
{
    ((Fake *)job->opaque)->aborts++;
}

static void fake_clean(Job *job)
{
    ((Fake *)job->opaque)->cleans++;
}

static const JobDriver fake_driver = {
    .type = "mirror", .step = fake_step, .commit = fake_commit, .abort = fake_abort,
    .clean = fake_clean,
};

static const JobDriver fake_ready_driver = {
    .type = "mirror", .needs_complete = true, .step = fake_step, .commit = fake_commit,
    .abort = fake_abort, .clean = fake_clean,
};

static Job *fake_job(BlockGraph *g, const char *id, const JobDriver *drv, Fake *f)
{
    GError *err = NULL;
    Job *job = job_create(g, id, drv, f, NULL, 0, &err);
    ck_assert_msg(job, "%s", err ? err->message : "");
    job_progress_set_total(job, f->steps * 1000);
    return job;
}

START_TEST(test_life_cycle_events)
{
    BlockGraph *g = bt_graph();
    QmpSession *s = listen_events();
    Fake f = { .steps = 5 };
    Job *job = fake_job(g, "j1", &fake_driver, &f);
    job_start(job);
    wait_gone(g, "j1");
    g_autofree char *trail = status_trail("j1");
    ck_assert_str_eq(trail, "created,running,waiting,pending,concluded,null");
    ck_assert(saw("\"event\":\"BLOCK_JOB_COMPLETED\""));
    ck_assert(saw("\"len\":5000,\"offset\":5000"));
    ck_assert_int_eq(f.commits, 1);
    ck_assert_int_eq(f.aborts, 0);
    ck_assert_int_eq(f.cleans, 1);

    /* Manual finalize and dismiss. */
    g_string_truncate(events, 0);
    Fake f2 = { .steps = 3 };
    job = fake_job(g, "j2", &fake_driver, &f2);
    job->auto_finalize = job->auto_dismiss = false;
    job_start(job);
    wait_status(job, JOB_STATUS_PENDING);
    ck_assert_int_eq(f2.commits, 0);
    g_autofree char *e1 = NULL;
    const char *klass = NULL;
    e1 = cmd_error(g, &klass, "job-dismiss", "{\"id\": \"j2\"}");
    ck_assert_str_eq(e1, "Job 'j2' in state 'pending' cannot accept command verb 'dismiss'");
    ck_assert_str_eq(klass, "GenericError");
    cmd(g, "block-job-finalize", "{\"id\": \"j2\"}");
    ck_assert_int_eq(job->status, JOB_STATUS_CONCLUDED);
    ck_assert_int_eq(f2.commits, 1);
    cmd(g, "job-dismiss", "{\"id\": \"j2\"}");
    ck_assert_ptr_null(job_find(g, "j2"));
    g_autofree char *trail2 = status_trail("j2");
    ck_assert_str_eq(trail2, "created,running,waiting,pending,concluded,null");
    g_autofree char *e2 = cmd_error(g, &klass, "block-job-cancel", "{\"device\": \"j2\"}");
    ck_assert_str_eq(e2, "Block job 'j2' not found");
    ck_assert_str_eq(klass, "DeviceNotActive");
    g_autofree char *e3 = cmd_error(g, &klass, "job-cancel", "{\"id\": \"nosuch\"}");
    ck_assert_str_eq(e3, "Job not found");
    ck_assert_str_eq(klass, "GenericError");
    qmp_session_free(s);
    block_graph_free(g);
}
END_TEST

START_TEST(test_pause_resume_cancel)
{
    BlockGraph *g = bt_graph();
    QmpSession *s = listen_events();
    Fake f = { .steps = 1000000 };
    Job *job = fake_job(g, "p1", &fake_driver, &f);
    job_start(job);
    cmd(g, "block-job-pause", "{\"device\": \"p1\"}");
    wait_status(job, JOB_STATUS_PAUSED);
    int at = f.done;
    for (int i = 0; i < 20; i++) {
        g_main_context_iteration(main_loop_context(), FALSE);
        g_usleep(1000);
    }
    ck_assert_int_eq(f.done, at); /* no step while paused */
    const char *klass;
    g_autofree char *e1 = cmd_error(g, &klass, "block-job-pause", "{\"device\": \"p1\"}");
    ck_assert_str_eq(e1, "Job is already paused");
    cmd(g, "job-resume", "{\"id\": \"p1\"}");
    wait_status(job, JOB_STATUS_RUNNING);
    g_autofree char *e2 = cmd_error(g, &klass, "block-job-complete", "{\"device\": \"p1\"}");
    ck_assert_str_eq(e2, "Job 'p1' of type 'mirror' does not support manual completion");
    g_autofree char *e3 = cmd_error(g, &klass, "block-job-set-speed",
                                    "{\"device\": \"p1\", \"speed\": -1}");
    ck_assert_str_eq(e3, "Parameter 'speed' expects a non-negative value");
    cmd(g, "block-job-set-speed", "{\"device\": \"p1\", \"speed\": 100000}");
    ck_assert_uint_eq(job->speed, 100000);
    cmd(g, "block-job-cancel", "{\"device\": \"p1\"}");
    wait_gone(g, "p1");
    g_autofree char *trail = status_trail("p1");
    ck_assert_str_eq(trail, "created,running,paused,running,aborting,concluded,null");
    ck_assert(saw("\"event\":\"BLOCK_JOB_CANCELLED\""));
    ck_assert_int_eq(f.aborts, 1);
    ck_assert_int_eq(f.commits, 0);
    qmp_session_free(s);
    block_graph_free(g);
}
END_TEST

START_TEST(test_ready_complete_and_error_policy)
{
    BlockGraph *g = bt_graph();
    QmpSession *s = listen_events();
    Fake f = { .steps = 4 };
    Job *job = fake_job(g, "r1", &fake_ready_driver, &f);
    const char *klass;
    job_start(job);
    g_autofree char *e1 = cmd_error(g, &klass, "block-job-complete", "{\"device\": \"r1\"}");
    ck_assert_msg(strstr(e1, "cannot accept command verb 'complete'"), "%s", e1);
    wait_status(job, JOB_STATUS_READY);
    ck_assert(saw("\"event\":\"BLOCK_JOB_READY\""));
    cmd(g, "block-job-pause", "{\"device\": \"r1\"}");
    wait_status(job, JOB_STATUS_STANDBY);
    cmd(g, "block-job-resume", "{\"device\": \"r1\"}");
    wait_status(job, JOB_STATUS_READY);
    cmd(g, "block-job-complete", "{\"device\": \"r1\"}");
    wait_gone(g, "r1");
    ck_assert_int_eq(f.commits, 1);
    g_autofree char *trail = status_trail("r1");
    ck_assert_str_eq(trail, "created,running,ready,standby,ready,waiting,pending,concluded,null");

    /* on-target-error=stop: the job pauses with BLOCK_JOB_ERROR; resume goes on. */
    g_string_truncate(events, 0);
    Fake f2 = { .steps = 4, .fail_at = 2 };
    job = fake_job(g, "e1", &fake_driver, &f2);
    job->on_target_error = JOB_ERROR_STOP;
    job_start(job);
    wait_status(job, JOB_STATUS_PAUSED);
    ck_assert(saw("\"event\":\"BLOCK_JOB_ERROR\""));
    ck_assert(saw("\"operation\":\"write\",\"action\":\"stop\""));
    ck_assert(job->io_nospace);
    cmd(g, "block-job-resume", "{\"device\": \"e1\"}");
    wait_gone(g, "e1");
    ck_assert_int_eq(f2.commits, 1);
    ck_assert_int_eq(f2.done, 4);

    /* report: the job fails with the error in BLOCK_JOB_COMPLETED. */
    g_string_truncate(events, 0);
    Fake f3 = { .steps = 4, .fail_at = 2 };
    job = fake_job(g, "e2", &fake_driver, &f3);
    job_start(job);
    wait_gone(g, "e2");
    ck_assert_int_eq(f3.aborts, 1);
    ck_assert(saw("\"error\":\"No space left on device\""));
    /* Cancel after READY without force ends well (no pivot, CANCELLED). */
    g_string_truncate(events, 0);
    Fake f4 = { .steps = 2 };
    job = fake_job(g, "r2", &fake_ready_driver, &f4);
    job_start(job);
    wait_status(job, JOB_STATUS_READY);
    cmd(g, "block-job-cancel", "{\"device\": \"r2\"}");
    wait_gone(g, "r2");
    ck_assert_int_eq(f4.commits, 1);
    ck_assert_int_eq(f4.aborts, 0);
    ck_assert(saw("\"event\":\"BLOCK_JOB_CANCELLED\""));
    qmp_session_free(s);
    block_graph_free(g);
}
END_TEST

/* ---- block jobs on images -------------------------------------------------- */

static char *mkimg(const char *name, const char *fmt, const char *size)
{
    char *p = bt_path(name);
    ck_assert_int_eq(bt_sh(NULL, "qemu-img create -q -f %s %s %s", fmt, p, size), 0);
    return p;
}

static void qemu_io(const char *img, const char *fmt, const char *c)
{
    g_autofree char *out = NULL;
    ck_assert_msg(bt_sh(&out, "qemu-io -f %s -c '%s' %s", fmt, c, img) == 0, "%s", out);
}

static void assert_same(const char *a, const char *b)
{
    g_autofree char *out = NULL;
    int st = bt_sh(&out, "qemu-img compare -U %s %s", a, b);
    ck_assert_msg(st == 0, "qemu-img compare %s %s: %s", a, b, out);
}

START_TEST(test_mirror_pivot_while_writing)
{
    bt_need("qemu-img");
    g_autofree char *src = mkimg("src.qcow2", "qcow2", "8M");
    qemu_io(src, "qcow2", "write -P 0x5a 0 3M");
    g_autofree char *dst = bt_path("dst.qcow2");
    BlockGraph *g = bt_graph();
    QmpSession *s = listen_events();
    BlockBackend *blk = bt_drive(g, "file=%s,format=qcow2", src);
    bt_take_write(blk);
    cmd(g, "drive-mirror", "{\"device\": \"d0\", \"job-id\": \"m0\", \"target\": \"%s\", "
        "\"format\": \"qcow2\", \"sync\": \"full\", \"node-name\": \"copy\"}", dst);
    Job *job = job_find(g, "m0");
    ck_assert(job);
    /* The guest writes while the job copies. */
    uint8_t buf[65536];
    for (int i = 0; i < 16; i++) {
        bt_fill(buf, sizeof(buf), i);
        bt_write(blk, (uint64_t)i * 400000, buf, sizeof(buf));
        g_main_context_iteration(main_loop_context(), FALSE);
    }
    wait_status(job, JOB_STATUS_READY);
    bt_fill(buf, sizeof(buf), 99);
    bt_write(blk, 7 * MIB, buf, sizeof(buf)); /* after READY: copied on complete */
    cmd(g, "block-job-complete", "{\"device\": \"m0\"}");
    wait_gone(g, "m0");
    ck_assert_str_eq(blk_node(blk)->node_name, "copy");
    ck_assert(saw("\"event\":\"BLOCK_JOB_COMPLETED\",\"data\":{\"type\":\"mirror\""));
    ck_assert(!saw("\"error\""));
    /* The guest goes on writing on the copy. */
    bt_fill(buf, sizeof(buf), 100);
    bt_write(blk, 0, buf, sizeof(buf));
    uint8_t back[65536];
    bt_read(blk, 7 * MIB, back, sizeof(back));
    bt_fill(buf, sizeof(buf), 99);
    ck_assert(memcmp(buf, back, sizeof(buf)) == 0);
    qmp_session_free(s);
    block_graph_free(g);
    ck_assert_int_eq(bt_qemu_img_check(dst), 0);
    /* The source is what the guest saw before the last write; the copy has it too. */
    uint64_t ls, ld;
    g_autofree uint8_t *vs = bt_qemu_img_read(src, &ls);
    g_autofree uint8_t *vd = bt_qemu_img_read(dst, &ld);
    ck_assert_uint_eq(ls, ld);
    bt_fill(buf, sizeof(buf), 100);
    ck_assert(memcmp(vd, buf, sizeof(buf)) == 0);
    ck_assert(memcmp(vs + 65536, vd + 65536, ls - 65536) == 0);
}
END_TEST

START_TEST(test_mirror_cancel_before_and_after_ready)
{
    bt_need("qemu-img");
    g_autofree char *src = mkimg("csrc.raw", "raw", "4M");
    qemu_io(src, "raw", "write -P 0x33 0 4M");
    g_autofree char *before = bt_sh(NULL, "cp %s %s.orig", src, src) == 0
                              ? g_strconcat(src, ".orig", NULL) : NULL;
    g_autofree char *dst = mkimg("cdst.raw", "raw", "4M");
    BlockGraph *g = bt_graph();
    QmpSession *s = listen_events();
    BlockBackend *blk = bt_drive(g, "file=%s,format=raw", src);
    bt_take_write(blk);
    GError *err = NULL;
    g_autofree char *t = g_strdup_printf("driver=raw,node-name=t0,file.driver=file,"
                                         "file.filename=%s", dst);
    ck_assert(block_cmdline_blockdev(g, t, &err));
    /* Slow enough to cancel before READY. */
    cmd(g, "blockdev-mirror", "{\"device\": \"d0\", \"job-id\": \"m1\", \"target\": \"t0\", "
        "\"sync\": \"full\", \"speed\": 65536}");
    cmd(g, "block-job-cancel", "{\"device\": \"m1\"}");
    wait_gone(g, "m1");
    ck_assert(saw("BLOCK_JOB_CANCELLED"));
    ck_assert_str_eq(blk_node(blk)->node_name, blk_node(blk)->node_name);
    ck_assert_ptr_ne(blk_node(blk), block_node_find(g, "t0"));
    /* After READY: a consistent copy, no pivot. */
    cmd(g, "blockdev-mirror", "{\"device\": \"d0\", \"job-id\": \"m2\", \"target\": \"t0\", "
        "\"sync\": \"full\"}");
    wait_status(job_find(g, "m2"), JOB_STATUS_READY);
    cmd(g, "block-job-cancel", "{\"device\": \"m2\"}");
    wait_gone(g, "m2");
    ck_assert_ptr_ne(blk_node(blk), block_node_find(g, "t0"));
    qmp_session_free(s);
    block_graph_free(g);
    assert_same(src, before);
    assert_same(dst, src);
}
END_TEST

START_TEST(test_snapshot_then_active_commit)
{
    bt_need("qemu-img");
    g_autofree char *base = mkimg("base.qcow2", "qcow2", "4M");
    g_autofree char *top = bt_path("top.qcow2");
    BlockGraph *g = bt_graph();
    QmpSession *s = listen_events();
    BlockBackend *blk = bt_drive(g, "file=%s,format=qcow2", base);
    bt_take_write(blk);
    uint8_t a[65536], b[65536], back[65536];
    bt_fill(a, sizeof(a), 1);
    bt_fill(b, sizeof(b), 2);
    bt_write(blk, 0, a, sizeof(a));
    cmd(g, "blockdev-snapshot-sync", "{\"device\": \"d0\", \"snapshot-file\": \"%s\", "
        "\"snapshot-node-name\": \"top\", \"format\": \"qcow2\"}", top);
    ck_assert_str_eq(blk_node(blk)->node_name, "top");
    ck_assert(blk_node(blk)->backing && blk_node(blk)->backing->node->read_only);
    bt_write(blk, 1 * MIB, b, sizeof(b));
    bt_read(blk, 0, back, sizeof(back));
    ck_assert(memcmp(a, back, sizeof(a)) == 0);
    const char *klass;
    g_autofree char *e1 = cmd_error(g, &klass, "block-commit",
                                    "{\"device\": \"top\", \"base-node\": \"nosuch\"}");
    ck_assert_str_eq(e1, "Cannot find device='' nor node-name='nosuch'");
    cmd(g, "block-commit", "{\"device\": \"top\", \"job-id\": \"c0\"}");
    Job *job = job_find(g, "c0");
    g_autofree char *e2 = cmd_error(g, &klass, "block-stream", "{\"device\": \"top\"}");
    ck_assert_msg(strstr(e2, "is busy: block device is in use by block job: commit"), "%s", e2);
    wait_status(job, JOB_STATUS_READY);
    bt_fill(b, sizeof(b), 3);
    bt_write(blk, 2 * MIB, b, sizeof(b));
    cmd(g, "job-complete", "{\"id\": \"c0\"}");
    wait_gone(g, "c0");
    ck_assert(!saw("\"error\""));
    ck_assert(!blk_node(blk)->backing);
    ck_assert_ptr_null(block_node_find(g, "top"));   /* closed: no longer in use */
    bt_write(blk, 3 * MIB, a, sizeof(a));            /* the guest goes on, on base */
    qmp_session_free(s);
    block_graph_free(g);
    ck_assert_int_eq(bt_qemu_img_check(base), 0);
    uint64_t len;
    g_autofree uint8_t *v = bt_qemu_img_read(base, &len);
    ck_assert(memcmp(v, a, sizeof(a)) == 0);
    ck_assert(memcmp(v + 2 * MIB, b, sizeof(b)) == 0);
    ck_assert(memcmp(v + 3 * MIB, a, sizeof(a)) == 0);
    bt_fill(b, sizeof(b), 2);
    ck_assert(memcmp(v + 1 * MIB, b, sizeof(b)) == 0);
}
END_TEST

/* O_RDONLY or O_RDWR: how this process has @path open (-1: not open). */
static int fd_access_mode(const char *path)
{
    g_autoptr(GDir) dir = g_dir_open("/proc/self/fd", 0, NULL);
    const char *name;
    int mode = -1;
    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *link = g_strdup_printf("/proc/self/fd/%s", name);
        g_autofree char *target = g_file_read_link(link, NULL);
        if (!target || strcmp(target, path)) {
            continue;
        }
        g_autofree char *info_path = g_strdup_printf("/proc/self/fdinfo/%s", name);
        g_autofree char *info = NULL;
        ck_assert(g_file_get_contents(info_path, &info, NULL, NULL));
        const char *f = strstr(info, "flags:");
        ck_assert(f);
        mode = (int)(strtol(f + 6, NULL, 8) & O_ACCMODE);
    }
    return mode;
}

/* The chain base <- mid <- top of three qcow2 images named PREFIX{b,m,t}.qcow2,
 * each layer writing its own pattern (0x11 at 0-1M, 0x22 at 512K-1.5M, 0x33
 * at 1M-1.25M), and flat: top's view converted to raw. */
typedef struct Chain {
    char *b, *m, *t, *flat;
} Chain;

static void chain_clear(Chain *c)
{
    g_free(c->b);
    g_free(c->m);
    g_free(c->t);
    g_free(c->flat);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Chain, chain_clear)

static Chain chain_make(const char *prefix)
{
    g_autofree char *bn = g_strdup_printf("%sb.qcow2", prefix);
    g_autofree char *mn = g_strdup_printf("%sm.qcow2", prefix);
    g_autofree char *tn = g_strdup_printf("%st.qcow2", prefix);
    g_autofree char *fn = g_strdup_printf("%sflat.raw", prefix);
    Chain c = { .b = mkimg(bn, "qcow2", "4M"), .m = bt_path(mn), .t = bt_path(tn),
                .flat = bt_path(fn) };
    qemu_io(c.b, "qcow2", "write -P 0x11 0 1M");
    ck_assert_int_eq(bt_sh(NULL, "qemu-img create -q -f qcow2 -b %s -F qcow2 %s && "
                              "qemu-img create -q -f qcow2 -b %s -F qcow2 %s",
                           c.b, c.m, c.m, c.t), 0);
    qemu_io(c.m, "qcow2", "write -P 0x22 512k 1M");
    qemu_io(c.t, "qcow2", "write -P 0x33 1M 256k");
    ck_assert_int_eq(bt_sh(NULL, "qemu-img convert -O raw %s %s", c.t, c.flat), 0);
    return c;
}

START_TEST(test_stream_and_intermediate_commit)
{
    bt_need("qemu-img");
    g_auto(Chain) c = chain_make("s");
    const char *b = c.b, *t = c.t, *flat = c.flat;
    g_autofree char *t2 = bt_path("st2.qcow2");
    ck_assert_int_eq(bt_sh(NULL, "cp %s %s", t, t2), 0);

    BlockGraph *g = bt_graph();
    QmpSession *s = listen_events();
    BlockBackend *blk = bt_drive(g, "file=%s,format=qcow2", t);
    bt_take_write(blk);
    /* Wrong uses first. */
    const char *klass;
    g_autofree char *e1 = cmd_error(g, &klass, "block-commit",
                                    "{\"device\": \"d0\", \"top\": \"/nonexistent.qcow2\"}");
    ck_assert_str_eq(e1, "Top image file '/nonexistent.qcow2' not found");
    cmd(g, "block-stream", "{\"device\": \"d0\", \"job-id\": \"s0\"}");
    Job *job = job_find(g, "s0");
    uint8_t buf[4096];
    memset(buf, 0x44, sizeof(buf));
    bt_write(blk, 3 * MIB, buf, sizeof(buf)); /* the guest writes during the stream */
    (void)job;
    wait_gone(g, "s0");
    ck_assert(!saw("\"error\""));
    ck_assert(!blk_node(blk)->backing);
    qmp_session_free(s);
    block_graph_free(g);
    g_autofree char *info = NULL;
    ck_assert_int_eq(bt_sh(&info, "qemu-img info %s", t), 0);
    ck_assert_msg(!strstr(info, "backing file"), "%s", info);
    ck_assert_int_eq(bt_qemu_img_check(t), 0);
    ck_assert_int_eq(bt_sh(NULL, "qemu-io -f raw -c 'write -P 0x44 3M 4k' %s >/dev/null",
                           flat), 0);
    assert_same(t, flat);

    /* Intermediate commit of mid into base on the untouched copy of the chain. */
    g = bt_graph();
    s = listen_events();
    blk = bt_drive(g, "file=%s,format=qcow2", t2);
    bt_take_write(blk);
    BlockNode *mid = blk_node(blk)->backing->node;
    BlockNode *bn = mid->backing->node;
    /* The chain came from headers, read-only: the base's file is reopened
     * read-write for the commit and read-only again afterwards. */
    ck_assert(bn->file->node->read_only);
    ck_assert_int_eq(fd_access_mode(b), O_RDONLY);
    g_autofree char *e3 = cmd_error(g, &klass, "block-commit", "{\"device\": \"d0\", "
                                    "\"top-node\": \"%s\", \"base-node\": \"%s\"}",
                                    mid->node_name, blk_node(blk)->node_name);
    ck_assert_msg(strstr(e3, "is not below top"), "%s", e3);
    g_autofree char *e4 = cmd_error(g, &klass, "block-commit", "{\"device\": \"d0\", "
                                    "\"top-node\": \"%s\"}", bn->node_name);
    ck_assert_msg(strstr(e4, "has no backing file to commit into"), "%s", e4);
    cmd(g, "block-commit", "{\"device\": \"d0\", \"job-id\": \"c1\", \"top-node\": \"%s\", "
        "\"base-node\": \"%s\"}", mid->node_name, bn->node_name);
    wait_gone(g, "c1");
    ck_assert(!saw("\"error\""));
    ck_assert_ptr_eq(blk_node(blk)->backing->node, bn);
    ck_assert(bn->file->node->read_only);
    ck_assert_int_eq(fd_access_mode(b), O_RDONLY);
    /* Active commit into the same base: it becomes the device's disk, writable. */
    cmd(g, "block-commit", "{\"device\": \"d0\", \"job-id\": \"c2\"}");
    wait_status(job_find(g, "c2"), JOB_STATUS_READY);
    ck_assert_int_eq(fd_access_mode(b), O_RDWR);
    cmd(g, "block-job-complete", "{\"device\": \"c2\"}");
    wait_gone(g, "c2");
    ck_assert(!saw("\"error\""));
    ck_assert_ptr_eq(blk_node(blk), bn);
    ck_assert(!bn->file->node->read_only);
    qmp_session_free(s);
    block_graph_free(g);
    ck_assert_int_eq(bt_qemu_img_check(b), 0);
    /* Before the stream, t2 was the same chain as t: base now holds its view. */
    g_autofree char *flat0 = bt_path("flat0.raw");
    ck_assert_int_eq(bt_sh(NULL, "qemu-img convert -O raw %s %s", t2, flat0), 0);
    assert_same(b, flat0);
}
END_TEST

START_TEST(test_intermediate_commit_rw_chain)
{
    bt_need("qemu-img");
    g_auto(Chain) c = chain_make("i");
    const char *b = c.b, *m = c.m, *t = c.t, *flat = c.flat;
    BlockGraph *g = bt_graph();
    QmpSession *s = listen_events();
    GError *err = NULL;
    g_autofree char *spec = g_strdup_printf(
        "driver=qcow2,node-name=nb,file.driver=file,file.filename=%s", b);
    ck_assert(block_cmdline_blockdev(g, spec, &err));
    g_free(spec);
    spec = g_strdup_printf("driver=qcow2,node-name=nm,backing=nb,file.driver=file,"
                           "file.filename=%s", m);
    ck_assert_msg(block_cmdline_blockdev(g, spec, &err), "%s", err ? err->message : "");
    g_free(spec);
    spec = g_strdup_printf("driver=qcow2,node-name=nt,backing=nm,file.driver=file,"
                           "file.filename=%s", t);
    ck_assert(block_cmdline_blockdev(g, spec, &err));
    BlockBackend *blk = blk_for_device(g, "nt", "disk", &err);
    ck_assert(blk);
    bt_take_write(blk);
    cmd(g, "block-commit", "{\"device\": \"nt\", \"job-id\": \"ic\", \"top-node\": \"nm\", "
        "\"base-node\": \"nb\"}");
    wait_gone(g, "ic");
    ck_assert(!saw("\"error\""));
    ck_assert_ptr_eq(block_node_find(g, "nt")->backing->node, block_node_find(g, "nb"));
    qmp_session_free(s);
    block_graph_free(g);
    g_autofree char *info = NULL;
    ck_assert_int_eq(bt_sh(&info, "qemu-img info %s", t), 0);
    ck_assert_msg(strstr(info, "ib.qcow2") && !strstr(info, "im.qcow2"), "%s", info);
    ck_assert_int_eq(bt_qemu_img_check(t), 0);
    ck_assert_int_eq(bt_qemu_img_check(b), 0);
    assert_same(t, flat);
}
END_TEST

START_TEST(test_backup_point_in_time)
{
    bt_need("qemu-img");
    g_autofree char *src = mkimg("bsrc.qcow2", "qcow2", "4M");
    qemu_io(src, "qcow2", "write -P 0x77 0 4M");
    g_autofree char *pit = bt_path("pit.raw");
    ck_assert_int_eq(bt_sh(NULL, "qemu-img convert -O raw %s %s", src, pit), 0);
    g_autofree char *dst = mkimg("bdst.qcow2", "qcow2", "4M");
    BlockGraph *g = bt_graph();
    QmpSession *s = listen_events();
    BlockBackend *blk = bt_drive(g, "file=%s,format=qcow2", src);
    bt_take_write(blk);
    GError *err = NULL;
    g_autofree char *spec = g_strdup_printf("driver=qcow2,node-name=bk,file.driver=file,"
                                            "file.filename=%s", dst);
    ck_assert(block_cmdline_blockdev(g, spec, &err));
    const char *klass;
    g_autofree char *e1 = cmd_error(g, &klass, "blockdev-backup", "{\"device\": \"d0\", "
                                    "\"target\": \"bk\", \"sync\": \"incremental\"}");
    ck_assert_str_eq(e1, "must provide a valid bitmap name for 'incremental' sync mode");
    cmd(g, "blockdev-backup", "{\"device\": \"d0\", \"job-id\": \"b0\", \"target\": \"bk\", "
        "\"sync\": \"full\", \"speed\": 1048576}");
    /* Overwrite everything while the backup runs. */
    uint8_t buf[65536];
    memset(buf, 0x99, sizeof(buf));
    for (uint64_t off = 0; off < 4 * MIB; off += sizeof(buf)) {
        bt_write(blk, off, buf, sizeof(buf));
    }
    wait_gone(g, "b0");
    ck_assert(!saw("\"error\""));
    qmp_session_free(s);
    block_graph_free(g);
    ck_assert_int_eq(bt_qemu_img_check(dst), 0);
    assert_same(dst, pit);
}
END_TEST

START_TEST(test_incremental_backup)
{
    bt_need("qemu-img");
    g_autofree char *src = mkimg("isrc.qcow2", "qcow2", "4M");
    qemu_io(src, "qcow2", "write -P 0x10 0 4M");
    g_autofree char *full = mkimg("full.qcow2", "qcow2", "4M");
    g_autofree char *inc = bt_path("inc1.qcow2");
    ck_assert_int_eq(bt_sh(NULL, "qemu-img create -q -f qcow2 -b %s -F qcow2 %s", full, inc),
                     0);
    BlockGraph *g = bt_graph();
    QmpSession *s = listen_events();
    BlockBackend *blk = bt_drive(g, "file=%s,format=qcow2", src);
    bt_take_write(blk);
    GError *err = NULL;
    BlockDirtyBitmap *bm = block_dirty_bitmap_create(blk_node(blk), "b0", 65536, &err);
    ck_assert_msg(bm, "%s", err ? err->message : "");
    g_autofree char *spec = g_strdup_printf("driver=qcow2,node-name=full,file.driver=file,"
                                            "file.filename=%s", full);
    ck_assert(block_cmdline_blockdev(g, spec, &err));
    cmd(g, "blockdev-backup", "{\"device\": \"d0\", \"job-id\": \"f\", \"target\": \"full\", "
        "\"sync\": \"full\"}");
    wait_gone(g, "f");
    /* The bitmap saw no write yet: the full backup is the base. */
    ck_assert_uint_eq(block_dirty_bitmap_count(bm), 0);
    uint8_t buf[8192];
    memset(buf, 0xab, sizeof(buf));
    bt_write(blk, 1 * MIB + 4096, buf, sizeof(buf));
    bt_write(blk, 3 * MIB, buf, 512);
    ck_assert_uint_eq(block_dirty_bitmap_count(bm), 2 * 65536);
    g_free(spec);
    spec = g_strdup_printf("driver=qcow2,node-name=inc,file.driver=file,file.filename=%s", inc);
    ck_assert_msg(block_cmdline_blockdev(g, spec, &err), "%s", err ? err->message : "");
    const char *klass;
    g_autofree char *e1 = cmd_error(g, &klass, "blockdev-backup", "{\"device\": \"d0\", "
                                    "\"target\": \"inc\", \"sync\": \"incremental\", "
                                    "\"bitmap\": \"nosuch\"}");
    ck_assert_str_eq(e1, "Bitmap 'nosuch' could not be found");
    cmd(g, "blockdev-backup", "{\"device\": \"d0\", \"job-id\": \"i\", \"target\": \"inc\", "
        "\"sync\": \"incremental\", \"bitmap\": \"b0\", \"speed\": 65536}");
    ck_assert(block_dirty_bitmap_busy(bm));
    /* Written during the incremental backup: in the bitmap for the next one. */
    memset(buf, 0xcd, sizeof(buf));
    bt_write(blk, 2 * MIB, buf, 512);
    wait_gone(g, "i");
    ck_assert(!saw("\"error\""));
    ck_assert(!block_dirty_bitmap_busy(bm));
    ck_assert_uint_eq(block_dirty_bitmap_count(bm), 65536);
    ck_assert(block_dirty_bitmap_get(bm, 2 * MIB));
    qmp_session_free(s);
    block_graph_free(g);
    ck_assert_int_eq(bt_qemu_img_check(inc), 0);
    /* full + inc1 is the disk as it was when the incremental backup started. */
    uint64_t len;
    g_autofree uint8_t *v = bt_qemu_img_read(inc, &len);
    ck_assert_uint_eq(len, 4 * MIB);
    for (uint64_t i = 0; i < len; i++) {
        uint8_t want = (i >= MIB + 4096 && i < MIB + 4096 + 8192) ||
                       (i >= 3 * MIB && i < 3 * MIB + 512) ? 0xab : 0x10;
        ck_assert_msg(v[i] == want, "byte %" G_GUINT64_FORMAT ": %02x", i, v[i]);
    }
}
END_TEST

START_TEST(test_transaction_all_or_nothing)
{
    bt_need("qemu-img");
    g_autofree char *a = mkimg("ta.qcow2", "qcow2", "1M");
    g_autofree char *b = mkimg("tb.qcow2", "qcow2", "1M");
    g_autofree char *sa = bt_path("sa.qcow2");
    g_autofree char *sb = bt_path("sb.qcow2");
    BlockGraph *g = bt_graph();
    BlockBackend *ba = bt_drive(g, "file=%s,format=qcow2", a);
    bt_take_write(ba);
    GError *err = NULL;
    g_autofree char *spec = g_strdup_printf("file=%s,format=qcow2,if=none,id=d1", b);
    ck_assert(block_cmdline_drive(g, spec, false, NULL, &err));
    BlockNode *old_a = blk_node(ba);
    const char *klass;
    g_autofree char *e1 = cmd_error(g, &klass, "transaction", "{\"actions\": ["
        "{\"type\": \"blockdev-snapshot-sync\", \"data\": {\"device\": \"d0\", "
        "\"snapshot-file\": \"%s\", \"format\": \"qcow2\"}},"
        "{\"type\": \"blockdev-snapshot-sync\", \"data\": {\"device\": \"d1\", "
        "\"snapshot-file\": \"%s\", \"format\": \"qcow2\"}},"
        "{\"type\": \"abort\", \"data\": {}}]}", sa, sb);
    ck_assert_str_eq(e1, "Transaction aborted using Abort action");
    ck_assert_ptr_eq(blk_node(ba), old_a);
    ck_assert(access(sa, F_OK) != 0 && access(sb, F_OK) != 0);
    ck_assert(!old_a->read_only);
    cmd(g, "transaction", "{\"actions\": ["
        "{\"type\": \"blockdev-snapshot-sync\", \"data\": {\"device\": \"d0\", "
        "\"snapshot-file\": \"%s\", \"format\": \"qcow2\"}},"
        "{\"type\": \"blockdev-snapshot-sync\", \"data\": {\"device\": \"d1\", "
        "\"snapshot-file\": \"%s\", \"format\": \"qcow2\"}}]}", sa, sb);
    ck_assert_ptr_eq(blk_node(ba)->backing->node, old_a);
    ck_assert(blk_node(blk_by_name(g, "d1"))->backing);
    block_graph_free(g);
    g_autofree char *info = NULL;
    ck_assert_int_eq(bt_sh(&info, "qemu-img info %s", sb), 0);
    ck_assert_msg(strstr(info, "tb.qcow2"), "%s", info);
}
END_TEST

START_TEST(test_enospc_on_target_stops_job)
{
    bt_need("qemu-img");
    g_autofree char *mnt = bt_path("mnt");
    g_autofree char *src = mkimg("esrc.raw", "raw", "8M");
    qemu_io(src, "raw", "write -P 0x42 0 8M");
    ck_assert_int_eq(bt_sh(NULL, "mkdir -p %s", mnt), 0);
    if (mount("tmpfs", mnt, "tmpfs", 0, "size=4m") != 0) {
        ck_abort_msg("mounting a tmpfs for the ENOSPC test needs root: %s", g_strerror(errno));
    }
    g_autofree char *filler = g_strdup_printf("%s/filler", mnt);
    ck_assert_int_eq(bt_sh(NULL, "dd if=/dev/zero of=%s bs=1M count=2 2>/dev/null", filler), 0);
    g_autofree char *dst = g_strdup_printf("%s/dst.raw", mnt);
    BlockGraph *g = bt_graph();
    QmpSession *s = listen_events();
    BlockBackend *blk = bt_drive(g, "file=%s,format=raw", src);
    bt_take_write(blk);
    cmd(g, "drive-mirror", "{\"device\": \"d0\", \"job-id\": \"ns\", \"target\": \"%s\", "
        "\"format\": \"raw\", \"sync\": \"full\", \"on-target-error\": \"stop\"}", dst);
    Job *job = job_find(g, "ns");
    wait_status(job, JOB_STATUS_PAUSED);
    ck_assert(saw("\"event\":\"BLOCK_JOB_ERROR\",\"data\":{\"device\":\"ns\","
                  "\"operation\":\"write\",\"action\":\"stop\"}"));
    ck_assert(job->io_nospace);
    /* Free space (a bigger tmpfs), resume: the job completes. */
    unlink(filler);
    ck_assert_int_eq(mount("tmpfs", mnt, "tmpfs", MS_REMOUNT, "size=16m"), 0);
    cmd(g, "block-job-resume", "{\"device\": \"ns\"}");
    wait_status(job, JOB_STATUS_READY);
    cmd(g, "block-job-complete", "{\"device\": \"ns\"}");
    wait_gone(g, "ns");
    qmp_session_free(s);
    block_graph_free(g);
    assert_same(src, dst);
    umount(mnt);
}
END_TEST

/* copy-mode=write-blocking: a guest write is on the target when it
 * completes, even with the job paused; background mode leaves it to the
 * job.  buf-size: bytes in flight (checked, and a copy made with a small one
 * is exact). */
START_TEST(test_mirror_copy_mode_and_buf_size)
{
    bt_need("qemu-img");
    g_autofree char *src = mkimg("wsrc.raw", "raw", "4M");
    qemu_io(src, "raw", "write -P 0x33 0 4M");
    g_autofree char *dst = mkimg("wdst.raw", "raw", "4M");
    BlockGraph *g = bt_graph();
    QmpSession *s = listen_events();
    BlockBackend *blk = bt_drive(g, "file=%s,format=raw", src);
    bt_take_write(blk);
    GError *err = NULL;
    g_autofree char *t = g_strdup_printf("driver=raw,node-name=t0,file.driver=file,"
                                         "file.filename=%s", dst);
    ck_assert(block_cmdline_blockdev(g, t, &err));
    const char *klass;
    g_autofree char *e1 = cmd_error(g, &klass, "blockdev-mirror", "{\"device\": \"d0\", "
                                    "\"target\": \"t0\", \"sync\": \"none\", \"buf-size\": -1}");
    ck_assert_str_eq(e1, "Invalid parameter 'buf-size'");
    g_autofree char *e2 = cmd_error(g, &klass, "blockdev-mirror", "{\"device\": \"d0\", "
                                    "\"target\": \"t0\", \"sync\": \"none\", "
                                    "\"copy-mode\": \"eager\"}");
    ck_assert_str_eq(e2, "Parameter 'copy-mode' does not accept value 'eager'");
    const char *modes[] = { "background", "write-blocking" };
    uint8_t buf[65536], back[65536];
    for (int i = 0; i < 2; i++) {
        cmd(g, "blockdev-mirror", "{\"device\": \"d0\", \"job-id\": \"w\", \"target\": \"t0\", "
            "\"sync\": \"none\", \"copy-mode\": \"%s\", \"buf-size\": 131072}", modes[i]);
        Job *job = job_find(g, "w");
        wait_status(job, JOB_STATUS_READY);
        cmd(g, "block-job-pause", "{\"device\": \"w\"}");
        wait_status(job, JOB_STATUS_STANDBY);
        bt_fill(buf, sizeof(buf), 40 + i);
        bt_write(blk, MIB + 1000 + (uint64_t)i * 131072, buf, sizeof(buf));
        ck_assert_int_eq(block_node_pread(block_node_find(g, "t0"),
                                          MIB + 1000 + (uint64_t)i * 131072, sizeof(back), back),
                         0);
        ck_assert_msg((memcmp(buf, back, sizeof(buf)) == 0) == (i == 1), "copy-mode %s",
                      modes[i]);
        cmd(g, "block-job-resume", "{\"device\": \"w\"}");
        cmd(g, "block-job-cancel", "{\"device\": \"w\"}");
        wait_gone(g, "w");
    }
    /* A full copy with one 192 KiB request in flight at a time. */
    cmd(g, "blockdev-mirror", "{\"device\": \"d0\", \"job-id\": \"f\", \"target\": \"t0\", "
        "\"sync\": \"full\", \"buf-size\": 196608}");
    wait_status(job_find(g, "f"), JOB_STATUS_READY);
    cmd(g, "block-job-cancel", "{\"device\": \"f\"}");
    wait_gone(g, "f");
    ck_assert(!saw("\"error\""));
    qmp_session_free(s);
    block_graph_free(g);
    assert_same(dst, src);
}
END_TEST

/* filter-node-name: a mirror_top node sits above the source while the job
 * runs (the device's requests pass through it and are mirrored); it goes on
 * cancel (the device back on the source) and on complete (on the target). */
START_TEST(test_mirror_filter_node)
{
    bt_need("qemu-img");
    g_autofree char *src = mkimg("fsrc.raw", "raw", "4M");
    qemu_io(src, "raw", "write -P 0x21 0 4M");
    g_autofree char *dst = mkimg("fdst.raw", "raw", "4M");
    BlockGraph *g = bt_graph();
    QmpSession *s = listen_events();
    BlockBackend *blk = bt_drive(g, "file=%s,format=raw", src);
    bt_take_write(blk);
    BlockNode *orig = blk_node(blk);
    GError *err = NULL;
    g_autofree char *t = g_strdup_printf("driver=raw,node-name=t0,file.driver=file,"
                                         "file.filename=%s", dst);
    ck_assert(block_cmdline_blockdev(g, t, &err));
    ck_assert(!block_cmdline_blockdev(g, "driver=mirror_top,node-name=x", &err));
    ck_assert_msg(strstr(err->message, "used by mirror jobs only"), "%s", err->message);
    g_clear_error(&err);
    const char *klass;
    g_autofree char *e1 = cmd_error(g, &klass, "blockdev-mirror", "{\"device\": \"d0\", "
                                    "\"target\": \"t0\", \"sync\": \"full\", "
                                    "\"filter-node-name\": \"t0\"}");
    ck_assert_str_eq(e1, "Duplicate nodes with node-name='t0'");
    ck_assert_ptr_eq(blk_node(blk), orig);
    /* Cancelled: the device is back on its node. */
    cmd(g, "blockdev-mirror", "{\"device\": \"d0\", \"job-id\": \"m\", \"target\": \"t0\", "
        "\"sync\": \"full\", \"speed\": 65536, \"filter-node-name\": \"mt\"}");
    BlockNode *f = block_node_find(g, "mt");
    ck_assert(f);
    ck_assert_str_eq(f->drv->name, "mirror_top");
    ck_assert_ptr_eq(blk_node(blk), f);
    ck_assert_ptr_eq(f->file->node, orig);
    cmd(g, "block-job-cancel", "{\"device\": \"m\"}");
    wait_gone(g, "m");
    ck_assert_ptr_eq(blk_node(blk), orig);
    ck_assert(!block_node_find(g, "mt"));
    /* Completed: writes through the filter reach the target, the device pivots. */
    cmd(g, "blockdev-mirror", "{\"device\": \"d0\", \"job-id\": \"m\", \"target\": \"t0\", "
        "\"sync\": \"full\", \"filter-node-name\": \"mt\"}");
    ck_assert_ptr_eq(blk_node(blk), block_node_find(g, "mt"));
    uint8_t buf[65536];
    bt_fill(buf, sizeof(buf), 77);
    bt_write(blk, 2 * MIB, buf, sizeof(buf));
    wait_status(job_find(g, "m"), JOB_STATUS_READY);
    cmd(g, "block-job-complete", "{\"device\": \"m\"}");
    wait_gone(g, "m");
    ck_assert(!saw("\"error\""));
    ck_assert_ptr_eq(blk_node(blk), block_node_find(g, "t0"));
    ck_assert(!block_node_find(g, "mt"));
    qmp_session_free(s);
    block_graph_free(g);
    assert_same(dst, src);
    uint64_t len;
    g_autofree uint8_t *view = bt_qemu_img_read(dst, &len);
    ck_assert(memcmp(view + 2 * MIB, buf, sizeof(buf)) == 0);
}
END_TEST

/* filter-node-name on block-stream (copy-on-read), an intermediate
 * block-commit (commit_top) and an active commit (mirror_top): the filter
 * node of that name is in the graph (query-named-block-nodes) above the
 * node the job works on while it runs, and goes when it ends. */
START_TEST(test_stream_commit_filter_nodes)
{
    bt_need("qemu-img");
    g_auto(Chain) c = chain_make("f");
    const char *b = c.b, *t = c.t, *flat = c.flat;
    g_autofree char *t2 = bt_path("ft2.qcow2");
    ck_assert_int_eq(bt_sh(NULL, "cp %s %s", t, t2), 0);

    /* Stream, slowed down so that it is still running when looked at. */
    BlockGraph *g = bt_graph();
    QmpSession *s = listen_events();
    BlockBackend *blk = bt_drive(g, "file=%s,format=qcow2", t);
    bt_take_write(blk);
    BlockNode *top = blk_node(blk);
    const char *klass;
    g_autofree char *e1 = cmd_error(g, &klass, "block-stream", "{\"device\": \"d0\", "
                                    "\"filter-node-name\": \"%s\"}", top->node_name);
    ck_assert_msg(strstr(e1, "Invalid node-name"), "%s", e1);
    ck_assert(!job_find(g, "d0"));
    ck_assert_ptr_eq(blk_node(blk), top);
    cmd(g, "block-stream", "{\"device\": \"d0\", \"job-id\": \"s0\", \"speed\": 1, "
        "\"filter-node-name\": \"cor\"}");
    BlockNode *f = block_node_find(g, "cor");
    ck_assert(f);
    ck_assert_str_eq(f->drv->name, "copy-on-read");
    ck_assert_ptr_eq(blk_node(blk), f);
    ck_assert_ptr_eq(f->file->node, top);
    /* A read through the filter copies what it reads up into the top.  At
     * 1 byte/s the job's first step (which runs at once) copies the first
     * 64 KiB and the next one is hours away, so look at 256 KiB. */
    uint64_t pnum;
    ck_assert_int_eq(block_node_block_status(top, 256 * 1024, 65536, &pnum), 0);
    uint8_t buf[65536];
    bt_read(blk, 256 * 1024, buf, sizeof(buf));
    ck_assert_int_eq(buf[0], 0x11);
    ck_assert_int_eq(block_node_block_status(top, 256 * 1024, 65536, &pnum), 1);
    g_autofree char *e2 = cmd_error(g, &klass, "block-stream", "{\"device\": \"cor\"}");
    ck_assert_msg(strstr(e2, "has no backing chain to stream"), "%s", e2);
    cmd(g, "block-job-set-speed", "{\"device\": \"s0\", \"speed\": 0}");
    wait_gone(g, "s0");
    ck_assert(!saw("\"error\""));
    ck_assert(!block_node_find(g, "cor"));
    ck_assert_ptr_eq(blk_node(blk), top);
    ck_assert(!top->backing);
    qmp_session_free(s);
    block_graph_free(g);
    assert_same(t, flat);

    /* Intermediate commit: cancelled, then completed. */
    g = bt_graph();
    s = listen_events();
    blk = bt_drive(g, "file=%s,format=qcow2", t2);
    bt_take_write(blk);
    top = blk_node(blk);
    BlockNode *mid = top->backing->node;
    BlockNode *bn = mid->backing->node;
    cmd(g, "block-commit", "{\"device\": \"d0\", \"job-id\": \"c1\", \"top-node\": \"%s\", "
        "\"speed\": 1, \"filter-node-name\": \"ct\"}", mid->node_name);
    f = block_node_find(g, "ct");
    ck_assert(f);
    ck_assert_str_eq(f->drv->name, "commit_top");
    ck_assert_ptr_eq(top->backing->node, f);
    ck_assert_ptr_eq(f->file->node, mid);
    bt_read(blk, 512 * 1024, buf, sizeof(buf)); /* reads pass through */
    ck_assert_int_eq(buf[0], 0x22);
    cmd(g, "block-job-cancel", "{\"device\": \"c1\", \"force\": true}");
    wait_gone(g, "c1");
    ck_assert(!block_node_find(g, "ct"));
    ck_assert_ptr_eq(top->backing->node, mid);
    cmd(g, "block-commit", "{\"device\": \"d0\", \"job-id\": \"c1\", \"top-node\": \"%s\", "
        "\"filter-node-name\": \"ct\"}", mid->node_name);
    wait_gone(g, "c1");
    ck_assert(!saw("\"error\""));
    ck_assert(!block_node_find(g, "ct"));
    ck_assert_ptr_eq(top->backing->node, bn);
    /* Active commit: a mirror_top, as QEMU's. */
    cmd(g, "block-commit", "{\"device\": \"d0\", \"job-id\": \"c2\", "
        "\"filter-node-name\": \"at\"}");
    f = block_node_find(g, "at");
    ck_assert(f);
    ck_assert_str_eq(f->drv->name, "mirror_top");
    ck_assert_ptr_eq(blk_node(blk), f);
    wait_status(job_find(g, "c2"), JOB_STATUS_READY);
    cmd(g, "block-job-complete", "{\"device\": \"c2\"}");
    wait_gone(g, "c2");
    ck_assert(!saw("\"error\""));
    ck_assert(!block_node_find(g, "at"));
    ck_assert_ptr_eq(blk_node(blk), bn);
    qmp_session_free(s);
    block_graph_free(g);
    ck_assert_int_eq(bt_qemu_img_check(b), 0);
    assert_same(b, flat);
}
END_TEST

/* Copy offload between qcow2 images on host files (a mirror's copies):
 * data clusters go by copy_file_range into fresh target clusters; holes,
 * and target clusters already allocated, are refused (-ENOTSUP) so the
 * caller reads and writes. */
START_TEST(test_copy_range_offload)
{
    bt_need("qemu-img");
    g_autofree char *a = mkimg("cra.qcow2", "qcow2", "4M");
    g_autofree char *b = mkimg("crb.qcow2", "qcow2", "4M");
    qemu_io(a, "qcow2", "write -P 0x5a 0 2M");
    qemu_io(b, "qcow2", "write -P 0x01 3M 64k");
    BlockGraph *g = bt_graph();
    GError *err = NULL;
    g_autofree char *sa = g_strdup_printf("driver=qcow2,node-name=ca,file.driver=file,"
                                          "file.filename=%s", a);
    g_autofree char *sb = g_strdup_printf("driver=qcow2,node-name=cb,file.driver=file,"
                                          "file.filename=%s", b);
    ck_assert(block_cmdline_blockdev(g, sa, &err));
    ck_assert(block_cmdline_blockdev(g, sb, &err));
    BlockNode *na = block_node_find(g, "ca"), *nb = block_node_find(g, "cb");
    ck_assert_int_eq(block_node_copy_range(na, 0, nb, 0, 1 * MIB), 0);
    ck_assert_int_eq(block_node_copy_range(na, 1 * MIB, nb, 2 * MIB, 64 * 1024), 0);
    ck_assert_int_eq(block_node_copy_range(na, 2 * MIB, nb, 1 * MIB, 64 * 1024), -ENOTSUP);
    ck_assert_int_eq(block_node_copy_range(na, 0, nb, 3 * MIB, 64 * 1024), -ENOTSUP);
    ck_assert_int_eq(block_node_copy_range(na, 0, nb, 1 * MIB + 512, 4096), -ENOTSUP);
    ck_assert_uint_eq(nb->stats.wr_bytes, 1 * MIB + 64 * 1024);
    block_graph_free(g);
    ck_assert_int_eq(bt_qemu_img_check(b), 0);
    g_autofree char *out = NULL;
    ck_assert_msg(bt_sh(&out, "qemu-io -f qcow2 -c 'read -P 0x5a 0 1M' -c 'read -P 0 1M 1M' "
                              "-c 'read -P 0x5a 2M 64k' -c 'read -P 0x01 3M 64k' %s", b) == 0 &&
                  !strstr(out, "Pattern verification failed"), "%s", out);
}
END_TEST

START_TEST(test_wrong_uses)
{
    BlockGraph *g = bt_graph();
    GError *err = NULL;
    ck_assert(block_cmdline_blockdev(g, "driver=null-co,node-name=n0,size=1M", &err));
    ck_assert(block_cmdline_blockdev(g, "driver=null-co,node-name=n1,size=1M", &err));
    ck_assert(block_cmdline_blockdev(g, "driver=null-co,node-name=n2,size=2M", &err));
    const char *klass;
    g_autofree char *e1 = cmd_error(g, &klass, "blockdev-mirror", "{\"device\": \"n0\", "
                                    "\"target\": \"n0\", \"sync\": \"full\"}");
    ck_assert_str_eq(e1, "Can't mirror node into itself");
    g_autofree char *e2 = cmd_error(g, &klass, "blockdev-mirror", "{\"device\": \"n0\", "
                                    "\"target\": \"n2\", \"sync\": \"full\"}");
    ck_assert_str_eq(e2, "Source and target image have different sizes");
    g_autofree char *e3 = cmd_error(g, &klass, "blockdev-mirror", "{\"device\": \"n0\", "
                                    "\"target\": \"n1\", \"sync\": \"most\"}");
    ck_assert_str_eq(e3, "Parameter 'sync' does not accept value 'most'");
    g_autofree char *e4 = cmd_error(g, &klass, "blockdev-mirror", "{\"device\": \"nx\", "
                                    "\"target\": \"n1\", \"sync\": \"full\"}");
    ck_assert_str_eq(e4, "Cannot find device='nx' nor node-name='nx'");
    ck_assert_str_eq(klass, "GenericError");
    g_autofree char *e5 = cmd_error(g, &klass, "block-commit", "{\"device\": \"n0\"}");
    ck_assert_str_eq(e5, "Top image 'n0' has no backing file to commit into");
    g_autofree char *e6 = cmd_error(g, &klass, "blockdev-mirror", "{\"device\": \"n0\", "
                                    "\"target\": \"n1\", \"sync\": \"full\", "
                                    "\"granularity\": 1000}");
    ck_assert_str_eq(e6, "Granularity must be a power of 2 between 512 and 64M");
    cmd(g, "blockdev-mirror", "{\"device\": \"n0\", \"job-id\": \"j\", \"target\": \"n1\", "
        "\"sync\": \"full\", \"speed\": 1024}");
    g_autofree char *e7 = cmd_error(g, &klass, "blockdev-backup", "{\"device\": \"n0\", "
                                    "\"job-id\": \"k\", \"target\": \"n1\", \"sync\": \"full\"}");
    ck_assert_str_eq(e7, "Node 'n0' is busy: block device is in use by block job: mirror");
    g_autofree char *e8 = cmd_error(g, &klass, "blockdev-mirror", "{\"device\": \"n2\", "
                                    "\"job-id\": \"j\", \"target\": \"n1\", \"sync\": \"full\"}");
    ck_assert_str_eq(e8, "Job ID 'j' already in use");
    g_autofree char *e9 = cmd_error(g, &klass, "block-job-complete", "{\"device\": \"j\"}");
    ck_assert_str_eq(e9, "Job 'j' in state 'running' cannot accept command verb 'complete'");
    g_autofree char *e10 = cmd_error(g, &klass, "blockdev-snapshot",
                                     "{\"node\": \"n0\", \"overlay\": \"n2\"}");
    ck_assert_str_eq(e10, "The overlay 'n2' does not support backing images");
    cmd(g, "block-job-cancel", "{\"device\": \"j\", \"force\": true}");
    wait_gone(g, "j");
    block_graph_free(g);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("block/jobs");
    TCase *tc = tcase_create("jobs");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_state_tables);
    tcase_add_test(tc, test_life_cycle_events);
    tcase_add_test(tc, test_pause_resume_cancel);
    tcase_add_test(tc, test_ready_complete_and_error_policy);
    tcase_add_test(tc, test_mirror_pivot_while_writing);
    tcase_add_test(tc, test_mirror_cancel_before_and_after_ready);
    tcase_add_test(tc, test_snapshot_then_active_commit);
    tcase_add_test(tc, test_stream_and_intermediate_commit);
    tcase_add_test(tc, test_intermediate_commit_rw_chain);
    tcase_add_test(tc, test_backup_point_in_time);
    tcase_add_test(tc, test_incremental_backup);
    tcase_add_test(tc, test_transaction_all_or_nothing);
    tcase_add_test(tc, test_enospc_on_target_stops_job);
    tcase_add_test(tc, test_mirror_copy_mode_and_buf_size);
    tcase_add_test(tc, test_mirror_filter_node);
    tcase_add_test(tc, test_stream_commit_filter_nodes);
    tcase_add_test(tc, test_copy_range_offload);
    tcase_add_test(tc, test_wrong_uses);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
