/* commands: the subcommands of `wxstream`, each `int cmd_NAME(int argc, char **argv)` with
 * argv[0] = the command name. Exit status: 0 ok, 1 runtime failure, 2 usage. */
#ifndef WX_COMMANDS_H
#define WX_COMMANDS_H

#define WX_EXIT_OK 0
#define WX_EXIT_FAIL 1
#define WX_EXIT_USAGE 2

int cmd_batch(int argc, char **argv);
int cmd_synth(int argc, char **argv);
#ifdef WX_HAVE_KAFKA
int cmd_replay(int argc, char **argv);
int cmd_process(int argc, char **argv);
int cmd_tail(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_stations(int argc, char **argv);
int cmd_fetch(int argc, char **argv);
int cmd_follow(int argc, char **argv);
#endif

#endif
