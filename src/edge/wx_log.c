/* wx_log: diagnostics on stderr (see wx_log.h). */
#include "wx_log.h"

#include <stdarg.h>
#include <stdio.h>

void wx_log(const char *cmd, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "wxstream %s: %s\n", cmd, msg);
}
