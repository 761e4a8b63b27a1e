/*
 * ctl_html.c — escaping and inline SVG charts for churnctl's HTML pages
 * (ctl_html.h).
 */
#include "ctl_html.h"

void ctl_html_esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '"')
			fputs("&quot;", f);
		else
			fputc(*s, f);
	}
}

void ctl_html_begin(FILE *f, const char *title)
{
	fprintf(f, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
	ctl_html_esc(f, title);
	fprintf(f, "</title><style>body{font-family:sans-serif;margin:2em}"
		"pre{background:#f4f4f4;padding:1em}</style></head><body>\n<h1>");
	ctl_html_esc(f, title);
	fprintf(f, "</h1>\n");
}

void ctl_html_end(FILE *f, const char *footer)
{
	fprintf(f, "<p>");
	ctl_html_esc(f, footer);
	fprintf(f, "</p>\n</body></html>\n");
}

static void svg_title(FILE *f, const char *title, int w, int h)
{
	fprintf(f, "<h2>");
	ctl_html_esc(f, title);
	fprintf(f, "</h2>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		"height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", w, h);
}

void ctl_svg_bars(FILE *f, const char *title, const char *const *label,
		  const double *v, size_t n, const char *unit)
{
	double max = 0;

	for (size_t i = 0; i < n; i++)
		if (v[i] > max)
			max = v[i];
	if (max <= 0)
		max = 1;
	svg_title(f, title, 760, 24 * (int)n + 40);
	for (size_t i = 0; i < n; i++) {
		int y = 20 + 24 * (int)i;
		int w = (int)(440.0 * v[i] / max);
		fprintf(f, "<text x=\"215\" y=\"%d\" text-anchor=\"end\">", y + 13);
		ctl_html_esc(f, label[i]);
		fprintf(f, "</text><rect x=\"220\" y=\"%d\" width=\"%d\" height=\"16\" "
			"fill=\"#3b6ea5\"/><text x=\"%d\" y=\"%d\">%.2f%s</text>\n",
			y, w, 226 + w, y + 13, v[i], unit);
	}
	fprintf(f, "</svg>\n");
}

void ctl_svg_gain(FILE *f, const char *title, const char *const *label,
		  const double *x, const double *y, size_t n)
{
	const int x0 = 60, y0 = 420, side = 380;

	svg_title(f, title, 760, 470);
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
		"stroke=\"#999\"/>\n<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
		"stroke=\"#bbb\" stroke-dasharray=\"4\"/>\n", x0, y0 - side, side, side,
		x0, y0, x0 + side, y0 - side);
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">share of the "
		"base alerted</text>\n<text x=\"15\" y=\"%d\" transform=\"rotate(-90 15 %d)\" "
		"text-anchor=\"middle\">share of churners caught</text>\n",
		x0 + side / 2, y0 + 35, y0 - side / 2, y0 - side / 2);
	for (int k = 0; k <= 4; k++)
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%d%%</text>"
			"<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%d%%</text>\n",
			x0 + side * k / 4, y0 + 16, 25 * k, x0 - 4, y0 - side * k / 4 + 4,
			25 * k);
	for (size_t i = 0; i < n; i++) {
		int px = x0 + (int)(side * (x[i] < 0 ? 0 : x[i] > 1 ? 1 : x[i]));
		int py = y0 - (int)(side * (y[i] < 0 ? 0 : y[i] > 1 ? 1 : y[i]));
		fprintf(f, "<circle cx=\"%d\" cy=\"%d\" r=\"4\" fill=\"#c0392b\"/>"
			"<text x=\"%d\" y=\"%d\">", px, py, px + 6, py - 4);
		ctl_html_esc(f, label[i]);
		fprintf(f, "</text>\n");
	}
	fprintf(f, "</svg>\n");
}
