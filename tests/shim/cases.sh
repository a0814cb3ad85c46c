# shellcheck shell=sh
# The cases of tests/shim/run.sh (sourced; uses its helpers and $TMP/$ROOT).

t_cli() {
	S --version > "$TMP/v.out" 2>&1
	check "cli: --version" grep -q "^stratovirt-shim version" "$TMP/v.out"
	check "cli: --help exits 0" S --help > /dev/null
	refuse "cli: unknown command" S frobnicate x
	refuse "cli: unknown option" S create --bogus x
	refuse "cli: bad --log-format" "$SHIM" --log-format yaml list
	refuse "cli: kill with a bad signal" S kill x SIGFOO
	S features > "$TMP/f.json"
	check "features: JSON with ociVersionMin" \
		sh -c "jq -e .ociVersionMin '$TMP/f.json' > /dev/null"
	mkdir -p "$TMP/specb"
	check "spec: writes config.json" S spec --bundle "$TMP/specb"
	check "spec: valid JSON with process.args" \
		sh -c "jq -e '.process.args[0] == \"sh\"' '$TMP/specb/config.json' > /dev/null"
	refuse "spec: refuses to overwrite" S spec -b "$TMP/specb"
}

t_lifecycle() {
	bundle life "svtest=count svcount.shift=14"
	# Symlinks planted where the pid file and its old fixed temporary name
	# go: neither target may be written through.
	echo keep > "$TMP/victim1"
	echo keep > "$TMP/victim2"
	ln -s "$TMP/victim1" "$TMP/life.pid"
	ln -s "$TMP/victim2" "$TMP/.life.pid.tmp"
	S create --bundle "$TMP/life" --pid-file "$TMP/life.pid" life \
		< /dev/null > "$TMP/life.out" 2> "$TMP/life.err"
	check "create: exit 0" [ $? -eq 0 ]
	check "pid file: planted symlinks not followed" \
		[ "$(cat "$TMP/victim1")$(cat "$TMP/victim2")" = keepkeep -a \
		! -L "$TMP/life.pid" ]
	check "create: status created" [ "$(status life)" = created ]
	pid=$(cat "$TMP/life.pid" 2> /dev/null)
	check "pid file: decimal, no newline" \
		sh -c "[ \"\$(od -An -c '$TMP/life.pid' | tr -d ' 0-9\n')\" = '' ]"
	check "pid file: the state's pid" \
		sh -c "S() { \"$SHIM\" --root \"$ROOT\" \"\$@\"; }; S state life | grep -q '\"pid\": $pid,'"
	check "pid file: a live process" kill -0 "$pid"
	sleep 0.5
	check "create: the guest has not run before start" \
		[ ! -s "$TMP/life.out" ]
	refuse "pause: refused when created" S pause life
	refuse "resume: refused when created" S resume life
	check "start: exit 0" S start life
	check "start: status running" [ "$(status life)" = running ]
	check "start: the guest runs, console is stdout" \
		wait_grep "$TMP/life.out" "tick 2" 300
	refuse "start: refused when running" S start life
	refuse "delete: refused when running" S delete life
	refuse "resume: refused when running" S resume life
	t_pause life
	S ps --format json life > "$TMP/ps.json"
	check "ps --format json: monitor first" \
		grep -q "^\[$pid,[0-9]*\]$" "$TMP/ps.json"
	S list --format json > "$TMP/list.json"
	check "list --format json" \
		sh -c "jq -e '.[0].id == \"life\"' '$TMP/list.json' > /dev/null"
	check "list -q" [ "$(S list -q)" = life ]
	check "kill TERM: exit 0" S kill life TERM
	check "kill TERM: powered off, stopped" wait_status life stopped
	refuse "kill: refused when stopped" S kill life 15
	refuse "start: refused when stopped" S start life
	check "state pid 0 when stopped" \
		sh -c "\"$SHIM\" --root \"$ROOT\" state life | grep -q '\"pid\": 0,'"
	check "delete: exit 0" S delete life
	check "delete: state dir gone" [ ! -e "$ROOT/life" ]
	refuse "state: unknown id" S state life
}

t_pause() {
	check "pause: exit 0" S pause "$1"
	check "pause: status paused" [ "$(status "$1")" = paused ]
	sleep 0.3
	a=$(wc -c < "$TMP/$1.out")
	sleep 1
	b=$(wc -c < "$TMP/$1.out")
	check "pause: the guest stops printing ($a -> $b)" [ "$a" -eq "$b" ]
	refuse "pause: refused when paused" S pause "$1"
	check "resume: exit 0" S resume "$1"
	check "resume: status running" [ "$(status "$1")" = running ]
	check "resume: the guest prints again" \
		wait_grep "$TMP/$1.out" "tick $(($(grep -c tick "$TMP/$1.out") + 2))" 300
}

