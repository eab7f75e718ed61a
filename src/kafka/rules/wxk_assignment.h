/* wxk_assignment: reads a group member's assignment as the consumer protocol encodes it (what
 * rd_kafka_list_groups returns as member_assignment): int16 version, int32 topic count, then
 * per topic an int16-length name and an int32 count of int32 partitions (big-endian), then
 * user data, which is ignored. Pure: no Kafka, no I/O, no allocation; any bytes are safe. */
#ifndef WX_WXK_ASSIGNMENT_H
#define WX_WXK_ASSIGNMENT_H

/* How many partitions the assignment b[0..n) lists (over every topic). 0 for NULL, an empty
 * or a short one. A truncated one counts what it says up to where it is cut: the partition
 * counts that could be read, even when their lists are cut short (at most INT_MAX). */
int wxk_assignment_partitions(const unsigned char *b, int n);

#endif
