/* station: the catalogue of known USCRN stations (WBAN, name, position, LST offset).
 *
 * A station that is not in the catalogue still works: its LST offset comes from the record's
 * own UTC and LST stamps (uscrn_reading_t.lst_offset_min). The catalogue is compiled in; it is
 * small, read-only and needs no I/O. */
#ifndef WX_STATION_H
#define WX_STATION_H

#include <stddef.h>
#include <stdint.h>

typedef struct station_info {
    int32_t wban;
    const char *name;        /* NOAA's name, e.g. "TX Austin 33 NW" */
    const char *file_name;   /* the Location_Vector part of NOAA's file name, e.g. "TX_Austin_33_NW" */
    double latitude;
    double longitude;
    int32_t lst_offset_min;  /* LST - UTC, minutes (e.g. -360 for Texas) */
} station_info_t;

/* The catalogued station with this WBAN, or NULL. */
const station_info_t *station_lookup(int32_t wban);

/* The catalogue in ascending WBAN order, for listings and `synth --station`. */
size_t station_count(void);
const station_info_t *station_at(size_t i);

/* Finds a station by WBAN ("23907", "3072") or by a case-insensitive part of its name
 * ("austin", "Spokane"). NULL when nothing or more than one station matches. */
const station_info_t *station_find(const char *what);

#endif
