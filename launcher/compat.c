/* SPDX-License-Identifier: MIT */
/*
 * -pidfile, -daemonize and accelerator fallback lists (launcher/compat.h).
 *
 * These are process-wide facts of the one tessera process, so the state
 * lives here in the launcher (never in a plugin).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel/accel.h"
#include "kernel/core.h"
#include "kernel/log.h"
#include "kernel/options.h"
#include "launcher/compat.h"

static char *pidfile_path;
static int pidfile_fd = -1;
static int daemon_pipe = -1;     /* child's end while the parent waits */

/* ---- -daemonize ------------------------------------------------------------ */

static G_GNUC_NORETURN void parent_wait(int rfd, pid_t child)
{
    char ok;
    ssize_t n;
    do {
        n = read(rfd, &ok, 1);
    } while (n < 0 && errno == EINTR);
    if (n == 1) {
        _exit(0); /* the daemon is ready; it keeps running */
    }
    /* The child exited (or crashed) before it was ready: its status is ours. */
    int status;
    while (waitpid(child, &status, 0) < 0) {
        if (errno != EINTR) {
            _exit(1);
        }
    }
    if (WIFEXITED(status)) {
        _exit(WEXITSTATUS(status));
    }
    fprintf(stderr, "tessera: the daemon died of signal %d before it was ready\n",
            WTERMSIG(status));
    _exit(1);
}

bool compat_daemonize_start(GError **errp)
{
    int fds[2];
    if (pipe(fds) < 0) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "-daemonize: pipe: %s",
                    g_strerror(errno));
        return false;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "-daemonize: fork: %s",
                    g_strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return false;
    }
    if (pid > 0) {
        close(fds[1]);
        parent_wait(fds[0], pid);
    }
    close(fds[0]);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    daemon_pipe = fds[1];
    if (setsid() < 0) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID, "-daemonize: setsid: %s",
                    g_strerror(errno));
        return false;
    }
    /* The working directory stays: relative paths on the command line keep working. */
    return true;
}

void compat_daemonize_ready(void)
{
    if (daemon_pipe < 0) {
        return;
    }
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        fflush(stdout);
        fflush(stderr);
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        if (null > STDERR_FILENO) {
            close(null);
        }
    }
    ssize_t n;
    do {
        n = write(daemon_pipe, "", 1);
    } while (n < 0 && errno == EINTR);
    close(daemon_pipe);
    daemon_pipe = -1;
}

/* ---- -pidfile -------------------------------------------------------------- */

static void pidfile_remove(void)
{
    if (pidfile_fd < 0) {
        return;
    }
    /* Only the file we hold: if someone replaced it, it is not ours. */
    struct stat a, b;
    if (fstat(pidfile_fd, &a) == 0 && stat(pidfile_path, &b) == 0 && a.st_dev == b.st_dev &&
        a.st_ino == b.st_ino) {
        unlink(pidfile_path);
    }
    close(pidfile_fd);
    pidfile_fd = -1;
}

bool compat_pidfile_create(const char *path, GError **errp)
{
    for (;;) {
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                        "cannot create PID file: Cannot open pid file: %s", g_strerror(errno));
            return false;
        }
        struct flock lock = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
        if (fcntl(fd, F_SETLK, &lock) < 0) {
            int e = errno;
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                        "cannot create PID file: Cannot lock pid file: %s", g_strerror(e));
            close(fd);
            return false;
        }
        /* The previous owner may have unlinked the file between our open
         * and our lock: then we hold a lock on a file nobody sees; retry. */
        struct stat a, b;
        if (fstat(fd, &a) < 0 || stat(path, &b) < 0 || a.st_dev != b.st_dev ||
            a.st_ino != b.st_ino) {
            close(fd);
            continue;
        }
        g_autofree char *text = g_strdup_printf("%d\n", (int)getpid());
        if (ftruncate(fd, 0) < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
            g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                        "cannot create PID file: Failed to write pid file: %s",
                        g_strerror(errno));
            close(fd);
            unlink(path);
            return false;
        }
        pidfile_fd = fd;
        /* An absolute path: the daemon's working directory is not changed,
         * but keep the name valid whatever happens to it later. */
        pidfile_path = g_canonicalize_filename(path, NULL);
        atexit(pidfile_remove);
        return true;
    }
}

/* ---- -machine accel=A:B ---------------------------------------------------- */

static AccelState *try_accel(MachineState *ms, const char *name, bool *invalid, GError **errp)
{
    OptDict *d = opt_dict_new("-accel");
    opt_dict_set(d, "accel", name);
    GError *err = NULL;
    AccelState *accel = accel_create(d, &err);
    opt_dict_free(d);
    if (!accel) {
        *invalid = err->domain == CORE_ERROR && err->code == CORE_ERROR_NOT_FOUND;
        g_propagate_error(errp, err);
        return NULL;
    }
    ms->accel = accel;
    AccelClass *ac = ACCEL_GET_CLASS(accel);
    if (ac->init_machine && !ac->init_machine(accel, ms, &err)) {
        *invalid = false;
        ms->accel = NULL;
        object_unparent(OBJECT(accel));
        g_propagate_error(errp, err);
        return NULL;
    }
    return accel;
}

AccelState *compat_accel_from_list(MachineState *ms, const char *list, GError **errp)
{
    g_auto(GStrv) names = g_strsplit(list, ":", -1);
    bool failed = false;
    for (char **n = names; *n; n++) {
        if (!**n) {
            continue;
        }
        GError *err = NULL;
        bool invalid = false;
        AccelState *accel = try_accel(ms, *n, &invalid, &err);
        if (accel) {
            if (failed) {
                error_report("falling back to %s", *n);
            }
            return accel;
        }
        /* QEMU's wording: each failure is reported and the next one tried. */
        if (invalid) {
            error_report("invalid accelerator %s", *n);
        } else {
            error_report("failed to initialize %s: %s", *n, err->message);
        }
        g_error_free(err);
        failed = true;
    }
    if (!failed) {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_INVALID,
                    "-machine accel=%s: no accelerator found", list);
    } else {
        g_set_error(errp, CORE_ERROR, CORE_ERROR_NOT_FOUND,
                    "-machine accel=%s: none of these accelerators works", list);
    }
    return NULL;
}