t_delete() {
	check "delete --force of an unknown id: exit 0" \
		S delete --force nosuch
	refuse "delete of an unknown id" S delete nosuch
	bundle del "svtest=idle"
	S create -b "$TMP/del" del < /dev/null > /dev/null 2>&1
	check "delete: a created container (as runc)" S delete del
	S create -b "$TMP/del" del < /dev/null > /dev/null 2>&1
	S start del
	check "delete -f: a running container" S delete -f del
	check "delete -f: VMM gone" no_vmm_for del
	check "delete -f: root empty" root_empty
}

t_run() {
	bundle hello "svtest=hello"
	S run -b "$TMP/hello" hello < /dev/null > "$TMP/hello.out" 2>&1
	rc=$?
	check "run: exit 0 on guest reset" [ $rc -eq 0 ]
	check "run: console on stdout" grep -q "TEST: PASS" "$TMP/hello.out"
	check "run: deleted afterwards" [ ! -e "$ROOT/hello" ]
	# svtest=pio writes port 0x80; isa-debug-exit there ends the VM with 1.
	cat > "$TMP/vmm-dbg.sh" <<EOF
#!/bin/sh
exec "$EMU" "\$@" -device isa-debug-exit,iobase=0x80
EOF
	chmod +x "$TMP/vmm-dbg.sh"
	bundle pio "svtest=pio"
	export STRATOVIRT_SHIM_VMM="$TMP/vmm-dbg.sh"
	S run -b "$TMP/pio" pio < /dev/null > "$TMP/pio.out" 2>&1
	rc=$?
	export STRATOVIRT_SHIM_VMM="$EMU"
	check "run: debug-exit status 1 is the exit code (got $rc)" [ $rc -eq 1 ]
	bundle idle "svtest=idle"
	S run -b "$TMP/idle" idle < /dev/null > /dev/null 2>&1 &
	rp=$!
	BGPIDS="$BGPIDS $rp"
	wait_status idle running 100
	S kill idle KILL
	wait $rp
	rc=$?
	check "run: VMM killed by KILL -> 137 (got $rc)" [ $rc -eq 137 ]
	S run -d -b "$TMP/idle" idle2 < /dev/null > /dev/null 2>&1
	check "run -d: returns with the container running" \
		[ "$(status idle2)" = running ]
	S delete -f idle2
	# The config file's "vmm" key picks the VMM when the env does not.
	bundle cfgvmm "svtest=hello"
	printf '{"vmm":"%s"}\n' "$EMU" > "$TMP/cfg-vmm.json"
	env -u STRATOVIRT_SHIM_VMM STRATOVIRT_SHIM_CONFIG="$TMP/cfg-vmm.json" \
		"$SHIM" --root "$ROOT" run -b "$TMP/cfgvmm" cfgvmm < /dev/null \
		> "$TMP/cfgvmm.out" 2>&1
	check "run: config.json \"vmm\" selects the VMM" \
		grep -q "TEST: PASS" "$TMP/cfgvmm.out"
	printf '{"vmm":"%s"}\n' "$TMP/no-such-vmm" > "$TMP/cfg-vmm.json"
	refuse "create: config \"vmm\" that is not executable" env -u \
		STRATOVIRT_SHIM_VMM STRATOVIRT_SHIM_CONFIG="$TMP/cfg-vmm.json" \
		"$SHIM" --root "$ROOT" create -b "$TMP/cfgvmm" cfgvmm2
	check "create: refused config vmm leaves nothing" root_empty
	# "annotation_paths": path annotations must resolve into the bundle
	# or below a listed prefix (symlinks resolved).
	printf '{"vmm":"%s","annotation_paths":["%s"]}\n' "$EMU" "$TMP" \
		> "$TMP/cfg-ap.json"
	refuse "create: kernel annotation outside annotation_paths" env \
		STRATOVIRT_SHIM_CONFIG="$TMP/cfg-ap.json" \
		"$SHIM" --root "$ROOT" create -b "$TMP/cfgvmm" ap1
	grep -q "annotation org.stratovirt.kernel=.*outside the bundle" \
		"$TMP/refuse.err"
	check "create: the refusal names the annotation" [ $? -eq 0 ]
	check "create: refused annotation path leaves nothing" root_empty
	ln -sf "$(realpath "$KERNEL")" "$TMP/klink"
	bundle aplink "svtest=hello"
	sed -i "s|\"$KERNEL\"|\"$TMP/klink\"|" "$TMP/aplink/config.json"
	refuse "create: a symlink under annotation_paths to a file outside" \
		env STRATOVIRT_SHIM_CONFIG="$TMP/cfg-ap.json" \
		"$SHIM" --root "$ROOT" create -b "$TMP/aplink" ap2
	printf '{"vmm":"%s","annotation_paths":["%s","%s"]}\n' "$EMU" "$TMP" \
		"$(dirname "$(realpath "$KERNEL")")" > "$TMP/cfg-ap.json"
	env STRATOVIRT_SHIM_CONFIG="$TMP/cfg-ap.json" "$SHIM" --root "$ROOT" \
		run -b "$TMP/cfgvmm" ap3 < /dev/null > "$TMP/ap3.out" 2>&1
	check "run: every path annotation under annotation_paths" \
		grep -q "TEST: PASS" "$TMP/ap3.out"
}

