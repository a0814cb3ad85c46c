// SPDX-License-Identifier: MIT
/*
 * epoll loop of the main thread. Handlers are kept in a small table indexed
 * by registration; epoll's data carries the table index plus a generation so
 * that an event for a handler removed earlier in the same batch is ignored.
 * add/mod/del may be called from any thread (vCPU threads register
 * ioeventfds when a driver activates a device); the table is under a mutex
 * and a handler is called without it.
 */
#include "vmm/util/eventloop.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define LOG_MODULE "eventloop"
#include "sv/log.h"

#define EVENTLOOP_MAX 128

struct handler {
	int fd;		/* -1 when free */
	uint32_t gen;
	eventloop_fn fn;
	void *opaque;
};

struct eventloop {
	int epfd;
	int stopfd;
	volatile bool stop;
	pthread_mutex_t lock;	/* protects h[] */
	struct handler h[EVENTLOOP_MAX];
};

static uint64_t pack(unsigned int idx, uint32_t gen)
{
	return ((uint64_t)gen << 32) | idx;
}

static void on_stop(void *opaque, uint32_t events)
{
	struct eventloop *loop = opaque;
	uint64_t v;

	(void)events;
	if (read(loop->stopfd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_debug("read stop eventfd: %s", strerror(errno));
	loop->stop = true;
}

int eventloop_create(struct eventloop **out)
{
	struct eventloop *loop = xcalloc(1, sizeof(*loop));
	int ret;

	for (unsigned int i = 0; i < EVENTLOOP_MAX; i++)
		loop->h[i].fd = -1;
	pthread_mutex_init(&loop->lock, NULL);
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		ret = -errno;
		log_err("epoll_create1: %s", strerror(errno));
		goto err_free;
	}
	loop->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (loop->stopfd < 0) {
		ret = -errno;
		log_err("eventfd: %s", strerror(errno));
		goto err_close;
	}
	ret = eventloop_add(loop, loop->stopfd, EPOLLIN, on_stop, loop);
	if (ret < 0)
		goto err_close_stop;
	*out = loop;
	return 0;

err_close_stop:
	close(loop->stopfd);
err_close:
	close(loop->epfd);
err_free:
	pthread_mutex_destroy(&loop->lock);
	free(loop);
	return ret;
}

void eventloop_destroy(struct eventloop *loop)
{
	if (!loop)
		return;
	close(loop->stopfd);
	close(loop->epfd);
	pthread_mutex_destroy(&loop->lock);
	free(loop);
}

static int find(const struct eventloop *loop, int fd)
{
	for (unsigned int i = 0; i < EVENTLOOP_MAX; i++)
		if (loop->h[i].fd == fd)
			return (int)i;
	return -1;
}

static int add_locked(struct eventloop *loop, int fd, uint32_t events,
		      eventloop_fn fn, void *opaque)
{
	struct epoll_event ev = { .events = events };
	int idx = find(loop, -1);

	if (fd < 0 || find(loop, fd) >= 0)
		return -EINVAL;
	if (idx < 0) {
		log_err("event loop full (%d handlers)", EVENTLOOP_MAX);
		return -ENOSPC;
	}
	loop->h[idx].gen++;
	ev.data.u64 = pack((unsigned int)idx, loop->h[idx].gen);
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		/* EPERM: a regular file or /dev/null; the caller decides. */
		if (errno != EPERM)
			log_err("epoll_ctl add fd %d: %s", fd, strerror(errno));
		return -errno;
	}
	loop->h[idx].fd = fd;
	loop->h[idx].fn = fn;
	loop->h[idx].opaque = opaque;
	return 0;
}

int eventloop_add(struct eventloop *loop, int fd, uint32_t events,
		  eventloop_fn fn, void *opaque)
{
	int ret;

	pthread_mutex_lock(&loop->lock);
	ret = add_locked(loop, fd, events, fn, opaque);
	pthread_mutex_unlock(&loop->lock);
	return ret;
}

int eventloop_mod(struct eventloop *loop, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events };
	int idx, ret = 0;

	pthread_mutex_lock(&loop->lock);
	idx = find(loop, fd);
	if (idx < 0) {
		ret = -ENOENT;
	} else {
		ev.data.u64 = pack((unsigned int)idx, loop->h[idx].gen);
		if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
			ret = -errno;
	}
	pthread_mutex_unlock(&loop->lock);
	return ret;
}

int eventloop_del(struct eventloop *loop, int fd)
{
	int idx;

	pthread_mutex_lock(&loop->lock);
	idx = find(loop, fd);
	if (idx >= 0) {
		epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
		loop->h[idx].fd = -1;
		loop->h[idx].gen++;
	}
	pthread_mutex_unlock(&loop->lock);
	return idx < 0 ? -ENOENT : 0;
}

static void dispatch(struct eventloop *loop, const struct epoll_event *ev)
{
	unsigned int idx = (unsigned int)(ev->data.u64 & 0xffffffffu);
	uint32_t gen = (uint32_t)(ev->data.u64 >> 32);
	eventloop_fn fn = NULL;
	void *opaque = NULL;

	if (idx >= EVENTLOOP_MAX)
		return;
	pthread_mutex_lock(&loop->lock);
	/* Skip handlers removed earlier in this batch. */
	if (loop->h[idx].fd >= 0 && loop->h[idx].gen == gen) {
		fn = loop->h[idx].fn;
		opaque = loop->h[idx].opaque;
	}
	pthread_mutex_unlock(&loop->lock);
	if (fn)
		fn(opaque, ev->events);
}

int eventloop_run(struct eventloop *loop)
{
	struct epoll_event evs[32];

	while (!loop->stop) {
		int n = epoll_wait(loop->epfd, evs, (int)ARRAY_SIZE(evs), -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_err("epoll_wait: %s", strerror(errno));
			return -errno;
		}
		for (int i = 0; i < n && !loop->stop; i++)
			dispatch(loop, &evs[i]);
	}
	return 0;
}

void eventloop_stop(struct eventloop *loop)
{
	uint64_t one = 1;

	if (write(loop->stopfd, &one, sizeof(one)) < 0)
		loop->stop = true;
}
