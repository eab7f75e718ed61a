/* Helpers shared by the unit tests: reading test data files into memory, collecting results as
 * sortable lines, and making readings. */
#ifndef WX_TESTUTIL_H
#define WX_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sink.h"
#include "uscrn.h"

/* Reads WX_TEST_DATA/name into a NUL-terminated malloc'd buffer; *len gets its size.
 * Fails the running test (cmocka) when the file cannot be read. Caller frees. */
char *test_read_data(const char *name, size_t *len);

/* Results collected as "Topic {json}" lines, so two runs can be compared as sets. */
typedef struct test_lines {
    char **v;
    size_t n, cap;
    long dead;
    long duplicates;
    long late;
} test_lines_t;

/* A sink that appends every result to `l` (dead letters are only counted). */
wx_sink_t test_lines_sink(test_lines_t *l);
void test_lines_sort(test_lines_t *l);
size_t test_lines_count(const test_lines_t *l, const char *topic_prefix);
void test_lines_assert_same(const test_lines_t *a, const test_lines_t *b);
void test_lines_free(test_lines_t *l);

/* A reading of a station `offset_min` from UTC at instant t, every other field missing. */
uscrn_reading_t test_reading(int32_t wban, int offset_min, wx_time_t t, double temp);

/* The file name a reading came from in the tests' JSON records: NOAA's, one file per station
 * and year ("CRNS0101-05-2025-23907.txt"), so a run crosses files at the new year. */
const char *test_source_file(const uscrn_reading_t *r, char *buf, size_t size);

/* batch's results (default config) for the readings, sorted. with_source: each reading names
 * test_source_file (as the JSON records do). */
test_lines_t test_batch_lines(const uscrn_reading_t *rs, size_t n, bool with_source);

/* Three stations (Austin, Bronte, Spokane), `days` days from 2024-12-30 (across a year end):
 * diurnal cycle, noise, missing values, spikes and impossible values. Writes up to `max`
 * readings, station after station, each in time order; returns how many. */
size_t test_make_readings(uscrn_reading_t *rs, size_t max, int days, uint64_t seed);

#endif
