/* prom_text: the Prometheus text exposition format written into a wxbuf (see prom_text.h). */
#include "prom_text.h"

#include <math.h>
#include <stdio.h>

static void escape(wxbuf_t *b, const char *s, bool quote)
{
    for (; *s; s++) {
        if (*s == '\\')
            wxbuf_append(b, "\\\\", 2);
        else if (*s == '\n')
            wxbuf_append(b, "\\n", 2);
        else if (quote && *s == '"')
            wxbuf_append(b, "\\\"", 2);
        else
            wxbuf_putc(b, *s);
    }
}

void prom_text_family(wxbuf_t *b, const char *name, const char *type, const char *help)
{
    wxbuf_puts(b, "# HELP ");
    wxbuf_puts(b, name);
    wxbuf_putc(b, ' ');
    escape(b, help, false);
    wxbuf_puts(b, "\n# TYPE ");
    wxbuf_puts(b, name);
    wxbuf_putc(b, ' ');
    wxbuf_puts(b, type);
    wxbuf_putc(b, '\n');
}

void prom_text_sample(wxbuf_t *b, const char *name, const char *const *labels, double value)
{
    wxbuf_puts(b, name);
    if (labels && labels[0]) {
        wxbuf_putc(b, '{');
        for (size_t i = 0; labels[i] && labels[i + 1]; i += 2) {
            if (i)
                wxbuf_putc(b, ',');
            wxbuf_puts(b, labels[i]);
            wxbuf_append(b, "=\"", 2);
            escape(b, labels[i + 1], true);
            wxbuf_putc(b, '"');
        }
        wxbuf_putc(b, '}');
    }
    wxbuf_putc(b, ' ');
    if (isnan(value))
        wxbuf_puts(b, "NaN");
    else if (isinf(value))
        wxbuf_puts(b, value > 0 ? "+Inf" : "-Inf");
    else if (fabs(value) < 9e15 && value == (double)(long long)value) /* range first: UB */
        wxbuf_printf(b, "%lld", (long long)value);
    else
        wxbuf_printf(b, "%.17g", value);
    wxbuf_putc(b, '\n');
}
