/*
 * model.c — load XGBoost's JSON model format and score it in process.
 *
 * Why walk the trees ourselves instead of calling XGBoost at run time: a
 * single-row XGBoost predict costs ~15 µs and allocates; a flat walk of
 * 150 depth-3 trees is ~1 µs and touches no heap, which keeps scoring
 * inside the per-event budget. The walk follows XGBoost's rule exactly
 * (float32 feature < float32 split goes left, a missing value takes the
 * default child), and the explanation is the Tree SHAP algorithm XGBoost
 * uses for pred_contribs (Lundberg et al. 2018, "Consistent individualized
 * feature attribution for tree ensembles", Algorithm 2), so both agree
 * with XGBoost to float rounding (tests/unit/test_model.c).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "cw/model.h"

struct md_node {
	float value;      /* split condition, or the leaf value */
	int32_t feature;  /* split feature; -1 for a leaf */
	uint32_t left, right; /* absolute node indices */
	uint8_t default_left;
	double cover;     /* sum_hessian: training weight through the node */
};

/* The walk's view of a node, 12 bytes: what scoring touches, packed so
 * 150 small trees stay in the first-level cache. The right child is
 * always left + 1 (XGBoost allocates children in pairs; checked at
 * load), so the step is arithmetic, not a branch. A leaf reads the
 * walk's extra NaN slot with "missing goes left" and left = itself, so
 * stepping past a leaf stays on it: no test for leaves either. */
struct md_step {
	float value;      /* split condition, or the leaf value */
	int16_t feature;  /* CW_FV__COUNT (the NaN slot) for a leaf */
	uint8_t default_left;
	uint8_t pad;
	uint32_t left;    /* absolute */
};

struct md_tree {
	uint32_t root;    /* absolute index of node 0 */
	uint32_t depth;   /* edges on the longest path */
	double mean;      /* cover-weighted mean leaf value (SHAP's bias) */
};

struct cw_model {
	struct md_node *nodes;
	struct md_step *steps;           /* nodes[], packed for the walk */
	size_t nnodes;
	struct md_tree *trees;
	size_t ntrees;
	double base_margin;
	char id[CW_MODEL_ID_LEN + 1];
	char *path;
};

/* ---- loading ----------------------------------------------------------- */

