/*
 * fuzz_rules.c — cw_rules_load_buf on arbitrary YAML; a loaded rule set
 * is linted and freed (ASan/LSan catch leaks on both paths).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cw/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cw_ruleset *rs = NULL;
	static char err[8192], lint[8192];
	int nerr;

	nerr = cw_rules_load_buf((const char *)data, size, "fuzz.yaml", &rs,
				 err, sizeof(err));
	if (nerr < 0 || memchr(err, '\0', sizeof(err)) == NULL)
		abort();
	if (nerr > 0)
		return 0;
	if (rs == NULL || rs->nrules > CW_RULES_MAX)
		abort();
	for (size_t i = 0; i < rs->nrules; i++)
		if ((unsigned)rs->rules[i].severity >= CW_SEV__COUNT ||
		    (unsigned)rs->rules[i].detector >= CW_DET__COUNT ||
		    memchr(rs->rules[i].name, '\0',
			   sizeof(rs->rules[i].name)) == NULL)
			abort();
	(void)cw_rules_lint(rs, lint, sizeof(lint));
	cw_ruleset_free(rs);
	return 0;
}
