/* outlier: the cascade of tests that flags bad air-temperature readings of one station.
 *
 * Streaming: readings of one station are fed one at a time in strictly increasing event time,
 * with bounded memory (a ring of the last OUTLIER_WINDOW_MAX accepted readings). Each reading
 * gets exactly one verdict, from the first test that flags it, in this order:
 *   missing  the value is the sentinel (or NaN)
 *   range    outside [range_lo, range_hi]
 *   spike    far from a robust one-step forecast and *back* at the next reading:
 *            forecast e = last accepted value + median of the last accepted first differences;
 *            sigma = max(1.4826 * MAD(differences), spike_sigma_floor);
 *            flagged when |x - e| > max(spike_k * sigma, spike_min_delta) and the next valid
 *            reading within lookahead_sec lies within |x - e| / 2 of e (a spike returns; a front
 *            or a sensor step does not). Needs at least spike_min_history accepted readings.
 *   level_shift  (before step) a jump of at least max(shift_min, spike_k * sigma) from the
 *            trend in ONE interval (shift_interval_sec), the neighbouring intervals (two before,
 *            one after: the successor) calm, against the hour's median difference (they add at
 *            most max(shift_calm, |dev| / 4)) or against their own median (each within
 *            shift_spread). It is flagged, and so is every later reading until the return: a
 *            reading within max(2, |offset| / 4) of the true forecast one interval on (the
 *            true series is followed with the offset removed), or nearer the true level than
 *            the shifted one after missing readings; the return is not flagged. The shift is
 *            given up (the level accepted) after shift_max_sec or a gap of history_gap_sec;
 *            a later jump that mirrors a shift given up, or a jump that started none, is its
 *            return and starts nothing. A jump out of a stuck run is neither shift nor step.
 *   step     |x - previous accepted value| > step_max, when the two are at most
 *            step_max_gap_sec apart (a jump the climate does not make in 5 minutes)
 *   stuck    the value has not changed (to 0.1 °C) for stuck_sec or more: every reading from
 *            that point of the run on is flagged, until the value changes
 * Because the spike and level-shift tests look at the next reading, the verdict on a valid
 * reading is given when the next valid reading arrives, or when outlier_advance() moves time past its
 * lookahead; outlier_push() therefore returns verdicts for *earlier* readings too.
 *
 * "Accepted" readings (the history the spike and step tests compare with) are the valid ones
 * not flagged missing, range or spike. A reading flagged `step` is accepted as the new level and
 * clears the difference history, so a sensor that jumps and stays is flagged once per jump, not
 * forever. The verdicts depend only on the sequence of readings, never on when they arrive, so
 * batch and streaming agree. Defaults and their rationale: docs/outliers.md. */
#ifndef WX_OUTLIER_H
#define WX_OUTLIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wx_time.h"

#define OUTLIER_WINDOW_MAX 64

typedef enum {
    OUTLIER_NONE = 0,
    OUTLIER_MISSING,
    OUTLIER_RANGE,
    OUTLIER_SPIKE,
    OUTLIER_STEP,
    OUTLIER_STUCK,
    OUTLIER_LEVEL_SHIFT
} outlier_reason_t;

#define OUTLIER_REASON_COUNT (OUTLIER_LEVEL_SHIFT + 1)

/* "missing", "range", "spike", "step", "stuck", "level_shift" ("none" for OUTLIER_NONE). */
const char *outlier_reason_name(outlier_reason_t r);

typedef struct outlier_config {
    double range_lo;          /* -60.0 °C */
    double range_hi;          /* +60.0 °C */
    int spike_window;         /* 12 accepted readings (an hour), at most OUTLIER_WINDOW_MAX */
    int spike_min_history;    /* 4 accepted readings before the spike test speaks */
    double spike_k;           /* 6.0 robust sigmas */
    double spike_sigma_floor; /* 0.3 °C */
    double spike_min_delta;   /* 4.0 °C */
    int32_t lookahead_sec;    /* 600: the next valid reading must come within 10 minutes */
    double step_max;          /* 8.0 °C between consecutive readings */
    int32_t step_max_gap_sec; /* 600: the step test compares readings at most 10 minutes apart */
    int32_t stuck_sec;        /* 10800: 3 hours without any change */
    int32_t history_gap_sec;  /* 3600: a gap longer than this clears the history */
    double shift_min;         /* 5.5 °C: the smallest one-interval jump a level shift starts with */
    double shift_calm;        /* 1.5 °C: how much the intervals around the jump may add to it */
    double shift_spread;      /* 1.0 °C: ... or how far they may lie from their own median */
    int32_t shift_interval_sec; /* 300: the jump and the two intervals before are one each */
    int32_t shift_max_sec;    /* 21600: a shift not back after 6 h is taken as the new level */
} outlier_config_t;

void outlier_config_default(outlier_config_t *c);
/* 0, or -1 with the offending setting named in errstr (e.g. "range_lo must be < range_hi"). */
int outlier_config_check(const outlier_config_t *c, char *errstr, size_t errstr_size);

/* One verdict. `id` is the caller's handle for the reading (returned as given). For OUTLIER_NONE
 * the evidence members are NaN. Evidence: spike: expected = forecast, threshold = the deviation
 * limit used; step: expected = previous accepted value, threshold = step_max; range: expected =
 * NaN, threshold = the limit crossed; stuck: expected = the stuck value, threshold = stuck_sec
 * (seconds); level_shift: expected = the reading less the offset (the estimated true value),
 * threshold = shift_min, offset = the shift's offset, jump = the change of the reading that
 * started it; missing: both NaN. offset and jump are NaN for every other reason. */
typedef struct outlier_verdict {
    uint64_t id;
    wx_time_t time;
    double value;
    outlier_reason_t reason;
    double expected;
    double threshold;
    double offset; /* level_shift only */
    double jump;   /* level_shift only */
} outlier_verdict_t;

typedef struct outlier_state outlier_state_t;

/* A fresh state for one station; NULL on allocation failure or bad config. Copies the config. */
outlier_state_t *outlier_new(const outlier_config_t *c);
void outlier_destroy(outlier_state_t *s);

/* Feeds one reading (time strictly greater than every time fed before; `missing` true for a
 * sentinel). Writes the verdicts that became final into out[] (at most 2: the pending reading's
 * and this one's) and returns how many. A missing or out-of-range reading is final at once and
 * does not end an earlier valid reading's wait, so its verdict can come before that one's:
 * callers must not rely on verdicts arriving in time order. */
int outlier_push(outlier_state_t *s, uint64_t id, wx_time_t time, double value, bool missing,
                 outlier_verdict_t out[2]);

/* Declares that no reading at or before `now` is still to come: gives the verdict on a pending
 * reading whose lookahead has run out (time + lookahead_sec <= now). Returns 0 or 1.
 * outlier_advance(s, WX_TIME_MAX, out) flushes at the end of input. */
int outlier_advance(outlier_state_t *s, wx_time_t now, outlier_verdict_t out[1]);

/* The time of the reading still waiting for its verdict, or WX_TIME_MAX when none. */
wx_time_t outlier_pending_time(const outlier_state_t *s);

/* Snapshot of the state (not the config) for recovery; see wxser.h. outlier_load restores it
 * into a state made by outlier_new with the current config; returns 0, or -1 when the bytes
 * are not a snapshot. */
struct wxbuf;
struct wxser_reader;
void outlier_save(const outlier_state_t *s, struct wxbuf *out);
int outlier_load(outlier_state_t *s, struct wxser_reader *in);

#endif
