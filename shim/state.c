// SPDX-License-Identifier: MIT
/*
 * The per-container state directory <root>/<id>/ (layout in shim.h). A
 * new container is built in <root>/.new-<id>-<pid> and renamed into place,
 * so it appears complete and already locked; an open container holds an
 * exclusive flock on the directory itself, and a directory that was
 * removed while we waited for the lock (st_nlink == 0) does not exist.
 */
#include "shim/shim.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sv/err.h"
#include "oci/state.h"

#define STATE_MAX (1u << 20)

static const char *const status_names[] = {
	[CTR_CREATING] = "creating", [CTR_CREATED] = "created",
	[CTR_RUNNING] = "running",   [CTR_PAUSED] = "paused",
	[CTR_STOPPED] = "stopped",
};

const char *ctr_status_name(enum ctr_status s)
{
	return status_names[s];
}

static enum ctr_status status_from_name(const char *s)
{
	unsigned int i;

	for (i = 0; s && i < ARRAY_SIZE(status_names); i++)
		if (!strcmp(s, status_names[i]))
			return (enum ctr_status)i;
	return CTR_STOPPED;
}

char *ctr_path(const struct ctr *c, const char *name)
{
	char *p;

	return asprintf(&p, "%s/%s", c->dir, name) < 0 ? NULL : p;
}

/*
 * Write name in dfd by a temporary file and renameat(). The temporary
 * name is unique and created with O_EXCL | O_NOFOLLOW: the directory may
 * be shared (a --pid-file in /tmp), and a symlink planted at a guessable
 * name must not make us write through it.
 */
static int write_at(int dfd, const char *name, const char *buf, size_t len,
		    mode_t mode, struct sv_err *e)
{
	static unsigned int seq;
	char tmp[300];
	ssize_t n;
	int fd;

	snprintf(tmp, sizeof(tmp), ".%.200s.%d.%u.%lx.tmp", name, (int)getpid(),
		 __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED),
		 (unsigned long)time(NULL));
	fd = openat(dfd, tmp,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return sv_err_set(e, errno, "create %s: %s", tmp,
				  strerror(errno));
	n = write(fd, buf, len);
	if (n != (ssize_t)len || close(fd) < 0) {
		if (n >= 0)
			errno = EIO;
		unlinkat(dfd, tmp, 0);
		return sv_err_set(e, errno, "write %s: %s", name,
				  strerror(errno));
	}
	if (renameat(dfd, tmp, dfd, name) < 0) {
		unlinkat(dfd, tmp, 0);
		return sv_err_set(e, errno, "rename %s: %s", name,
				  strerror(errno));
	}
	return 0;
}

int shim_write_file(const char *path, const char *buf, size_t len, mode_t mode,
		    struct sv_err *e)
{
	char *dir = strdup(path);
	const char *slash = strrchr(path, '/');
	int dfd, ret;

	if (!dir)
		return sv_err_set(e, ENOMEM, "out of memory");
	if (slash)
		dir[slash - path + (slash == path)] = '\0';
	dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (dfd < 0)
		return sv_err_set(e, errno, "open directory of %s: %s", path,
				  strerror(errno));
	ret = write_at(dfd, slash ? slash + 1 : path, buf, len, mode, e);
	close(dfd);
	return ret;
}

static int read_at(int dfd, const char *name, char **out, size_t *len)
{
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	char *buf;
	ssize_t n;

	if (fd < 0)
		return -errno;
	buf = malloc(STATE_MAX + 1);
	if (!buf)
		return -ENOMEM;
	n = read(fd, buf, STATE_MAX);
	if (n < 0) {
		free(buf);
		return -EIO;
	}
	buf[n] = '\0';
	*out = buf;
	*len = (size_t)n;
	return 0;
}

