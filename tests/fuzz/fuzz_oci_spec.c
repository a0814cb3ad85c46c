// SPDX-License-Identifier: MIT
/*
 * config.json bytes -> oci_spec_parse (lenient and strict) -> validate ->
 * plan -> argv; the same bytes also as an exec process and a state file.
 * Everything must fail cleanly or succeed, without leaks.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "sv/err.h"
#include "oci/plan.h"
#include "oci/spec.h"
#include "oci/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void plan_and_argv(const struct oci_spec *s)
{
	static const struct vm_argv_args args = {
		.state_dir = "/run/sv/fuzz",
		.disk = "/run/sv/fuzz/disk",
	};
	struct oci_plan_defaults d;
	struct sv_err e = SV_ERR_INIT;
	struct vm_plan *p = NULL;
	char **argv = NULL;

	if (oci_plan_defaults_init(&d) < 0)
		return;
	if (oci_plan_create(s, "/bundle", &d, &p, &e) == 0 &&
	    oci_plan_argv(p, &args, &argv, &e) == 0)
		oci_argv_free(argv);
	oci_plan_destroy(p);
	oci_plan_defaults_fini(&d);
}

static void state_round_trip(const char *buf, size_t len)
{
	struct sv_err e = SV_ERR_INIT;
	struct oci_state *st = NULL;
	char *json = NULL;

	if (oci_state_parse(buf, len, 0, &st, &e) < 0)
		return;
	if (oci_state_gen(st, &json, &e) == 0)
		free(json);
	oci_state_free(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct sv_err e = SV_ERR_INIT;
	struct oci_spec *s = NULL;
	struct oci_process *p = NULL;

	if (oci_spec_parse(buf, size, 0, &s, &e) == 0) {
		if (oci_spec_validate(s, &e) == 0)
			plan_and_argv(s);
		oci_spec_free(s);
		s = NULL;
		if (oci_spec_parse(buf, size, OCI_PARSE_STRICT, &s, &e) == 0)
			oci_spec_free(s);
	}
	if (oci_process_parse(buf, size, 0, &p, &e) == 0) {
		if (oci_process_validate(p, &e) < 0)
			sv_err_clear(&e);
		oci_process_free(p);
	}
	state_round_trip(buf, size);
	return 0;
}
