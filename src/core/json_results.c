/* json_results: the JSON records and keys of Output, MaxTemp, Outliers and DeadLetter (see
 * json_results.h).
 * Field order is part of the contract (seed names first); docs/records.md describes each field. */
#include "json_results.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "json_put.h"
#include "station.h"

char *json_results_wban(int32_t wban, char *buf, size_t size)
{
    if (wban < 0 || wban > 99999 || size < 6) {
        snprintf(buf, size, "%05d", (int)wban);
        return buf;
    }
    for (int i = 4; i >= 0; i--, wban /= 10)
        buf[i] = (char)('0' + wban % 10);
    buf[5] = '\0';
    return buf;
}

static inline void key_str(wxbuf_t *out, const char *key)
{
    /* Every record opens with '{' just before its first member. */
    if (out->len && out->data[out->len - 1] != '{')
        wxbuf_putc(out, ',');
    wxbuf_putc(out, '"');
    wxbuf_puts(out, key);
    wxbuf_puts(out, "\":");
}

static inline void put_string(wxbuf_t *out, const char *key, const char *v)
{
    key_str(out, key);
    if (v)
        json_put_string(out, v, strlen(v));
    else
        wxbuf_puts(out, "null");
}

static inline void put_number(wxbuf_t *out, const char *key, double v, int decimals)
{
    key_str(out, key);
    json_put_number(out, v, decimals);
}

