/* input_record: one reading as an InputData record (see input_record.h). */
#include "input_record.h"

#include <string.h>

#include "json_record.h"
#include "json_results.h"

void input_record_encode(const uscrn_reading_t *rd, decode_form_t form, const char *line,
                         size_t len, bool json, const char *source_file, input_record_t *meta,
                         wxbuf_t *out)
{
    meta->ts_ms = rd->utc * 1000;
    meta->key_len = (int)strlen(json_results_wban(rd->wbanno, meta->key, sizeof meta->key));
    if (json) {
        json_record_write(rd, source_file, out);
    } else if (form == DECODE_USCRN) {
        wxbuf_append(out, line, len);
    } else {
        char l[USCRN_LINE_LEN + 1];
        int n = uscrn_format_line(rd, l, sizeof l);
        if (n > 0)
            wxbuf_append(out, l, (size_t)n);
        else
            wxbuf_append(out, line, len); /* a value too wide for its column */
    }
}
