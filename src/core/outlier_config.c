/* outlier_config: the outlier cascade's names and settings — the reason names, the default
 * configuration and its check (outlier.h). No state: the cascade itself is outlier.c. */
#include "outlier.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *outlier_reason_name(outlier_reason_t r)
{
    switch (r) {
    case OUTLIER_NONE:
        return "none";
    case OUTLIER_MISSING:
        return "missing";
    case OUTLIER_RANGE:
        return "range";
    case OUTLIER_SPIKE:
        return "spike";
    case OUTLIER_STEP:
        return "step";
    case OUTLIER_STUCK:
        return "stuck";
    case OUTLIER_LEVEL_SHIFT:
        return "level_shift";
    }
    return "unknown";
}

void outlier_config_default(outlier_config_t *c)
{
    memset(c, 0, sizeof *c);
    c->range_lo = -60.0;
    c->range_hi = 60.0;
    c->spike_window = 12;
    c->spike_min_history = 4;
    c->spike_k = 6.0;
    c->spike_sigma_floor = 0.3;
    c->spike_min_delta = 4.0;
    c->lookahead_sec = 600;
    c->step_max = 8.0;
    c->step_max_gap_sec = 600;
    c->stuck_sec = 10800;
    c->history_gap_sec = 3600;
    c->shift_min = 5.5;
    c->shift_calm = 1.5;
    c->shift_spread = 1.0;
    c->shift_interval_sec = 300;
    c->shift_max_sec = 21600;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int config_error(char *errstr, size_t errstr_size, const char *fmt, ...)
{
    if (errstr && errstr_size > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(errstr, errstr_size, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int outlier_config_check(const outlier_config_t *c, char *errstr, size_t errstr_size)
{
    /* Written as !(x > 0) so that NaN fails too. */
    if (!isfinite(c->range_lo))
        return config_error(errstr, errstr_size, "range_lo must be a finite number");
    if (!isfinite(c->range_hi))
        return config_error(errstr, errstr_size, "range_hi must be a finite number");
    if (!(c->range_lo < c->range_hi))
        return config_error(errstr, errstr_size, "range_lo must be < range_hi, got %g and %g",
                            c->range_lo, c->range_hi);
    if (c->spike_window < 1 || c->spike_window > OUTLIER_WINDOW_MAX)
        return config_error(errstr, errstr_size, "spike_window must be 1..%d, got %d",
                            OUTLIER_WINDOW_MAX, c->spike_window);
    if (c->spike_min_history < 3 || c->spike_min_history > c->spike_window)
        return config_error(errstr, errstr_size,
                            "spike_min_history must be 3..spike_window (%d), got %d",
                            c->spike_window, c->spike_min_history);
    if (!(c->spike_k > 0) || !isfinite(c->spike_k))
        return config_error(errstr, errstr_size, "spike_k must be > 0, got %g", c->spike_k);
    if (!(c->spike_sigma_floor > 0) || !isfinite(c->spike_sigma_floor))
        return config_error(errstr, errstr_size, "spike_sigma_floor must be > 0 °C, got %g",
                            c->spike_sigma_floor);
    if (!(c->spike_min_delta >= 0) || !isfinite(c->spike_min_delta))
        return config_error(errstr, errstr_size, "spike_min_delta must be >= 0 °C, got %g",
                            c->spike_min_delta);
    if (c->lookahead_sec < 0 || c->lookahead_sec > 3600)
        return config_error(errstr, errstr_size, "lookahead_sec must be 0..3600, got %d",
                            (int)c->lookahead_sec);
    if (!(c->step_max > 0) || !isfinite(c->step_max))
        return config_error(errstr, errstr_size, "step_max must be > 0 °C, got %g", c->step_max);
    if (c->step_max_gap_sec < 0)
        return config_error(errstr, errstr_size, "step_max_gap_sec must be >= 0, got %d",
                            (int)c->step_max_gap_sec);
    if (c->stuck_sec <= 0)
        return config_error(errstr, errstr_size, "stuck_sec must be > 0, got %d",
                            (int)c->stuck_sec);
    if (c->history_gap_sec <= 0)
        return config_error(errstr, errstr_size, "history_gap_sec must be > 0, got %d",
                            (int)c->history_gap_sec);
    if (!(c->shift_min > 0) || !isfinite(c->shift_min))
        return config_error(errstr, errstr_size, "shift_min must be > 0 °C, got %g",
                            c->shift_min);
    if (!(c->shift_calm >= 0) || !isfinite(c->shift_calm))
        return config_error(errstr, errstr_size, "shift_calm must be >= 0 °C, got %g",
                            c->shift_calm);
    if (!(c->shift_spread >= 0) || !isfinite(c->shift_spread))
        return config_error(errstr, errstr_size, "shift_spread must be >= 0 °C, got %g",
                            c->shift_spread);
    if (c->shift_interval_sec <= 0)
        return config_error(errstr, errstr_size, "shift_interval_sec must be > 0, got %d",
                            (int)c->shift_interval_sec);
    if (c->shift_max_sec <= 0)
        return config_error(errstr, errstr_size, "shift_max_sec must be > 0, got %d",
                            (int)c->shift_max_sec);
    return 0;
}
