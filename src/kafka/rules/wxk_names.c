/* wxk_names: the names process derives from its group (see wxk_names.h). */
#include "wxk_names.h"

#include <stdio.h>

int wxk_name(char *buf, size_t size, const char *group, const char *name)
{
    int n = snprintf(buf, size, "wxstream-%s-%s", group, name);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

int wxk_topic(char *buf, size_t size, const char *group, const char *suffix)
{
    int n = snprintf(buf, size, "%s-%s", group, suffix);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}
