/*
 * ctl_html.h — the self-contained HTML pages churnctl writes (report,
 * backtest): escaping and inline SVG charts, no script, no network.
 */
#ifndef CW_CTL_HTML_H
#define CW_CTL_HTML_H

#include <stddef.h>
#include <stdio.h>

void ctl_html_esc(FILE *f, const char *s);
/* <!DOCTYPE ...><body><h1>title</h1>; ctl_html_end closes it. */
void ctl_html_begin(FILE *f, const char *title);
void ctl_html_end(FILE *f, const char *footer);
/* Horizontal bars: label[i] and v[i] (shown with `unit`). */
void ctl_svg_bars(FILE *f, const char *title, const char *const *label,
		  const double *v, size_t n, const char *unit);
/* A gain chart: share of the base alerted (x) against share of the
 * churners caught (y), both 0..1, one labelled point per rule, with the
 * diagonal a random pick would follow. */
void ctl_svg_gain(FILE *f, const char *title, const char *const *label,
		  const double *x, const double *y, size_t n);

#endif
