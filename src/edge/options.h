/* options: command-line options shared by the commands that run the analytics (batch, process).
 * Each such command appends OPTIONS_ANALYTICS to its getopt_long table, passes unknown option
 * codes to options_analytics(), and prints options_analytics_help() in its --help. */
#ifndef WX_OPTIONS_H
#define WX_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "station_state.h"

enum {
    OPT_HOUR_ASSIGN = 1000,
    OPT_MIN_VALID,
    OPT_GRACE,
    OPT_RANGE_LO,
    OPT_RANGE_HI,
    OPT_SPIKE_K,
    OPT_SPIKE_MIN_DELTA,
    OPT_SPIKE_SIGMA_FLOOR,
    OPT_STEP_MAX,
    OPT_STUCK_MINUTES,
    OPT_SHIFT_MIN,
    OPT_SHIFT_MAX_MINUTES,
    OPT_ANALYTICS_END
};

#define OPTIONS_ANALYTICS                                                                      \
    {"hour-assign", required_argument, NULL, OPT_HOUR_ASSIGN},                                 \
        {"min-valid", required_argument, NULL, OPT_MIN_VALID},                                 \
        {"range-lo", required_argument, NULL, OPT_RANGE_LO},                                   \
        {"range-hi", required_argument, NULL, OPT_RANGE_HI},                                   \
        {"spike-k", required_argument, NULL, OPT_SPIKE_K},                                     \
        {"spike-min-delta", required_argument, NULL, OPT_SPIKE_MIN_DELTA},                     \
        {"spike-sigma-floor", required_argument, NULL, OPT_SPIKE_SIGMA_FLOOR},                 \
        {"step-max", required_argument, NULL, OPT_STEP_MAX},                                   \
        {"stuck-minutes", required_argument, NULL, OPT_STUCK_MINUTES},                         \
        {"shift-min", required_argument, NULL, OPT_SHIFT_MIN},                                 \
        {"shift-max-minutes", required_argument, NULL, OPT_SHIFT_MAX_MINUTES}

/* Handles one analytics option. Returns 1 if it was one (0 if not), -1 with a message on
 * stderr for a bad value. */
int options_analytics(int opt, const char *arg, wx_config_t *cfg);
void options_analytics_help(FILE *f);

/* Strict number parsing for option values: the whole string must be the number. */
bool options_parse_double(const char *s, double *out);
bool options_parse_long(const char *s, long *out);

#endif