static inline void append_int(wxbuf_t *out, long long v)
{
    char digits[24];
    int n = 0;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do {
        digits[sizeof digits - 1 - n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        digits[sizeof digits - 1 - n++] = '-';
    wxbuf_append(out, digits + sizeof digits - n, (size_t)n);
}

static inline void put_int(wxbuf_t *out, const char *key, long long v)
{
    key_str(out, key);
    append_int(out, v);
}

static inline void put_bool(wxbuf_t *out, const char *key, bool v)
{
    key_str(out, key);
    wxbuf_puts(out, v ? "true" : "false");
}

static inline void put_time(wxbuf_t *out, const char *key, wx_time_t t)
{
    char iso[32];
    put_string(out, key, t == WX_TIME_MIN ? NULL : wx_time_iso(t, iso, sizeof iso));
}

/* The WBAN as the seed wrote it: a number (23907, 3072); null for none (0). */
static inline void put_station(wxbuf_t *out, const char *key, int32_t wban)
{
    if (wban)
        put_int(out, key, wban);
    else
        put_string(out, key, NULL);
}

/* The WBAN as the files print it: "03072" (the extra `wban` fields). */
static inline void put_wban(wxbuf_t *out, const char *key, int32_t wban)
{
    char w[16];
    put_string(out, key, wban ? json_results_wban(wban, w, sizeof w) : NULL);
}

static const char *station_name(int32_t wban)
{
    const station_info_t *s = station_lookup(wban);
    return s ? s->name : NULL;
}

/* LST date "YYYY-MM-DD" and hour "HH" of a UTC instant at a station. */
static void put_lst_hour(wxbuf_t *out, wx_time_t utc, int32_t offset_min)
{
    int32_t date, hhmm;
    char d[16], h[16];
    wx_time_to_date_hhmm(utc + (wx_time_t)offset_min * WX_MINUTE, &date, &hhmm);
    put_string(out, "lst_date", wx_date_iso(date, d, sizeof d));
    h[0] = (char)('0' + hhmm / 1000);
    h[1] = (char)('0' + hhmm / 100 % 10);
    h[2] = '\0';
    put_string(out, "lst_hour", h);
}

void json_results_hourly(const hourly_result_t *r, wxbuf_t *out)
{
    wxbuf_putc(out, '{');
    put_station(out, "station", r->wban);
    put_lst_hour(out, r->key.start, r->lst_offset_min);
    put_number(out, "mean_temp", r->has_mean ? r->mean : NAN, 2);
    put_int(out, "count", r->count);
    put_int(out, "expected", r->expected);
    put_number(out, "min_temp", r->has_mean ? r->min : NAN, 3);
    put_number(out, "max_temp", r->has_mean ? r->max : NAN, 3);
    put_bool(out, "partial", r->partial);
    put_time(out, "window_start", r->key.start);
    put_time(out, "window_end", r->key.end);
    put_wban(out, "wban", r->wban);
    put_string(out, "station_name", station_name(r->wban));
    wxbuf_putc(out, '}');
}

void json_results_hourly_key(const hourly_result_t *r, wxbuf_t *out)
{
    char w[16], iso[32];
    wxbuf_printf(out, "%s/%s", json_results_wban(r->wban, w, sizeof w),
                 wx_time_iso(r->key.start, iso, sizeof iso));
}

void json_results_hottest(const hottest_result_t *r, wxbuf_t *out)
{
    wxbuf_putc(out, '{');
    if (r->has_winner) {
        put_station(out, "station", r->by_max.wban);
        put_lst_hour(out, r->hour_start, r->by_max.lst_offset_min);
        put_number(out, "max_temp", r->by_max.max, 3);
        put_station(out, "mean_station", r->by_mean.wban);
        put_number(out, "mean_temp", r->by_mean.mean, 2);
        put_string(out, "source_file",
                   r->by_max.source_file[0] ? r->by_max.source_file : NULL);
    } else {
        put_string(out, "station", NULL);
        put_string(out, "lst_date", NULL);
        put_string(out, "lst_hour", NULL);
        put_number(out, "max_temp", NAN, 0);
        put_string(out, "mean_station", NULL);
        put_number(out, "mean_temp", NAN, 0);
        put_string(out, "source_file", NULL);
    }
    put_time(out, "window_start", r->hour_start);
    put_time(out, "window_end", r->hour_end);
    key_str(out, "stations");
    wxbuf_putc(out, '[');
    for (size_t i = 0; i < r->n_reported; i++) {
        if (i)
            wxbuf_putc(out, ',');
        append_int(out, r->reported[i]);
    }
    wxbuf_putc(out, ']');
    put_int(out, "complete", (long long)r->n_complete);
    put_wban(out, "wban", r->has_winner ? r->by_max.wban : 0);
    put_wban(out, "mean_wban", r->has_winner ? r->by_mean.wban : 0);
    put_string(out, "station_name", r->has_winner ? station_name(r->by_max.wban) : NULL);
    put_string(out, "mean_station_name", r->has_winner ? station_name(r->by_mean.wban) : NULL);
    wxbuf_putc(out, '}');
}

void json_results_hottest_key(const hottest_result_t *r, wxbuf_t *out)
{
    char iso[32];
    wxbuf_puts(out, wx_time_iso(r->hour_start, iso, sizeof iso));
}

void json_results_outlier(const outlier_event_t *o, wxbuf_t *out)
{
    int32_t date, hhmm;
    char d[16], t[16];
    wx_time_to_date_hhmm(o->v.time + (wx_time_t)o->lst_offset_min * WX_MINUTE, &date, &hhmm);
    /* "HH:MM": the seed's f"{t[:2]}:{t[2:]}" of the four LST_TIME digits */
    t[0] = (char)('0' + hhmm / 1000);
    t[1] = (char)('0' + hhmm / 100 % 10);
    t[2] = ':';
    t[3] = (char)('0' + hhmm / 10 % 10);
    t[4] = (char)('0' + hhmm % 10);
    t[5] = '\0';
    wxbuf_putc(out, '{');
    put_station(out, "station", o->wban);
    put_string(out, "lst_date", wx_date_iso(date, d, sizeof d));
    put_string(out, "lst_time", t);
    put_number(out, "temp", o->v.value, 3);
    put_string(out, "source_file", o->source_file && o->source_file[0] ? o->source_file : NULL);
    put_string(out, "reason", outlier_reason_name(o->v.reason));
    put_number(out, "expected", o->v.expected, 2);
    put_number(out, "threshold", o->v.threshold, 2);
    if (o->v.reason == OUTLIER_LEVEL_SHIFT) {
        put_number(out, "offset", o->v.offset, 2);
        put_number(out, "jump", o->v.jump, 2);
    }
    put_time(out, "utc_time", o->v.time);
    put_wban(out, "wban", o->wban);
    put_string(out, "station_name", station_name(o->wban));
    wxbuf_putc(out, '}');
}

void json_results_outlier_key(const outlier_event_t *o, wxbuf_t *out)
{
    char w[16], iso[32];
    wxbuf_printf(out, "%s/%s", json_results_wban(o->wban, w, sizeof w),
                 wx_time_iso(o->v.time, iso, sizeof iso));
}

void json_results_dead_letter(const dead_letter_t *d, wxbuf_t *out)
{
    wxbuf_putc(out, '{');
    put_string(out, "reason", d->reason);
    put_string(out, "detail", d->detail);
    put_string(out, "source", d->source);
    put_station(out, "station", d->wban);
    put_wban(out, "wban", d->wban);
    put_time(out, "utc_time", d->utc);
    put_time(out, "window_start", d->has_window ? d->window.start : WX_TIME_MIN);
    put_time(out, "window_end", d->has_window ? d->window.end : WX_TIME_MIN);
    put_time(out, "watermark", d->watermark);
    key_str(out, "input");
    if (d->input)
        json_put_string(out, d->input, d->input_len);
    else
        wxbuf_puts(out, "null");
    wxbuf_putc(out, '}');
}
