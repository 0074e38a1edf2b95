/* SPDX-License-Identifier: MIT */
/*
 * Protocol drivers for the host: "file" (regular files) and "host_device"
 * (block devices: real size from BLKGETSIZE64, logical block size from
 * BLKSSZGET).
 *
 * Options: filename (required), aio=threads (the only engine).
 * cache.direct=on opens with O_DIRECT; requests that are not aligned to the
 * node's request alignment (4096 for files, the logical block size for
 * devices) go through an aligned bounce buffer (read-modify-write for
 * writes, serialised).  Flush is fdatasync().  Discard punches holes
 * (BLKDISCARD on devices); write-zeroes uses fallocate when it can.
 * Copies between two host files (block_node_copy_range: a mirror's) use
 * copy_file_range, so the kernel moves the data (no bounce through the
 * process; a reflink where the file system shares extents).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block/block.h"
#include "kernel/hostfile.h"
#include "kernel/module.h"

#define FILE_DIRECT_ALIGN 4096

typedef struct FileState {
    int fd;
    bool is_device;
    uint64_t device_size;
    GMutex rmw_lock;          /* unaligned O_DIRECT writes */
} FileState;

static const char *const aio_values[] = { "threads", NULL };

static bool file_open_common(BlockNode *bs, BlockOpts *opts, bool device, GError **errp)
{
    g_autofree char *filename = block_opts_take(opts, "filename");
    if (!filename || !*filename) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID, "Parameter 'filename' is missing");
        return false;
    }
    if (block_opts_take_enum(opts, "aio", aio_values, 0, errp) < 0) {
        return false;
    }
    int flags = O_CLOEXEC | (bs->cache_direct ? O_DIRECT : 0);
    int fd = host_file_open(filename, flags | (bs->read_only ? O_RDONLY : O_RDWR), 0);
    if (fd < 0 && !bs->read_only && bs->auto_read_only && (errno == EACCES || errno == EROFS)) {
        fd = host_file_open(filename, flags | O_RDONLY, 0);
        bs->read_only = fd >= 0;
    }
    if (fd < 0) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_NOT_FOUND, "Could not open '%s': %s",
                    filename, g_strerror(errno));
        return false;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || (device && !S_ISBLK(st.st_mode)) ||
        (!device && S_ISDIR(st.st_mode))) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID, "'%s' is %s", filename,
                    device ? "not a block device (use driver=file)" : "a directory");
        close(fd);
        return false;
    }
    FileState *s = g_new0(FileState, 1);
    s->fd = fd;
    s->is_device = device;
    g_mutex_init(&s->rmw_lock);
    if (device) {
        int lbs = 512;
        if (ioctl(fd, BLKGETSIZE64, &s->device_size) < 0) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IO, "'%s': cannot read its size: %s",
                        filename, g_strerror(errno));
            close(fd);
            g_free(s);
            return false;
        }
        if (ioctl(fd, BLKSSZGET, &lbs) < 0 || lbs <= 0) {
            lbs = 512;
        }
        bs->request_alignment = bs->cache_direct ? (uint32_t)lbs : 1;
    } else {
        bs->request_alignment = bs->cache_direct ? FILE_DIRECT_ALIGN : 1;
    }
    bs->filename = g_steal_pointer(&filename);
    bs->opaque = s;
    return true;
}

/* The same file opened again with the other access mode, put in place of
 * the old descriptor (dup2: requests in flight go on on one or the other). */
