/* options: the analytics options shared by batch and process, and the bad-value message (see
 * options.h). */
#include "options.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

bool options_parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v))
        return false;
    *out = v;
    return true;
}

bool options_parse_long(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno == ERANGE)
        return false;
    *out = v;
    return true;
}

int options_bad(const char *cmd, const char *name, const char *arg, const char *want)
{
    fprintf(stderr, "wxstream%s%s: --%s: '%s' is not %s\n", cmd ? " " : "", cmd ? cmd : "", name,
            arg, want);
    return -1;
}

bool options_int(const char *cmd, const char *name, const char *arg, long lo, long hi, int *out)
{
    long v;
    if (!options_parse_long(arg, &v) || v < lo || v > hi) {
        char want[96];
        snprintf(want, sizeof want, "a number from %ld to %ld", lo, hi);
        options_bad(cmd, name, arg, want);
        return false;
    }
    *out = (int)v;
    return true;
}

int options_analytics(int opt, const char *arg, wx_config_t *cfg)
{
    double d;
    long l;
    switch (opt) {
    case OPT_HOUR_ASSIGN:
        if (window_parse_assign(arg, &cfg->hour_assign) != 0)
            return options_bad(NULL, "hour-assign", arg, "interval-end or timestamp");
        return 1;
    case OPT_MIN_VALID:
        if (!options_parse_long(arg, &l) || l < 0 || l > WINDOW_EXPECTED)
            return options_bad(NULL, "min-valid", arg, "a count from 0 to 12");
        cfg->min_valid = (int)l;
        return 1;
    case OPT_GRACE:
        /* only parsed here: wx_config_check checks the range (0..WX_GRACE_MAX_SEC) */
        if (!options_parse_long(arg, &l))
            return options_bad(NULL, "grace", arg, "a number of seconds");
        cfg->grace_sec = (int32_t)(l < INT32_MIN ? INT32_MIN : l > INT32_MAX ? INT32_MAX : l);
        return 1;
    case OPT_RANGE_LO:
        if (!options_parse_double(arg, &cfg->outlier.range_lo))
            return options_bad(NULL, "range-lo", arg, "a temperature");
        return 1;
    case OPT_RANGE_HI:
        if (!options_parse_double(arg, &cfg->outlier.range_hi))
            return options_bad(NULL, "range-hi", arg, "a temperature");
        return 1;
    case OPT_SPIKE_K:
        if (!options_parse_double(arg, &d) || d <= 0)
            return options_bad(NULL, "spike-k", arg, "a positive number");
        cfg->outlier.spike_k = d;
        return 1;
    case OPT_SPIKE_MIN_DELTA:
        if (!options_parse_double(arg, &d) || d < 0)
            return options_bad(NULL, "spike-min-delta", arg, "a temperature difference >= 0");
        cfg->outlier.spike_min_delta = d;
        return 1;
    case OPT_SPIKE_SIGMA_FLOOR:
        if (!options_parse_double(arg, &d) || d <= 0)
            return options_bad(NULL, "spike-sigma-floor", arg, "a positive temperature difference");
        cfg->outlier.spike_sigma_floor = d;
        return 1;
    case OPT_STEP_MAX:
        if (!options_parse_double(arg, &d) || d <= 0)
            return options_bad(NULL, "step-max", arg, "a positive temperature difference");
        cfg->outlier.step_max = d;
        return 1;
    case OPT_STUCK_MINUTES:
        if (!options_parse_long(arg, &l) || l < 5 || l > 7 * 24 * 60)
            return options_bad(NULL, "stuck-minutes", arg, "minutes from 5 to 10080");
        cfg->outlier.stuck_sec = (int32_t)(l * 60);
        return 1;
    case OPT_SHIFT_MIN:
        if (!options_parse_double(arg, &d) || d <= 0)
            return options_bad(NULL, "shift-min", arg, "a positive temperature difference");
        cfg->outlier.shift_min = d;
        return 1;
    case OPT_SHIFT_MAX_MINUTES:
        if (!options_parse_long(arg, &l) || l < 5 || l > 7 * 24 * 60)
            return options_bad(NULL, "shift-max-minutes", arg, "minutes from 5 to 10080");
        cfg->outlier.shift_max_sec = (int32_t)(l * 60);
        return 1;
    default:
        return 0;
    }
}

void options_analytics_help(FILE *f)
{
    wx_config_t d;
    wx_config_default(&d);
    fprintf(f,
            "analytics (docs/outliers.md explains the tests and their defaults):\n"
            "  --hour-assign HOW      interval-end: a reading ending at H+1h closes hour H (NOAA's\n"
            "                         hour ending); timestamp: group by the HH of LST_TIME, as the\n"
            "                         seed did (default: %s)\n"
            "  --min-valid N          valid readings (of 12) for a complete hour; fewer is emitted\n"
            "                         with \"partial\": true and skips the hottest-station contest\n"
            "                         (default: %d)\n"
            "  --range-lo C, --range-hi C\n"
            "                         physical limits of the range test (default: %g, %g)\n"
            "  --spike-k K            spike: robust sigmas from the forecast (default: %g)\n"
            "  --spike-min-delta C    spike: never flag a deviation smaller than this (default: %g)\n"
            "  --spike-sigma-floor C  spike: the smallest robust sigma (default: %g)\n"
            "  --step-max C           step: largest change between readings 5 min apart\n"
            "                         (default: %g)\n"
            "  --stuck-minutes M      stuck: unchanged for this long is flagged (default: %d)\n"
            "  --shift-min C          level_shift: smallest jump in one interval that starts a\n"
            "                         shift (default: %g)\n"
            "  --shift-max-minutes M  level_shift: a shift not back by then is taken as the new\n"
            "                         level (default: %d)\n",
            window_assign_name(d.hour_assign), d.min_valid, d.outlier.range_lo,
            d.outlier.range_hi, d.outlier.spike_k, d.outlier.spike_min_delta,
            d.outlier.spike_sigma_floor, d.outlier.step_max, (int)(d.outlier.stuck_sec / 60),
            d.outlier.shift_min, (int)(d.outlier.shift_max_sec / 60));
}
