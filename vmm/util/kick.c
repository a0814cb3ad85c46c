// SPDX-License-Identifier: MIT
/* The per-thread kick flag (kick.h). */
#include "vmm/util/kick.h"

__thread volatile sig_atomic_t sv_kick_pending;
