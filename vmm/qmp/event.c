// SPDX-License-Identifier: MIT
/*
 * QMP event queue. Any thread may push (vCPU threads report guest
 * poweroff, the machine reports STOP/RESUME/SHUTDOWN); the event loop
 * thread pops and writes. The line is built at push time so the timestamp
 * is the moment of the event. Capped at 50 like StratoVirt's; when full,
 * new events are dropped and counted.
 */
#include "vmm/qmp/qmp_internal.h"

#include <string.h>
#include <time.h>

#define LOG_MODULE "qmp"
#include "sv/log.h"

const char *const qmp_event_names[] = {
	"SHUTDOWN", "RESET", "STOP", "RESUME", "POWERDOWN", "DEVICE_DELETED",
};
const size_t qmp_event_names_count = ARRAY_SIZE(qmp_event_names);

void qmp_event_queue_init(struct qmp_event_queue *q)
{
	memset(q, 0, sizeof(*q));
	pthread_mutex_init(&q->lock, NULL);
}

void qmp_event_queue_fini(struct qmp_event_queue *q)
{
	char *line;

	while ((line = qmp_event_pop(q)))
		free(line);
	pthread_mutex_destroy(&q->lock);
}

static char *build(const char *event, const char *data_json)
{
	struct qbuf b = { 0 };
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	qbuf_puts(&b, "{\"event\":");
	qbuf_json_str(&b, event);
	qbuf_puts(&b, ",\"data\":");
	qbuf_puts(&b, data_json ? data_json : "{}");
	qbuf_printf(&b, ",\"timestamp\":{\"seconds\":%lld,"
		       "\"microseconds\":%ld}}\r\n",
		    (long long)ts.tv_sec, ts.tv_nsec / 1000);
	return b.p;
}

bool qmp_event_push(struct qmp_event_queue *q, const char *event,
		    const char *data_json)
{
	char *line = build(event, data_json);
	bool ok;

	pthread_mutex_lock(&q->lock);
	ok = q->count < QMP_EVENT_QUEUE_MAX;
	if (ok) {
		q->ev[(q->head + q->count) % QMP_EVENT_QUEUE_MAX] = line;
		q->count++;
	} else {
		q->dropped++;
	}
	pthread_mutex_unlock(&q->lock);
	if (!ok) {
		log_warn_ratelimited("event queue full, %s dropped", event);
		free(line);
	}
	return ok;
}

char *qmp_event_pop(struct qmp_event_queue *q)
{
	char *line = NULL;

	pthread_mutex_lock(&q->lock);
	if (q->count) {
		line = q->ev[q->head];
		q->ev[q->head] = NULL;
		q->head = (q->head + 1) % QMP_EVENT_QUEUE_MAX;
		q->count--;
	}
	pthread_mutex_unlock(&q->lock);
	return line;
}