t_reaper() {
	bundle reap "svtest=idle"
	python3 tests/shim/reaper.py "$TMP/reap.pid" "$SHIM" --root "$ROOT" \
		create -b "$TMP/reap" --pid-file "$TMP/reap.pid" reap \
		< /dev/null > "$TMP/reap.out" 2>&1 &
	rp=$!
	BGPIDS="$BGPIDS $rp"
	wait_grep "$TMP/reap.out" created 100
	S start reap
	S kill reap SIGINT
	wait $rp
	check "sub-reaper sees the monitor exit 0 after kill INT" \
		grep -q "status 0$" "$TMP/reap.out"
	bundle reap9 "svtest=idle"
	python3 tests/shim/reaper.py "$TMP/reap9.pid" "$SHIM" --root "$ROOT" \
		create -b "$TMP/reap9" --pid-file "$TMP/reap9.pid" reap9 \
		< /dev/null > "$TMP/reap9.out" 2>&1 &
	rp=$!
	BGPIDS="$BGPIDS $rp"
	wait_grep "$TMP/reap9.out" created 100
	S start reap9
	S kill reap9 9
	wait $rp
	check "sub-reaper sees 137 after kill 9" \
		grep -q "status 137$" "$TMP/reap9.out"
	S delete reap
	S delete reap9
}

t_monitor_killed() {
	bundle mk "svtest=idle"
	S create -b "$TMP/mk" --pid-file "$TMP/mk.pid" mk < /dev/null \
		> /dev/null 2>&1
	S start mk
	vmm=$(S ps --format json mk | sed 's/.*,\([0-9]*\)\]/\1/')
	kill -9 "$(cat "$TMP/mk.pid")"
	i=0
	while kill -0 "$vmm" 2> /dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	check "monitor killed: the VMM ($vmm) is gone" \
		sh -c "! kill -0 $vmm 2> /dev/null"
	check "monitor killed: status stopped" [ "$(status mk)" = stopped ]
	check "monitor killed: delete cleans up" S delete mk
	check "monitor killed: root empty" root_empty
}

