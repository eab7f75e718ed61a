/* wx_httpd: the test suite's stand-in for NOAA NCEI's web server (not part of the product).
 *
 * Serves a directory tree (stations.tsv, subhourly01/<YEAR>/ with its files) the way NCEI's
 * Apache does for what wxstream uses: GET and HEAD, byte ranges ("bytes=A-" and "bytes=A-B";
 * 206 with Content-Range, 416 past the end), ETag and Last-Modified, If-None-Match and
 * If-Modified-Since (304), a generated HTML index for a folder without index.html, 404 for
 * what is not there (a year folder not yet created); suffix ranges ("bytes=-N") too. Files are read at each request, so a test
 * can grow, rewrite or truncate them while the server runs.
 *
 * Faults come from a control file (--faults FILE), re-read at every request; one rule a line:
 *     PATTERN KIND ARG COUNT
 * PATTERN: a substring of the request path, or '*'. COUNT: how many matching requests the rule
 * hits (0 = every one). A rule's count restarts whenever the file's contents change.
 *     status CODE   answer CODE (500, 503, 404, ...) with a short body
 *     stall SECS    wait SECS before answering
 *     reset BYTES   send BYTES of the body, then close the connection (a reset mid-body)
 *     norange 0     ignore Range and If-None-Match: 200 with the whole file
 * Lines starting with '#' are comments.
 *
 * Every request is logged to --log as "METHOD PATH RANGE STATUS BODY_BYTES" (RANGE '-' when
 * none), flushed at once, for tests and benchmarks that count requests and bytes.
 *
 * usage: wx_httpd --root DIR --port-file FILE [--port N] [--faults FILE] [--log FILE]
 * Binds 127.0.0.1 (port 0: any free port, written to --port-file). Stops on SIGTERM/SIGINT. */
#define _GNU_SOURCE /* strptime, timegm, st_mtim */
#include <errno.h>
#include <dirent.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#define MAX_RULES 64

typedef struct rule {
    char pattern[256];
    char kind[16];
    long arg;
    long count;
} rule_t;

static const char *g_root;
static const char *g_faults;
static FILE *g_log;
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t g_faults_hash;
static long g_used[MAX_RULES];
static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static uint64_t fnv(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        if (r == 0)
            break;
        n += r;
    }
    fclose(f);
    *len = n;
    return buf;
}

/* The first rule that matches path and still has uses left; counts the use. */
static bool pick_fault(const char *path, rule_t *out)
{
    if (!g_faults)
        return false;
    size_t len;
    char *text = read_all(g_faults, &len);
    if (!text)
        return false;
    bool found = false;
    pthread_mutex_lock(&g_mu);
    uint64_t h = fnv(text, len);
    if (h != g_faults_hash) {
        g_faults_hash = h;
        memset(g_used, 0, sizeof g_used);
    }
    text = realloc(text, len + 1);
    text[len] = '\0';
    int i = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line && i < MAX_RULES;
         line = strtok_r(NULL, "\n", &save)) {
        rule_t r;
        if (line[0] == '#')
            continue;
        if (sscanf(line, "%255s %15s %ld %ld", r.pattern, r.kind, &r.arg, &r.count) != 4) {
            continue;
        }
        int idx = i++;
        if (strcmp(r.pattern, "*") != 0 && !strstr(path, r.pattern))
            continue;
        if (r.count > 0 && g_used[idx] >= r.count)
            continue;
        g_used[idx]++;
        *out = r;
        found = true;
        break;
    }
    pthread_mutex_unlock(&g_mu);
    free(text);
    return found;
}

static void log_req(const char *method, const char *url, const char *range, int status,
                    uint64_t bytes)
{
    if (!g_log)
        return;
    pthread_mutex_lock(&g_mu);
    fprintf(g_log, "%s %s %s %d %" PRIu64 "\n", method, url, range ? range : "-", status, bytes);
    fflush(g_log);
    pthread_mutex_unlock(&g_mu);
}

static enum MHD_Result send_text(struct MHD_Connection *c, const char *method, const char *url,
                                 const char *range, int status, const char *text)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "text/plain");
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    log_req(method, url, range, status, strcmp(method, "HEAD") ? strlen(text) : 0);
    return ret;
}

/* A body that stops after `limit` bytes with an error: MHD closes the connection. */
typedef struct cut_body {
    char *data;
    size_t len, limit;
} cut_body_t;

static ssize_t cut_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    cut_body_t *b = cls;
    if (pos >= b->limit)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    size_t n = b->limit - (size_t)pos;
    if (n > max)
        n = max;
    memcpy(buf, b->data + pos, n);
    return (ssize_t)n;
}

