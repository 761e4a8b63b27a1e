/*
 * event_int.h — internals shared by the event module's files (not
 * installed; see event.c for the file map).
 */
#ifndef CW_EVENT_INT_H
#define CW_EVENT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cw/event.h"

#define MS_PER_DAY 86400000LL

/* event.c: names in the contract, indexed by the enum value. */
extern const char *const ev_type_names[CW_EV__COUNT];
extern const char *const ev_suspend_names[];

/* What pass 1 learnt about one value token. */
enum ev_vkind { V_ABSENT = 0, V_STRING, V_NUMBER, V_TRUE, V_FALSE, V_NULL };

struct ev_val {
	enum ev_vkind kind;
	bool esc;        /* string contains backslash escapes */
	const char *p;   /* string body (no quotes) or primitive text */
	size_t n;
};

/* A JSON number split into its parts. Value = digits(ip ++ fp) *
 * 10^(exp - fl). The exponent is clamped: beyond ±2^20 every value either
 * overflows or rounds to zero anyway. */
struct ev_num {
	bool neg;
	const char *ip, *fp;
	size_t il, fl;
	int64_t exp;
};

/* evscalar.c; contracts above the definitions. */
enum cw_invalid ev_str_check(const char *str, size_t n, bool *esc);
int ev_str_decode(const struct ev_val *v, char *out, size_t cap);
bool ev_key_equal(const struct ev_val *a, const struct ev_val *b);
bool ev_num_split(const char *s, size_t n, struct ev_num *nm);
int ev_num_fixed(const struct ev_num *nm, int scale_pow, int64_t max,
		 bool integral, int64_t *out);
enum cw_invalid ev_prim_classify(const char *s, size_t n,
				 enum ev_vkind *kind);

/* evtime.c: n ASCII digits at s as a number, or -1. */
int ev_digits_val(const char *s, int n);

#endif
