/* outlier: the cascade of tests that flags bad air-temperature readings of one station.
 *
 * outlier_state_t holds, in fixed memory: a copy of the config; a ring of the last
 * spike_window accepted readings (the spike test's history; its last entry is also the step
 * test's "previous accepted reading"); the one valid reading still waiting for its successor
 * (with its forecast and whether it is a spike candidate, both computed when it arrived, and its
 * level-shift classification); the current run of identical values for the stuck test; and the
 * level shift in force, if any (outlier_shift_t), with the last jump that started none.
 *
 * Surprising on purpose:
 * - A valid reading's verdict is given when the next valid reading arrives or when time passes
 *   its lookahead. Both roads go through decide(), and a reading pushed after the lookahead
 *   first decides the waiting reading without a successor, so calling outlier_advance() or not
 *   never changes a verdict.
 * - The successor confirms a spike when it lies within |x - e| / 2 of the spiking reading's own
 *   forecast e (not of e plus another median difference): simpler, and the tolerance of at
 *   least spike_min_delta / 2 covers any trend the climate makes in five minutes.
 * - Differences are per reading, not per second: a forecast across a gap of a few missing
 *   readings ignores the time elapsed. The successor test keeps that from flagging weather.
 * - Stuck and step readings are accepted (they enter the ring and become the previous reading);
 *   only missing, range and spike readings are kept out of the history. Readings of a level
 *   shift enter it with the offset removed, so the ring holds the true series throughout.
 * - Whether a reading is still shifted is decided when it arrives (forecast()), from the state
 *   all earlier verdicts left; the start of a shift, like a spike, when its successor comes.
 *
 * Why one file of about 680 lines: it is one state machine over one private struct. Its parts
 * (the history ring and its sorted differences, the forecast, the level shift, decide(), and
 * save/load, which rebuilds the ring and the differences) share the invariants stated above
 * and the small helpers of the hot path (ring_index, sdiff_insert, span), which stay static so
 * the compiler inlines them into outlier_push: split into files, they would need the struct
 * and the helpers in a shared header, and every reading would cross files. No function is
 * over 100 lines. The names and settings, which touch no state, are in outlier_config.c. */
#include "outlier.h"

#include <math.h>
#include <stdlib.h>

#include "wxser.h"

/* A one-interval jump this much short of shift_min is still remembered (shift.open), so that
 * its mirror is taken as its return rather than as a new shift. */
#define OPEN_MARGIN 1.5
/* A mirror is within half the jump, or this much (the weather moves in both intervals). */
#define MIRROR_TOL 2.5
/* The return, one interval after the last reading, lands this near the true forecast at least
 * (a quarter of the offset for larger shifts). */
#define MIRROR_TOL_BACK 2.0

/* The valid reading whose verdict waits for its successor. */
typedef struct outlier_pending {
    bool active;
    uint64_t id;
    wx_time_t time;
    double value;
    bool candidate;  /* far enough from the forecast to be a spike if the successor returns */
    double expected; /* the forecast e (NaN without enough history) */
    double limit;    /* max(spike_k * sigma, spike_min_delta), for a candidate only (else NaN) */
    /* Level shifts. While a shift is on, `adj` is its offset if this reading is still nearer
     * the shifted level (shifted), else 0 and `ends` says the shift ends here (back, given up
     * after shift_max_sec, or a gap). The spike test works on value - adj. */
    bool shifted;
    bool ends;
    bool ends_fresh; /* the shift was given up: start the history over at this reading */
    double adj;
    /* No shift on: whether this reading may start one (a jump near shift_min in one interval),
     * with the jump, the hour's median difference, the two differences before it (NaN where
     * not one interval apart) and the least deviation that counts (shift_min or k sigmas). */
    bool entry;
    double jump;
    double med;
    double pre1, pre2;
    double lim;
} outlier_pending_t;

