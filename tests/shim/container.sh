# shellcheck shell=sh
# Container bundles (root.path is a directory): a Linux guest with the
# sv-agent cannot run on this host, so these stop at what the shim does
# on the host: the ext4 image cached by content, and the VMM argv with
# the agent channel, booted paused. Sourced by tests/shim/run.sh.

# ctr_bundle NAME READONLY: a container bundle over $TMP/rootfs.
ctr_bundle() {
	mkdir -p "$TMP/$1"
	ln -sfn "$TMP/rootfs" "$TMP/$1/rootfs"
	cat > "$TMP/$1/config.json" <<EOF2
{"ociVersion":"1.0.2","root":{"path":"rootfs","readonly":$2},
 "process":{"args":["/bin/sh","-c","echo hi"],"cwd":"/"},
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
	mkdir -p "$TMP/rootfs/bin" "$TMP/rootfs/etc"
	echo "hello from the rootfs" > "$TMP/rootfs/hello.txt"
	ln -sf hello.txt "$TMP/rootfs/link"
	export SV_REAL_VMM="$EMU"
	STRATOVIRT_SHIM_VMM=$(pwd)/tests/shim/vmm_record.py
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
	export STRATOVIRT_SHIM_VMM="$EMU"
}
