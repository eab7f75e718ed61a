/* serve_query: the strict readers of `wxstream serve`'s request parameters and record keys —
 * times, counts, station keys. Pure; each returns false for anything it does not accept, so the
 * HTTP edge can answer 400 with the parameter's name. */
#ifndef WX_SERVE_QUERY_H
#define WX_SERVE_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "wx_time.h"

/* "2024-01-01T00:00:00Z", "2024-01-01T00:00Z", "2024-01-01" (midnight UTC), or whole seconds
 * since 1970 ("1704067200", may be negative). Nothing else: no offsets, no fractions. */
bool serve_parse_time(const char *s, wx_time_t *out);

/* A decimal count in [min, max]. */
bool serve_parse_count(const char *s, size_t min, size_t max, size_t *out);

/* The key a station is indexed under: a WBAN written with digits only is zero-padded to five
 * ("3072" and "03072" -> "03072"); any other text is kept as it is. False when empty, longer
 * than size - 1 bytes, or holding control characters. */
bool serve_station_key(const char *s, char *out, size_t size);

#endif