/* The level shift in force: the sensor reads `offset` away from the true series. */
typedef struct outlier_shift {
    bool active;
    /* The last jump that is not known to have come back: a shift given up (after
     * shift_max_sec or a gap) or a jump of shift_min that started no shift (flagged `step`, or
     * not calm). For shift_max_sec after open_time, a jump that mirrors it is its return, not a
     * new shift. */
    bool open;
    double open_jump;
    wx_time_t open_time;
    double offset; /* the deviation of the reading that started it */
    double jump;   /* that reading minus the previous accepted one */
    wx_time_t start;
} outlier_shift_t;

/* The current run of one value (to 0.1 °C) for the stuck test. */
typedef struct outlier_run {
    bool active;
    double tenths; /* round(value * 10): an integer held in a double, so no overflow */
    wx_time_t start;
    wx_time_t last;
} outlier_run_t;

struct outlier_state {
    outlier_config_t cfg;
    /* Ring of accepted readings, oldest at ring_head; at most cfg.spike_window of them. */
    wx_time_t ring_time[OUTLIER_WINDOW_MAX];
    double ring_value[OUTLIER_WINDOW_MAX];
    int ring_head;
    int ring_n;
    outlier_pending_t pending;
    outlier_run_t run;
    outlier_shift_t shift;
    /* The ring's consecutive differences, kept sorted as the ring slides, so the spike test's
     * median is a lookup and its MAD one linear walk (this ran on every reading). */
    double sdiff[OUTLIER_WINDOW_MAX];
    int n_sdiff;
};

outlier_state_t *outlier_new(const outlier_config_t *c)
{
    if (outlier_config_check(c, NULL, 0) != 0)
        return NULL;
    outlier_state_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->cfg = *c;
    return s;
}

void outlier_destroy(outlier_state_t *s)
{
    free(s);
}

/* to - from for to >= from, exact and free of signed overflow for any two instants. */
static uint64_t span(wx_time_t from, wx_time_t to)
{
    return (uint64_t)to - (uint64_t)from;
}

/* Whether `limit` seconds or more have passed from `from` to `to` (false when to < from). */
static bool passed(wx_time_t from, wx_time_t to, int32_t limit)
{
    return to >= from && span(from, to) >= (uint64_t)limit;
}

/* Whether to - from <= limit, for to >= from. */
static bool within(wx_time_t from, wx_time_t to, int32_t limit)
{
    return span(from, to) <= (uint64_t)limit;
}

static void verdict(outlier_verdict_t *v, uint64_t id, wx_time_t time, double value,
                    outlier_reason_t reason, double expected, double threshold)
{
    v->id = id;
    v->time = time;
    v->value = value;
    v->reason = reason;
    v->expected = expected;
    v->threshold = threshold;
    v->offset = NAN;
    v->jump = NAN;
}

/* head and i are both below the window, so one subtraction wraps (a division per call was a
 * visible cost: this runs several times per reading). */
static int ring_index(const outlier_state_t *s, int i)
{
    int j = s->ring_head + i;
    return j >= s->cfg.spike_window ? j - s->cfg.spike_window : j;
}

static void sdiff_insert(outlier_state_t *s, double d)
{
    int j = s->n_sdiff;
    while (j > 0 && s->sdiff[j - 1] > d) {
        s->sdiff[j] = s->sdiff[j - 1];
        j--;
    }
    s->sdiff[j] = d;
    s->n_sdiff++;
}

/* Removes one element equal to d: it is recomputed from the same two doubles it was made of,
 * so it is bit-identical to the one inserted. */
static void sdiff_remove(outlier_state_t *s, double d)
{
    for (int i = 0; i < s->n_sdiff; i++) {
        if (s->sdiff[i] == d) {
            memmove(&s->sdiff[i], &s->sdiff[i + 1], (size_t)(s->n_sdiff - i - 1) * sizeof(double));
            s->n_sdiff--;
            return;
        }
    }
}

static void ring_reset(outlier_state_t *s, wx_time_t time, double value)
{
    s->ring_head = 0;
    s->ring_n = 1;
    s->ring_time[0] = time;
    s->ring_value[0] = value;
    s->n_sdiff = 0;
}

