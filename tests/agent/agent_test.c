// SPDX-License-Identifier: MIT
/*
 * agent_test: a host-side client of sv-agent built on shim/agent_client.c,
 * driven by tests/agent/run.sh.
 *
 *   agent_test SOCK [opts] -- ARGS...
 *   -e K=V  env          -c DIR  cwd        -u UID / -g GID / -G GID
 *   -h NAME hostname     -t      terminal   -m TYPE:SRC:TARGET[:DATA]
 *   -r RES:SOFT:HARD     -i FILE stdin (then EOF; without -i: EOF at once)
 *   -o FILE stdout       -E FILE stderr     -k SIG:MS signal after MS ms
 *   -X CMD  also exec `sh -c CMD` as stream 2; its stdout goes to -O FILE
 *   -W ROWS:COLS  send a window size once started
 *   -N      do not send POWEROFF at the end
 *   -A      -k signals every process of the container
 *
 * Prints "started", "exit N" or "signal N", "exec-exit N", "error: ..."
 * and exits with the container process's shell-style status (125 on a
 * client or protocol error).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shim/agent_client.h"

struct opts {
	const char *sock, *in, *out, *err, *xcmd, *xout;
	int sig, sig_ms, rows, cols, no_poweroff, sig_all;
	struct agent_spec_writer w;
	uint8_t spec[AGENT_MAX_PAYLOAD];
};

static struct agent_client client;

static int die(const char *what, int err)
{
	printf("error: %s: %s\n", what, strerror(err < 0 ? -err : err));
	return 125;
}

static void opt_mount(struct opts *o, char *arg)
{
	char *type = strtok(arg, ":"), *src = strtok(NULL, ":");
	char *dst = strtok(NULL, ":"), *data = strtok(NULL, "");

	if (type && src && dst)
		agent_spec_put_mount(&o->w, 0, type, src, dst,
				     data ? data : "");
}

static void opt_rlimit(struct opts *o, const char *arg)
{
	unsigned long r;
	unsigned long long s, h;

	if (sscanf(arg, "%lu:%llu:%llu", &r, &s, &h) == 3)
		agent_spec_put_rlimit(&o->w, (uint32_t)r, s, h);
}

/* -k SIG:MS and -W ROWS:COLS */
static int parse_timed(struct opts *o, int c, const char *arg)
{
	if (c == 'k' && sscanf(arg, "%d:%d", &o->sig, &o->sig_ms) == 2)
		return 0;
	if (c == 'W' && sscanf(arg, "%d:%d", &o->rows, &o->cols) == 2)
		return 0;
	return -EINVAL;
}

static int parse_opt(struct opts *o, int c, char *arg)
{
	switch (c) {
	case 'e':
		agent_spec_put_str(&o->w, AGENT_TAG_ENV, arg);
		break;
	case 'c':
		agent_spec_put_str(&o->w, AGENT_TAG_CWD, arg);
		break;
	case 'h':
		agent_spec_put_str(&o->w, AGENT_TAG_HOSTNAME, arg);
		break;
	case 'u':
		agent_spec_put_u32(&o->w, AGENT_TAG_UID, (uint32_t)atoi(arg));
		break;
	case 'g':
		agent_spec_put_u32(&o->w, AGENT_TAG_GID, (uint32_t)atoi(arg));
		break;
	case 'G':
		agent_spec_put_u32(&o->w, AGENT_TAG_AGID, (uint32_t)atoi(arg));
		break;
	case 'm':
		opt_mount(o, arg);
		break;
	case 'r':
		opt_rlimit(o, arg);
		break;
	case 'i':
		o->in = arg;
		break;
	case 'o':
		o->out = arg;
		break;
	case 'E':
		o->err = arg;
		break;
	case 'X':
		o->xcmd = arg;
		break;
	case 'O':
		o->xout = arg;
		break;
	default:
		return parse_timed(o, c, arg);
	}
	return 0;
}

static int parse_args(struct opts *o, int argc, char **argv)
{
	int c;

	agent_spec_writer_init(&o->w, o->spec, sizeof(o->spec));
	while ((c = getopt(argc, argv, "e:c:h:u:g:G:m:r:i:o:E:X:O:k:W:tNA")) !=
	       -1) {
		if (c == 't') {
			agent_spec_put_u8(&o->w, AGENT_TAG_TERMINAL, 1);
		} else if (c == 'A') {
			o->sig_all = 1;
		} else if (c == 'N') {
			o->no_poweroff = 1;
		} else if (parse_opt(o, c, optarg) < 0) {
			return -EINVAL;
		}
	}
	if (optind >= argc)
		return -EINVAL;
	o->sock = argv[optind++];
	for (; optind < argc; optind++)
		agent_spec_put_str(&o->w, AGENT_TAG_ARG, argv[optind]);
	return o->w.err;
}

