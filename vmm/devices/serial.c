// SPDX-License-Identifier: MIT
/*
 * 16550A UART as Linux's 8250 driver and firmware use it: divisor latch,
 * 16-byte receive FIFO (plus a host-side buffer), THR-empty and
 * receive-data interrupts, loopback for the driver's probe. The transmit
 * side is immediate: a byte written to THR goes straight to the chardev.
 * The IRQ is edge-triggered: pulsed when an interrupt becomes pending.
 */
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#define LOG_MODULE "serial"
#include "sv/log.h"
#include "vmm/backends/chardev.h"
#include "vmm/bus/bus.h"
#include "vmm/devices/devices.h"
#include "vmm/irq/irq.h"

enum {
	UART_RBR = 0, UART_IER = 1, UART_IIR = 2, UART_LCR = 3,
	UART_MCR = 4, UART_LSR = 5, UART_MSR = 6, UART_SCR = 7,
};

#define IER_RDI 0x01
#define IER_THRI 0x02
#define IIR_NO_INT 0x01
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_FIFO 0xc0
#define LCR_DLAB 0x80
#define MCR_LOOP 0x10
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define MSR_DEFAULT 0xb0 /* DCD, DSR, CTS */
#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02

#define RX_BUF 4096

struct serial8250 {
	struct bus *pio;
	uint16_t base;
	struct irq_line *irq;
	struct chardev *chr;
	pthread_mutex_t lock;	/* protects everything below */
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
	bool thr_int;		/* THR empty interrupt pending */
	bool irq_pending;	/* last computed interrupt state */
	uint8_t rx[RX_BUF];
	unsigned int rx_head, rx_len;
};

static uint8_t iir(const struct serial8250 *s)
{
	uint8_t fifo = (s->fcr & FCR_ENABLE) ? IIR_FIFO : 0;

	if ((s->ier & IER_RDI) && s->rx_len)
		return fifo | IIR_RDI;
	if ((s->ier & IER_THRI) && s->thr_int)
		return fifo | IIR_THRI;
	return fifo | IIR_NO_INT;
}

/* Pulse the edge IRQ when an interrupt becomes pending. */
static void update_irq(struct serial8250 *s)
{
	bool pending = !(iir(s) & IIR_NO_INT);

	if (pending && !s->irq_pending && s->irq)
		irq_line_pulse(s->irq);
	s->irq_pending = pending;
}

static void rx_push(struct serial8250 *s, uint8_t b)
{
	if (s->rx_len == RX_BUF)
		return;
	s->rx[(s->rx_head + s->rx_len) % RX_BUF] = b;
	s->rx_len++;
}

static uint8_t rx_pop(struct serial8250 *s)
{
	uint8_t b;

	if (!s->rx_len)
		return 0;
	b = s->rx[s->rx_head];
	s->rx_head = (s->rx_head + 1) % RX_BUF;
	s->rx_len--;
	return b;
}

static void write_thr(struct serial8250 *s, uint8_t v)
{
	if (s->mcr & MCR_LOOP)
		rx_push(s, v);
	else if (s->chr)
		chardev_write(s->chr, &v, 1);
	s->thr_int = true;
}

static void reg_write(struct serial8250 *s, unsigned int off, uint8_t v)
{
	bool dlab = s->lcr & LCR_DLAB;

	switch (off) {
	case UART_RBR:
		if (dlab)
			s->dll = v;
		else
			write_thr(s, v);
		break;
	case UART_IER:
		if (dlab) {
			s->dlm = v;
			break;
		}
		/* Enabling THRI with an empty THR raises it, as hardware does. */
		if (!(s->ier & IER_THRI) && (v & IER_THRI))
			s->thr_int = true;
		s->ier = v & 0x0f;
		break;
	case UART_IIR:
		s->fcr = v & 0xc9;
		if (v & FCR_CLEAR_RX)
			s->rx_len = 0;
		break;
	case UART_LCR:
		s->lcr = v;
		break;
	case UART_MCR:
		s->mcr = v & 0x1f;
		break;
	case UART_SCR:
		s->scr = v;
		break;
	default:
		break;	/* LSR and MSR are read-only */
	}
}

static uint8_t msr(const struct serial8250 *s)
{
	uint8_t v = 0;

	if (!(s->mcr & MCR_LOOP))
		return MSR_DEFAULT;
	/* Loopback: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD. */
	if (s->mcr & 0x01)
		v |= 0x20;
	if (s->mcr & 0x02)
		v |= 0x10;
	if (s->mcr & 0x04)
		v |= 0x40;
	if (s->mcr & 0x08)
		v |= 0x80;
	return v;
}

static uint8_t reg_read(struct serial8250 *s, unsigned int off)
{
	uint8_t v;

	switch (off) {
	case UART_RBR:
		return (s->lcr & LCR_DLAB) ? s->dll : rx_pop(s);
	case UART_IER:
		return (s->lcr & LCR_DLAB) ? s->dlm : s->ier;
	case UART_IIR:
		v = iir(s);
		if ((v & 0x0f) == IIR_THRI)
			s->thr_int = false;	/* reading IIR clears THRI */
		return v;
	case UART_LCR:
		return s->lcr;
	case UART_MCR:
		return s->mcr;
	case UART_LSR:
		return LSR_THRE | LSR_TEMT | (s->rx_len ? LSR_DR : 0);
	case UART_MSR:
		return msr(s);
	default:
		return s->scr;
	}
}

static void serial_read(void *opaque, uint64_t off, void *data,
			unsigned int len)
{
	struct serial8250 *s = opaque;

	memset(data, 0xff, len);
	if (len != 1 || off > 7)
		return;
	pthread_mutex_lock(&s->lock);
	*(uint8_t *)data = reg_read(s, (unsigned int)off);
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

static void serial_write(void *opaque, uint64_t off, const void *data,
			 unsigned int len)
{
	struct serial8250 *s = opaque;

	if (len != 1 || off > 7)
		return;
	pthread_mutex_lock(&s->lock);
	reg_write(s, (unsigned int)off, *(const uint8_t *)data);
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

static const struct bus_ops serial_ops = {
	.read = serial_read,
	.write = serial_write,
};

size_t serial8250_input(void *opaque, const uint8_t *buf, size_t len)
{
	struct serial8250 *s = opaque;
	size_t i;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < len && s->rx_len < RX_BUF; i++)
		rx_push(s, buf[i]);
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return i;
}

int serial8250_create(struct bus *pio, uint16_t base, struct irq_line *irq,
		      struct chardev *chr, struct serial8250 **out)
{
	struct serial8250 *s = xcalloc(1, sizeof(*s));
	int ret;

	s->pio = pio;
	s->base = base;
	s->irq = irq;
	s->chr = chr;
	s->mcr = 0x08;		/* OUT2 */
	pthread_mutex_init(&s->lock, NULL);
	ret = bus_register(pio, base, 8, &serial_ops, s, "serial");
	if (ret < 0) {
		log_err("serial at 0x%x: cannot register: %s", base,
			strerror(-ret));
		pthread_mutex_destroy(&s->lock);
		free(s);
		return ret;
	}
	if (chr)
		chardev_set_input(chr, serial8250_input, s);
	*out = s;
	return 0;
}

void serial8250_destroy(struct serial8250 *s)
{
	if (!s)
		return;
	if (s->chr)
		chardev_set_input(s->chr, NULL, NULL);
	if (bus_unregister(s->pio, s->base) < 0)
		log_debug("serial: already unregistered");
	pthread_mutex_destroy(&s->lock);
	free(s);
}