static void ring_append(outlier_state_t *s, wx_time_t time, double value)
{
    int w = s->cfg.spike_window;
    int at = s->ring_n == w ? s->ring_head : ring_index(s, s->ring_n); /* full: reuse the oldest */
    if (s->ring_n > 0)
        sdiff_insert(s, value - s->ring_value[ring_index(s, s->ring_n - 1)]);
    if (s->ring_n == w) {
        if (w > 1) /* the oldest difference leaves with the oldest value */
            sdiff_remove(s, s->ring_value[ring_index(s, 1)] - s->ring_value[ring_index(s, 0)]);
        s->ring_head = ring_index(s, 1);
    } else {
        s->ring_n++;
    }
    s->ring_time[at] = time;
    s->ring_value[at] = value;
}

static double sorted_median(const double *a, int n)
{
    return n % 2 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2.0;
}

/* The k-th smallest of |a[i] - med| over sorted a: the deviations left and right of med are
 * each sorted, so walk outwards and take the smaller each time. */
static double kth_deviation(const double *a, int n, double med, int k)
{
    /* r: the first element not below med, at or before the middle since med is the median */
    int r = n / 2;
    while (r > 0 && a[r - 1] >= med)
        r--;
    while (r < n && a[r] < med)
        r++;
    int l = r - 1;
    double v = 0.0;
    for (int i = 0; i <= k; i++) {
        if (l >= 0 && (r >= n || med - a[l] <= a[r] - med))
            v = med - a[l--];
        else
            v = a[r++] - med;
    }
    return v;
}

static double median_deviation(const double *a, int n, double med)
{
    if (n % 2)
        return kth_deviation(a, n, med, n / 2);
    return (kth_deviation(a, n, med, n / 2 - 1) + kth_deviation(a, n, med, n / 2)) / 2.0;
}

static double median3(double a, double b, double c)
{
    return fmax(fmin(a, b), fmin(fmax(a, b), c));
}

/* The level-shift part of a reading's arrival, while a shift is on (the history holds every
 * earlier verdict): is this reading still nearer the shifted level than the true one, or does
 * the shift end here (back, given up after shift_max_sec, or a gap)? */
static void shift_follow(outlier_state_t *s, outlier_pending_t *p)
{
    const outlier_config_t *c = &s->cfg;
    int n = s->ring_n;
    /* The ring holds the true series (the offset removed) since the jump. */
    if (n == 0 || passed(s->shift.start, p->time, c->shift_max_sec) ||
        !within(s->ring_time[ring_index(s, n - 1)], p->time, c->history_gap_sec)) {
        p->ends = p->ends_fresh = true;
        return;
    }
    const int last = ring_index(s, n - 1);
    double e = s->ring_value[last];
    if (n >= c->spike_min_history)
        e += sorted_median(s->sdiff, s->n_sdiff);
    /* One interval on, the return is a jump that mirrors the shift: the reading lands within
     * max(MIRROR_TOL_BACK, |offset| / 4) of the true forecast (the hour's trend, or the local one). Weather that moves a few degrees
     * during the shift is not taken for it. After missing readings, whichever level is nearer. */
    const double o = s->shift.offset;
    bool back;
    if (within(s->ring_time[last], p->time, c->shift_interval_sec)) {
        const double tol = fmax(MIRROR_TOL_BACK, fabs(o) / 4.0);
        back = fabs(p->value - e) <= tol;
        if (!back && n >= 4) {
            /* or of the local trend (the last three differences), when the weather has just
             * turned: a front arriving during the shift */
            const double *v = s->ring_value;
            const int i2 = ring_index(s, n - 2), i3 = ring_index(s, n - 3),
                      i4 = ring_index(s, n - 4);
            const double r = median3(v[last] - v[i2], v[i2] - v[i3], v[i3] - v[i4]);
            back = fabs(p->value - (v[last] + r)) <= tol;
        }
    } else
        back = !(fabs(p->value - o - e) < fabs(p->value - e));
    if (back) {
        p->ends = true;
    } else {
        p->shifted = true;
        p->adj = o;
    }
}

/* No shift on: could this reading start one? `last` is the ring's last entry, `med` the
 * median difference; the caller checked spike_min_history and history_gap_sec. */
