/* decode: one input record — a USCRN line or the seed's JSON object — into a reading.
 *
 * The form is told by the first non-blank byte: '{' is JSON, anything else a USCRN line. Both
 * the batch command (files) and the processor (topic values) decode through here, so a record
 * means the same thing wherever it comes from. */
#ifndef WX_DECODE_H
#define WX_DECODE_H

#include <stddef.h>

#include "uscrn.h"

typedef enum { DECODE_USCRN, DECODE_JSON } decode_form_t;

/* Returns 0 and fills *out (and source_file for JSON, "" otherwise; may be NULL), or -1 with a
 * reason in errstr. *form (may be NULL) tells which reader was used. cache (may be NULL): the
 * USCRN line cache of this input stream (uscrn.h), for speed only. */
int decode_record(const char *data, size_t len, uscrn_line_cache_t *cache, uscrn_reading_t *out,
                  char *source_file, size_t source_size, decode_form_t *form, char *errstr,
                  size_t errstr_size);

#endif
