# shellcheck shell=sh
# Container bundles (root.path is a directory). A Linux guest cannot run
# on this host, so tests/shim/vmm_agent.py stands in for the VM: the real
# (emulated-CPU) VMM runs the idle test guest for QMP, and sv-agent runs on
# the host in its own namespaces on the agent socket the shim gave the
# VMM. What is real: the shim's CLI, monitor, agent protocol, stdio relay,
# exit codes and signals; the ext4 image cached by content; the VMM argv.
# Sourced by tests/shim/run.sh.

# ctr_bundle NAME READONLY [ARGS-JSON]: a container bundle over $TMP/rootfs
# (an absolute root.path: a relative one may not lead out of the bundle).
ctr_bundle() {
	mkdir -p "$TMP/$1"
	cat > "$TMP/$1/config.json" <<EOF2
{"ociVersion":"1.0.2","root":{"path":"$TMP/rootfs","readonly":$2},
 "process":{"args":${3:-[\"/bin/sh\",\"-c\",\"echo hi\"]},"cwd":"/",
  "env":["PATH=/bin","GREETING=from-the-spec"]},
 "annotations":{"org.stratovirt.kernel":"$KERNEL",
  "org.stratovirt.initrd":"$TMP/disk",
  "org.stratovirt.kernel_params":"console=ttyS0 svtest=idle",
  "org.stratovirt.memory_mib":"128"}}
EOF2
}

count_images() {
	_n=0
	for _f in "$ROOT"/.images/*; do [ -e "$_f" ] && _n=$((_n + 1)); done
	echo "$_n"
}

# The argv the shim gave the VMM, recorded by tests/shim/vmm_record.py.
vmm_argv() {
	tr '\n' ' ' < "$ROOT/$1/vmm.argv"
}

t_container() {
	if ! command -v mkfs.ext4 > /dev/null && [ ! -x /sbin/mkfs.ext4 ]; then
		skip "container bundles: mkfs.ext4 missing"
		return
	fi
	mkdir -p "$TMP/rootfs/bin" "$TMP/rootfs/etc" "$TMP/rootfs/proc" \
		"$TMP/rootfs/dev" "$TMP/rootfs/sys" "$TMP/rootfs/tmp"
	echo "hello from the rootfs" > "$TMP/rootfs/hello.txt"
	ln -sf hello.txt "$TMP/rootfs/link"
	if command -v busybox > /dev/null; then
		cp "$(command -v busybox)" "$TMP/rootfs/bin/busybox"
		for a in sh echo cat sleep; do
			ln -sf busybox "$TMP/rootfs/bin/$a"
		done
	fi
	export SV_REAL_VMM="$EMU"
	export SV_AGENT="$(pwd)/$O/sv-agent"
	export SV_AGENT_ROOT="$TMP/rootfs"
	# The stand-in VMM is a script that runs unshare and the agent from
	# the host: it cannot run in the jail, so --no-jail until it is gone.
	S() { "$SHIM" --root "$ROOT" --no-jail "$@"; }
	STRATOVIRT_SHIM_VMM=$(pwd)/tests/shim/vmm_agent.py
	export STRATOVIRT_SHIM_VMM
	ctr_bundle ct1 true
	ctr_bundle ct2 false
	S create -b "$TMP/ct1" ct1 < /dev/null > /dev/null 2> "$TMP/ct1.err"
	check "container: create (readonly root)" [ $? -eq 0 ]
	sed 's/^/    | /' "$TMP/ct1.err"
	n=$(count_images)
	check "container: one cached image ($n)" [ "$n" -eq 1 ]
	img=$ROOT/ct1/rootfs.ext4
	check "container: image has the rootfs files" \
		sh -c "debugfs -R 'cat /hello.txt' '$img' 2> /dev/null | grep -q 'hello from the rootfs'"
	check "container: readonly image is the cache entry (hard link)" \
		[ "$(stat -c %h "$img")" -eq 2 ]
	argv=$(vmm_argv ct1)
	check "container: VMM paused (-S)" sh -c "echo '$argv' | grep -q -- ' -S '"
	check "container: VMM runs, paused" [ "$(status ct1)" = created ]
	check "container: agent channel on agent.sock" \
		sh -c "echo '$argv' | grep -q 'virtserialport.*' && echo '$argv' | grep -q '$ROOT/ct1/agent.sock'"
	check "container: disk is the image, read-only" \
		sh -c "echo '$argv' | grep -q 'file=$img,id=rootfs,readonly=on'"
	S create -b "$TMP/ct2" ct2 < /dev/null > /dev/null 2>&1
	check "container: create (read-write root)" [ $? -eq 0 ]
	n=$(count_images)
	check "container: same content, cache reused ($n image)" [ "$n" -eq 1 ]
	check "container: read-write root gets a private copy" \
		[ "$(stat -c %i "$ROOT/ct2/rootfs.ext4")" != "$(stat -c %i "$img")" ]
	echo changed >> "$TMP/rootfs/hello.txt"
	S create -b "$TMP/ct1" ct3 < /dev/null > /dev/null 2>&1
	n=$(count_images)
	check "container: changed content, new image ($n)" [ "$n" -eq 2 ]
	S delete ct1
	S delete ct2
	S delete ct3
	check "container: last delete removes the cache entries" \
		[ "$(count_images)" -eq 0 ]
	check "container: root empty" root_empty
	t_container_run
	# shellcheck source=tests/shim/ctr_io.sh
	. tests/shim/ctr_io.sh
	t_container_io
	export STRATOVIRT_SHIM_VMM="$EMU"
	unset SV_AGENT SV_AGENT_ROOT
	S() { "$SHIM" --root "$ROOT" "$@"; }
}

no_agent() { ! pgrep -f "sv-agent --root $TMP/rootfs" > /dev/null; }

# The workload through the agent: stdout and stderr apart, exit codes,
# stdin, env, signals.
t_container_run() {
	if [ ! -x "$SV_AGENT" ] || [ ! -x "$TMP/rootfs/bin/busybox" ]; then
		skip "container workloads: sv-agent or busybox missing"
		return
	fi
	ctr_bundle w1 true \
		'["/bin/sh","-c","echo out-$GREETING; echo err >&2; exit 3"]'
	S run -b "$TMP/w1" w1 < /dev/null > "$TMP/w1.out" 2> "$TMP/w1.err"
	rc=$?
	check "container run: exit status 3 is the workload's (got $rc)" \
		[ $rc -eq 3 ]
	check "container run: stdout from the workload, env applied" \
		[ "$(cat "$TMP/w1.out")" = "out-from-the-spec" ]
	check "container run: stderr kept apart" \
		[ "$(cat "$TMP/w1.err")" = "err" ]
	ctr_bundle w2 true '["/bin/cat"]'
	printf 'line1\nline2\n' | S run -b "$TMP/w2" w2 > "$TMP/w2.out" 2>&1
	check "container run: stdin relayed to EOF (cat)" \
		[ "$(cat "$TMP/w2.out")" = "$(printf 'line1\nline2')" ]
	ctr_bundle w3 true '["/bin/sleep","1000"]'
	S create -b "$TMP/w3" w3 < /dev/null > /dev/null 2>&1
	check "container create: created, nothing run yet" \
		[ "$(status w3)" = created ]
	check "container start" S start w3
	check "container: running" [ "$(status w3)" = running ]
	S exec w3 /bin/sh -c 'echo ex-out; echo ex-err >&2; exit 5' \
		< /dev/null > "$TMP/ex.out" 2> "$TMP/ex.err"
	rc=$?
	check "exec: the process's exit status 5 (got $rc)" [ $rc -eq 5 ]
	check "exec: stdout and stderr apart" \
		[ "$(cat "$TMP/ex.out")/$(cat "$TMP/ex.err")" = "ex-out/ex-err" ]
	# 2100 quotes: 4200 bytes once escaped for JSON, under the agent's
	# 4096-byte cap per string as sent.
	long=$(printf 'b\\%02100d' 0 | tr 0 '"')
	S exec w3 /bin/sh -c 'printf %s "$1"' sh "$long" < /dev/null > "$TMP/ex3.out" 2>&1
	check "exec: an argument of 2100 quotes and a backslash arrives intact" \
		[ "$(cat "$TMP/ex3.out")" = "$long" ]
	# Every --env, --user as numbers, and a spec over 40 KB (it reaches
	# the monitor in more than one read).
	big=$(printf '%03000d' 0)
	set -- -e A=1 -e B=2
	for i in 01 02 03 04 05 06 07 08 09 10 11 12 13 14; do
		set -- "$@" -e "V$i=$big"
	done
	S exec "$@" -u 1000:1001 w3 /bin/sh -c 'echo $A$B ${#V14} $(id -u):$(id -g)' \
		< /dev/null > "$TMP/ex4.out" 2>&1
	check "exec: every --env, --user 1000:1001, a 42 KB spec" \
		[ "$(cat "$TMP/ex4.out")" = "12 3000 1000:1001" ]
	refuse "exec --user: a name is refused (numbers only)" \
		S exec -u nobody w3 /bin/true
	printf '{"args":["/bin/sh","-c","echo $X; cat"],"cwd":"/tmp",' > "$TMP/p.json"
	printf '"env":["X=from-process-json","PATH=/bin"],"user":{"uid":0,"gid":0}}' >> "$TMP/p.json"
	echo piped | S exec --process "$TMP/p.json" w3 > "$TMP/ex2.out" 2>&1
	check "exec --process: env applied, stdin relayed" \
		[ "$(cat "$TMP/ex2.out")" = "$(printf 'from-process-json\npiped')" ]
	# A proxy gone before its process started (it gave up after 30 s, or
	# was killed): the monitor kills the process once the agent starts
	# it, nothing runs unseen. The agent is held (SIGSTOP) meanwhile.
	pkill -STOP -f "sv-agent --root $TMP/rootfs"
	"$SHIM" --root "$ROOT" --no-jail exec w3 /bin/sleep 977 \
		< /dev/null > /dev/null 2>&1 &	# $! is the proxy itself
	xp=$!
	sleep 1
	kill -9 "$xp"
	wait "$xp" 2> /dev/null
	pkill -CONT -f "sv-agent --root $TMP/rootfs"
	sleep 3
	check "exec: a process whose proxy left before it started is killed" \
		sh -c '! pgrep -f "slee[p] 977" > /dev/null'
	check "exec: still served after an abandoned one" \
		[ "$(S exec w3 /bin/echo ok < /dev/null 2>&1)" = ok ]
	S exec -d --pid-file "$TMP/ex.pid" w3 /bin/sleep 1000 < /dev/null > /dev/null 2>&1
	check "exec -d: pid file written" [ -s "$TMP/ex.pid" ]
	check "exec -d: the proxy is alive" kill -0 "$(cat "$TMP/ex.pid")"
	check "container kill TERM (through the agent)" S kill w3 TERM
	wait_status w3 stopped 100
	check "container: stopped after TERM" [ "$(status w3)" = stopped ]
	i=0
	while kill -0 "$(cat "$TMP/ex.pid")" 2> /dev/null && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
	check "exec -d: the proxy ends with the container" \
		sh -c "! kill -0 $(cat "$TMP/ex.pid") 2> /dev/null"
	refuse "exec: refused on a stopped container" S exec w3 /bin/true
	S delete w3
	check "container workloads: root empty" root_empty
	check "container workloads: no agent left" no_agent
	check "container: kernel console kept in the state dir, not stdout" \
		sh -c "! grep -q svtest '$TMP/w1.out'"
}