static void shift_entry(outlier_state_t *s, outlier_pending_t *p, int last, double med)
{
    const outlier_config_t *c = &s->cfg;
    const int n = s->ring_n;
    if (n < 3 || !within(s->ring_time[last], p->time, c->step_max_gap_sec))
        return;
    const double jump = p->value - s->ring_value[last];
    /* Most readings stop here: no jump near shift_min from the hour's trend, nor from any
     * difference of the hour (the last one among them), the sorted ones' extremes bounding. */
    const double near = c->shift_min - OPEN_MARGIN;
    if (fabs(jump - med) < near && fabs(jump - s->sdiff[0]) < near &&
        fabs(jump - s->sdiff[s->n_sdiff - 1]) < near)
        return;
    /* A jump out of a value held stuck_sec is a stuck sensor coming back, not a new fault. */
    if (s->run.active && passed(s->run.start, s->run.last, c->stuck_sec))
        return;
    const int i2 = ring_index(s, n - 2), i3 = ring_index(s, n - 3);
    /* Across a missing reading a jump cannot start a shift (its interval is unknown), but it
     * is remembered, so that its return is not taken for one. */
    p->lim = INFINITY;
    if (!within(s->ring_time[last], p->time, c->shift_interval_sec)) {
        if (fabs(jump - med) >= near) {
            p->entry = true;
            p->jump = jump;
            p->med = med;
            p->pre1 = p->pre2 = NAN;
        }
        return;
    }
    double pre1 = NAN, pre2 = NAN;
    if (within(s->ring_time[i2], s->ring_time[last], c->shift_interval_sec)) {
        pre1 = s->ring_value[last] - s->ring_value[i2];
        if (within(s->ring_time[i3], s->ring_time[i2], c->shift_interval_sec))
            pre2 = s->ring_value[i2] - s->ring_value[i3];
    }
    if (!(fabs(jump - med) >= near || fabs(jump - pre1) >= near))
        return;
    /* As far out as the spike test's k sigmas of this hour's differences, too. */
    double sigma = fmax(1.4826 * median_deviation(s->sdiff, s->n_sdiff, med),
                        c->spike_sigma_floor);
    p->entry = true;
    p->jump = jump;
    p->med = med;
    p->pre1 = pre1;
    p->pre2 = pre2;
    p->lim = fmax(c->shift_min, c->spike_k * sigma);
}


/* Whether the pending reading, a jump (p->entry), starts a level shift given its successor;
 * the offset in *offset. Otherwise *offset is the largest deviation found (NaN without a
 * successor), for the record of jumps that started nothing. Two ways to be "one interval
 * carries the whole change":
 * - against the hour's trend (median difference m): the jump deviates >= lim from m and the
 *   two intervals before and the one after add at most max(shift_calm, |dev| / 4) net of m;
 * - against the local trend r (the median of those three differences, or the mean of two):
 *   the jump deviates >= lim from r and each of them lies within shift_spread of r; this one
 *   follows a trend that has just changed (a sunrise, a front already under way). */
static bool shift_starts(const outlier_state_t *s, const outlier_pending_t *p,
                         const double *successor, double *offset)
{
    const outlier_config_t *c = &s->cfg;
    double dev = p->jump - p->med;
    *offset = successor ? NAN : dev;
    if (!successor)
        return false;
    const double post = *successor - p->value;
    double net = post - p->med;
    if (!isnan(p->pre1))
        net += p->pre1 - p->med;
    if (!isnan(p->pre2))
        net += p->pre2 - p->med;
    if (fabs(dev) >= p->lim && fabs(net) <= fmax(c->shift_calm, fabs(dev) / 4.0)) {
        *offset = dev;
        return true;
    }
    double best = dev;
    if (!isnan(p->pre1)) {
        double r = isnan(p->pre2) ? (p->pre1 + post) / 2.0 : median3(p->pre1, p->pre2, post);
        double local = p->jump - r;
        double spread = fmax(fabs(p->pre1 - r), fabs(post - r));
        if (!isnan(p->pre2))
            spread = fmax(spread, fabs(p->pre2 - r));
        if (fabs(local) >= p->lim && spread <= c->shift_spread) {
            *offset = local;
            return true;
        }
        if (fabs(local) > fabs(best))
            best = local;
    }
    *offset = best;
    return false;
}

