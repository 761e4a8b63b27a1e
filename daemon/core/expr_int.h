/*
 * expr_int.h — internals shared by the expression language's files (not
 * installed; see expr.c for the file map): the feature table, units, the
 * compiled program representation and the compiler's lexer state.
 */
#ifndef CW_EXPR_INT_H
#define CW_EXPR_INT_H

#include <stddef.h>
#include <stdint.h>

#include "cw/expr.h"


/* expr.c: indexed by enum cw_feature. */
extern const struct cw_feature_info expr_feature_table[CW_F__COUNT];
/* Value names of the enumerated features, indexed by the value. */
const char *expr_enum_values(enum cw_feature f, int i);

/* expr_lex.c: duration units ("ms" s m h d w), by exact name. */
struct unit {
	const char *name;
	double ms;
};

const struct unit *expr_unit_lookup(const char *s, size_t len);

/* ------------------------------------------------------------------ */
/* Program representation                                              */
/* ------------------------------------------------------------------ */

enum op {
	OP_CONST, OP_FEAT,
	OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_NEG,
	OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE,
	OP_NOT,
	OP_JF,  /* top false: jump, keeping it; else pop (and) */
	OP_JT,  /* top true: jump, keeping it; else pop (or) */
	/* binary operator whose right operand is the constant u.k (the
	 * constant's type and enum feature ride in ty/feat): same order as
	 * the plain operators, see with_const() */
	OP_ADD_K, OP_SUB_K, OP_MUL_K, OP_DIV_K,
	OP_LT_K, OP_LE_K, OP_GT_K, OP_GE_K, OP_EQ_K, OP_NE_K,
	/* AST only, never emitted: */
	OP_STR, OP_AND, OP_OR,
};

enum ty { TY_NUM, TY_DUR, TY_BOOL, TY_STR, TY_ENUM };

/* 16 bytes: the evaluator's working set for a typical rule is a few
 * cache lines. */
struct insn {
	uint8_t op;
	uint8_t ty;    /* OP_CONST: type of the constant (for to_string) */
	uint8_t feat;  /* OP_FEAT; OP_CONST of TY_STR: its enum feature */
	uint8_t pad;
	int32_t target; /* OP_JF / OP_JT */
	union {
		double k;
		int64_t arg;
	} u;
};

struct cw_expr {
	int n;
	int max_stack;
	struct insn code[];
};

/* OP_ADD..OP_NE (except OP_NEG) to their constant-operand form and back. */
static inline enum op with_const(enum op op)
{
	return op < OP_NEG ? op - OP_ADD + OP_ADD_K : op - OP_LT + OP_LT_K;
}

static inline enum op without_const(enum op op)
{
	return op < OP_LT_K ? op - OP_ADD_K + OP_ADD : op - OP_LT_K + OP_LT;
}

static inline double safe_div(double x, double y)
{
	return y == 0 ? 0 : x / y;
}

/* ------------------------------------------------------------------ */
/* Compiler state (expr_lex.c, expr_parse.c)                           */
/* ------------------------------------------------------------------ */

enum tok_kind {
	T_EOF, T_NUM, T_STR, T_IDENT, T_LP, T_RP,
	T_PLUS, T_MINUS, T_STAR, T_SLASH,
	T_LT, T_LE, T_GT, T_GE, T_EQ, T_NE,
	T_AND, T_OR, T_NOT, T_TRUE, T_FALSE,
};

struct token {
	enum tok_kind kind;
	size_t off, len;
	double num;
	enum ty ty;   /* T_NUM: TY_NUM or TY_DUR */
	int plain;    /* T_NUM: no unit and no '%' */
};

struct node; /* expr_parse.c: the AST node pool */

struct parser {
	const char *src;
	size_t len, pos;
	struct token tok, prev;
	struct node *nodes;
	int nnodes, cap;
	int depth;
	const char *file;
	int line, col;
	char *err;
	size_t errlen;
	int failed;
};

/* expr_lex.c; contracts above the definitions. */
void expr_locate(const struct parser *p, size_t off, int *line, int *col);
__attribute__((format(printf, 3, 4)))
int expr_perr(struct parser *p, size_t off, const char *fmt, ...);
void expr_tok_desc(const struct parser *p, const struct token *t,
		   char *buf, size_t len);
int expr_next(struct parser *p);
const char *expr_suggest_name(const char *s, size_t len);

#endif
