/* line_reader: reads a file (or stdin) line by line with a hard limit on line length.
 *
 * A line longer than the limit is returned once, cut to its first LINE_READER_KEEP bytes with
 * *too_long set, and the rest of it is skipped, so a file with no newlines cannot make us
 * allocate without bound. Trailing '\r' is removed. The returned line is valid until the next
 * call. */
#ifndef WX_LINE_READER_H
#define WX_LINE_READER_H

#include <stdbool.h>
#include <stddef.h>

#define LINE_READER_KEEP 512

typedef struct line_reader {
    int fd;
    bool owns_fd;
    char *buf;
    size_t cap, start, end;
    size_t max_line;
    bool eof, skipping;
    long line_no; /* of the line last returned, 1-based */
} line_reader_t;

/* path "-" is stdin. Returns 0, or -1 with "path: reason" in errstr. */
int line_reader_open(line_reader_t *lr, const char *path, size_t max_line, char *errstr,
                     size_t errstr_size);
/* 1 with a line, 0 at end of file, -1 on a read error (errstr says which). */
int line_reader_next(line_reader_t *lr, const char **line, size_t *len, bool *too_long,
                     char *errstr, size_t errstr_size);
void line_reader_close(line_reader_t *lr);

#endif
