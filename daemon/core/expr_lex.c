/*
 * expr_lex.c — the lexical layer of the rule expression language: number
 * and unit scanning shared with rule params (cw_parse_duration,
 * cw_parse_percent), the one-token-lookahead tokenizer the parser pulls
 * from, error reporting with FILE:LINE:COL, and "did you mean"
 * suggestions.
 *
 * Numeric literals are parsed with strtod(): the process must keep the "C"
 * LC_NUMERIC locale (churnwatch never calls setlocale()).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cw/strutil.h"
#include "expr_int.h"

/* ------------------------------------------------------------------ */
/* Shared lexical helpers                                              */
/* ------------------------------------------------------------------ */

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static int is_ident(char c) { return is_ident_start(c) || is_digit(c); }

static const struct unit units[] = {
	{ "ms", 1 }, { "s", 1e3 }, { "m", 60e3 }, { "h", 3600e3 },
	{ "d", 86400e3 }, { "w", 7 * 86400e3 },
};

const struct unit *expr_unit_lookup(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i].name) == len &&
		    memcmp(units[i].name, s, len) == 0)
			return &units[i];
	return NULL;
}

enum scan_err { SCAN_OK, SCAN_NODIGIT, SCAN_DOT, SCAN_LONG, SCAN_RANGE };

/*
 * Scan an unsigned decimal literal at s[0..len): digits ["." digits]
 * [("e"|"E") ["+"|"-"] digits]. On success sets *used and *val. The
 * exponent is only taken when digits follow, so "2e" leaves "e" unread.
 */
static enum scan_err scan_decimal(const char *s, size_t len, size_t *used,
				  double *val)
{
	char buf[64];
	size_t i = 0;

	while (i < len && is_digit(s[i]))
		i++;
	if (i == 0)
		return SCAN_NODIGIT;
	if (i < len && s[i] == '.') {
		if (i + 1 >= len || !is_digit(s[i + 1])) {
			*used = i; /* points at the '.' */
			return SCAN_DOT;
		}
		i++;
		while (i < len && is_digit(s[i]))
			i++;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		size_t j = i + 1;

		if (j < len && (s[j] == '+' || s[j] == '-'))
			j++;
		if (j < len && is_digit(s[j])) {
			while (j < len && is_digit(s[j]))
				j++;
			i = j;
		}
	}
	*used = i;
	if (i >= sizeof(buf))
		return SCAN_LONG;
	memcpy(buf, s, i);
	buf[i] = '\0';
	*val = strtod(buf, NULL);
	if (!isfinite(*val))
		return SCAN_RANGE;
	return SCAN_OK;
}

/* Largest duration we accept anywhere: what fits an int64 of ms. */
#define DURATION_MAX_MS 9.2e18

int cw_parse_duration(const char *s, size_t len, int64_t *ms_out)
{
	const struct unit *u;
	size_t used = 0;
	double v, ms;

	if (!s || len == 0)
		return -EINVAL;
	switch (scan_decimal(s, len, &used, &v)) {
	case SCAN_OK:
		break;
	case SCAN_LONG:
	case SCAN_RANGE:
		return -ERANGE;
	case SCAN_NODIGIT:
	case SCAN_DOT:
		return -EINVAL;
	}
	u = expr_unit_lookup(s + used, len - used);
	if (!u)
		return -EINVAL;
	ms = v * u->ms;
	if (!(ms < DURATION_MAX_MS))
		return -ERANGE;
	*ms_out = llround(ms);
	return 0;
}

