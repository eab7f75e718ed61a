/* wx_time: civil dates and UTC instants without the C library's time zone machinery.
 *
 * An instant is wx_time_t, seconds since 1970-01-01T00:00:00Z (no leap seconds, like POSIX).
 * USCRN stamps are YYYYMMDD + HHMM integers; HHMM runs 0000..2355 and 0000 is the *end* of the
 * previous day's last interval, which needs no special case here: 20260101 0000 is simply
 * midnight at the start of 1 Jan, i.e. the end of 31 Dec's last five minutes.
 * Civil-date arithmetic is Howard Hinnant's days_from_civil algorithm (proleptic Gregorian). */
#ifndef WX_TIME_H
#define WX_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int64_t wx_time_t;

#define WX_MINUTE ((wx_time_t)60)
#define WX_HOUR ((wx_time_t)3600)
#define WX_DAY ((wx_time_t)86400)
/* Sentinels for "no time yet" and "end of all input" (batch flush). */
#define WX_TIME_MIN INT64_MIN
#define WX_TIME_MAX INT64_MAX

/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t wx_days_from_civil(int64_t y, unsigned m, unsigned d);
void wx_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* Validates and converts YYYYMMDD and HHMM (minutes 00..59, hours 00..23; 2400 is rejected).
 * Returns false for an impossible date or time (e.g. 20260230, 1261). */
bool wx_time_from_date_hhmm(int32_t yyyymmdd, int32_t hhmm, wx_time_t *out);

/* Inverse: the date (YYYYMMDD) and time of day (HHMM) of an instant. */
void wx_time_to_date_hhmm(wx_time_t t, int32_t *yyyymmdd, int32_t *hhmm);

/* Floor division that rounds toward minus infinity (times before 1970 are valid). */
int64_t wx_floor_div(int64_t a, int64_t b);

/* "2026-01-01T07:00:00Z" into buf (at least 21 bytes). Returns buf. */
char *wx_time_iso(wx_time_t t, char *buf, size_t size);
/* "2026-01-01" from YYYYMMDD into buf (at least 11 bytes). Returns buf. */
char *wx_date_iso(int32_t yyyymmdd, char *buf, size_t size);

#endif
