/* cli_commands: the subcommands that need no Kafka (src/cli), each
 * `int cmd_NAME(int argc, char **argv)` with argv[0] = the command name; the exit status is
 * one of exit_status.h. main.c dispatches to them. */
#ifndef WX_CLI_COMMANDS_H
#define WX_CLI_COMMANDS_H

#include "exit_status.h"

int cmd_batch(int argc, char **argv);
int cmd_synth(int argc, char **argv);

#endif
