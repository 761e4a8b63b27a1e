/*
 * yamlx.c — bounded libyaml loader producing a node tree with positions.
 *
 * We drive libyaml's event parser ourselves instead of yaml_parser_load()
 * so that size, depth and node count are checked as the tree grows, and
 * aliases (the "billion laughs" vector) are refused outright.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "cw/event.h"
#include "cw/expr.h"
#include "cw/yamlx.h"

struct yx_builder {
	struct yx_doc *doc;
	const char *buf;
	size_t len;
	struct yx_node *stack[YX_MAX_DEPTH];
	int depth;
	int ndocs;
	/* forward-only cursor used to locate block scalar content */
	size_t cur_off;
	int cur_line;         /* 0-based line that starts at cur_off */
	char *err;
	size_t errlen;
};

/* ---- errors ---- */

static void yx_vset(char *err, size_t errlen, const char *name, int line,
		    int col, const char *fmt, va_list ap)
	__attribute__((format(printf, 6, 0)));

static void yx_vset(char *err, size_t errlen, const char *name, int line,
		    int col, const char *fmt, va_list ap)
{
	int n;

	if (!err || errlen == 0)
		return;
	n = snprintf(err, errlen, "%s:%d:%d: ", name ? name : "<input>", line,
		     col);
	if (n < 0 || (size_t)n >= errlen)
		return;
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
}

void yx_errf(char *err, size_t errlen, const struct yx_doc *d,
	     const struct yx_node *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	yx_vset(err, errlen, d ? d->name : NULL, n ? n->line : 1,
		n ? n->col : 1, fmt, ap);
	va_end(ap);
}

