/*
 * expr.c — the rule expression language's vocabulary: the feature table
 * and the names of the enumerated features' values.
 *
 * The language itself lives in the files around this one:
 *
 *   expr_lex.c    literals (cw_parse_duration/percent), tokens, suggestions
 *   expr_parse.c  parser, type checking, constant folding, code generation
 *   expr_eval.c   the evaluator, feature visiting and cw_expr_to_string
 *   expr_sat.c    the joint satisfiability probe used by check-rules
 *   expr_int.h    what they share: the program representation and the
 *                 compiler's lexer state
 *
 * Pipeline: a one-token-lookahead lexer feeds a recursive-descent parser
 * that builds a typed AST in a temporary node pool; type checking and
 * constant folding happen as each node is made, so every error can point
 * at the token that caused it. The AST is then flattened into a postfix
 * program (struct insn[]) where `and`/`or` become conditional jumps, which
 * is what cw_expr_eval() runs with a fixed stack on the C stack.
 */
#include <string.h>

#include "expr_int.h"

/* ------------------------------------------------------------------ */
/* Feature table                                                       */
/* ------------------------------------------------------------------ */

const struct cw_feature_info expr_feature_table[CW_F__COUNT] = {
	/* name, argument, duration, enum, bool, moves with time */
	[CW_F_REVENUE]             = { "revenue", CW_FARG_WINDOW, 0, 0, 0, 0 },
	[CW_F_CALLS_OUT]           = { "calls_out", CW_FARG_WINDOW, 0, 0, 0, 0 },
	[CW_F_CALLS_IN]            = { "calls_in", CW_FARG_WINDOW, 0, 0, 0, 0 },
	[CW_F_SMS_OUT]             = { "sms_out", CW_FARG_WINDOW, 0, 0, 0, 0 },
	[CW_F_DATA_BYTES]          = { "data_bytes", CW_FARG_WINDOW, 0, 0, 0, 0 },
	[CW_F_MINUTES_OUT]         = { "minutes_out", CW_FARG_WINDOW, 0, 0, 0, 0 },
	[CW_F_DISTINCT_PEERS]      = { "distinct_peers", CW_FARG_WINDOW, 0, 0, 0, 0 },
	[CW_F_OFFNET_SHARE]        = { "offnet_share", CW_FARG_WINDOW, 0, 0, 0, 0 },
	[CW_F_FORWARDED_OFFNET]    = { "forwarded_offnet", CW_FARG_WINDOW, 0, 0, 0, 0 },
	[CW_F_SUSPENSIONS]         = { "suspensions", CW_FARG_WINDOW, 0, 0, 0, 0 },
	[CW_F_ARREARS_SUSPENSIONS] = { "arrears_suspensions", CW_FARG_WINDOW, 0, 0, 0, 0 },
	[CW_F_RECHARGES]           = { "recharges", CW_FARG_WINDOW, 0, 0, 0, 0 },
	[CW_F_RECHARGE_AMOUNT]     = { "recharge_amount", CW_FARG_WINDOW, 0, 0, 0, 0 },
	[CW_F_REVENUE_MONTH]       = { "revenue_month", CW_FARG_MONTH, 0, 0, 0, 1 },
	[CW_F_DAYS_SILENT]         = { "days_silent", CW_FARG_NONE, 0, 0, 0, 1 },
	[CW_F_TENURE]              = { "tenure", CW_FARG_NONE, 1, 0, 0, 1 },
	[CW_F_PLAN_FEE]            = { "plan_fee", CW_FARG_NONE, 0, 0, 0, 0 },
	[CW_F_ARPU_TIER]           = { "arpu_tier", CW_FARG_NONE, 0, 1, 0, 1 },
	[CW_F_TENURE_STAGE]        = { "tenure_stage", CW_FARG_NONE, 0, 1, 0, 1 },
	[CW_F_LATE_PAYMENTS]       = { "late_payments", CW_FARG_WINDOW, 0, 0, 0, 0 },
	[CW_F_PORTOUT_REQUESTS]    = { "portout_requests", CW_FARG_WINDOW, 0, 0, 0, 0 },
	[CW_F_SUSPENDED]           = { "suspended", CW_FARG_NONE, 0, 0, 1, 0 },
	[CW_F_DAYS_SUSPENDED]      = { "days_suspended", CW_FARG_NONE, 0, 0, 0, 1 },
	[CW_F_SUSPENSION_REASON]   = { "suspension_reason", CW_FARG_NONE, 0, 1, 0, 0 },
	[CW_F_UNPAID_AMOUNT]       = { "unpaid_amount", CW_FARG_NONE, 0, 0, 0, 0 },
	[CW_F_DAYS_OVERDUE]        = { "days_overdue", CW_FARG_NONE, 0, 0, 0, 1 },
	[CW_F_IN_COMMITMENT]       = { "in_commitment", CW_FARG_NONE, 0, 0, 1, 1 },
	[CW_F_DAYS_TO_COMMITMENT_END] = { "days_to_commitment_end", CW_FARG_NONE, 0, 0, 0, 1 },
	[CW_F_RISK]                = { "risk", CW_FARG_NONE, 0, 0, 0, 1 },
	[CW_F_HANDSET_DAYS]        = { "handset_days", CW_FARG_NONE, 0, 0, 0, 1 },
};

/* Value names of the enumerated features, indexed by the value (the
 * engine's numbering: cw_arpu_tier_str, cw_tenure_stage_str and
 * enum cw_suspend_reason). */
const char *cw_feature_enum_value(enum cw_feature f, int i)
{
	static const char *const arpu[] = {"low", "mid", "high", NULL};
	static const char *const stage[] = {"new", "stable", "mature", NULL};
	static const char *const reason[] = {"none",  "arrears", "request",
					     "fraud", "other",	 NULL};
	const char *const *v = f == CW_F_ARPU_TIER	  ? arpu
			       : f == CW_F_TENURE_STAGE	  ? stage
			       : f == CW_F_SUSPENSION_REASON ? reason
							  : NULL;

	if (!v || i < 0 || i >= cw_feature_enum_count(f))
		return NULL;
	return v[i];
}

int cw_feature_enum_count(enum cw_feature f)
{
	switch (f) {
	case CW_F_ARPU_TIER:
	case CW_F_TENURE_STAGE:
		return 3;
	case CW_F_SUSPENSION_REASON:
		return 5;
	default:
		return 0;
	}
}

const char *expr_enum_values(enum cw_feature f, int i)
{
	return cw_feature_enum_value(f, i);
}

const struct cw_feature_info *cw_feature_info(enum cw_feature f)
{
	if ((int)f < 0 || f >= CW_F__COUNT)
		return NULL;
	return &expr_feature_table[f];
}

int cw_feature_lookup(const char *name, size_t len)
{
	for (int i = 0; i < CW_F__COUNT; i++) {
		const char *n = expr_feature_table[i].name;

		if (strlen(n) == len && memcmp(n, name, len) == 0)
			return i;
	}
	return -1;
}
