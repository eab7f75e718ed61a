/* wx_log: one diagnostic line on stderr, "wxstream CMD: ...". Here (not in kafka_common) so that
 * code without librdkafka, such as replay's file reading, can log the same way. */
#ifndef WX_LOG_H
#define WX_LOG_H

/* Prints "wxstream CMD: ..." to stderr. */
void wx_log(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