static int open_out(const char *path)
{
	if (!path)
		return open("/dev/null", O_WRONLY | O_CLOEXEC);
	return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

/* Child: send the stdin file in frames, then EOF. */
static pid_t stdin_writer(const char *path)
{
	static uint8_t buf[AGENT_MAX_PAYLOAD];
	pid_t pid = fork();
	ssize_t n;
	int fd;

	if (pid != 0)
		return pid;
	fd = path ? open(path, O_RDONLY) : -1;
	while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		if (agent_client_stdin(&client, 1, buf, (size_t)n) < 0)
			_exit(1);
	_exit(agent_client_stdin_eof(&client, 1) < 0);
}

/* Wait for STARTED (1) or ERROR (message printed, -1) on stream. */
static int wait_started(uint32_t stream)
{
	struct agent_msg m;
	int ret;

	while ((ret = agent_client_recv(&client, &m, 10000)) > 0) {
		if (m.hdr.stream != stream)
			continue;
		if (m.hdr.type == AGENT_MSG_STARTED)
			return 1;
		if (m.hdr.type == AGENT_MSG_ERROR) {
			printf("error: %.*s\n",
			       m.hdr.len > 4 ? (int)m.hdr.len - 4 : 0,
			       (const char *)m.payload + 4);
			return -1;
		}
	}
	return ret < 0 ? ret : -ECONNRESET;
}

static int start_exec(const char *cmd)
{
	static uint8_t spec[AGENT_MAX_PAYLOAD];
	struct agent_spec_writer w;

	agent_spec_writer_init(&w, spec, sizeof(spec));
	agent_spec_put_str(&w, AGENT_TAG_ARG, "/bin/sh");
	agent_spec_put_str(&w, AGENT_TAG_ARG, "-c");
	agent_spec_put_str(&w, AGENT_TAG_ARG, cmd);
	agent_spec_put_str(&w, AGENT_TAG_ENV, "PATH=/bin:/sbin:/usr/bin");
	if (agent_client_exec(&client, 2, spec, w.len) < 0)
		return -EIO;
	if (wait_started(2) != 1)
		return -EIO;
	return agent_client_stdin_eof(&client, 2);
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n <= 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Receive until the container process (and the exec, if any) exited. */
static int relay(int fds[3], int want_exec)
{
	struct agent_exit e;
	struct agent_msg m;
	int status = -1, xdone = !want_exec, ret;

	while (status < 0 || !xdone) {
		ret = agent_client_recv(&client, &m, 30000);
		if (ret <= 0)
			return die("recv", ret ? ret : ECONNRESET);
		if (m.hdr.type == AGENT_MSG_STDOUT ||
		    m.hdr.type == AGENT_MSG_STDERR) {
			int fd = m.hdr.stream == 2		? fds[2] :
				 m.hdr.type == AGENT_MSG_STDOUT ? fds[0] :
								  fds[1];

			if (write_all(fd, m.payload, m.hdr.len) < 0)
				return die("write", EIO);
		} else if (m.hdr.type == AGENT_MSG_EXIT) {
			if (agent_exit_decode(&e, m.payload, m.hdr.len) < 0)
				return die("exit payload", EPROTO);
			printf("%s%s %u\n", m.hdr.stream == 2 ? "exec-" : "",
			       e.flags & AGENT_EXIT_SIGNALED ? "signal" :
							       "exit",
			       e.code);
			if (m.hdr.stream == 2)
				xdone = 1;
			else
				status = agent_exit_status(&e);
		}
	}
	return status;
}

int main(int argc, char **argv)
{
	static struct opts o;
	int fds[3], ret;
	pid_t writer;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (parse_args(&o, argc, argv) < 0)
		return die("usage: agent_test SOCK [opts] -- ARGS", EINVAL);
	ret = agent_client_connect(&client, o.sock, 10000);
	/* READY comes after the guest's boot: slow under TCG on a busy host. */
	if (ret == 0)
		ret = agent_client_handshake(&client, 60000);
	if (ret < 0)
		return die("connect", ret);
	fds[0] = open_out(o.out);
	fds[1] = open_out(o.err);
	fds[2] = open_out(o.xout);
	if (agent_client_start(&client, 1, o.spec, o.w.len) < 0)
		return die("start", EIO);
	if (wait_started(1) != 1)
		return 125;
	printf("started\n");
	if (o.rows)
		agent_client_winsize(&client, 1, (uint16_t)o.rows,
				     (uint16_t)o.cols);
	writer = stdin_writer(o.in);
	if (o.xcmd && start_exec(o.xcmd) < 0)
		return die("exec", EIO);
	if (o.sig) {
		usleep((useconds_t)o.sig_ms * 1000);
		agent_client_signal_flags(&client, 1, o.sig,
					  o.sig_all ? AGENT_SIGNAL_ALL : 0);
	}
	ret = relay(fds, o.xcmd != NULL);
	waitpid(writer, NULL, 0);
	if (!o.no_poweroff)
		agent_client_poweroff(&client);
	agent_client_close(&client);
	return ret;
}
