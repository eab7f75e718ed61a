/* line_reader: bounded line-by-line reading (see line_reader.h). */
#include "line_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int line_reader_open(line_reader_t *lr, const char *path, size_t max_line, char *errstr,
                     size_t errstr_size)
{
    memset(lr, 0, sizeof *lr);
    lr->max_line = max_line;
    lr->cap = max_line * 2 > (1u << 20) ? max_line * 2 : (1u << 20);
    if (!strcmp(path, "-")) {
        lr->fd = STDIN_FILENO;
    } else {
        lr->fd = open(path, O_RDONLY);
        if (lr->fd < 0) {
            snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
            return -1;
        }
        lr->owns_fd = true;
    }
    lr->buf = malloc(lr->cap);
    if (!lr->buf) {
        snprintf(errstr, errstr_size, "%s: out of memory", path);
        line_reader_close(lr);
        return -1;
    }
    return 0;
}

void line_reader_close(line_reader_t *lr)
{
    if (lr->owns_fd && lr->fd >= 0)
        close(lr->fd);
    lr->fd = -1;
    free(lr->buf);
    lr->buf = NULL;
}

static int fill(line_reader_t *lr, char *errstr, size_t errstr_size)
{
    if (lr->start > 0) {
        memmove(lr->buf, lr->buf + lr->start, lr->end - lr->start);
        lr->end -= lr->start;
        lr->start = 0;
    }
    for (;;) {
        ssize_t n = read(lr->fd, lr->buf + lr->end, lr->cap - lr->end);
        if (n > 0) {
            lr->end += (size_t)n;
            return 0;
        }
        if (n == 0) {
            lr->eof = true;
            return 0;
        }
        if (errno != EINTR) {
            snprintf(errstr, errstr_size, "read error: %s", strerror(errno));
            return -1;
        }
    }
}

int line_reader_next(line_reader_t *lr, const char **line, size_t *len, bool *too_long,
                     char *errstr, size_t errstr_size)
{
    for (;;) {
        char *p = lr->buf + lr->start;
        size_t avail = lr->end - lr->start;
        char *nl = memchr(p, '\n', avail);
        if (lr->skipping) {
            /* The tail of a line already reported as too long. */
            if (nl) {
                lr->start += (size_t)(nl - p) + 1;
                lr->skipping = false;
                continue;
            }
            lr->start = lr->end;
            if (lr->eof)
                return 0;
            if (fill(lr, errstr, errstr_size) != 0)
                return -1;
            continue;
        }
        size_t n = nl ? (size_t)(nl - p) : avail;
        if (n > lr->max_line || (!nl && avail > lr->max_line)) {
            *line = p;
            *len = LINE_READER_KEEP;
            *too_long = true;
            lr->line_no++;
            if (nl) {
                lr->start += n + 1;
            } else {
                lr->start = lr->end; /* the kept prefix stays in buf until the next fill */
                lr->skipping = true;
            }
            return 1;
        }
        if (nl || (lr->eof && avail > 0)) {
            lr->start += n + (nl ? 1 : 0);
            if (n > 0 && p[n - 1] == '\r')
                n--;
            *line = p;
            *len = n;
            *too_long = false;
            lr->line_no++;
            return 1;
        }
        if (lr->eof)
            return 0;
        if (fill(lr, errstr, errstr_size) != 0)
            return -1;
    }
}