static bool file_reopen(BlockNode *bs, bool read_only, GError **errp)
{
    FileState *s = bs->opaque;
    int flags = O_CLOEXEC | (bs->cache_direct ? O_DIRECT : 0);
    int fd = open(bs->filename, flags | (read_only ? O_RDONLY : O_RDWR));
    if (fd < 0) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_PERM, "Could not reopen '%s' %s: %s",
                    bs->filename, read_only ? "read-only" : "read-write", g_strerror(errno));
        return false;
    }
    struct stat a, b;
    if (fstat(fd, &a) < 0 || fstat(s->fd, &b) < 0 || a.st_dev != b.st_dev ||
        a.st_ino != b.st_ino) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_PERM,
                    "Could not reopen '%s': it is not the file opened before", bs->filename);
        close(fd);
        return false;
    }
    if (dup2(fd, s->fd) < 0 || fcntl(s->fd, F_SETFD, FD_CLOEXEC) < 0) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_PERM, "Could not reopen '%s': %s",
                    bs->filename, g_strerror(errno));
        close(fd);
        return false;
    }
    close(fd);
    bs->read_only = read_only;
    return true;
}

static bool file_open(BlockNode *bs, BlockOpts *opts, GError **errp)
{
    return file_open_common(bs, opts, false, errp);
}

static bool host_device_open(BlockNode *bs, BlockOpts *opts, GError **errp)
{
    return file_open_common(bs, opts, true, errp);
}

static void file_close(BlockNode *bs)
{
    FileState *s = bs->opaque;
    close(s->fd);
    g_mutex_clear(&s->rmw_lock);
    g_free(s);
    bs->opaque = NULL;
}

static bool iov_aligned(const BlockIOV *iov, uint64_t off, uint32_t align)
{
    if (off % align || iov->size % align) {
        return false;
    }
    for (int i = 0; i < iov->niov; i++) {
        if ((uintptr_t)iov->iov[i].iov_base % align || iov->iov[i].iov_len % align) {
            return false;
        }
    }
    return true;
}

/* Plain vectored I/O at @off, looping over short transfers; reads past the
 * end of the file give zeros. */
static int do_rw(int fd, bool write, uint64_t off, const BlockIOV *iov)
{
    uint64_t done = 0;
    struct iovec stack[16];
    while (done < iov->size) {
        BlockIOV part;
        block_iov_slice(&part, iov, done, iov->size - done);
        int n = MIN(part.niov, IOV_MAX);
        ssize_t r = write ? pwritev(fd, part.iov, n, off + done)
                          : preadv(fd, part.iov, n, off + done);
        int err = errno;
        if (r == 0 && !write) {
            block_iov_memset(&part, 0, 0, part.size);
            g_free(part.iov);
            return 0;
        }
        g_free(part.iov);
        if (r < 0) {
            if (err == EINTR) {
                continue;
            }
            return -err;
        }
        if (r == 0) {
            return -EIO;
        }
        done += r;
    }
    (void)stack;
    return 0;
}

static int bounce_rw(BlockNode *bs, FileState *s, bool write, uint64_t off, const BlockIOV *iov)
{
    uint32_t a = bs->request_alignment;
    uint64_t start = off / a * a;
    uint64_t end = (off + iov->size + a - 1) / a * a;
    void *buf;
    if (posix_memalign(&buf, a, end - start)) {
        return -ENOMEM;
    }
    struct iovec one;
    BlockIOV bv;
    block_iov_from_buf(&bv, &one, buf, end - start);
    int ret;
    if (write) {
        g_mutex_lock(&s->rmw_lock);
        ret = do_rw(s->fd, false, start, &bv);
        if (ret >= 0) {
            block_iov_to_buf(iov, 0, (uint8_t *)buf + (off - start), iov->size);
            ret = do_rw(s->fd, true, start, &bv);
        }
        g_mutex_unlock(&s->rmw_lock);
    } else {
        ret = do_rw(s->fd, false, start, &bv);
        if (ret >= 0) {
            block_iov_from_buf_copy(iov, 0, (uint8_t *)buf + (off - start), iov->size);
        }
    }
    free(buf);
    return ret;
}

static int file_preadv(BlockNode *bs, uint64_t off, uint64_t bytes, const BlockIOV *iov)
{
    FileState *s = bs->opaque;
    if (bs->request_alignment > 1 && !iov_aligned(iov, off, bs->request_alignment)) {
        return bounce_rw(bs, s, false, off, iov);
    }
    return do_rw(s->fd, false, off, iov);
}

