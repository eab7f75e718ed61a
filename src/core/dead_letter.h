/* dead_letter: input that could not be used, with the reason — never a silent drop.
 *
 * Reason codes (the `reason` field of the DeadLetter topic):
 *   parse      the line or JSON record could not be read (detail names the field)
 *   too_long   the line exceeded the reader's limit (input holds its first bytes)
 *   station    the record contradicts the station catalogue (e.g. LST offset)
 *   duplicate  a second reading for a station and time already seen
 *   late       the reading arrived after event time had passed it by more than the grace
 *              period (window and watermark say which hour it missed)
 */
#ifndef WX_DEAD_LETTER_H
#define WX_DEAD_LETTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "window.h"
#include "wx_time.h"

typedef struct dead_letter {
    const char *reason;     /* one of the codes above */
    const char *detail;     /* human-readable, names what and where */
    const char *source;     /* "file.txt:17" or "InputData/0@1234" */
    const char *input;      /* the raw input (may be NULL); not necessarily NUL-terminated */
    size_t input_len;
    int32_t wban;           /* 0 when unknown */
    wx_time_t utc;          /* reading time, or WX_TIME_MIN when unknown */
    bool has_window;        /* late: the hour it missed */
    window_key_t window;
    wx_time_t watermark;    /* late: event time when it arrived, else WX_TIME_MIN */
    uint64_t seq;           /* the caller's ordinal of the input, so the edge can name its
                               source when the core does not know it (source NULL) */
} dead_letter_t;

void dead_letter_init(dead_letter_t *d, const char *reason, const char *detail,
                      const char *source);

/* The reason codes above, in that order (plus "internal": an unreadable record on wxstream's
 * own internal topic), for counting dead letters by reason. */
#define DEAD_LETTER_REASON_COUNT 6
extern const char *const DEAD_LETTER_REASONS[DEAD_LETTER_REASON_COUNT];
/* Index of a reason code in DEAD_LETTER_REASONS, or -1. */
int dead_letter_reason_index(const char *reason);

#endif
