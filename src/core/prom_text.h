/* prom_text: the Prometheus text exposition format (version 0.0.4) written into a wxbuf —
 * "# HELP" / "# TYPE" lines of a family and its samples, with label values escaped (\\, \",
 * \n) so any bytes from the data yield a parseable exposition. Pure; no registry, no state. */
#ifndef WX_PROM_TEXT_H
#define WX_PROM_TEXT_H

#include "wxbuf.h"

/* "# HELP name help\n# TYPE name type\n"; type is counter, gauge, histogram, summary or
 * untyped. Newlines and backslashes in help are escaped. */
void prom_text_family(wxbuf_t *b, const char *name, const char *type, const char *help);

/* "name{k1="v1",k2="v2"} value\n". labels: pairs of key, value ended by NULL (may be NULL for
 * none). Integers print without a decimal point; NaN and infinities as NaN, +Inf, -Inf. */
void prom_text_sample(wxbuf_t *b, const char *name, const char *const *labels, double value);

#endif
