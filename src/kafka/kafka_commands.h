/* kafka_commands: the subcommands built with Kafka (src/kafka, and src/http's NOAA commands),
 * each `int cmd_NAME(int argc, char **argv)` with argv[0] = the command name; the exit status is
 * one of exit_status.h. main.c dispatches to them when built with WX_HAVE_KAFKA. */
#ifndef WX_KAFKA_COMMANDS_H
#define WX_KAFKA_COMMANDS_H

#include "exit_status.h"

int cmd_replay(int argc, char **argv);
int cmd_process(int argc, char **argv);
int cmd_tail(int argc, char **argv);
int cmd_follow(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_fetch(int argc, char **argv);
int cmd_stations(int argc, char **argv);

#endif
