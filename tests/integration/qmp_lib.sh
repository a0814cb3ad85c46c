#!/bin/sh
# Shared by the QMP suites (test_qmp.sh, test_q35_qmp.sh); sourced after
# tests/lib.sh with TMP, SOCK and QC set. PID is the VMM in the background.

# wait_sock NAME: until $SOCK exists (10 s) or the VMM died; 1 on failure.
wait_sock() {
	i=0
	while [ $i -lt 100 ]; do
		[ -S "$SOCK" ] && return 0
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	fail "$1: QMP socket did not appear"
	tail -n 5 "$TMP/$1.err" | sed 's/^/    | /'
	return 1
}

# wait_exit TIMEOUT: waits for $PID; sets RC (124 on timeout, then killed).
wait_exit() {
	i=0
	while kill -0 "$PID" 2>/dev/null && [ $i -lt $(($1 * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$PID" 2>/dev/null; then
		kill -9 "$PID"
		wait "$PID" 2>/dev/null
		RC=124
	else
		wait "$PID"
		RC=$?
	fi
	PID=
}

qc() { "$QC" -t 10 "$@" 2> "$TMP/qc.err"; }
# qn ARGS...: negotiated client, without the greeting and the negotiation reply.
qn() { qc -q -N "$@" | tail -n +2; }
no_ts() { sed 's/"timestamp":{"seconds":[0-9]*,"microseconds":[0-9]*}/"timestamp":{}/'; }

# check NAME EXPECTED ACTUAL
check() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1"
		echo "    expected: $2"
		echo "    got:      $3"
	fi
}
