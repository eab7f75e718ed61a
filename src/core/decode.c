/* decode: picks the reader for one input record (see decode.h). */
#include "decode.h"

#include <stdio.h>

#include "json_record.h"

int decode_record(const char *data, size_t len, uscrn_line_cache_t *cache, uscrn_reading_t *out,
                  char *source_file, size_t source_size, decode_form_t *form, char *errstr,
                  size_t errstr_size)
{
    size_t i = 0;
    while (i < len && (data[i] == ' ' || data[i] == '\t'))
        i++;
    if (i == len) {
        snprintf(errstr, errstr_size, "empty record");
        return -1;
    }
    if (data[i] == '{') {
        if (form)
            *form = DECODE_JSON;
        return json_record_parse(data, len, out, source_file, source_size, errstr, errstr_size);
    }
    if (form)
        *form = DECODE_USCRN;
    if (source_file && source_size)
        source_file[0] = '\0';
    return uscrn_parse_line_cached(cache, data, len, out, errstr, errstr_size);
}
