// SPDX-License-Identifier: MIT
/*
 * Container bundles: the rootfs directory reaches the guest as an ext4
 * image made by `mkfs.ext4 -d`. Images are cached by content: the key is
 * the SHA-256 of the tree (names in sorted order, type, mode, owner, size,
 * device numbers, extended attributes, symlink targets and file bytes; not
 * timestamps). The tree is read through one directory fd (opened beneath
 * the bundle by create), mkfs reads that same directory, and the tree is
 * hashed again after mkfs: a tree changed meanwhile is refused, so a cache
 * entry always holds what its name says. A
 * container links the cache entry into its state dir (readonly root) or
 * gets a sparse private copy plus a rootfs.base link; the hard-link count
 * is the reference count, so the last delete removes the cache entry.
 */
#include "shim/shim.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "sv/err.h"

#define TREE_DEPTH_MAX 128
#define MIB (1024ull * 1024ull)

struct walk {
	EVP_MD_CTX *h;
	uint64_t bytes;
	uint64_t entries;
	struct sv_err *e;
};

/* O_NONBLOCK: a file swapped for a FIFO after the stat must not block. */
static int hash_file(struct walk *w, int dfd, const char *name)
{
	_cleanup_close_ int fd = openat(
		dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	char buf[65536];
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return sv_err_set(w->e, errno, "rootfs: open %s: %s", name,
				  strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return sv_err_set(w->e, EAGAIN, "rootfs: %s changed while "
				  "being read", name);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		EVP_DigestUpdate(w->h, buf, (size_t)n);
	if (n < 0)
		return sv_err_set(w->e, errno, "rootfs: read %s: %s", name,
				  strerror(errno));
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Extended attributes (mkfs -d copies them: capabilities, ACLs), sorted. */
static int hash_xattrs(struct walk *w, int dfd, const char *name)
{
	char path[64 + NAME_MAX], names[65536], val[65536], *v[512];
	ssize_t len = 0, n;
	unsigned int nv = 0;

	snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dfd, name);
	len = llistxattr(path, names, sizeof(names));
	if (len < 0 && errno == ENOTSUP)
		return 0;
	if (len < 0)
		return sv_err_set(w->e, errno, "rootfs: xattrs of %s: %s",
				  name, strerror(errno));
	for (char *p = names; p < names + len; p += strlen(p) + 1) {
		if (nv == ARRAY_SIZE(v))	/* every one is in the key */
			return sv_err_set(w->e, E2BIG, "rootfs: %s: more than "
					  "%zu extended attributes", name,
					  ARRAY_SIZE(v));
		v[nv++] = p;
	}
	qsort(v, nv, sizeof(v[0]), cmp_str);
	for (unsigned int i = 0; i < nv; i++) {
		n = lgetxattr(path, v[i], val, sizeof(val));
		if (n < 0)
			return sv_err_set(w->e, errno, "rootfs: xattr %s of %s:"
					  " %s", v[i], name, strerror(errno));
		EVP_DigestUpdate(w->h, v[i], strlen(v[i]) + 1);
		EVP_DigestUpdate(w->h, &n, sizeof(n));
		EVP_DigestUpdate(w->h, val, (size_t)n);
	}
	return 0;
}

static int hash_tree(struct walk *w, int dfd, const char *rel, int depth);

static int hash_entry(struct walk *w, int dfd, const char *rel,
		      const char *name, int depth)
{
	char line[4200], target[4096];
	_cleanup_close_ int sub = -1;
	struct stat st;
	ssize_t n;
	int len;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return sv_err_set(w->e, errno, "rootfs: stat %s/%s: %s", rel,
				  name, strerror(errno));
	len = snprintf(line, sizeof(line), "%s/%s%c%o %u %u %lld %ju\n", rel,
		       name, 0, st.st_mode, st.st_uid, st.st_gid,
		       (long long)st.st_size, (uintmax_t)st.st_rdev);
	EVP_DigestUpdate(w->h, line, (size_t)SV_MIN(len, (int)sizeof(line)));
	w->entries++;
	w->bytes += (uint64_t)st.st_blocks * 512;
	if (hash_xattrs(w, dfd, name) < 0)
		return -w->e->code;
	if (S_ISREG(st.st_mode))
		return hash_file(w, dfd, name);
	if (S_ISLNK(st.st_mode)) {
		n = readlinkat(dfd, name, target, sizeof(target));
		if (n > 0)
			EVP_DigestUpdate(w->h, target, (size_t)n);
		return 0;
	}
	if (!S_ISDIR(st.st_mode))
		return 0;
	sub = openat(dfd, name,
		     O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (sub < 0)
		return sv_err_set(w->e, errno, "rootfs: open %s/%s: %s", rel,
				  name, strerror(errno));
	snprintf(line, sizeof(line), "%s/%s", rel, name);
	return hash_tree(w, sub, line, depth + 1);
}

static int not_dots(const struct dirent *d)
{
	return strcmp(d->d_name, ".") && strcmp(d->d_name, "..");
}

static int hash_tree(struct walk *w, int dfd, const char *rel, int depth)
{
	struct dirent **list = NULL;
	int i, n, ret = 0;

	if (depth > TREE_DEPTH_MAX)
		return sv_err_set(w->e, ELOOP, "rootfs: tree deeper than %d",
				  TREE_DEPTH_MAX);
	n = scandirat(dfd, ".", &list, not_dots, alphasort);
	if (n < 0)
		return sv_err_set(w->e, errno, "rootfs: list %s: %s", rel,
				  strerror(errno));
	for (i = 0; i < n; i++) {
		if (ret == 0)
			ret = hash_entry(w, dfd, rel, list[i]->d_name, depth);
		free(list[i]);
	}
	free(list);
	return ret;
}

static int tree_walk(int fd, char hash[72], struct walk *w)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	int ret;

	w->bytes = w->entries = 0;
	w->h = EVP_MD_CTX_new();
	if (!w->h || !EVP_DigestInit_ex(w->h, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(w->h);
		return sv_err_set(w->e, ENOMEM, "rootfs: sha256 init");
	}
	ret = hash_tree(w, fd, "", 0);
	if (ret == 0 && !EVP_DigestFinal_ex(w->h, md, &mdlen))
		ret = sv_err_set(w->e, EIO, "rootfs: sha256");
	EVP_MD_CTX_free(w->h);
	for (i = 0; ret == 0 && i < mdlen && i < 32; i++)
		snprintf(hash + 2 * i, 3, "%02x", md[i]);
	return ret;
}

int rootfs_tree_hash(const char *dir, char hash[72], struct sv_err *e)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct walk w = { .e = e };

	if (fd < 0)
		return sv_err_set(e, errno, "rootfs %s: %s", dir,
				  strerror(errno));
	return tree_walk(fd, hash, &w);
}

static SV_NORETURN void mkfs_child(int dirfd, const char *img,
				   const char *size, const char *inodes,
				   const char *errlog)
{
	char dir[32];
	static const char *const bins[] = { "/usr/sbin/mkfs.ext4",
					    "/sbin/mkfs.ext4", "mkfs.ext4" };
	int fd = open(errlog, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	unsigned int i;

	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	snprintf(dir, sizeof(dir), "/proc/self/fd/%d", dirfd);
	fcntl(dirfd, F_SETFD, 0);	/* the checked directory, not a path */
	for (i = 0; i < ARRAY_SIZE(bins); i++)
		execlp(bins[i], "mkfs.ext4", "-q", "-F", "-t", "ext4", "-b",
		       "4096", "-N", inodes, "-E", "root_owner=0:0", "-L",
		       "rootfs", "-d", dir, img, size, (char *)NULL);
	dprintf(2, "mkfs.ext4: %s\n", strerror(errno));
	_exit(127);
}

static int run_mkfs(int dirfd, const char *dir, const char *img,
		    const struct walk *w, struct sv_err *e)
{
	char size[32], inodes[32], errlog[4200], msg[200] = "";
	uint64_t bytes = w->bytes + w->bytes / 4 + w->entries * 4096 + 64 * MIB;
	int st = 0, fd;
	pid_t pid;

	snprintf(size, sizeof(size), "%lluk",
		 (unsigned long long)(SV_ALIGN_UP(bytes, MIB) / 1024));
	snprintf(inodes, sizeof(inodes), "%" PRIu64, w->entries * 2 + 4096);
	snprintf(errlog, sizeof(errlog), "%s.log", img);
	pid = fork();
	if (pid == 0)
		mkfs_child(dirfd, img, size, inodes, errlog);
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return sv_err_set(e, errno, "mkfs.ext4: %s", strerror(errno));
	fd = open(errlog, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, msg, sizeof(msg) - 1);

		msg[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	unlink(errlog);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	unlink(img);
	msg[strcspn(msg, "\n")] = '\0';
	return sv_err_set(e, EIO, "mkfs.ext4 -d %.200s failed (status %d): %s",
			  dir, shim_exit_code(st), msg);
}

/* Sparse copy: only the data extents of src. */
static int sparse_copy(const char *src, const char *dst, struct sv_err *e)
{
	_cleanup_close_ int in = open(src, O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int out = -1;
	off_t data = 0, hole, size;
	loff_t off_in, off_out;
	ssize_t n;

	if (in < 0)
		return sv_err_set(e, errno, "open %s: %s", src,
				  strerror(errno));
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	size = lseek(in, 0, SEEK_END);
	if (out < 0 || size < 0 || ftruncate(out, size) < 0)
		return sv_err_set(e, errno, "create %s: %s", dst,
				  strerror(errno));
	while ((data = lseek(in, data, SEEK_DATA)) >= 0) {
		hole = lseek(in, data, SEEK_HOLE);
		for (off_in = off_out = data; off_in < hole;) {
			n = copy_file_range(in, &off_in, out, &off_out,
					    (size_t)(hole - off_in), 0);
			if (n <= 0)
				return sv_err_set(e, n < 0 ? errno : EIO,
						  "copy %s: %s", dst,
						  strerror(errno));
		}
		data = hole;
	}
	return 0;
}

static int sync_path(const char *path, int flags, struct sv_err *e)
{
	int fd = open(path, flags | O_CLOEXEC), ret = 0;

	if (fd < 0 || fsync(fd) < 0)
		ret = sv_err_set(e, errno, "fsync %s: %s", path,
				 strerror(errno));
	if (fd >= 0)
		close(fd);
	return ret;
}

/* The directory part of path, in place (path is ours to cut). */
static const char *cache_dir_of(char *path)
{
	char *slash = strrchr(path, '/');

	if (slash && slash != path)
		*slash = '\0';
	return slash ? path : ".";
}

/* The tree as hashed before mkfs is what mkfs read (else EAGAIN). */
static int same_tree(int dirfd, const char *dir, const char *hash,
		     struct sv_err *e)
{
	struct walk w = { .e = e };
	char again[72] = "";

	if (tree_walk(dirfd, again, &w) < 0)
		return -e->code;
	if (strcmp(hash, again))
		return sv_err_set(e, EAGAIN, "rootfs %s changed while its "
				  "image was built", dir);
	return 0;
}

static int ensure_cached(int dirfd, const char *dir, const char *hash,
			 const char *cache, struct walk *w, struct sv_err *e)
{
	_cleanup_free_ char *tmp = NULL;
	int ret;

	if (access(cache, F_OK) == 0)
		return 0;
	if (asprintf(&tmp, "%s.%d.tmp", cache, (int)getpid()) < 0)
		return sv_err_set(e, ENOMEM, "out of memory");
	ret = run_mkfs(dirfd, dir, tmp, w, e);
	if (ret == 0)
		ret = same_tree(dirfd, dir, hash, e);
	if (ret == 0)	/* on disk before it has the name later runs trust */
		ret = sync_path(tmp, O_RDONLY, e);
	if (ret == 0 && rename(tmp, cache) < 0)
		ret = sv_err_set(e, errno, "rename %s: %s", cache,
				 strerror(errno));
	if (ret < 0) {
		unlink(tmp);
		return ret;
	}
	if (sync_path(cache_dir_of(tmp), O_RDONLY | O_DIRECTORY, e) < 0)
		sv_err_clear(e);	/* the name may not last a crash: rebuilt */
	return 0;
}

static int link_into(const char *cache, const char *state_dir, bool ro,
		     char **path, struct sv_err *e)
{
	_cleanup_free_ char *img = NULL, *base = NULL;
	int ret = 0;

	if (asprintf(&img, "%s/rootfs.ext4", state_dir) < 0 ||
	    asprintf(&base, "%s/rootfs.base", state_dir) < 0)
		return sv_err_set(e, ENOMEM, "out of memory");
	if (link(cache, ro ? img : base) < 0)
		return -errno; /* ENOENT: pruned meanwhile, caller retries */
	if (!ro)
		ret = sparse_copy(cache, img, e);
	if (ret == 0)
		*path = TAKE_PTR(img);
	return ret;
}

int rootfs_image_get(int dirfd, const char *dir, const char *cache_dir,
		     const char *state_dir, bool readonly, char **path,
		     char hash[72], struct sv_err *e)
{
	_cleanup_free_ char *cache = NULL;
	struct walk w = { .e = e };
	int ret, tries;

	ret = tree_walk(dirfd, hash, &w);
	if (ret < 0)
		return ret;
	if (mkdir(cache_dir, 0700) < 0 && errno != EEXIST)
		return sv_err_set(e, errno, "mkdir %s: %s", cache_dir,
				  strerror(errno));
	if (asprintf(&cache, "%s/%s.ext4", cache_dir, hash) < 0)
		return sv_err_set(e, ENOMEM, "out of memory");
	for (tries = 0; tries < 3; tries++) {
		ret = ensure_cached(dirfd, dir, hash, cache, &w, e);
		if (ret == 0)
			ret = link_into(cache, state_dir, readonly, path, e);
		if (ret != -ENOENT)
			break;
	}
	if (ret < 0 && !e->code)
		ret = sv_err_set(e, -ret, "link %s: %s", cache, strerror(-ret));
	return ret;
}

void rootfs_image_release(const char *cache_dir, const char *state_dir,
			  const char *hash)
{
	char p[4200];
	struct stat st;

	snprintf(p, sizeof(p), "%s/rootfs.ext4", state_dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/rootfs.base", state_dir);
	unlink(p);
	if (!hash || !hash[0] || hash[0] == '-')
		return;
	snprintf(p, sizeof(p), "%s/%s.ext4", cache_dir, hash);
	if (stat(p, &st) == 0 && st.st_nlink == 1)
		unlink(p);
}
