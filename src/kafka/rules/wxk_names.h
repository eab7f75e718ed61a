/* wxk_names: the names `process` derives from its group, written once (docs/design.md):
 *   "wxstream-GROUP-NAME"  its transactional id and static member id (NAME: the instance), and
 *                          its restore consumer's group (NAME: "restore-" INSTANCE);
 *   "GROUP-hourly"         the internal topic of hourly summaries and progress reports;
 *   "GROUP-changelog"      the snapshots' topic.
 * GROUP already carries the --prefix. Pure: no Kafka, no I/O, no allocation. */
#ifndef WX_WXK_NAMES_H
#define WX_WXK_NAMES_H

#include <stddef.h>

#define WXK_HOURLY "hourly"
#define WXK_CHANGELOG "changelog"

/* Writes "wxstream-GROUP-NAME" to buf (NUL-terminated when size > 0). Returns 0, or -1 when
 * it did not fit and was cut to size - 1 bytes (as snprintf cuts). */
int wxk_name(char *buf, size_t size, const char *group, const char *name);

/* Writes "GROUP-SUFFIX" (SUFFIX: WXK_HOURLY, WXK_CHANGELOG) to buf; returns as wxk_name. */
int wxk_topic(char *buf, size_t size, const char *group, const char *suffix);

#endif