static void cut_free(void *cls)
{
    cut_body_t *b = cls;
    free(b->data);
    free(b);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* An Apache-like index of a folder: one link per entry, sorted. */
static char *make_index(const char *dir, const char *url, size_t *len)
{
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            names = realloc(names, cap * sizeof *names);
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    size_t cap2 = 512 + n * 600;
    char *out = malloc(cap2);
    size_t o = (size_t)snprintf(out, cap2,
                                "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2 Final//EN\">\n"
                                "<html><head><title>Index of %s</title></head><body>\n"
                                "<h1>Index of %s</h1><table>\n"
                                "<tr><td><a href=\"../\">Parent Directory</a></td></tr>\n",
                                url, url);
    for (size_t i = 0; i < n; i++) {
        o += (size_t)snprintf(out + o, cap2 - o,
                              "<tr><td><a href=\"%s\">%s</a></td><td align=\"right\">"
                              "2026-01-01 00:00</td></tr>\n",
                              names[i], names[i]);
        free(names[i]);
    }
    free(names);
    o += (size_t)snprintf(out + o, cap2 - o, "</table></body></html>\n");
    *len = o;
    return out;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    (void)cls;
    (void)version;
    (void)upload;
    (void)upload_size;
    if (!*con_cls) { /* first call: headers only */
        *con_cls = (void *)1;
        return MHD_YES;
    }
    const char *range = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Range");
    bool head = !strcmp(method, "HEAD");
    if (strcmp(method, "GET") && !head)
        return send_text(c, method, url, range, 405, "method not allowed\n");
    if (strstr(url, ".."))
        return send_text(c, method, url, range, 403, "forbidden\n");

    rule_t fault;
    bool norange = false;
    long reset_at = -1;
    if (pick_fault(url, &fault)) {
        if (!strcmp(fault.kind, "status")) {
            char msg[64];
            snprintf(msg, sizeof msg, "injected %ld\n", fault.arg);
            return send_text(c, method, url, range, (int)fault.arg, msg);
        } else if (!strcmp(fault.kind, "stall")) {
            for (long i = 0; i < fault.arg * 10 && !g_stop; i++)
                usleep(100000);
        } else if (!strcmp(fault.kind, "reset")) {
            reset_at = fault.arg;
        } else if (!strcmp(fault.kind, "norange")) {
            norange = true;
        }
    }

    char path[4096];
    snprintf(path, sizeof path, "%s%s", g_root, url);
    struct stat st;
    if (stat(path, &st) != 0)
        return send_text(c, method, url, range, 404, "not found\n");
    char *data = NULL;
    size_t len = 0;
    if (S_ISDIR(st.st_mode)) {
        if (url[strlen(url) - 1] != '/') {
            char loc[4200];
            snprintf(loc, sizeof loc, "%s/", url);
            struct MHD_Response *r = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
            MHD_add_response_header(r, "Location", loc);
            enum MHD_Result ret = MHD_queue_response(c, 301, r);
            MHD_destroy_response(r);
            log_req(method, url, range, 301, 0);
            return ret;
        }
        char idx[4200];
        snprintf(idx, sizeof idx, "%sindex.html", path);
        data = read_all(idx, &len);
        if (!data)
            data = make_index(path, url, &len);
        if (!data)
            return send_text(c, method, url, range, 500, "cannot list\n");
        range = NULL; /* indexes are generated: no ranges, no validators */
    } else {
        /* the validators name what is sent: the length read, the mtime from before reading
         * (a file growing while it is read then gets a new ETag at the next request) */
        data = read_all(path, &len);
        if (!data)
            return send_text(c, method, url, range, 404, "not found\n");
    }

    char etag[96], lastmod[64];
    snprintf(etag, sizeof etag, "\"%zx-%" PRIx64 "\"", len,
             (uint64_t)st.st_mtim.tv_sec * 1000000000u + (uint64_t)st.st_mtim.tv_nsec);
    struct tm tm;
    gmtime_r(&st.st_mtim.tv_sec, &tm);
    strftime(lastmod, sizeof lastmod, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    bool is_file = S_ISREG(st.st_mode);

    if (is_file && !norange) {
        const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
        const char *ims = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-Modified-Since");
        bool not_modified = false;
        if (inm)
            not_modified = !strcmp(inm, etag);
        else if (ims) {
            struct tm t;
            memset(&t, 0, sizeof t);
            if (strptime(ims, "%a, %d %b %Y %H:%M:%S GMT", &t))
                not_modified = st.st_mtim.tv_sec <= timegm(&t);
        }
        if (not_modified) {
            free(data);
            struct MHD_Response *r = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
            MHD_add_response_header(r, "ETag", etag);
            MHD_add_response_header(r, "Last-Modified", lastmod);
            enum MHD_Result ret = MHD_queue_response(c, 304, r);
            MHD_destroy_response(r);
            log_req(method, url, range, 304, 0);
            return ret;
        }
    }

    size_t from = 0, to = len; /* [from, to) */
    int status = 200;
    if (is_file && range && !norange) {
        unsigned long long a = 0, b = 0, last = 0;
        int got = 0;
        if (strncmp(range, "bytes=-", 7) != 0)
            got = sscanf(range, "bytes=%llu-%llu", &a, &b);
        else if (sscanf(range + 7, "%llu", &last) == 1 && last > 0) {
            /* a suffix range: the last N bytes */
            a = last >= len ? 0 : len - last;
            got = 1;
            if (len == 0)
                a = 1; /* nothing to send: 416 */
        }
        if (got >= 1) {
            if (a >= len) {
                free(data);
                char cr[64];
                snprintf(cr, sizeof cr, "bytes */%zu", len);
                struct MHD_Response *r =
                    MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
                MHD_add_response_header(r, "Content-Range", cr);
                MHD_add_response_header(r, "ETag", etag);
                MHD_add_response_header(r, "Last-Modified", lastmod);
                enum MHD_Result ret = MHD_queue_response(c, 416, r);
                MHD_destroy_response(r);
                log_req(method, url, range, 416, 0);
                return ret;
            }
            from = (size_t)a;
            if (got == 2 && b + 1 < len)
                to = (size_t)b + 1;
            status = 206;
        }
    }
    size_t n = to - from;
    memmove(data, data + from, n);
    struct MHD_Response *r;
    uint64_t sent = head ? 0 : n;
    if (reset_at >= 0 && !head && (size_t)reset_at < n) {
        cut_body_t *b = malloc(sizeof *b);
        b->data = data;
        b->len = n;
        b->limit = (size_t)reset_at;
        r = MHD_create_response_from_callback(n, 4096, cut_reader, b, cut_free);
        sent = (uint64_t)reset_at;
    } else {
        r = MHD_create_response_from_buffer(n, data, MHD_RESPMEM_MUST_FREE);
    }
    if (is_file) {
        MHD_add_response_header(r, "ETag", etag);
        MHD_add_response_header(r, "Last-Modified", lastmod);
        MHD_add_response_header(r, "Accept-Ranges", "bytes");
        MHD_add_response_header(r, "Content-Type", "text/plain");
    } else {
        MHD_add_response_header(r, "Content-Type", "text/html");
    }
    if (status == 206) {
        char cr[96];
        snprintf(cr, sizeof cr, "bytes %zu-%zu/%zu", from, to - 1, len);
        MHD_add_response_header(r, "Content-Range", cr);
    }
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    log_req(method, url, range, status, sent);
    return ret;
}

int main(int argc, char **argv)
{
    const char *port_file = NULL, *log_path = NULL;
    int port = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--root") && i + 1 < argc)
            g_root = argv[++i];
        else if (!strcmp(argv[i], "--port-file") && i + 1 < argc)
            port_file = argv[++i];
        else if (!strcmp(argv[i], "--port") && i + 1 < argc)
            port = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--faults") && i + 1 < argc)
            g_faults = argv[++i];
        else if (!strcmp(argv[i], "--log") && i + 1 < argc)
            log_path = argv[++i];
        else {
            fprintf(stderr, "usage: wx_httpd --root DIR --port-file FILE [--port N] "
                            "[--faults FILE] [--log FILE]\n");
            return 2;
        }
    }
    if (!g_root || !port_file) {
        fprintf(stderr, "wx_httpd: --root and --port-file are required\n");
        return 2;
    }
    if (log_path && !(g_log = fopen(log_path, "a"))) {
        fprintf(stderr, "wx_httpd: %s: %s\n", log_path, strerror(errno));
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, handle,
        NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)60, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "wx_httpd: cannot start on 127.0.0.1:%d\n", port);
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
    FILE *pf = fopen(tmp, "w");
    if (!pf) {
        fprintf(stderr, "wx_httpd: %s: %s\n", tmp, strerror(errno));
        MHD_stop_daemon(d);
        return 1;
    }
    fprintf(pf, "%u\n", (unsigned)info->port);
    fclose(pf);
    rename(tmp, port_file);
    while (!g_stop)
        usleep(100000);
    MHD_stop_daemon(d);
    if (g_log)
        fclose(g_log);
    return 0;
}
