/* wxstream: real-time analytics for weather-station data on Apache Kafka — command dispatch. */
#include <stdio.h>
#include <string.h>

#include "cli_commands.h"
#ifdef WX_HAVE_KAFKA
#include "kafka_commands.h"
#endif

#ifndef WX_VERSION
#define WX_VERSION "0.1.0"
#endif

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command_t;

static const command_t COMMANDS[] = {
#ifdef WX_HAVE_KAFKA
    {"replay", cmd_replay, "produce USCRN files to Kafka (InputData, or Partitioned)"},
    {"process", cmd_process, "consume readings, publish Output, MaxTemp, Outliers, DeadLetter"},
    {"tail", cmd_tail, "print a topic as JSON lines or a table"},
    {"serve", cmd_serve, "a live web dashboard of the results (and a JSON API)"},
    {"stations", cmd_stations, "list NOAA's USCRN stations (the NCEI catalogue)"},
    {"fetch", cmd_fetch, "download stations' yearly files from NOAA NCEI into a local mirror"},
    {"follow", cmd_follow, "poll NOAA NCEI for new readings, produce each once to InputData"},
#endif
    {"batch", cmd_batch, "the same analytics straight from files, no Kafka (the reference)"},
    {"synth", cmd_synth, "write realistic synthetic USCRN files (offline demos, benchmarks)"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: wxstream <command> [options]\n\n"
               "Real-time analytics for weather-station data (NOAA USCRN sub-hourly readings):\n"
               "hourly mean temperature per station, hottest station per hour, outliers.\n\n"
               "commands:\n");
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        fprintf(f, "  %-8s %s\n", COMMANDS[i].name, COMMANDS[i].summary);
    fprintf(f, "\n'wxstream <command> --help' describes a command's options.\n"
               "wxstream --version prints the version.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return WX_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return WX_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("wxstream %s\n", WX_VERSION);
        return WX_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        if (!strcmp(argv[1], COMMANDS[i].name))
            return COMMANDS[i].run(argc - 1, argv + 1);
    fprintf(stderr, "wxstream: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return WX_EXIT_USAGE;
}
