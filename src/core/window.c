/* window: hour assignment in local standard time, and the order-independent hourly accumulator. */
#include "window.h"

#include <math.h>
#include <string.h>

wx_time_t window_start(hour_assign_t how, wx_time_t utc, int32_t lst_offset_min)
{
    /* With a whole-hour offset the LST hour starts on a UTC hour boundary too. Interval end: a
     * reading ending at H+1h (exactly) still belongs to hour H. */
    (void)lst_offset_min;
    wx_time_t probe = how == HOUR_ASSIGN_INTERVAL_END ? utc - 1 : utc;
    return wx_floor_div(probe, WX_HOUR) * WX_HOUR;
}

int window_assign(hour_assign_t how, wx_time_t utc, int32_t lst_offset_min, window_key_t *key)
{
    if (lst_offset_min % 60 != 0)
        return -1;
    wx_time_t offset = (wx_time_t)lst_offset_min * WX_MINUTE;
    wx_time_t local_start = window_start(how, utc, lst_offset_min) + offset;
    int32_t hhmm;
    key->start = local_start - offset;
    key->end = key->start + WX_HOUR;
    wx_time_to_date_hhmm(local_start, &key->lst_date, &hhmm);
    key->lst_hour = hhmm / 100;
    return 0;
}

int window_parse_assign(const char *s, hour_assign_t *out)
{
    if (!strcmp(s, "interval-end")) {
        *out = HOUR_ASSIGN_INTERVAL_END;
        return 0;
    }
    if (!strcmp(s, "timestamp")) {
        *out = HOUR_ASSIGN_TIMESTAMP;
        return 0;
    }
    return -1;
}

const char *window_assign_name(hour_assign_t how)
{
    return how == HOUR_ASSIGN_TIMESTAMP ? "timestamp" : "interval-end";
}

void window_acc_init(window_acc_t *a, const window_key_t *key)
{
    memset(a, 0, sizeof *a);
    a->key = *key;
    a->min = INFINITY;
    a->max = -INFINITY;
}

void window_acc_add(window_acc_t *a, double value, bool valid)
{
    a->readings++;
    if (!valid)
        return;
    a->count++;
    a->sum_milli += (int64_t)llround(value * 1000.0);
    if (value < a->min)
        a->min = value;
    if (value > a->max)
        a->max = value;
}

void window_acc_result(const window_acc_t *a, int32_t wban, int32_t lst_offset_min,
                       int min_valid, hourly_result_t *out)
{
    memset(out, 0, sizeof *out);
    out->wban = wban;
    out->key = a->key;
    out->lst_offset_min = lst_offset_min;
    out->count = a->count;
    out->readings = a->readings;
    out->expected = WINDOW_EXPECTED;
    out->partial = a->count < min_valid;
    out->has_mean = a->count > 0;
    if (out->has_mean) {
        out->mean = (double)a->sum_milli / 1000.0 / a->count;
        out->min = a->min;
        out->max = a->max;
    } else {
        out->mean = out->min = out->max = NAN;
    }
}