static void info_parse(struct ctr_info *in, const char *buf)
{
	const char *p = buf;
	char key[32], val[80];
	long long v;

	while (p && *p) {
		if (sscanf(p, "%31s %79s", key, val) == 2) {
			v = atoll(val);
			if (!strcmp(key, "monitor_pid"))
				in->monitor_pid = (pid_t)v;
			else if (!strcmp(key, "monitor_start"))
				in->monitor_start = (unsigned long long)v;
			else if (!strcmp(key, "vmm_pid"))
				in->vmm_pid = (pid_t)v;
			else if (!strcmp(key, "vmm_start"))
				in->vmm_start = (unsigned long long)v;
			else if (!strcmp(key, "jailed"))
				in->jailed = v != 0;
			else if (!strcmp(key, "kind"))
				in->vm_kind = !strcmp(val, "vm");
			else if (!strcmp(key, "image"))
				snprintf(in->image_hash, sizeof(in->image_hash),
					 "%.70s", val);
		}
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
}

static int ctr_load(struct ctr *c, struct sv_err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int ret;

	if (read_at(c->dir_fd, "shim.info", &buf, &len) == 0)
		info_parse(&c->info, buf);
	free(TAKE_PTR(buf));
	ret = read_at(c->dir_fd, "state.json", &buf, &len);
	if (ret == -ENOENT)
		return 0; /* a crashed create: only delete can act on it */
	if (ret < 0)
		return sv_err_set(e, -ret, "read %s/state.json", c->dir);
	ret = oci_state_parse(buf, len, 0, &c->st, e);
	return ret < 0 ? sv_err_wrap(e, "%s/state.json", c->dir) : 0;
}

static struct ctr *ctr_alloc(const char *root, const char *id)
{
	struct ctr *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->dir_fd = -1;
	c->root = strdup(root);
	c->id = strdup(id);
	if (!c->root || !c->id || asprintf(&c->dir, "%s/%s", root, id) < 0) {
		c->dir = NULL;
		ctr_close(c);
		return NULL;
	}
	return c;
}

void ctr_close(struct ctr *c)
{
	if (!c)
		return;
	if (c->dir_fd >= 0)
		close(c->dir_fd); /* drops the flock */
	oci_state_free(c->st);
	free(c->root);
	free(c->id);
	free(c->dir);
	free(c);
}

static int check_id(const char *id, struct sv_err *e)
{
	if (!cli_id_ok(id))
		return sv_err_set(
			e, EINVAL,
			"invalid container id \"%.64s\": use [A-Za-z0-9][A-Za-z0-9_.+-]*, no \"..\", at most 1024 bytes",
			id ? id : "");
	return 0;
}

static int lock_dir(struct ctr *c, struct sv_err *e)
{
	struct stat st;

	c->dir_fd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->dir_fd < 0 && errno == ENOENT)
		return sv_err_set(e, ENOENT, "container %s does not exist",
				  c->id);
	if (c->dir_fd < 0)
		return sv_err_set(e, errno, "open %s: %s", c->dir,
				  strerror(errno));
	if (flock(c->dir_fd, LOCK_EX) < 0)
		return sv_err_set(e, errno, "lock %s: %s", c->dir,
				  strerror(errno));
	if (fstat(c->dir_fd, &st) < 0 || st.st_nlink == 0)
		return sv_err_set(e, ENOENT, "container %s does not exist",
				  c->id);
	return 0;
}

int ctr_open(const char *root, const char *id, struct ctr **out,
	     struct sv_err *e)
{
	struct ctr *c;
	int ret;

	*out = NULL;
	ret = check_id(id, e);
	if (ret < 0)
		return ret;
	c = ctr_alloc(root, id);
	if (!c)
		return sv_err_set(e, ENOMEM, "out of memory");
	ret = lock_dir(c, e);
	if (ret == 0)
		ret = ctr_load(c, e);
	if (ret < 0) {
		ctr_close(c);
		return ret;
	}
	*out = c;
	return 0;
}

static int mkdir_p(const char *path, mode_t mode, struct sv_err *e)
{
	_cleanup_free_ char *p = strdup(path);
	char *s;

	if (!p)
		return sv_err_set(e, ENOMEM, "out of memory");
	for (s = p + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return sv_err_set(e, errno, "mkdir %s: %s", p,
					  strerror(errno));
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return sv_err_set(e, errno, "mkdir %s: %s", p, strerror(errno));
	return 0;
}

static int new_state(struct ctr *c, const char *bundle, struct sv_err *e)
{
	c->st = calloc(1, sizeof(*c->st));
	if (!c->st)
		return sv_err_set(e, ENOMEM, "out of memory");
	c->st->oci_version = strdup(SHIM_OCI_VERSION);
	c->st->id = strdup(c->id);
	c->st->status = strdup("creating");
	c->st->bundle = strdup(bundle);
	c->st->owner = strdup("");
	clock_gettime(CLOCK_REALTIME, &c->st->created);
	if (!c->st->oci_version || !c->st->id || !c->st->status ||
	    !c->st->bundle || !c->st->owner)
		return sv_err_set(e, ENOMEM, "out of memory");
	return 0;
}

/* Build in a private directory, then rename it to <root>/<id>. */
static int publish(struct ctr *c, const char *tmp, struct sv_err *e)
{
	if (flock(c->dir_fd, LOCK_EX) < 0)
		return sv_err_set(e, errno, "lock %s: %s", tmp,
				  strerror(errno));
	if (ctr_save(c, CTR_CREATING, e) < 0)
		return -e->code;
	if (rename(tmp, c->dir) == 0)
		return 0;
	if (errno == EEXIST || errno == ENOTEMPTY)
		return sv_err_set(e, EEXIST, "container %s already exists",
				  c->id);
	return sv_err_set(e, errno, "rename %s: %s", c->dir, strerror(errno));
}

int ctr_new(const char *root, const char *id, const char *bundle,
	    struct ctr **out, struct sv_err *e)
{
	_cleanup_free_ char *tmp = NULL;
	struct ctr *c;
	int ret;

	*out = NULL;
	if ((ret = check_id(id, e)) < 0 || (ret = mkdir_p(root, 0711, e)) < 0)
		return ret;
	c = ctr_alloc(root, id);
	if (!c || asprintf(&tmp, "%s/.new-%s-%d", root, id, (int)getpid()) < 0)
		ret = sv_err_set(e, ENOMEM, "out of memory");
	else if (mkdir(tmp, 0700) < 0)
		ret = sv_err_set(e, errno, "mkdir %s: %s", tmp,
				 strerror(errno));
	else if ((c->dir_fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) <
		 0)
		ret = sv_err_set(e, errno, "open %s", tmp);
	if (ret == 0 && (ret = new_state(c, bundle, e)) == 0)
		ret = publish(c, tmp, e);
	if (ret < 0) {
		if (tmp && c && c->dir_fd >= 0) {
			unlinkat(c->dir_fd, "state.json", 0);
			unlinkat(c->dir_fd, "shim.info", 0);
			rmdir(tmp);
		}
		ctr_close(c);
		return ret;
	}
	*out = c;
	return 0;
}

int ctr_save(struct ctr *c, enum ctr_status s, struct sv_err *e)
{
	_cleanup_free_ char *json = NULL;
	char info[256], *status;
	int n, ret;

	n = snprintf(info, sizeof(info),
		     "monitor_pid %d\nmonitor_start %llu\nvmm_pid %d\n"
		     "vmm_start %llu\njailed %d\nkind %s\nimage %s\n",
		     (int)c->info.monitor_pid, c->info.monitor_start,
		     (int)c->info.vmm_pid, c->info.vmm_start,
		     (int)c->info.jailed, c->info.vm_kind ? "vm" : "container",
		     c->info.image_hash[0] ? c->info.image_hash : "-");
	ret = write_at(c->dir_fd, "shim.info", info, (size_t)n, 0600, e);
	if (ret < 0 || !c->st)
		return ret;
	status = strdup(status_names[s]);
	if (!status)
		return sv_err_set(e, ENOMEM, "out of memory");
	free(c->st->status);
	c->st->status = status;
	c->st->pid = s == CTR_STOPPED ? 0 : (int)c->info.monitor_pid;
	ret = oci_state_gen(c->st, &json, e);
	if (ret == 0)
		ret = write_at(c->dir_fd, "state.json", json, strlen(json),
			       0644, e);
	return ret;
}

int pid_starttime(pid_t pid, unsigned long long *out)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	int fd, i;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
		return -ESRCH; /* a zombie has exited */
	for (i = 0; p && i < 20; i++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &v) != 1)
		return -EIO;
	*out = v;
	return 0;
}