static int file_pwritev(BlockNode *bs, uint64_t off, uint64_t bytes, const BlockIOV *iov,
                        int flags)
{
    FileState *s = bs->opaque;
    int ret;
    if (bs->request_alignment > 1 && !iov_aligned(iov, off, bs->request_alignment)) {
        ret = bounce_rw(bs, s, true, off, iov);
    } else {
        ret = do_rw(s->fd, true, off, iov);
    }
    if (ret >= 0 && (flags & BLOCK_WRITE_FUA)) {
        ret = fdatasync(s->fd) < 0 ? -errno : 0;
    }
    return ret;
}

static bool is_host_file(BlockNode *bs);

static int file_copy_range_from(BlockNode *bs, uint64_t off, uint64_t bytes, BlockNode *dst,
                                uint64_t doff)
{
    return block_node_copy_range_to(dst, doff, bytes, bs, off);
}

static int file_copy_range_to(BlockNode *bs, uint64_t off, uint64_t bytes, BlockNode *src,
                              uint64_t soff)
{
    if (!is_host_file(src) || bs->request_alignment > 1 || src->request_alignment > 1) {
        return -ENOTSUP; /* O_DIRECT: the aligned bounce path */
    }
    FileState *d = bs->opaque, *s = src->opaque;
    uint64_t done = 0;
    while (done < bytes) {
        loff_t in = (loff_t)(soff + done), out = (loff_t)(off + done);
        ssize_t r = copy_file_range(s->fd, &in, d->fd, &out, bytes - done, 0);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            int err = errno;
            return err == EXDEV || err == EINVAL || err == EOPNOTSUPP || err == ENOSYS ||
                   err == EBADF ? -ENOTSUP : -err;
        }
        if (r == 0) {
            return -ENOTSUP; /* past the source's end: reads give zeros */
        }
        done += (uint64_t)r;
    }
    return 0;
}

static int file_flush(BlockNode *bs)
{
    FileState *s = bs->opaque;
    return fdatasync(s->fd) < 0 ? -errno : 0;
}

static int file_pdiscard(BlockNode *bs, uint64_t off, uint64_t bytes)
{
    FileState *s = bs->opaque;
    if (s->is_device) {
        uint64_t range[2] = { off, bytes };
        return ioctl(s->fd, BLKDISCARD, range) < 0 ? 0 : 0; /* a hint: failure is fine */
    }
    if (fallocate(s->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, bytes) < 0) {
        return errno == EOPNOTSUPP ? 0 : -errno;
    }
    return 0;
}

static int file_pwrite_zeroes(BlockNode *bs, uint64_t off, uint64_t bytes, bool may_unmap)
{
    FileState *s = bs->opaque;
    if (s->is_device) {
        return -ENOTSUP;
    }
    int mode = may_unmap ? FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE : FALLOC_FL_ZERO_RANGE;
    if (fallocate(s->fd, mode, off, bytes) == 0) {
        struct stat st;
        /* A hole punched past the end does not extend the file. */
        if (fstat(s->fd, &st) == 0 && (uint64_t)st.st_size < off + bytes &&
            ftruncate(s->fd, off + bytes) < 0) {
            return -errno;
        }
        return 0;
    }
    return errno == EOPNOTSUPP || errno == EINVAL ? -ENOTSUP : -errno;
}

static int64_t file_getlength(BlockNode *bs)
{
    FileState *s = bs->opaque;
    if (s->is_device) {
        return s->device_size;
    }
    struct stat st;
    return fstat(s->fd, &st) < 0 ? -errno : st.st_size;
}

static int64_t file_allocated_size(BlockNode *bs)
{
    FileState *s = bs->opaque;
    struct stat st;
    return fstat(s->fd, &st) < 0 ? -1 : (int64_t)st.st_blocks * 512;
}

static bool file_truncate(BlockNode *bs, uint64_t size, GError **errp)
{
    FileState *s = bs->opaque;
    if (s->is_device) {
        if (size != s->device_size) {
            g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID,
                        "Cannot resize host device '%s'", bs->filename);
            return false;
        }
        return true;
    }
    if (ftruncate(s->fd, size) < 0) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IO, "Failed to resize '%s': %s",
                    bs->filename, g_strerror(errno));
        return false;
    }
    return true;
}

