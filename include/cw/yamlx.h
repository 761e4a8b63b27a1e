/*
 * yamlx.h — a small, bounded libyaml front end shared by the config,
 * reference-data and rule loaders.
 *
 * A document is loaded whole into a tiny node tree; every node carries the
 * 1-based line and column where it starts so that every later complaint
 * can say "FILE:LINE:COL: message". Input size, nesting depth and node
 * count are bounded, aliases are refused and duplicate mapping keys are
 * errors, so a hostile file cannot blow up memory or hide a setting.
 */
#ifndef CW_YAMLX_H
#define CW_YAMLX_H

#include <stddef.h>
#include <stdint.h>

#define YX_MAX_BYTES (8u << 20)  /* whole file */
#define YX_MAX_DEPTH 64          /* nested collections */
#define YX_MAX_NODES 200000      /* all nodes of one document */

enum yx_kind { YX_SCALAR = 1, YX_MAP, YX_SEQ };

enum yx_style { YX_PLAIN = 0, YX_SQUOTED, YX_DQUOTED, YX_LITERAL, YX_FOLDED };

struct yx_node {
	enum yx_kind kind;
	int line, col;        /* where the node starts (quote, indicator...) */
	int vline, vcol;      /* scalars: first character of the content */
	enum yx_style style;  /* scalars */
	char *str;            /* scalars: NUL-terminated value */
	size_t len;           /* scalars: bytes in str (may contain NUL) */
	size_t n;             /* maps: pairs; sequences: items */
	struct yx_node **items; /* seq: n items; map: 2n, key then value */
	size_t cap;           /* private: allocated items */
	int pending;          /* private: map has a key awaiting its value */
};

struct yx_doc {
	char *name;           /* for messages */
	struct yx_node *root; /* NULL for an empty document */
	size_t nnodes;
};

/*
 * Read a whole file (at most YX_MAX_BYTES) into a malloc'd, NUL-terminated
 * buffer owned by the caller. Errors: "PATH: reason" in err, returns -1.
 */
int yx_read_file(const char *path, char **buf, size_t *len, char *err,
		 size_t errlen);

/*
 * Parse one YAML document from buf (borrowed; only read during the call).
 * `name` is copied and used in messages. On success *out is a new document
 * owned by the caller (yx_free). On failure returns -1, err holds
 * "NAME:LINE:COL: message" and *out is untouched.
 */
int yx_load(const char *buf, size_t len, const char *name,
	    struct yx_doc **out, char *err, size_t errlen);
void yx_free(struct yx_doc *d);

/* "NAME:LINE:COL: " + message for node n (n may be NULL: line 1 col 1). */
void yx_errf(char *err, size_t errlen, const struct yx_doc *d,
	     const struct yx_node *n, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

const char *yx_kind_str(const struct yx_node *n);
/* A plain empty, "~" or "null" scalar (or a missing node). */
int yx_is_null(const struct yx_node *n);
/* Map lookup by key; NULL if absent or n is not a map. */
struct yx_node *yx_map_get(const struct yx_node *n, const char *key);

/*
 * Typed getters. Each returns 0 and writes *out, or returns -1 with a
 * "NAME:LINE:COL: what: message" line in err (`what` names the setting,
 * e.g. "kafka.batch_size"). Nothing is written to *out on failure.
 */
int yx_get_str(const struct yx_doc *d, const struct yx_node *n,
	       const char *what, const char **out, char *err, size_t errlen);
int yx_get_int(const struct yx_doc *d, const struct yx_node *n,
	       const char *what, int64_t min, int64_t max, int64_t *out,
	       char *err, size_t errlen);
int yx_get_bool(const struct yx_doc *d, const struct yx_node *n,
		const char *what, int *out, char *err, size_t errlen);
/* Duration (cw_parse_duration) in ms, within [min, max]. */
int yx_get_duration(const struct yx_doc *d, const struct yx_node *n,
		    const char *what, int64_t min, int64_t max, int64_t *out,
		    char *err, size_t errlen);
/* Money: decimal with at most 3 fraction digits, scaled by CW_MONEY_SCALE;
 * min and max are scaled too. */
int yx_get_money(const struct yx_doc *d, const struct yx_node *n,
		 const char *what, int64_t min, int64_t max, int64_t *out,
		 char *err, size_t errlen);
/* Percentage (cw_parse_percent): "40%" or a fraction, within [min, max]. */
int yx_get_percent(const struct yx_doc *d, const struct yx_node *n,
		   const char *what, double min, double max, double *out,
		   char *err, size_t errlen);

/* Parse a money string (shared with callers that are not YAML-bound). */
int yx_parse_money(const char *s, int64_t *out);

#endif