static void yx_berr(struct yx_builder *b, const yaml_mark_t *m,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void yx_berr(struct yx_builder *b, const yaml_mark_t *m,
		    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	yx_vset(b->err, b->errlen, b->doc->name, (int)m->line + 1,
		(int)m->column + 1, fmt, ap);
	va_end(ap);
}

/* ---- file reading ---- */

int yx_read_file(const char *path, char **buf, size_t *len, char *err,
		 size_t errlen)
{
	struct stat st;
	char *data = NULL;
	size_t used = 0;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
			 strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if ((uint64_t)st.st_size > YX_MAX_BYTES) {
		snprintf(err, errlen, "%s: file too large (%lld bytes, limit %u)",
			 path, (long long)st.st_size, YX_MAX_BYTES);
		goto out;
	}
	/* +1 for the terminator; one extra byte to notice growth under us */
	data = malloc((size_t)st.st_size + 2);
	if (!data) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	for (;;) {
		ssize_t r = read(fd, data + used, (size_t)st.st_size + 1 - used);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "%s: read error: %s", path,
				 strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		used += (size_t)r;
		if (used > (size_t)st.st_size) {
			snprintf(err, errlen, "%s: file changed while reading",
				 path);
			goto out;
		}
	}
	data[used] = '\0';
	*buf = data;
	*len = used;
	data = NULL;
	rc = 0;
out:
	free(data);
	close(fd);
	return rc;
}

/* ---- tree ---- */

/* Raw item count: maps hold key, value, key, value... plus a pending key. */
static size_t yx_raw_count(const struct yx_node *n)
{
	return n->kind == YX_MAP ? 2 * n->n + (size_t)n->pending : n->n;
}


static void yx_node_free(struct yx_node *n)
{
	size_t cnt;

	if (!n)
		return;
	cnt = yx_raw_count(n);
	for (size_t i = 0; i < cnt; i++)
		yx_node_free(n->items[i]);
	free(n->items);
	free(n->str);
	free(n);
}

void yx_free(struct yx_doc *d)
{
	if (!d)
		return;
	yx_node_free(d->root);
	free(d->name);
	free(d);
}

static struct yx_node *yx_new_node(struct yx_builder *b, enum yx_kind kind,
				   const yaml_mark_t *m)
{
	struct yx_node *n;

	if (b->doc->nnodes >= YX_MAX_NODES) {
		yx_berr(b, m, "too many YAML nodes (limit %d)", YX_MAX_NODES);
		return NULL;
	}
	n = calloc(1, sizeof(*n));
	if (!n) {
		yx_berr(b, m, "out of memory");
		return NULL;
	}
	n->kind = kind;
	n->line = n->vline = (int)m->line + 1;
	n->col = n->vcol = (int)m->column + 1;
	b->doc->nnodes++;
	return n;
}

static int yx_append(struct yx_node *parent, struct yx_node *child)
{
	size_t cnt = yx_raw_count(parent);

	if (cnt == parent->cap) {
		size_t cap = parent->cap ? parent->cap * 2 : 4;
		struct yx_node **p = realloc(parent->items, cap * sizeof(*p));

		if (!p)
			return -1;
		parent->items = p;
		parent->cap = cap;
	}
	parent->items[cnt] = child;
	return 0;
}

/* Hang n under the innermost open collection (or make it the root). On
 * failure n is freed; the tree stays consistent and freeable. */
static int yx_attach(struct yx_builder *b, struct yx_node *n,
		     const yaml_mark_t *m)
{
	struct yx_node *parent;

	if (b->depth == 0) {
		if (b->doc->root) {
			yx_node_free(n);
			yx_berr(b, m, "unexpected node");
			return -1;
		}
		b->doc->root = n;
		return 0;
	}
	parent = b->stack[b->depth - 1];
	if (parent->kind == YX_MAP && !parent->pending &&
	    n->kind != YX_SCALAR) {
		yx_node_free(n);
		yx_berr(b, m, "mapping keys must be plain strings");
		return -1;
	}
	if (yx_append(parent, n) < 0) {
		yx_node_free(n);
		yx_berr(b, m, "out of memory");
		return -1;
	}
	if (parent->kind == YX_SEQ) {
		parent->n++;
	} else if (!parent->pending) {
		parent->pending = 1;
	} else {
		parent->pending = 0;
		parent->n++;
	}
	return 0;
}

/* Column of byte offset `off` on a line starting at `start`, in chars. */
static int yx_char_col(const char *buf, size_t start, size_t off)
{
	int col = 1;

	for (size_t i = start; i < off; i++)
		if (((unsigned char)buf[i] & 0xC0) != 0x80)
			col++;
	return col;
}

/*
 * Block scalars (| and >) start at their indicator; rules want the first
 * content character instead, so expression errors point into the text.
 * libyaml marks count characters, so we find the line by counting
 * newlines in the raw buffer (cursor only moves forward), skip the rest
 * of the indicator line and any blank lines.
 */
static void yx_block_content_pos(struct yx_builder *b, struct yx_node *n,
				 int line0)
{
	size_t off;

	while (b->cur_line < line0 && b->cur_off < b->len) {
		const char *nl = memchr(b->buf + b->cur_off, '\n',
					b->len - b->cur_off);
		if (!nl)
			return;
		b->cur_off = (size_t)(nl - b->buf) + 1;
		b->cur_line++;
	}
	if (b->cur_line != line0)
		return;
	off = b->cur_off;
	/* skip the indicator line */
	while (off < b->len && b->buf[off] != '\n')
		off++;
	for (int line = line0 + 1; off < b->len; line++) {
		size_t start = ++off, p = start;

		while (p < b->len && (b->buf[p] == ' ' || b->buf[p] == '\t'))
			p++;
		if (p < b->len && b->buf[p] != '\n' && b->buf[p] != '\r') {
			n->vline = line + 1;
			n->vcol = yx_char_col(b->buf, start, p);
			return;
		}
		off = p;
		while (off < b->len && b->buf[off] != '\n')
			off++;
	}
}

static int yx_on_scalar(struct yx_builder *b, const yaml_event_t *ev)
{
	struct yx_node *n = yx_new_node(b, YX_SCALAR, &ev->start_mark);

	if (!n)
		return -1;
	n->len = ev->data.scalar.length;
	n->str = malloc(n->len + 1);
	if (!n->str) {
		yx_node_free(n);
		yx_berr(b, &ev->start_mark, "out of memory");
		return -1;
	}
	memcpy(n->str, ev->data.scalar.value, n->len);
	n->str[n->len] = '\0';
	switch (ev->data.scalar.style) {
	case YAML_SINGLE_QUOTED_SCALAR_STYLE:
		n->style = YX_SQUOTED;
		n->vcol = n->col + 1;
		break;
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
		n->style = YX_DQUOTED;
		n->vcol = n->col + 1;
		break;
	case YAML_LITERAL_SCALAR_STYLE:
	case YAML_FOLDED_SCALAR_STYLE:
		n->style = ev->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ?
				   YX_LITERAL : YX_FOLDED;
		if (n->len)
			yx_block_content_pos(b, n, (int)ev->start_mark.line);
		break;
	default:
		n->style = YX_PLAIN;
		break;
	}
	return yx_attach(b, n, &ev->start_mark);
}

static int yx_on_start(struct yx_builder *b, const yaml_event_t *ev,
		       enum yx_kind kind)
{
	struct yx_node *n;

	if (b->depth >= YX_MAX_DEPTH) {
		yx_berr(b, &ev->start_mark, "nesting too deep (limit %d)",
			YX_MAX_DEPTH);
		return -1;
	}
	n = yx_new_node(b, kind, &ev->start_mark);
	if (!n)
		return -1;
	if (yx_attach(b, n, &ev->start_mark) < 0)
		return -1;
	b->stack[b->depth++] = n;
	return 0;
}

static int yx_key_cmp(const void *a, const void *b)
{
	const struct yx_node *x = *(const struct yx_node *const *)a;
	const struct yx_node *y = *(const struct yx_node *const *)b;
	size_t l = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->str, y->str, l);

	if (c)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	/* equal keys: order by position so the later one is reported */
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->col < y->col ? -1 : x->col > y->col;
}

