/* input_record: the InputData record of one reading, as `replay` and `follow` produce it —
 * key the station's WBAN ("03072"), timestamp the reading's UTC time (ms), value the seed's JSON
 * record (source_file = the file's name) or the USCRN line. One function, so a reading sent live
 * and the same reading replayed from a file are the same record. */
#ifndef WX_INPUT_RECORD_H
#define WX_INPUT_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"
#include "uscrn.h"
#include "wxbuf.h"

typedef struct input_record {
    char key[16];
    int key_len;
    int64_t ts_ms;
} input_record_t;

/* Fills *meta and appends the value to out. rd: the decoded reading; line/len: the input it was
 * decoded from, in the form `form`; json: value as the seed's JSON record (else as a USCRN line:
 * the line itself when it was one, else the reading written as a line — or the input as read
 * when a value is too wide for its column). */
void input_record_encode(const uscrn_reading_t *rd, decode_form_t form, const char *line,
                         size_t len, bool json, const char *source_file, input_record_t *meta,
                         wxbuf_t *out);

#endif
