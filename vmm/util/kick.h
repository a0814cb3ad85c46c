/* SPDX-License-Identifier: MIT */
/*
 * The vCPU kick as seen from device code. The kick signal's handler sets
 * sv_kick_pending on the thread it lands on (only vCPU threads take it);
 * the vCPU loop clears it once KVM_RUN has returned. Device code that waits
 * on a host fd in a vCPU thread (the 8250, which has no flow control, when
 * its reader stalls) gives up when it is set, so pause, reset and quit
 * never wait on a host reader. virtio-console needs none of this: it holds
 * the guest's buffers instead (chardev_write_nb, chardev_when_writable).
 */
#ifndef SV_VMM_UTIL_KICK_H
#define SV_VMM_UTIL_KICK_H

#include <signal.h>

extern __thread volatile sig_atomic_t sv_kick_pending;

#endif /* SV_VMM_UTIL_KICK_H */
