#include "commands.h"
int cmd_fetch(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return WX_EXIT_USAGE;
}
