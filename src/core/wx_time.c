/* wx_time: civil dates, USCRN YYYYMMDD/HHMM stamps and UTC instants (see wx_time.h).
 *
 * Pure integer arithmetic (Howard Hinnant's days_from_civil / civil_from_days), so it needs
 * neither the C library's time zone machinery nor a 64-bit time_t. Instants outside the years
 * 0000..9999 convert back to clamped stamps (00000101 0000 or 99991231 2359), because a
 * YYYYMMDD integer cannot hold them. */
#include "wx_time.h"

#include <stdio.h>

int64_t wx_floor_div(int64_t a, int64_t b)
{
    if (b == 0)
        return 0; /* undefined; chosen not to trap */
    if (b == -1)
        return a == INT64_MIN ? INT64_MAX : -a;
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

int64_t wx_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = wx_floor_div(y, 400);
    const int64_t yoe = y - era * 400;                                  /* [0, 399] */
    const int64_t doy = (153 * (int64_t)(m > 2 ? m - 3 : m + 9) + 2) / 5 + (int64_t)d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;          /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

void wx_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
    days += 719468;
    const int64_t era = wx_floor_div(days, 146097);
    const int64_t doe = days - era * 146097;                                   /* [0, 146096] */
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    const int64_t mp = (5 * doy + 2) / 153;                                    /* [0, 11] */
    const unsigned dd = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    const unsigned mm = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (mm <= 2);
    *m = mm;
    *d = dd;
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29u : dim[m - 1];
}

bool wx_time_from_date_hhmm(int32_t yyyymmdd, int32_t hhmm, wx_time_t *out)
{
    if (yyyymmdd < 0 || hhmm < 0)
        return false;
    const int64_t y = yyyymmdd / 10000;
    const unsigned m = (unsigned)(yyyymmdd / 100 % 100);
    const unsigned d = (unsigned)(yyyymmdd % 100);
    const int32_t hh = hhmm / 100;
    const int32_t mi = hhmm % 100;
    if (y > 9999 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return false;
    if (hh > 23 || mi > 59)
        return false;
    if (out)
        *out = wx_days_from_civil(y, m, d) * WX_DAY + hh * WX_HOUR + mi * WX_MINUTE;
    return true;
}

/* Day number and second of day; days * WX_DAY would overflow near WX_TIME_MIN, so no product. */
static void split_day(wx_time_t t, int64_t *days, int64_t *sod)
{
    *days = t / WX_DAY;
    *sod = t % WX_DAY;
    if (*sod < 0) {
        *sod += WX_DAY;
        (*days)--;
    }
}

void wx_time_to_date_hhmm(wx_time_t t, int32_t *yyyymmdd, int32_t *hhmm)
{
    int64_t days, sod; /* sod in [0, 86399] */
    split_day(t, &days, &sod);
    int64_t y;
    unsigned m, d;
    wx_civil_from_days(days, &y, &m, &d);
    int32_t date, time;
    if (y < 0) {
        date = 101;
        time = 0;
    } else if (y > 9999) {
        date = 99991231;
        time = 2359;
    } else {
        date = (int32_t)(y * 10000 + m * 100 + d);
        time = (int32_t)(sod / 3600 * 100 + sod % 3600 / 60);
    }
    if (yyyymmdd)
        *yyyymmdd = date;
    if (hhmm)
        *hhmm = time;
}

/* Two digits of v (0..99) at p. Formatting times by hand: snprintf was a fifth of `batch`. */
static void put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
}

char *wx_time_iso(wx_time_t t, char *buf, size_t size)
{
    int64_t days, sod;
    split_day(t, &days, &sod);
    int64_t y;
    unsigned m, d;
    wx_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999 || size < 21) {
        snprintf(buf, size, "%04lld-%02u-%02uT%02d:%02d:%02dZ", (long long)y, m, d,
                 (int)(sod / 3600), (int)(sod % 3600 / 60), (int)(sod % 60));
        return buf;
    }
    put2(buf, (unsigned)(y / 100));
    put2(buf + 2, (unsigned)(y % 100));
    buf[4] = '-';
    put2(buf + 5, m);
    buf[7] = '-';
    put2(buf + 8, d);
    buf[10] = 'T';
    put2(buf + 11, (unsigned)(sod / 3600));
    buf[13] = ':';
    put2(buf + 14, (unsigned)(sod % 3600 / 60));
    buf[16] = ':';
    put2(buf + 17, (unsigned)(sod % 60));
    buf[19] = 'Z';
    buf[20] = '\0';
    return buf;
}

char *wx_date_iso(int32_t yyyymmdd, char *buf, size_t size)
{
    if (yyyymmdd < 0 || yyyymmdd > 99991231 || size < 11) {
        snprintf(buf, size, "%04d-%02d-%02d", (int)(yyyymmdd / 10000),
                 (int)(yyyymmdd / 100 % 100), (int)(yyyymmdd % 100));
        return buf;
    }
    unsigned v = (unsigned)yyyymmdd;
    put2(buf, v / 1000000);
    put2(buf + 2, v / 10000 % 100);
    buf[4] = '-';
    put2(buf + 5, v / 100 % 100);
    buf[7] = '-';
    put2(buf + 8, v % 100);
    buf[10] = '\0';
    return buf;
}