/* The spike test's first half, when a valid reading arrives: its forecast from the history and
 * whether it is far enough from it to be a spike if its successor comes back. During a shift
 * it judges value - offset against the true series. The level-shift part comes with it. */
static void forecast(outlier_state_t *s, outlier_pending_t *p)
{
    const outlier_config_t *c = &s->cfg;
    p->candidate = false;
    p->expected = NAN;
    p->limit = NAN;
    p->shifted = p->ends = p->ends_fresh = p->entry = false;
    p->adj = 0.0;
    /* jump, med, pre1, pre2 and lim are read only when entry is set, and set with it. */
    if (s->shift.active) {
        shift_follow(s, p);
        if (p->ends_fresh)
            return; /* the history is started over at this reading */
    }
    int n = s->ring_n;
    if (n < c->spike_min_history)
        return;
    int last = ring_index(s, n - 1);
    /* A history older than history_gap_sec says nothing about now (it is cleared when this
     * reading is accepted). */
    if (!within(s->ring_time[last], p->time, c->history_gap_sec))
        return;
    int nd = s->n_sdiff; /* n - 1 */
    double med = sorted_median(s->sdiff, nd);
    p->expected = s->ring_value[last] + med;
    if (!s->shift.active)
        shift_entry(s, p, last, med);
    const double x = p->value - p->adj;
    /* The limit is at least spike_min_delta: a reading that close to its forecast is no
     * candidate whatever the spread, and most readings are (this skips the MAD for them). */
    if (!(fabs(x - p->expected) > c->spike_min_delta))
        return;
    double mad = median_deviation(s->sdiff, nd, med);
    double sigma = fmax(1.4826 * mad, c->spike_sigma_floor);
    p->limit = fmax(c->spike_k * sigma, c->spike_min_delta);
    p->candidate = fabs(x - p->expected) > p->limit;
    if (!p->candidate)
        p->limit = NAN;
}

static void shift_verdict(outlier_state_t *s, outlier_verdict_t *out, const outlier_pending_t *p)
{
    verdict(out, p->id, p->time, p->value, OUTLIER_LEVEL_SHIFT, p->value - s->shift.offset,
            s->cfg.shift_min);
    out->offset = s->shift.offset;
    out->jump = s->shift.jump;
}

/* Gives the pending reading its verdict, with its successor (NULL: none within the lookahead),
 * and applies what it changes in the history. */