static int md_fail(char *err, size_t errlen, const char *name,
		   const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(err, errlen, "%s: ", name);

	if (n < 0 || (size_t)n >= errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* obj.k1.k2... of the given type, NULL if absent or of another type. */
static json_object *md_get(json_object *o, json_type t, const char *path)
{
	char key[64];
	const char *p = path;

	while (o && *p) {
		size_t n = strcspn(p, ".");
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, p, n);
		key[n] = '\0';
		if (!json_object_is_type(o, json_type_object) ||
		    !json_object_object_get_ex(o, key, &o))
			return NULL;
		p += n + (p[n] == '.');
	}
	return o && json_object_is_type(o, t) ? o : NULL;
}

static const char *md_get_str(json_object *o, const char *path)
{
	json_object *s = md_get(o, json_type_string, path);

	return s ? json_object_get_string(s) : NULL;
}

/* A number that XGBoost may write as a string ("5E-1") or a number. */
static int md_number(json_object *o, double *out)
{
	char *end;

	if (json_object_is_type(o, json_type_double) ||
	    json_object_is_type(o, json_type_int)) {
		*out = json_object_get_double(o);
		return isfinite(*out) ? 0 : -1;
	}
	if (!json_object_is_type(o, json_type_string))
		return -1;
	errno = 0;
	*out = strtod(json_object_get_string(o), &end);
	return errno || *end || end == json_object_get_string(o) ||
		       !isfinite(*out)
		       ? -1
		       : 0;
}

struct md_arrays {
	json_object *left, *right, *split_idx, *split_cond, *def_left,
		*hess, *split_type;
};

static int md_tree_arrays(json_object *t, struct md_arrays *a, size_t *n)
{
	a->left = md_get(t, json_type_array, "left_children");
	a->right = md_get(t, json_type_array, "right_children");
	a->split_idx = md_get(t, json_type_array, "split_indices");
	a->split_cond = md_get(t, json_type_array, "split_conditions");
	a->def_left = md_get(t, json_type_array, "default_left");
	a->hess = md_get(t, json_type_array, "sum_hessian");
	a->split_type = md_get(t, json_type_array, "split_type");
	if (!a->left || !a->right || !a->split_idx || !a->split_cond ||
	    !a->def_left || !a->hess)
		return -1;
	*n = json_object_array_length(a->left);
	if (*n == 0 || *n > (1u << 20) ||
	    json_object_array_length(a->right) != *n ||
	    json_object_array_length(a->split_idx) != *n ||
	    json_object_array_length(a->split_cond) != *n ||
	    json_object_array_length(a->def_left) != *n ||
	    json_object_array_length(a->hess) != *n ||
	    (a->split_type && json_object_array_length(a->split_type) != *n))
		return -1;
	return 0;
}

static int64_t md_int_at(json_object *arr, size_t i)
{
	json_object *v = json_object_array_get_idx(arr, i);

	return v && json_object_is_type(v, json_type_int)
		       ? json_object_get_int64(v)
		       : INT64_MIN;
}

/* Depth and cover-weighted mean of the subtree at `i` (relative index);
 * -1 when the tree is malformed (a cycle shows as depth past the limit). */
static int md_walk(const struct md_node *nd, size_t n, uint32_t i,
		   uint32_t depth, uint32_t *maxdepth, double *mean)
{
	if (depth > CW_MODEL_DEPTH_MAX || i >= n)
		return -1;
	if (depth > *maxdepth)
		*maxdepth = depth;
	if (nd[i].feature < 0) {
		*mean = nd[i].value;
		return 0;
	}
	double ml, mr;
	if (md_walk(nd, n, nd[i].left, depth + 1, maxdepth, &ml) < 0 ||
	    md_walk(nd, n, nd[i].right, depth + 1, maxdepth, &mr) < 0)
		return -1;
	/* XGBoost's node mean: weighted by the children's covers over the
	 * node's own (they are equal in a well-formed model). */
	double cl = nd[nd[i].left].cover, cr = nd[nd[i].right].cover;
	*mean = nd[i].cover > 0 ? (ml * cl + mr * cr) / nd[i].cover
				: (ml + mr) / 2;
	return 0;
}

static int md_load_tree(struct cw_model *m, json_object *t, size_t ti,
			size_t nfeat, char *err, size_t errlen,
			const char *name)
{
	struct md_arrays a;
	size_t n;

	if (md_tree_arrays(t, &a, &n) < 0)
		return md_fail(err, errlen, name,
			       "tree %zu: missing or inconsistent node arrays", ti);
	struct md_node *grown = realloc(m->nodes, (m->nnodes + n) * sizeof(*grown));
	if (!grown)
		return md_fail(err, errlen, name, "out of memory");
	m->nodes = grown;
	struct md_node *nd = m->nodes + m->nnodes;
	for (size_t i = 0; i < n; i++) {
		int64_t l = md_int_at(a.left, i), r = md_int_at(a.right, i);
		int64_t f = md_int_at(a.split_idx, i), dl = md_int_at(a.def_left, i);
		double v, h;

		if (md_number(json_object_array_get_idx(a.split_cond, i), &v) < 0 ||
		    md_number(json_object_array_get_idx(a.hess, i), &h) < 0 || h < 0)
			return md_fail(err, errlen, name,
				       "tree %zu node %zu: bad number", ti, i);
		if (a.split_type && md_int_at(a.split_type, i) != 0)
			return md_fail(err, errlen, name,
				       "tree %zu node %zu: categorical splits "
				       "are not supported", ti, i);
		nd[i] = (struct md_node){.value = (float)v, .cover = h,
					 .default_left = dl == 1};
		if (l == -1 && r == -1) {
			nd[i].feature = -1;
			continue;
		}
		if (l <= 0 || r != l + 1 || (size_t)r >= n ||
		    f < 0 || (size_t)f >= nfeat)
			return md_fail(err, errlen, name,
				       "tree %zu node %zu: child or feature "
				       "index out of range (or children not "
				       "adjacent)", ti, i);
		nd[i].feature = (int32_t)f;
		nd[i].left = (uint32_t)l;
		nd[i].right = (uint32_t)r;
	}
	struct md_tree *tr = &m->trees[ti];
	tr->root = (uint32_t)m->nnodes;
	if (md_walk(nd, n, 0, 0, &tr->depth, &tr->mean) < 0)
		return md_fail(err, errlen, name,
			       "tree %zu: deeper than %d or not a tree", ti,
			       CW_MODEL_DEPTH_MAX);
	/* Children to absolute indices, once the walk has checked them. */
	for (size_t i = 0; i < n; i++)
		if (nd[i].feature >= 0)
			nd[i].left += tr->root, nd[i].right += tr->root;
	m->nnodes += n;
	return 0;
}

/* The learner's header: objective, shape and churnwatch's attributes. */
static int md_check_learner(json_object *learner, struct cw_model *m,
			    char *err, size_t errlen, const char *name)
{
	const char *obj = md_get_str(learner, "objective.name");
	const char *gb = md_get_str(learner, "gradient_booster.name");
	const char *feats = md_get_str(learner, "attributes.churnwatch_features");
	const char *ver = md_get_str(learner,
				     "attributes.churnwatch_features_version");
	json_object *nf = md_get(learner, json_type_string,
				 "learner_model_param.num_feature");
	json_object *bs = md_get(learner, json_type_string,
				 "learner_model_param.base_score");
	const char *ncls = md_get_str(learner, "learner_model_param.num_class");
	double base, nfeat;

	if (!obj || strcmp(obj, "binary:logistic"))
		return md_fail(err, errlen, name,
			       "objective %s: only binary:logistic models are "
			       "scored", obj ? obj : "(none)");
	if (!gb || strcmp(gb, "gbtree"))
		return md_fail(err, errlen, name,
			       "booster %s: only gbtree models are scored",
			       gb ? gb : "(none)");
	if (ncls && strcmp(ncls, "0"))
		return md_fail(err, errlen, name, "num_class %s: not a binary "
			       "model", ncls);
	if (!ver || !feats)
		return md_fail(err, errlen, name,
			       "no churnwatch_features attributes: not a "
			       "model written by churnctl train");
	char want[16];
	snprintf(want, sizeof(want), "%d", CW_FEATURES_VERSION);
	if (strcmp(ver, want) != 0)
		return md_fail(err, errlen, name,
			       "feature version %s, this build computes "
			       "version %d: retrain with churnctl train",
			       ver, CW_FEATURES_VERSION);
	if (strcmp(feats, cw_features_list()) != 0)
		return md_fail(err, errlen, name,
			       "its feature list differs from this build's "
			       "(%s): retrain with churnctl train",
			       cw_features_list());
	if (!nf || md_number(nf, &nfeat) < 0 || nfeat != CW_FV__COUNT)
		return md_fail(err, errlen, name,
			       "num_feature is not %d", CW_FV__COUNT);
	if (!bs || md_number(bs, &base) < 0 || base <= 0 || base >= 1)
		return md_fail(err, errlen, name,
			       "base_score missing or outside (0, 1)");
	m->base_margin = log(base / (1 - base));
	return 0;
}

static int md_load_trees(json_object *learner, struct cw_model *m,
			 char *err, size_t errlen, const char *name)
{
	json_object *trees = md_get(learner, json_type_array,
				    "gradient_booster.model.trees");
	const char *npt = md_get_str(learner, "gradient_booster.model."
					      "gbtree_model_param.num_parallel_tree");

	if (!trees || json_object_array_length(trees) == 0)
		return md_fail(err, errlen, name, "no trees");
	if (npt && strcmp(npt, "1"))
		return md_fail(err, errlen, name, "num_parallel_tree %s: "
			       "random forests are not scored", npt);
	m->ntrees = json_object_array_length(trees);
	m->trees = calloc(m->ntrees, sizeof(*m->trees));
	if (!m->trees)
		return md_fail(err, errlen, name, "out of memory");
	for (size_t i = 0; i < m->ntrees; i++)
		if (md_load_tree(m, json_object_array_get_idx(trees, i), i,
				 CW_FV__COUNT, err, errlen, name) < 0)
			return -1;
	m->steps = calloc(m->nnodes, sizeof(*m->steps));
	if (!m->steps)
		return md_fail(err, errlen, name, "out of memory");
	for (size_t i = 0; i < m->nnodes; i++) {
		int leaf = m->nodes[i].feature < 0;
		m->steps[i] = (struct md_step){
			.value = m->nodes[i].value,
			.feature = (int16_t)(leaf ? CW_FV__COUNT : m->nodes[i].feature),
			.default_left = leaf ? 1 : m->nodes[i].default_left,
			.left = leaf ? (uint32_t)i : m->nodes[i].left,
		};
	}
	return 0;
}

static void md_make_id(struct cw_model *m, const char *buf, size_t len)
{
	unsigned char dig[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;

	if (EVP_Digest(buf, len, dig, &dlen, EVP_sha256(), NULL) != 1)
		dlen = 0;
	for (unsigned i = 0; i < CW_MODEL_ID_LEN / 2 && i < dlen; i++)
		snprintf(m->id + 2 * i, 3, "%02x", dig[i]);
}

int cw_model_load_buf(const char *buf, size_t len, const char *name,
		      struct cw_model **out, char *err, size_t errlen)
{
	struct json_tokener *tok = json_tokener_new_ex(64);
	json_object *root = NULL;
	struct cw_model *m = calloc(1, sizeof(*m));
	int rc = -1;

	if (!tok || !m) {
		md_fail(err, errlen, name, "out of memory");
		goto out;
	}
	if (len > CW_MODEL_FILE_MAX) {
		md_fail(err, errlen, name, "larger than %u bytes",
			CW_MODEL_FILE_MAX);
		goto out;
	}
	root = json_tokener_parse_ex(tok, buf, (int)len);
	if (!root || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len) {
		enum json_tokener_error je = json_tokener_get_error(tok);
		md_fail(err, errlen, name, "not a JSON model (%s)",
			je == json_tokener_continue
				? "the JSON ends early: truncated?"
				: je == json_tokener_success
					  ? "bytes after the JSON"
					  : json_tokener_error_desc(je));
		goto out;
	}
	json_object *learner = md_get(root, json_type_object, "learner");
	if (!learner) {
		md_fail(err, errlen, name, "no 'learner': not an XGBoost JSON "
			"model");
		goto out;
	}
	if (md_check_learner(learner, m, err, errlen, name) < 0 ||
	    md_load_trees(learner, m, err, errlen, name) < 0)
		goto out;
	m->path = strdup(name);
	if (!m->path) {
		md_fail(err, errlen, name, "out of memory");
		goto out;
	}
	md_make_id(m, buf, len);
	*out = m;
	m = NULL;
	rc = 0;
out:
	json_object_put(root);
	if (tok)
		json_tokener_free(tok);
	cw_model_free(m);
	return rc;
}

int cw_model_load(const char *path, struct cw_model **out, char *err,
		  size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (!f)
		return md_fail(err, errlen, path, "%s", strerror(errno));
	buf = malloc(CW_MODEL_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		return md_fail(err, errlen, path, "out of memory");
	}
	len = fread(buf, 1, CW_MODEL_FILE_MAX + 1, f);
	rc = ferror(f) ? -1 : 0;
	fclose(f);
	if (rc < 0) {
		free(buf);
		return md_fail(err, errlen, path, "read error");
	}
	rc = cw_model_load_buf(buf, len, path, out, err, errlen);
	free(buf);
	return rc;
}

void cw_model_free(struct cw_model *m)
{
	if (!m)
		return;
	free(m->nodes);
	free(m->steps);
	free(m->trees);
	free(m->path);
	free(m);
}

const char *cw_model_id(const struct cw_model *m) { return m->id; }
size_t cw_model_trees(const struct cw_model *m) { return m->ntrees; }
const char *cw_model_path(const struct cw_model *m) { return m->path; }

/* ---- scoring ------------------------------------------------------------ */

/* x with the extra NaN slot that leaves read (see struct md_step). */
static void md_with_leaf_slot(const float *x, float xx[CW_FV__COUNT + 1])
{
	memcpy(xx, x, CW_FV__COUNT * sizeof(*x));
	xx[CW_FV__COUNT] = NAN;
}

/* One step down from node i (a leaf stays where it is). XGBoost's rule:
 * v < split goes left; a missing value (NaN) takes the default child.
 * Written without branches: the path is data, not control flow. */
static inline uint32_t md_step_from(const struct md_step *s, uint32_t i,
				    const float *x)
{
	float v = x[s[i].feature];
	unsigned nan = v != v, lt = v < s[i].value;
	unsigned right = (nan & !s[i].default_left) | (!nan & !lt);
	return s[i].left + right;
}

#define MD_LANES 8

/*
 * Walking one tree is a chain of dependent loads (node -> feature value
 * -> next node); walking MD_LANES trees side by side lets the CPU overlap
 * the chains, several times faster than one tree after another. Leaves
 * are summed in tree order, so the result is the same double whatever the
 * grouping.
 */
double cw_model_margin(const struct cw_model *m, const float x[CW_FV__COUNT])
{
	const struct md_step *s = m->steps;
	double sum = m->base_margin;
	float xx[CW_FV__COUNT + 1];
	size_t t = 0;

	md_with_leaf_slot(x, xx);
	x = xx;

	for (; t + MD_LANES <= m->ntrees; t += MD_LANES) {
		uint32_t i[MD_LANES], depth = 0;
		for (int k = 0; k < MD_LANES; k++) {
			i[k] = m->trees[t + k].root;
			if (m->trees[t + k].depth > depth)
				depth = m->trees[t + k].depth;
		}
		for (uint32_t d = 0; d < depth; d++)
			for (int k = 0; k < MD_LANES; k++)
				i[k] = md_step_from(s, i[k], x);
		for (int k = 0; k < MD_LANES; k++)
			sum += s[i[k]].value;
	}
	for (; t < m->ntrees; t++) {
		uint32_t i = m->trees[t].root;
		for (uint32_t d = 0; d < m->trees[t].depth; d++)
			i = md_step_from(s, i, x);
		sum += s[i].value;
	}
	return sum;
}

double cw_model_score(const struct cw_model *m, const float x[CW_FV__COUNT])
{
	return 1.0 / (1.0 + exp(-cw_model_margin(m, x)));
}

/* ---- Tree SHAP (path-dependent) ----------------------------------------- */

struct md_path {
	int feature;
	double zero, one, w; /* zero/one fractions and the path weight */
};

static void md_extend(struct md_path *p, unsigned d, double zero, double one,
		      int feature)
{
	p[d] = (struct md_path){feature, zero, one, d == 0 ? 1.0 : 0.0};
	for (int i = (int)d - 1; i >= 0; i--) {
		p[i + 1].w += one * p[i].w * (i + 1) / (double)(d + 1);
		p[i].w = zero * p[i].w * (d - i) / (double)(d + 1);
	}
}

static void md_unwind(struct md_path *p, unsigned d, unsigned k)
{
	double one = p[k].one, zero = p[k].zero, next = p[d].w;

	for (int i = (int)d - 1; i >= 0; i--) {
		if (one != 0) {
			double tmp = p[i].w;
			p[i].w = next * (d + 1) / ((i + 1) * one);
			next = tmp - p[i].w * zero * (d - i) / (double)(d + 1);
		} else {
			p[i].w = p[i].w * (d + 1) / (zero * (d - i));
		}
	}
	for (unsigned i = k; i < d; i++) {
		p[i].feature = p[i + 1].feature;
		p[i].zero = p[i + 1].zero;
		p[i].one = p[i + 1].one;
	}
}

static double md_unwound_sum(const struct md_path *p, unsigned d, unsigned k)
{
	double one = p[k].one, zero = p[k].zero, next = p[d].w, total = 0;

	for (int i = (int)d - 1; i >= 0; i--) {
		if (one != 0) {
			double tmp = next * (d + 1) / ((i + 1) * one);
			total += tmp;
			next = p[i].w - tmp * zero * ((d - i) / (double)(d + 1));
		} else if (zero != 0) {
			total += (p[i].w / zero) / ((d - i) / (double)(d + 1));
		}
	}
	return total;
}

struct md_shap {
	const struct cw_model *m;
	const float *x;      /* with the leaf slot (md_with_leaf_slot) */
	double *phi;
};

static void md_shap_node(const struct md_shap *s, uint32_t ni, unsigned d,
			 struct md_path *parent, double zero, double one,
			 int feature)
{
	const struct md_node *n = &s->m->nodes[ni];
	struct md_path *p = parent + d + 1;

	memcpy(p, parent, (d + 1) * sizeof(*p));
	md_extend(p, d, zero, one, feature);
	if (n->feature < 0) {
		for (unsigned i = 1; i <= d; i++)
			s->phi[p[i].feature] += md_unwound_sum(p, d, i) *
						(p[i].one - p[i].zero) * n->value;
		return;
	}
	/* The child x goes to, by the walk's own step (one split rule). */
	uint32_t hot = md_step_from(s->m->steps, ni, s->x);
	uint32_t cold = hot == n->left ? n->right : n->left;
	double w = n->cover;
	double hot_zero = w > 0 ? s->m->nodes[hot].cover / w : 0;
	double cold_zero = w > 0 ? s->m->nodes[cold].cover / w : 0;
	double in_zero = 1, in_one = 1;
	unsigned k = 0;

	/* A feature split on again: undo its earlier split first. */
	while (k <= d && p[k].feature != n->feature)
		k++;
	if (k <= d) {
		in_zero = p[k].zero;
		in_one = p[k].one;
		md_unwind(p, d, k);
		d--;
	}
	md_shap_node(s, hot, d + 1, p, hot_zero * in_zero, in_one, n->feature);
	md_shap_node(s, cold, d + 1, p, cold_zero * in_zero, 0, n->feature);
}

void cw_model_contrib(const struct cw_model *m, const float x[CW_FV__COUNT],
		      double phi[CW_FV__COUNT + 1])
{
	/* Each level copies the path: (depth+2)(depth+3)/2 entries at most. */
	struct md_path path[(CW_MODEL_DEPTH_MAX + 2) * (CW_MODEL_DEPTH_MAX + 3) / 2] = {{0}};
	float xx[CW_FV__COUNT + 1];
	struct md_shap s = {m, xx, phi};

	md_with_leaf_slot(x, xx);
	memset(phi, 0, (CW_FV__COUNT + 1) * sizeof(*phi));
	phi[CW_FV__COUNT] = m->base_margin;
	for (size_t t = 0; t < m->ntrees; t++) {
		md_shap_node(&s, m->trees[t].root, 0, path, 1, 1, -1);
		phi[CW_FV__COUNT] += m->trees[t].mean;
	}
}

int cw_model_top_reasons(const double phi[CW_FV__COUNT + 1], int *idx, int n)
{
	uint8_t taken[CW_FV__COUNT] = {0};
	int k = 0;

	for (; k < n; k++) {
		int best = -1;
		for (int i = 0; i < CW_FV__COUNT; i++)
			if (!taken[i] && phi[i] > 0 && (best < 0 || phi[i] > phi[best]))
				best = i;
		if (best < 0)
			break;
		taken[best] = 1;
		idx[k] = best;
	}
	return k;
}