t_console() {
	bundle con "svtest=hello"
	python3 tests/shim/console_recv.py "$TMP/con.sock" "$TMP/con.out" 8 \
		> "$TMP/con.recv" 2>&1 &
	rp=$!
	BGPIDS="$BGPIDS $rp"
	i=0
	while [ ! -S "$TMP/con.sock" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	S create -b "$TMP/con" --console-socket "$TMP/con.sock" con \
		< /dev/null > "$TMP/con.stdout" 2>&1
	check "console-socket: create exit 0" [ $? -eq 0 ]
	S start con
	check "console-socket: guest output on the pty master" \
		wait_grep "$TMP/con.out" "TEST: PASS" 100
	check "console-socket: payload /dev/ptmx with one fd" \
		grep -q "^/dev/ptmx 1$" "$TMP/con.recv"
	check "console-socket: nothing on create's stdout" \
		[ ! -s "$TMP/con.stdout" ]
	kill "$rp" 2> /dev/null
	S delete -f con
}

# create_refused NAME ID BUNDLE: create fails, one line, nothing left.
create_refused() {
	refuse "$1" S --log "$TMP/err.log" --log-format json create \
		-b "$3" --pid-file "$TMP/bad.pid" "$2"
	check "$1: nothing left in --root" root_empty
	check "$1: no pid file" [ ! -e "$TMP/bad.pid" ]
	check "$1: no VMM left" no_vmm_for "$2"
}

t_bad_input() {
	bundle good "svtest=idle"
	create_refused "bad id ../x" "../x" "$TMP/good"
	create_refused "bad id a/b" "a/b" "$TMP/good"
	create_refused "bad id .hidden" ".hidden" "$TMP/good"
	create_refused "bad id empty" "" "$TMP/good"
	create_refused "bad bundle: no such dir" b1 "$TMP/nosuch"
	mkdir -p "$TMP/empty"
	create_refused "bad bundle: no config.json" b2 "$TMP/empty"
	mkdir -p "$TMP/garbage" && echo '{"ociVersion":' > "$TMP/garbage/config.json"
	create_refused "bad bundle: malformed JSON" b3 "$TMP/garbage"
	bundle badm "svtest=idle" ',"org.stratovirt.machine":"pc"'
	create_refused "bad annotation: machine" b4 "$TMP/badm"
	bundle badk "svtest=idle" ',"org.stratovirt.bogus":"1"'
	create_refused "bad annotation: unknown key" b5 "$TMP/badk"
	bundle nok "svtest=idle"
	sed -i "s|$KERNEL|$TMP/nokernel|" "$TMP/nok/config.json"
	create_refused "bad kernel: missing file" b6 "$TMP/nok"
	: > "$TMP/junk.bin"
	bundle junk "svtest=idle"
	sed -i "s|$KERNEL|$TMP/junk.bin|" "$TMP/junk/config.json"
	create_refused "bad kernel: not a kernel (VMM fails)" b7 "$TMP/junk"
	# fails after the VM booted: the undo path
	refuse "pid file in a missing directory" S create -b "$TMP/good" \
		--pid-file "$TMP/nodir/pid" b9
	check "pid file in a missing directory: nothing left" root_empty
	check "pid file in a missing directory: no VMM left" no_vmm_for b9
	check "--log json: error lines with level, msg, time" \
		sh -c "jq -e 'select(.level == \"error\") | .msg and .time' '$TMP/err.log' > /dev/null"
	export STRATOVIRT_SHIM_VMM=/nonexistent/vmm
	create_refused "missing VMM binary" b8 "$TMP/good"
	export STRATOVIRT_SHIM_VMM="$EMU"
}

t_concurrent() {
	bundle conc "svtest=idle"
	for i in 1 2 3 4 5; do
		S create -b "$TMP/conc" same < /dev/null > /dev/null \
			2> "$TMP/conc.$i.err" &
	done
	wait
	ok=0
	for i in 1 2 3 4 5; do [ -s "$TMP/conc.$i.err" ] || ok=$((ok + 1)); done
	check "concurrent create of one id: exactly one wins ($ok)" [ $ok -eq 1 ]
	[ $ok -eq 1 ] || cat "$TMP"/conc.*.err
	check "concurrent create: losers say 'already exists'" \
		grep -q "already exists" "$TMP"/conc.*.err
	for i in 1 2 3 4; do bundle "conc$i" "svtest=idle"; done
	for i in 1 2 3 4; do
		S create -b "$TMP/conc$i" "c$i" < /dev/null > /dev/null 2>&1 &
	done
	wait
	check "concurrent create of 4 ids: all created" \
		[ "$(S list -q | grep -c '^c[1-4]$')" -eq 4 ]
	for i in 1 2 3 4; do S start "c$i" & done
	for i in 1 2 3 4; do S state "c$i" > /dev/null & done
	wait
	n=0
	for i in 1 2 3 4; do [ "$(status "c$i")" = running ] && n=$((n + 1)); done
	check "concurrent start + state: 4 running" [ $n -eq 4 ]
	S start same > /dev/null 2>&1 &
	S start same > /dev/null 2>&1 &
	wait
	check "two concurrent starts: running once" [ "$(status same)" = running ]
	for i in 1 2 3; do S delete -f same & done
	for i in 1 2 3 4; do S delete -f "c$i" & done
	wait
	check "concurrent delete -f: root empty" root_empty
}

t_dry_run() {
	bundle dry "svtest=hello"
	S create --jail-dry-run -b "$TMP/dry" dry1 > "$TMP/dry.out" 2>&1
	check "create --jail-dry-run: exit 0" [ $? -eq 0 ]
	check "create --jail-dry-run: prints the ordered steps" \
		sh -c "grep -q '10. pivot-root' '$TMP/dry.out' && grep -q 'uid 65534' '$TMP/dry.out'"
	check "create --jail-dry-run: creates nothing" root_empty
}

run_cases() {
	t_cli
	t_dry_run
	t_lifecycle
	t_delete
	t_run
	t_reaper
	t_monitor_killed
	t_console
	t_bad_input
	t_concurrent
	# shellcheck source=tests/shim/container.sh
	. tests/shim/container.sh
	t_container
}