/* Duplicate keys would silently shadow a setting: refuse them. */
static int yx_check_dup_keys(struct yx_builder *b, const struct yx_node *map)
{
	struct yx_node **keys;
	int rc = 0;

	if (map->n < 2)
		return 0;
	keys = malloc(map->n * sizeof(*keys));
	if (!keys) {
		yx_errf(b->err, b->errlen, b->doc, map, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < map->n; i++)
		keys[i] = map->items[2 * i];
	qsort(keys, map->n, sizeof(*keys), yx_key_cmp);
	for (size_t i = 1; i < map->n; i++) {
		if (keys[i]->len == keys[i - 1]->len &&
		    !memcmp(keys[i]->str, keys[i - 1]->str, keys[i]->len)) {
			yx_errf(b->err, b->errlen, b->doc, keys[i],
				"duplicate key '%s' (first at line %d, column %d)",
				keys[i]->str, keys[i - 1]->line,
				keys[i - 1]->col);
			rc = -1;
			break;
		}
	}
	free(keys);
	return rc;
}

static int yx_on_event(struct yx_builder *b, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_STREAM_START_EVENT:
	case YAML_STREAM_END_EVENT:
	case YAML_NO_EVENT:
		return 0;
	case YAML_DOCUMENT_START_EVENT:
		if (++b->ndocs > 1) {
			yx_berr(b, &ev->start_mark,
				"only one YAML document is allowed per file");
			return -1;
		}
		return 0;
	case YAML_DOCUMENT_END_EVENT:
		return 0;
	case YAML_ALIAS_EVENT:
		yx_berr(b, &ev->start_mark,
			"YAML aliases (*%s) are not supported",
			(const char *)ev->data.alias.anchor);
		return -1;
	case YAML_SCALAR_EVENT:
		return yx_on_scalar(b, ev);
	case YAML_SEQUENCE_START_EVENT:
		return yx_on_start(b, ev, YX_SEQ);
	case YAML_MAPPING_START_EVENT:
		return yx_on_start(b, ev, YX_MAP);
	case YAML_SEQUENCE_END_EVENT:
		b->depth--;
		return 0;
	case YAML_MAPPING_END_EVENT:
		b->depth--;
		return yx_check_dup_keys(b, b->stack[b->depth]);
	}
	return 0;
}

static void yx_parser_error(struct yx_builder *b, const yaml_parser_t *p)
{
	const char *problem = p->problem ? p->problem : "invalid YAML";

	if (p->context)
		yx_berr(b, &p->problem_mark, "%s (%s)", problem, p->context);
	else
		yx_berr(b, &p->problem_mark, "%s", problem);
}

int yx_load(const char *buf, size_t len, const char *name,
	    struct yx_doc **out, char *err, size_t errlen)
{
	struct yx_builder b = {.buf = buf, .len = len, .err = err,
			       .errlen = errlen};
	yaml_parser_t parser;
	yaml_event_t ev;
	int rc = -1, done = 0;

