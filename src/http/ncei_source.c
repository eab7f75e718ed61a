/* ncei_source: the catalogue and station selection shared by stations, fetch and follow. */
#include "ncei_source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CATALOG_MAX (16 * 1024 * 1024)

int ncei_source_catalog(CURL *h, const http_opts_t *o, const char *base_url, const char *file,
                        ncei_catalog_t *out, char *errstr, size_t errstr_size)
{
    http_req_t req;
    memset(&req, 0, sizeof req);
    int rc = -1;
    char why[512];
    if (file) {
        FILE *f = fopen(file, "rb");
        if (!f) {
            snprintf(errstr, errstr_size, "%s: cannot open", file);
            goto done;
        }
        char chunk[65536];
        size_t n;
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
            wxbuf_append(&req.body, chunk, n);
        fclose(f);
    } else {
        char url[2048];
        if (http_url_join(url, sizeof url, base_url, "stations.tsv") < 0) {
            snprintf(errstr, errstr_size, "--base-url too long");
            goto done;
        }
        http_req_init(&req, url);
        req.max_body = CATALOG_MAX;
        if (http_perform(h, o, &req) != 0 || req.status != 200) {
            snprintf(errstr, errstr_size, "%s: %s", url, http_describe(&req, why, sizeof why));
            goto done;
        }
    }
    if (req.body.failed) {
        snprintf(errstr, errstr_size, "out of memory");
        goto done;
    }
    if (ncei_catalog_parse(req.body.data ? req.body.data : "", req.body.len, out, why,
                           sizeof why) != 0) {
        snprintf(errstr, errstr_size, "%s: %s", file ? file : "stations.tsv", why);
        goto done;
    }
    rc = 0;
done:
    http_req_free(&req);
    return rc;
}

long ncei_source_select(const ncei_catalog_t *c, const char *list, bool all,
                        const ncei_station_t ***out, char *errstr, size_t errstr_size)
{
    const ncei_station_t **v = calloc(c->n ? c->n : 1, sizeof *v);
    long n = 0;
    if (!v) {
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
    }
    if (all) {
        for (size_t i = 0; i < c->n; i++)
            if (c->v[i].wban > 0)
                v[n++] = &c->v[i];
        *out = v;
        return n;
    }
    char *copy = strdup(list ? list : "");
    char *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        while (*t == ' ')
            t++;
        if (!*t)
            continue;
        bool amb;
        const ncei_station_t *s = ncei_catalog_find(c, t, &amb);
        if (!s) {
            snprintf(errstr, errstr_size, "--stations: '%s' %s the catalogue", t,
                     amb ? "names more than one station of" : "is not in");
            free(copy);
            free(v);
            return -1;
        }
        if (s->wban <= 0) {
            snprintf(errstr, errstr_size, "--stations: '%s' has no WBAN yet (%s)", t,
                     s->wban_text);
            free(copy);
            free(v);
            return -1;
        }
        bool dup = false;
        for (long i = 0; i < n; i++)
            dup |= v[i] == s;
        if (!dup)
            v[n++] = s;
    }
    free(copy);
    if (n == 0) {
        snprintf(errstr, errstr_size, "--stations: no station named");
        free(v);
        return -1;
    }
    *out = v;
    return n;
}