static void decide(outlier_state_t *s, const double *successor, outlier_verdict_t *out)
{
    const outlier_config_t *c = &s->cfg;
    outlier_pending_t *p = &s->pending;
    p->active = false;
    const double x = p->value - p->adj; /* on the true series' scale */

    /* The successor is taken on the same scale: a return to the true level is no spike's
     * return. */
    if (p->candidate && successor &&
        fabs(*successor - p->adj - p->expected) <= fabs(x - p->expected) / 2.0) {
        /* A spike stays out of the history, the previous reading and the stuck run. */
        verdict(out, p->id, p->time, p->value, OUTLIER_SPIKE, p->expected, p->limit);
        return;
    }

    outlier_reason_t reason = OUTLIER_NONE;
    double expected = NAN, threshold = NAN;
    bool fresh = true;   /* start the history over at this reading */
    double kept = x;     /* what enters the history: the true series' value */
    if (p->shifted) {
        /* Still at the shifted level: flagged; the true series goes on without the offset. */
        reason = OUTLIER_LEVEL_SHIFT;
        fresh = false;
    } else {
        if (p->ends) {
            s->shift.active = false;
            s->shift.open = p->ends_fresh;
            s->shift.open_jump = s->shift.offset;
            s->shift.open_time = p->time;
        }
        if (p->entry) {
            double off;
            bool starts = shift_starts(s, p, successor, &off);
            /* A jump that mirrors a recent one that started nothing is that one's return. */
            if (starts && s->shift.open &&
                within(s->shift.open_time, p->time, c->shift_max_sec) &&
                fabs(off + s->shift.open_jump) <
                    fmax(fabs(s->shift.open_jump) / 2.0, MIRROR_TOL))
                starts = false;
            if (starts) {
                s->shift.active = true;
                s->shift.open = false;
                s->shift.offset = off;
                s->shift.jump = p->jump;
                s->shift.start = p->time;
                reason = OUTLIER_LEVEL_SHIFT;
                fresh = false;
                kept = p->value - off;
            } else if (fabs(off) >= c->shift_min - OPEN_MARGIN) {
                /* a jump that started no shift */
                s->shift.open = true;
                s->shift.open_jump = off;
                s->shift.open_time = p->time;
            }
        }
    }

    if (reason == OUTLIER_NONE && s->ring_n > 0 && !p->ends_fresh) {
        int last = ring_index(s, s->ring_n - 1);
        wx_time_t prev_time = s->ring_time[last];
        double prev_value = s->ring_value[last];
        fresh = !within(prev_time, p->time, c->history_gap_sec);
        /* A jump out of a value held stuck_sec is the stuck sensor coming back: not a step. */
        if (within(prev_time, p->time, c->step_max_gap_sec) &&
            fabs(p->value - prev_value) > c->step_max &&
            !(s->run.active && passed(s->run.start, s->run.last, c->stuck_sec))) {
            reason = OUTLIER_STEP;
            expected = prev_value;
            threshold = c->step_max;
            fresh = true; /* the new level: differences across the jump mean nothing */
        }
    }

    double tenths = round(p->value * 10.0);
    outlier_run_t *r = &s->run;
    if (r->active && r->tenths == tenths && within(r->last, p->time, c->history_gap_sec)) {
        r->last = p->time;
    } else {
        r->active = true;
        r->tenths = tenths;
        r->start = r->last = p->time;
    }
    if (reason == OUTLIER_NONE && passed(r->start, p->time, c->stuck_sec)) {
        reason = OUTLIER_STUCK;
        expected = p->value;
        threshold = (double)c->stuck_sec;
    }

    if (fresh)
        ring_reset(s, p->time, kept);
    else
        ring_append(s, p->time, kept);
    if (reason == OUTLIER_LEVEL_SHIFT)
        shift_verdict(s, out, p);
    else
        verdict(out, p->id, p->time, p->value, reason, expected, threshold);
}

int outlier_push(outlier_state_t *s, uint64_t id, wx_time_t time, double value, bool missing,
                 outlier_verdict_t out[2])
{
    const outlier_config_t *c = &s->cfg;
    int n = 0;

    if (missing || isnan(value) || value < c->range_lo || value > c->range_hi) {
        /* Final at once, and not a successor: a pending reading is decided only if no valid
         * reading can still arrive within its lookahead, exactly as outlier_advance(time). */
        n += outlier_advance(s, time, out);
        if (missing || isnan(value))
            verdict(&out[n], id, time, value, OUTLIER_MISSING, NAN, NAN);
        else
            verdict(&out[n], id, time, value, OUTLIER_RANGE, NAN,
                    value < c->range_lo ? c->range_lo : c->range_hi);
        return n + 1;
    }

    if (s->pending.active) {
        bool in_time = within(s->pending.time, time, c->lookahead_sec);
        decide(s, in_time ? &value : NULL, &out[n++]);
    }

    outlier_pending_t *p = &s->pending;
    p->active = true;
    p->id = id;
    p->time = time;
    p->value = value;
    forecast(s, p);
    return n;
}

int outlier_advance(outlier_state_t *s, wx_time_t now, outlier_verdict_t out[1])
{
    if (!s->pending.active || !passed(s->pending.time, now, s->cfg.lookahead_sec))
        return 0;
    decide(s, NULL, out);
    return 1;
}

wx_time_t outlier_pending_time(const outlier_state_t *s)
{
    return s->pending.active ? s->pending.time : WX_TIME_MAX;
}

