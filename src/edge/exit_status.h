/* exit_status: the exit status of every wxstream command: 0 ok, 1 runtime failure, 2 usage. */
#ifndef WX_EXIT_STATUS_H
#define WX_EXIT_STATUS_H

#define WX_EXIT_OK 0
#define WX_EXIT_FAIL 1
#define WX_EXIT_USAGE 2

#endif
