/* options: command-line options shared by the commands that run the analytics (batch, process),
 * and the one way every command reports a bad option value.
 * Each such command appends OPTIONS_ANALYTICS to its getopt_long table (process, which streams,
 * also OPTIONS_STREAMING), passes unknown option codes to options_analytics(), and prints
 * options_analytics_help() in its --help. The options only parse; the ranges of the analytics
 * settings are checked once, by wx_config_check. */
#ifndef WX_OPTIONS_H
#define WX_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "wx_config.h"

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

/* --grace: only a command that streams (process) appends it; batch's table and --help do not
 * have it. */
#define OPTIONS_STREAMING {"grace", required_argument, NULL, OPT_GRACE}

/* Handles one analytics option. Returns 1 if it was one (0 if not), -1 with a message on
 * stderr for a bad value. */
int options_analytics(int opt, const char *arg, wx_config_t *cfg);
void options_analytics_help(FILE *f);

/* Prints "wxstream CMD: --NAME: 'ARG' is not WANT" on stderr ("wxstream: --NAME: ..." when cmd
 * is NULL) and returns -1. The one message for an option value that is not accepted. */
int options_bad(const char *cmd, const char *name, const char *arg, const char *want);
/* Parses ARG as a whole number from LO to HI into *out. false (nothing stored) after
 * options_bad(cmd, name, arg, "a number from LO to HI"). */
bool options_int(const char *cmd, const char *name, const char *arg, long lo, long hi, int *out);

/* Strict number parsing for option values: the whole string must be the number. */
bool options_parse_double(const char *s, double *out);
bool options_parse_long(const char *s, long *out);

#endif