void outlier_save(const outlier_state_t *s, wxbuf_t *out)
{
    wxser_u32(out, (uint32_t)s->ring_n);
    for (int i = 0; i < s->ring_n; i++) {
        int k = ring_index(s, i);
        wxser_i64(out, s->ring_time[k]);
        wxser_f64(out, s->ring_value[k]);
    }
    wxser_u8(out, s->pending.active);
    wxser_u64(out, s->pending.id);
    wxser_i64(out, s->pending.time);
    wxser_f64(out, s->pending.value);
    wxser_u8(out, s->pending.candidate);
    wxser_f64(out, s->pending.expected);
    wxser_f64(out, s->pending.limit);
    wxser_u8(out, (uint8_t)(s->pending.shifted | s->pending.ends << 1 | s->pending.ends_fresh << 2 |
                            s->pending.entry << 3));
    wxser_f64(out, s->pending.adj);
    wxser_f64(out, s->pending.jump);
    wxser_f64(out, s->pending.med);
    wxser_f64(out, s->pending.pre1);
    wxser_f64(out, s->pending.pre2);
    wxser_f64(out, s->pending.lim);
    wxser_u8(out, (uint8_t)(s->shift.active | s->shift.open << 1));
    wxser_f64(out, s->shift.offset);
    wxser_f64(out, s->shift.jump);
    wxser_i64(out, s->shift.start);
    wxser_f64(out, s->shift.open_jump);
    wxser_i64(out, s->shift.open_time);
    wxser_u8(out, s->run.active);
    wxser_f64(out, s->run.tenths);
    wxser_i64(out, s->run.start);
    wxser_i64(out, s->run.last);
}

int outlier_load(outlier_state_t *s, wxser_reader_t *in)
{
    uint32_t n = wxser_get_u32(in);
    if (n > OUTLIER_WINDOW_MAX)
        return -1;
    /* Keep the newest entries when the configured window shrank since the snapshot. */
    uint32_t skip = n > (uint32_t)s->cfg.spike_window ? n - (uint32_t)s->cfg.spike_window : 0;
    s->ring_head = 0;
    s->ring_n = 0;
    for (uint32_t i = 0; i < n; i++) {
        wx_time_t t = wxser_get_i64(in);
        double v = wxser_get_f64(in);
        if (i < skip)
            continue;
        s->ring_time[s->ring_n] = t;
        s->ring_value[s->ring_n] = v;
        s->ring_n++;
    }
    s->n_sdiff = 0;
    for (int i = 1; i < s->ring_n; i++)
        sdiff_insert(s, s->ring_value[i] - s->ring_value[i - 1]);
    s->pending.active = wxser_get_u8(in) != 0;
    s->pending.id = wxser_get_u64(in);
    s->pending.time = wxser_get_i64(in);
    s->pending.value = wxser_get_f64(in);
    s->pending.candidate = wxser_get_u8(in) != 0;
    s->pending.expected = wxser_get_f64(in);
    s->pending.limit = wxser_get_f64(in);
    uint8_t flags = wxser_get_u8(in);
    s->pending.shifted = flags & 1;
    s->pending.ends = flags >> 1 & 1;
    s->pending.ends_fresh = flags >> 2 & 1;
    s->pending.entry = flags >> 3 & 1;
    s->pending.adj = wxser_get_f64(in);
    s->pending.jump = wxser_get_f64(in);
    s->pending.med = wxser_get_f64(in);
    s->pending.pre1 = wxser_get_f64(in);
    s->pending.pre2 = wxser_get_f64(in);
    s->pending.lim = wxser_get_f64(in);
    uint8_t sf = wxser_get_u8(in);
    s->shift.active = sf & 1;
    s->shift.open = sf >> 1 & 1;
    s->shift.offset = wxser_get_f64(in);
    s->shift.jump = wxser_get_f64(in);
    s->shift.start = wxser_get_i64(in);
    s->shift.open_jump = wxser_get_f64(in);
    s->shift.open_time = wxser_get_i64(in);
    s->run.active = wxser_get_u8(in) != 0;
    s->run.tenths = wxser_get_f64(in);
    s->run.start = wxser_get_i64(in);
    s->run.last = wxser_get_i64(in);
    return in->bad ? -1 : 0;
}