bool pid_alive(pid_t pid, unsigned long long start)
{
	unsigned long long now;

	if (pid <= 0 || pid_starttime(pid, &now) < 0)
		return false;
	return now == start;
}

enum ctr_status ctr_status(const struct ctr *c)
{
	enum ctr_status s;

	if (!c->st)
		return CTR_STOPPED;
	s = status_from_name(c->st->status);
	if (s == CTR_CREATING || s == CTR_STOPPED)
		return s;
	if (!pid_alive(c->info.monitor_pid, c->info.monitor_start))
		return CTR_STOPPED;
	return s;
}

#define KILL_WAIT_MS 5000

static void wait_gone(pid_t pid, unsigned long long start)
{
	int i;

	for (i = 0; i < KILL_WAIT_MS / 10 && pid_alive(pid, start); i++)
		usleep(10000);
}

void ctr_kill_all(const struct ctr *c)
{
	const struct ctr_info *in = &c->info;

	if (pid_alive(in->monitor_pid, in->monitor_start))
		kill(in->monitor_pid, SIGKILL);
	if (pid_alive(in->vmm_pid, in->vmm_start))
		kill(in->vmm_pid, SIGKILL);
	wait_gone(in->monitor_pid, in->monitor_start);
	wait_gone(in->vmm_pid, in->vmm_start);
}

static int rm_one(const char *path, const struct stat *sb, int flag,
		  struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	if (remove(path) < 0 && errno != ENOENT)
		return -1;
	return 0;
}

int ctr_remove(struct ctr *c, struct sv_err *e)
{
	if (nftw(c->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0 &&
	    errno != ENOENT)
		return sv_err_set(e, errno, "remove %s: %s", c->dir,
				  strerror(errno));
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void shim_strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

int ctr_list(const char *root, char ***ids, size_t *n, struct sv_err *e)
{
	DIR *d = opendir(root);
	struct dirent *de;
	char **v = NULL, **nv;
	size_t cnt = 0;

	*ids = NULL;
	*n = 0;
	if (!d && errno == ENOENT)
		return 0;
	if (!d)
		return sv_err_set(e, errno, "open %s: %s", root,
				  strerror(errno));
	while ((de = readdir(d))) {
		if (!cli_id_ok(de->d_name) ||
		    (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN))
			continue;
		nv = realloc(v, (cnt + 1) * sizeof(*v));
		if (!nv || !(nv[cnt] = strdup(de->d_name))) {
			shim_strv_free(nv ? nv : v, cnt);
			closedir(d);
			return sv_err_set(e, ENOMEM, "out of memory");
		}
		v = nv;
		cnt++;
	}
	closedir(d);
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_str);
	*ids = v;
	*n = cnt;
	return 0;
}
