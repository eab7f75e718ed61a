/* json_record: the seed's JSON reading — one flat object whose keys are the USCRN column names
 * plus "source_file" — read and written without a JSON library (it is on the hot path of
 * `process`; see docs/design.md for the measurement behind that choice).
 *
 * Reading accepts both forms the seed's producers wrote: numbers as pandas printed them
 * ("UTC_TIME": 5 for 0005, "CRX_VN": 2.623, "AIR_TEMPERATURE": -9999.0, "WBANNO": 3072) and the
 * same values as strings ("0005", "03072"). Required keys: WBANNO, UTC_DATE, UTC_TIME, LST_DATE,
 * LST_TIME, AIR_TEMPERATURE. Any other USCRN key that is absent is treated as missing (its
 * sentinel); unknown keys are ignored (their values are still checked to be valid JSON).
 * A key given twice, a value of the wrong kind, trailing bytes after the object, or invalid JSON
 * are errors. The input need not be NUL-terminated. */
#ifndef WX_JSON_RECORD_H
#define WX_JSON_RECORD_H

#include <stddef.h>

#include "uscrn.h"
#include "wxbuf.h"

#define JSON_RECORD_SOURCE_MAX 256

/* Parses one record. On success returns 0, fills *out (uscrn_finish applied) and copies the
 * "source_file" value (truncated to source_size - 1 bytes; "" when absent) into source_file,
 * which may be NULL. On failure returns -1 with a reason in errstr naming the key or the byte
 * offset (e.g. "AIR_TEMPERATURE: expected a number, got true", "byte 17: unterminated string"). */
int json_record_parse(const char *json, size_t len, uscrn_reading_t *out, char *source_file,
                      size_t source_size, char *errstr, size_t errstr_size);

/* Appends the record as one JSON object (no newline) in the seed's form: keys in file order,
 * then "source_file" when source_file is not NULL; integers as numbers (UTC_TIME 5), decimals
 * with the column's precision (CRX_VN 2.623, AIR_TEMPERATURE -9999.0), ST_TYPE as a string. */
void json_record_write(const uscrn_reading_t *r, const char *source_file, wxbuf_t *out);

#endif