	b.doc = calloc(1, sizeof(*b.doc));
	if (!b.doc) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	b.doc->name = strdup(name ? name : "<input>");
	if (!b.doc->name) {
		free(b.doc);
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	if (len > YX_MAX_BYTES) {
		snprintf(err, errlen, "%s: input too large (%zu bytes, limit %u)",
			 b.doc->name, len, YX_MAX_BYTES);
		yx_free(b.doc);
		return -1;
	}
	if (!yaml_parser_initialize(&parser)) {
		snprintf(err, errlen, "%s: out of memory", b.doc->name);
		yx_free(b.doc);
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			yx_parser_error(&b, &parser);
			goto out;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		if (yx_on_event(&b, &ev) < 0) {
			yaml_event_delete(&ev);
			goto out;
		}
		yaml_event_delete(&ev);
	}
	*out = b.doc;
	b.doc = NULL;
	rc = 0;
out:
	yx_free(b.doc);
	yaml_parser_delete(&parser);
	return rc;
}

/* ---- access ---- */

const char *yx_kind_str(const struct yx_node *n)
{
	if (!n)
		return "nothing";
	switch (n->kind) {
	case YX_SCALAR:
		return yx_is_null(n) ? "null" : "a scalar";
	case YX_MAP:
		return "a mapping";
	case YX_SEQ:
		return "a list";
	}
	return "?";
}

int yx_is_null(const struct yx_node *n)
{
	if (!n)
		return 1;
	if (n->kind != YX_SCALAR || n->style != YX_PLAIN)
		return 0;
	return n->len == 0 || !strcmp(n->str, "~") || !strcmp(n->str, "null") ||
	       !strcmp(n->str, "Null") || !strcmp(n->str, "NULL");
}

struct yx_node *yx_map_get(const struct yx_node *n, const char *key)
{
	if (!n || n->kind != YX_MAP)
		return NULL;
	for (size_t i = 0; i < n->n; i++)
		if (!strcmp(n->items[2 * i]->str, key))
			return n->items[2 * i + 1];
	return NULL;
}

static int yx_need_scalar(const struct yx_doc *d, const struct yx_node *n,
			  const char *what, const char *expect, char *err,
			  size_t errlen)
{
	if (n && n->kind == YX_SCALAR && strlen(n->str) == n->len)
		return 0;
	if (n && n->kind == YX_SCALAR)
		yx_errf(err, errlen, d, n, "%s: NUL byte in value", what);
	else
		yx_errf(err, errlen, d, n, "%s: expected %s, got %s", what,
			expect, yx_kind_str(n));
	return -1;
}

int yx_get_str(const struct yx_doc *d, const struct yx_node *n,
	       const char *what, const char **out, char *err, size_t errlen)
{
	if (yx_need_scalar(d, n, what, "a string", err, errlen) < 0)
		return -1;
	*out = yx_is_null(n) ? "" : n->str;
	return 0;
}

static int yx_parse_i64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!*s || !(*s == '-' || *s == '+' || (*s >= '0' && *s <= '9')))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int yx_get_int(const struct yx_doc *d, const struct yx_node *n,
	       const char *what, int64_t min, int64_t max, int64_t *out,
	       char *err, size_t errlen)
{
	int64_t v;

	if (yx_need_scalar(d, n, what, "an integer", err, errlen) < 0)
		return -1;
	if (yx_parse_i64(n->str, &v) < 0) {
		yx_errf(err, errlen, d, n, "%s: expected an integer, got \"%s\"",
			what, n->str);
		return -1;
	}
	if (v < min || v > max) {
		yx_errf(err, errlen, d, n,
			"%s: %" PRId64 " is out of range [%" PRId64 ", %" PRId64
			"]",
			what, v, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int yx_get_bool(const struct yx_doc *d, const struct yx_node *n,
		const char *what, int *out, char *err, size_t errlen)
{
	static const char *const yes[] = {"true", "yes", "on"};
	static const char *const no[] = {"false", "no", "off"};

	if (yx_need_scalar(d, n, what, "true or false", err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < 3; i++) {
		if (!strcasecmp(n->str, yes[i])) {
			*out = 1;
			return 0;
		}
		if (!strcasecmp(n->str, no[i])) {
			*out = 0;
			return 0;
		}
	}
	yx_errf(err, errlen, d, n, "%s: expected true or false, got \"%s\"",
		what, n->str);
	return -1;
}

/* Shortest exact rendering of a duration in ms: 7d, 36h, 90s, 250ms. */
static void yx_fmt_duration(int64_t ms, char *buf, size_t len)
{
	static const struct {
		int64_t ms;
		const char *unit;
	} units[] = {{86400000, "d"}, {3600000, "h"}, {60000, "m"},
		     {1000, "s"}};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (ms != 0 && ms % units[i].ms == 0) {
			snprintf(buf, len, "%" PRId64 "%s", ms / units[i].ms,
				 units[i].unit);
			return;
		}
	}
	snprintf(buf, len, "%" PRId64 "ms", ms);
}

int yx_get_duration(const struct yx_doc *d, const struct yx_node *n,
		    const char *what, int64_t min, int64_t max, int64_t *out,
		    char *err, size_t errlen)
{
	char lo[32], hi[32];
	int64_t v;

	if (yx_need_scalar(d, n, what, "a duration", err, errlen) < 0)
		return -1;
	if (n->len == 0 || cw_parse_duration(n->str, n->len, &v) != 0) {
		yx_errf(err, errlen, d, n,
			"%s: invalid duration \"%s\" (use a number with s, m, h "
			"or d, e.g. 30s, 1h, 7d)",
			what, n->str);
		return -1;
	}
	if (v < min || v > max) {
		yx_fmt_duration(min, lo, sizeof(lo));
		yx_fmt_duration(max, hi, sizeof(hi));
		yx_errf(err, errlen, d, n,
			"%s: duration \"%s\" is out of range [%s, %s]", what,
			n->str, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

int yx_parse_money(const char *s, int64_t *out)
{
	int64_t units = 0, frac = 0;
	int neg = 0, ndig = 0, nfrac = 0;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	for (; *s >= '0' && *s <= '9'; s++) {
		if (++ndig > 15)
			return -1;
		units = units * 10 + (*s - '0');
	}
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++) {
			if (++nfrac > 3)
				return -1;
			frac = frac * 10 + (*s - '0');
		}
		if (nfrac == 0)
			return -1;
	}
	if (*s || ndig == 0)
		return -1;
	for (int i = nfrac; i < 3; i++)
		frac *= 10;
	*out = (units * CW_MONEY_SCALE + frac) * (neg ? -1 : 1);
	return 0;
}

int yx_get_money(const struct yx_doc *d, const struct yx_node *n,
		 const char *what, int64_t min, int64_t max, int64_t *out,
		 char *err, size_t errlen)
{
	int64_t v;

	if (yx_need_scalar(d, n, what, "an amount", err, errlen) < 0)
		return -1;
	if (yx_parse_money(n->str, &v) < 0) {
		yx_errf(err, errlen, d, n,
			"%s: expected an amount like 50 or 49.99, got \"%s\"",
			what, n->str);
		return -1;
	}
	if (v < min || v > max) {
		yx_errf(err, errlen, d, n,
			"%s: %s is out of range [%.3f, %.3f]", what, n->str,
			(double)min / CW_MONEY_SCALE,
			(double)max / CW_MONEY_SCALE);
		return -1;
	}
	*out = v;
	return 0;
}

int yx_get_percent(const struct yx_doc *d, const struct yx_node *n,
		   const char *what, double min, double max, double *out,
		   char *err, size_t errlen)
{
	double v;

	if (yx_need_scalar(d, n, what, "a percentage", err, errlen) < 0)
		return -1;
	if (n->len == 0 || cw_parse_percent(n->str, n->len, &v) != 0) {
		yx_errf(err, errlen, d, n,
			"%s: expected a percentage like 40%%, got \"%s\"", what,
			n->str);
		return -1;
	}
	if (!(v >= min && v <= max)) {
		yx_errf(err, errlen, d, n,
			"%s: %s is out of range [%g%%, %g%%]", what, n->str,
			min * 100, max * 100);
		return -1;
	}
	*out = v;
	return 0;
}