int cw_parse_percent(const char *s, size_t len, double *out)
{
	size_t used = 0;
	double v;

	if (!s || len == 0)
		return -EINVAL;
	switch (scan_decimal(s, len, &used, &v)) {
	case SCAN_OK:
		break;
	case SCAN_LONG:
	case SCAN_RANGE:
		return -ERANGE;
	case SCAN_NODIGIT:
	case SCAN_DOT:
		return -EINVAL;
	}
	if (used + 1 == len && s[used] == '%') {
		if (v > 100)
			return -ERANGE;
		*out = v / 100;
		return 0;
	}
	if (used != len)
		return -EINVAL;
	if (v > 1)
		return -ERANGE;
	*out = v;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Lexer                                                               */
/* ------------------------------------------------------------------ */

void expr_locate(const struct parser *p, size_t off, int *line, int *col)
{
	size_t line_start = 0;
	int l = p->line, first = 1;

	for (size_t i = 0; i < off && i < p->len; i++) {
		if (p->src[i] == '\n') {
			l++;
			line_start = i + 1;
			first = 0;
		}
	}
	*line = l;
	*col = first ? p->col + (int)off : (int)(off - line_start) + 1;
}

/* Record the first error as "FILE:LINE:COL: message"; returns -1. */
int expr_perr(struct parser *p, size_t off, const char *fmt, ...)
{
	va_list ap;
	int line, col, n;

	if (p->failed)
		return -1;
	p->failed = 1;
	if (!p->err || p->errlen == 0)
		return -1;
	expr_locate(p, off, &line, &col);
	n = snprintf(p->err, p->errlen, "%s:%d:%d: ",
		     p->file ? p->file : "<expr>", line, col);
	if (n < 0 || (size_t)n >= p->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Human description of a token for messages: 'text' or end of input. */
void expr_tok_desc(const struct parser *p, const struct token *t,
		   char *buf, size_t len)
{
	if (t->kind == T_EOF)
		snprintf(buf, len, "end of expression");
	else
		snprintf(buf, len, "'%.*s'", (int)(t->len > 40 ? 40 : t->len),
			 p->src + t->off);
}

static int lex_number(struct parser *p, struct token *t)
{
	const char *s = p->src + p->pos;
	size_t rest = p->len - p->pos, used = 0, ulen;
	const struct unit *u;

	switch (scan_decimal(s, rest, &used, &t->num)) {
	case SCAN_OK:
		break;
	case SCAN_DOT:
		return expr_perr(p, p->pos + used, "expected a digit after '.'");
	case SCAN_LONG:
		return expr_perr(p, p->pos, "number literal too long");
	case SCAN_RANGE:
		return expr_perr(p, p->pos, "number too large");
	case SCAN_NODIGIT:
		return expr_perr(p, p->pos, "expected a number");
	}
	t->ty = TY_NUM;
	t->plain = 1;
	if (used < rest && s[used] == '%') {
		t->num /= 100;
		t->plain = 0;
		used++;
	} else if (used < rest && is_ident_start(s[used])) {
		ulen = 0;
		while (used + ulen < rest && is_ident(s[used + ulen]))
			ulen++;
		u = expr_unit_lookup(s + used, ulen);
		if (!u)
			return expr_perr(p, p->pos + used,
					 "unknown unit '%.*s' in '%.*s' (use ms, s, m, h, d, w or %%)",
					 (int)(ulen > 20 ? 20 : ulen), s + used,
					 (int)(used + ulen > 40 ? 40 :
					       used + ulen), s);
		t->num *= u->ms;
		if (!(t->num < DURATION_MAX_MS))
			return expr_perr(p, p->pos, "duration too large");
		t->ty = TY_DUR;
		t->plain = 0;
		used += ulen;
	}
	t->len = used;
	return 0;
}

static int lex_string(struct parser *p, struct token *t)
{
	size_t i = p->pos + 1;

	while (i < p->len && p->src[i] != '"' && p->src[i] != '\n')
		i++;
	if (i >= p->len || p->src[i] != '"')
		return expr_perr(p, p->pos, "unterminated string");
	t->len = i + 1 - p->pos;
	return 0;
}

static const struct {
	const char *word;
	enum tok_kind kind;
} keywords[] = {
	{ "and", T_AND }, { "or", T_OR }, { "not", T_NOT },
	{ "true", T_TRUE }, { "false", T_FALSE },
};

static enum tok_kind ident_kind(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (strlen(keywords[i].word) == len &&
		    memcmp(keywords[i].word, s, len) == 0)
			return keywords[i].kind;
	return T_IDENT;
}

/* Operators: two-character ones first so "<=" is not read as "<". */
static int lex_operator(struct parser *p, struct token *t)
{
	static const struct {
		const char *text;
		enum tok_kind kind;
	} ops[] = {
		{ "<=", T_LE }, { ">=", T_GE }, { "==", T_EQ }, { "!=", T_NE },
		{ "&&", T_AND }, { "||", T_OR },
		{ "<", T_LT }, { ">", T_GT }, { "!", T_NOT },
		{ "(", T_LP }, { ")", T_RP }, { "+", T_PLUS }, { "-", T_MINUS },
		{ "*", T_STAR }, { "/", T_SLASH },
	};
	const char *s = p->src + p->pos;
	size_t rest = p->len - p->pos;
	unsigned char c = (unsigned char)*s;

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = strlen(ops[i].text);

		if (n <= rest && memcmp(ops[i].text, s, n) == 0) {
			t->kind = ops[i].kind;
			t->len = n;
			return 0;
		}
	}
	if (c == '=')
		return expr_perr(p, p->pos, "unexpected '=' (did you mean '=='?)");
	if (c == '&')
		return expr_perr(p, p->pos, "unexpected '&' (did you mean '&&' or 'and'?)");
	if (c == '|')
		return expr_perr(p, p->pos, "unexpected '|' (did you mean '||' or 'or'?)");
	if (c == '\'')
		return expr_perr(p, p->pos, "strings use double quotes");
	if (c >= 0x21 && c < 0x7f)
		return expr_perr(p, p->pos, "unexpected character '%c'", c);
	return expr_perr(p, p->pos, "unexpected byte 0x%02x", c);
}

/* Advance to the next token (into p->tok). Returns -1 on a lexical error. */
int expr_next(struct parser *p)
{
	struct token t = { 0 };
	char c;

	p->prev = p->tok;
	while (p->pos < p->len && (p->src[p->pos] == ' ' ||
				   p->src[p->pos] == '\t' ||
				   p->src[p->pos] == '\n' ||
				   p->src[p->pos] == '\r'))
		p->pos++;
	t.off = p->pos;
	if (p->pos >= p->len) {
		t.kind = T_EOF;
		p->tok = t;
		return 0;
	}
	c = p->src[p->pos];
	if (is_digit(c)) {
		t.kind = T_NUM;
		if (lex_number(p, &t) < 0)
			return -1;
	} else if (c == '.') {
		return expr_perr(p, p->pos, "expected a digit before '.'");
	} else if (c == '"') {
		t.kind = T_STR;
		if (lex_string(p, &t) < 0)
			return -1;
	} else if (is_ident_start(c)) {
		while (p->pos + t.len < p->len && is_ident(p->src[p->pos + t.len]))
			t.len++;
		t.kind = ident_kind(p->src + p->pos, t.len);
	} else if (lex_operator(p, &t) < 0) {
		return -1;
	}
	p->pos += t.len;
	p->tok = t;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Suggestions                                                         */
/* ------------------------------------------------------------------ */

static void consider(const char *cand, const char *s, size_t len,
		     const char **best, size_t *best_d)
{
	size_t cl = strlen(cand);
	size_t limit = cl <= 4 ? 1 : cl <= 8 ? 2 : 3;
	size_t d = cw_edit_distance(s, len, cand, cl, 1);

	if (d <= limit && d < *best_d) {
		*best = cand;
		*best_d = d;
	}
}

const char *expr_suggest_name(const char *s, size_t len)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1;

	for (int i = 0; i < CW_F__COUNT; i++)
		consider(expr_feature_table[i].name, s, len, &best, &best_d);
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		consider(keywords[i].word, s, len, &best, &best_d);
	return best;
}