static bool file_create(BlockGraph *g, BlockOpts *opts, GError **errp)
{
    g_autofree char *filename = block_opts_take(opts, "filename");
    uint64_t size;
    if (!block_opts_take_size(opts, "size", 0, &size, errp) ||
        !block_opts_check_empty(opts, "file", errp)) {
        return false;
    }
    if (!filename || !*filename) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_INVALID, "Parameter 'filename' is missing");
        return false;
    }
    int fd = host_file_open(filename, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || ftruncate(fd, size) < 0) {
        g_set_error(errp, BLOCK_ERROR, BLOCK_ERROR_IO, "Could not create '%s': %s", filename,
                    g_strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return false;
    }
    close(fd);
    return true;
}

/* Holes of sparse files (SEEK_DATA/SEEK_HOLE); where the file system
 * cannot tell, everything is data. */
static int file_data_status(BlockNode *bs, uint64_t off, uint64_t bytes, uint64_t *pnum)
{
    FileState *s = bs->opaque;
    off_t data = lseek(s->fd, off, SEEK_DATA);
    if (data < 0) {
        *pnum = bytes;
        return errno == ENXIO ? BLOCK_DATA_HOLE | BLOCK_DATA_ZERO : 0;
    }
    if ((uint64_t)data > off) {
        *pnum = MIN(bytes, (uint64_t)data - off);
        return BLOCK_DATA_HOLE | BLOCK_DATA_ZERO;
    }
    off_t hole = lseek(s->fd, off, SEEK_HOLE);
    *pnum = hole > (off_t)off ? MIN(bytes, (uint64_t)hole - off) : bytes;
    return 0;
}

static const BlockDriver file_driver = {
    .name = "file",
    .open = file_open,
    .close = file_close,
    .preadv = file_preadv,
    .pwritev = file_pwritev,
    .copy_range_from = file_copy_range_from,
    .copy_range_to = file_copy_range_to,
    .flush = file_flush,
    .pdiscard = file_pdiscard,
    .pwrite_zeroes = file_pwrite_zeroes,
    .getlength = file_getlength,
    .allocated_size = file_allocated_size,
    .truncate = file_truncate,
    .create = file_create,
    .data_status = file_data_status,
    .reopen = file_reopen,
};

static const BlockDriver host_device_driver = {
    .name = "host_device",
    .open = host_device_open,
    .close = file_close,
    .preadv = file_preadv,
    .pwritev = file_pwritev,
    .copy_range_from = file_copy_range_from,
    .copy_range_to = file_copy_range_to,
    .flush = file_flush,
    .pdiscard = file_pdiscard,
    .pwrite_zeroes = file_pwrite_zeroes,
    .getlength = file_getlength,
    .allocated_size = file_allocated_size,
    .truncate = file_truncate,
    .reopen = file_reopen,
};

static bool is_host_file(BlockNode *bs)
{
    return bs->drv == &file_driver || bs->drv == &host_device_driver;
}

static const TypeInfo file_type = {
    .name = TYPE_BLOCK_DRIVER_PREFIX "file", .parent = TYPE_BLOCK_DRIVER,
    .category = "block-driver", .description = "protocol: regular host files",
    .class_size = sizeof(BlockDriverClass), .class_init = block_driver_class_init,
    .class_data = &file_driver,
};

static const TypeInfo host_device_type = {
    .name = TYPE_BLOCK_DRIVER_PREFIX "host_device", .parent = TYPE_BLOCK_DRIVER,
    .category = "block-driver", .description = "protocol: host block devices",
    .class_size = sizeof(BlockDriverClass), .class_init = block_driver_class_init,
    .class_data = &host_device_driver,
};

TESSERA_MODULE(.name = "block-file", .kind = "backend",
               .types = TESSERA_TYPES(&file_type, &host_device_type));
