/* SPDX-License-Identifier: MIT */
/* The main thread's epoll loop: QMP, chardevs, ioeventfds, signalfd. */
#ifndef SV_VMM_UTIL_EVENTLOOP_H
#define SV_VMM_UTIL_EVENTLOOP_H

#include <stdint.h>

#include "sv/compiler.h"

struct eventloop;

/* events are EPOLLIN/EPOLLOUT/EPOLLHUP... as returned by epoll. */
typedef void (*eventloop_fn)(void *opaque, uint32_t events);

int eventloop_create(struct eventloop **out) SV_MUST_CHECK;
void eventloop_destroy(struct eventloop *loop);
/* fd is borrowed; the caller removes it before closing it. Any thread. */
int eventloop_add(struct eventloop *loop, int fd, uint32_t events,
		  eventloop_fn fn, void *opaque) SV_MUST_CHECK;
int eventloop_mod(struct eventloop *loop, int fd, uint32_t events) SV_MUST_CHECK;
int eventloop_del(struct eventloop *loop, int fd);
/* Dispatch until eventloop_stop(); returns 0 or -errno. */
int eventloop_run(struct eventloop *loop) SV_MUST_CHECK;
/* Any thread: make eventloop_run() return after the current dispatch. */
void eventloop_stop(struct eventloop *loop);

#endif /* SV_VMM_UTIL_EVENTLOOP_H */
