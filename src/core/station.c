/* station: the compiled-in catalogue of USCRN stations the seed used (see station.h).
 *
 * The table is sorted by WBAN so lookups are a binary search; offsets are LST - UTC in minutes
 * (NOAA's stations.tsv has no offset column; these come from UTC - LST in the stations' files). */
#include "station.h"

#include <stdbool.h>

#include "wxtext.h"

static const station_info_t STATIONS[] = {
    {3072, "TX Bronte 11 NNE", "TX_Bronte_11_NNE", 32.04, -100.24, -360},
    {4136, "WA Spokane 17 SSW", "WA_Spokane_17_SSW", 47.41, -117.52, -480},
    {23907, "TX Austin 33 NW", "TX_Austin_33_NW", 30.62, -98.08, -360},
    {94075, "CO Boulder 14 W", "CO_Boulder_14_W", 40.04, -105.54, -420},
};

#define N_STATIONS (sizeof STATIONS / sizeof STATIONS[0])

const station_info_t *station_lookup(int32_t wban)
{
    size_t lo = 0, hi = N_STATIONS;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (STATIONS[mid].wban < wban)
            lo = mid + 1;
        else if (STATIONS[mid].wban > wban)
            hi = mid;
        else
            return &STATIONS[mid];
    }
    return NULL;
}

size_t station_count(void)
{
    return N_STATIONS;
}

const station_info_t *station_at(size_t i)
{
    return i < N_STATIONS ? &STATIONS[i] : NULL;
}

const station_info_t *station_find(const char *what)
{
    if (!what || !*what)
        return NULL;
    bool digits = true;
    size_t n = 0;
    for (const char *p = what; *p; p++, n++)
        digits = digits && *p >= '0' && *p <= '9';
    if (digits) {
        if (n > 9)
            return NULL;
        int32_t wban = 0;
        for (const char *p = what; *p; p++)
            wban = wban * 10 + (*p - '0');
        return station_lookup(wban);
    }
    /* By name ("austin") or by the file-name form ("TX_Austin_33_NW"); must be unique. */
    const station_info_t *found = NULL;
    for (size_t i = 0; i < N_STATIONS; i++) {
        const station_info_t *s = &STATIONS[i];
        if (wxtext_contains_nocase(s->name, what) || wxtext_contains_nocase(s->file_name, what)) {
            if (found)
                return NULL;
            found = s;
        }
    }
    return found;
}
