/* json_results: the records wxstream publishes, as JSON lines and Kafka keys.
 *
 * One writer per output topic, shared by `batch` (files) and `process` (topics), so the two
 * cannot drift apart. Seed field names come first, then the extras (docs/records.md):
 *   Output     station, lst_date, lst_hour, mean_temp, count, expected, min_temp, max_temp,
 *              partial, window_start, window_end, wban, station_name
 *   MaxTemp    station, lst_date, lst_hour, max_temp, mean_station, mean_temp, source_file,
 *              window_start, window_end, stations, complete, wban, mean_wban, station_name,
 *              mean_station_name
 *   Outliers   station, lst_date, lst_time, temp, source_file, reason, expected, threshold,
 *              utc_time, wban, station_name
 *   DeadLetter reason, detail, source, station, wban, utc_time, window_start, window_end,
 *              watermark, input
 * `station` (and mean_station, stations) is the WBAN as the seed wrote it, a number (3072);
 * `wban` is the same as the files print it ("03072"); keys keep the five-digit form.
 * Keys: "WBAN/hour-start" (Output), "hour-start" (MaxTemp), "WBAN/utc-time" (Outliers), so a
 * downstream consumer can deduplicate. Temperatures: means rounded to 0.01 °C, readings as read.
 * Each function appends to `out` (no newline). */
#ifndef WX_JSON_RESULTS_H
#define WX_JSON_RESULTS_H

#include "dead_letter.h"
#include "hottest.h"
#include "station_state.h"
#include "window.h"
#include "wxbuf.h"

void json_results_hourly(const hourly_result_t *r, wxbuf_t *out);
void json_results_hourly_key(const hourly_result_t *r, wxbuf_t *out);

void json_results_hottest(const hottest_result_t *r, wxbuf_t *out);
void json_results_hottest_key(const hottest_result_t *r, wxbuf_t *out);

void json_results_outlier(const outlier_event_t *o, wxbuf_t *out);
void json_results_outlier_key(const outlier_event_t *o, wxbuf_t *out);

void json_results_dead_letter(const dead_letter_t *d, wxbuf_t *out);

/* "03072": a WBAN as the files print it. buf holds at least 12 bytes. */
char *json_results_wban(int32_t wban, char *buf, size_t size);

#endif
