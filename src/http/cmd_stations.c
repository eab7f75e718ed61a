/* cmd_stations: `wxstream stations` — NOAA's USCRN station catalogue (stations.tsv, fetched
 * from the NCEI site or read from a local copy) as JSON lines or a table, filtered by state,
 * name and status. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kafka_commands.h"
#include "http.h"
#include "json_put.h"
#include "ncei.h"
#include "wxtext.h"
#include "ncei_source.h"
#include "wxbuf.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: wxstream stations [options]\n\n"
            "Lists NOAA's USCRN stations from the catalogue NCEI publishes (stations.tsv): WBAN,\n"
            "name, state, coordinates, status, and the name part of the station's data files.\n"
            "Needs the internet unless --file or a --base-url mirror is given.\n\n"
            "options:\n"
            "  --base-url URL   the NCEI products folder (default:\n"
            "                   " HTTP_DEFAULT_BASE_URL ")\n"
            "  --file PATH      read this local copy of stations.tsv instead (default: none)\n"
            "  --state ST       only stations of this state (\"TX\"; case-insensitive)\n"
            "                   (default: every state)\n"
            "  --name PART      only stations whose name contains PART (case-insensitive)\n"
            "                   (default: any name)\n"
            "  --status S       only stations whose status contains S (\"Commissioned\",\n"
            "                   \"Closed\"; case-insensitive) (default: any status)\n"
            "  --table          a table for people instead of JSON lines (default: JSON lines)\n"
            "  -h, --help       this help\n\n"
            "JSON fields: wban (\"03072\", or NOAA's text when it has none, e.g. \"UN\"), station\n"
            "(the number, null without one), name, state, location, vector, latitude, longitude\n"
            "(null when unknown), status, file (\"TX_Bronte_11_NNE\", as in the data files' names).\n\n"
            "Exit status: 0 listed (even when no station matched); 1 the catalogue could not be\n"
            "had or read; 2 usage.\n");
}

static void json_coord(wxbuf_t *b, double v)
{
    if (isnan(v))
        wxbuf_puts(b, "null");
    else
        wxbuf_printf(b, "%.4f", v);
}

int cmd_stations(int argc, char **argv)
{
    enum { O_BASE = 1000, O_FILE, O_STATE, O_NAME, O_STATUS, O_TABLE };
    static const struct option LONG[] = {
        {"base-url", required_argument, NULL, O_BASE}, {"file", required_argument, NULL, O_FILE},
        {"state", required_argument, NULL, O_STATE},   {"name", required_argument, NULL, O_NAME},
        {"status", required_argument, NULL, O_STATUS}, {"table", no_argument, NULL, O_TABLE},
        {"help", no_argument, NULL, 'h'},              {NULL, 0, NULL, 0},
    };
    const char *base = HTTP_DEFAULT_BASE_URL, *file = NULL, *state = NULL, *name = NULL,
               *status = NULL;
    bool table = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", LONG, NULL)) != -1) {
        switch (c) {
        case O_BASE: base = optarg; break;
        case O_FILE: file = optarg; break;
        case O_STATE: state = optarg; break;
        case O_NAME: name = optarg; break;
        case O_STATUS: status = optarg; break;
        case O_TABLE: table = true; break;
        case 'h': usage(stdout); return WX_EXIT_OK;
        default: usage(stderr); return WX_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "wxstream stations: unexpected argument '%s'\n", argv[optind]);
        return WX_EXIT_USAGE;
    }
    char err[1024];
    ncei_catalog_t cat = {0};
    CURL *h = NULL;
    int rc = WX_EXIT_FAIL;
    if (!file) {
        if (http_global_init(err, sizeof err) != 0 || !(h = curl_easy_init())) {
            fprintf(stderr, "wxstream stations: cannot start libcurl\n");
            return WX_EXIT_FAIL;
        }
    }
    http_opts_t ho = {0};
    if (ncei_source_catalog(h, &ho, base, file, &cat, err, sizeof err) != 0) {
        fprintf(stderr, "wxstream stations: %s\n", err);
        goto done;
    }
    wxbuf_t b = {0};
    if (table)
        printf("%-6s %-32s %-5s %9s %10s  %s\n", "WBAN", "NAME", "STATE", "LATITUDE",
               "LONGITUDE", "STATUS");
    for (size_t i = 0; i < cat.n; i++) {
        const ncei_station_t *s = &cat.v[i];
        if (state && strcasecmp(s->state, state) != 0)
            continue;
        if (name && !wxtext_contains_nocase(s->name, name))
            continue;
        if (status && !wxtext_contains_nocase(s->status, status))
            continue;
        if (table) {
            printf("%-6s %-32s %-5s %9.4f %10.4f  %s\n", s->wban_text, s->name, s->state,
                   s->latitude, s->longitude, s->status);
            continue;
        }
        wxbuf_reset(&b);
        char w[16];
        if (s->wban > 0)
            snprintf(w, sizeof w, "%05d", (int)s->wban);
        else
            snprintf(w, sizeof w, "%s", s->wban_text);
        wxbuf_puts(&b, "{\"wban\":");
        json_put_string(&b, w, strlen(w));
        if (s->wban > 0)
            wxbuf_printf(&b, ",\"station\":%d", (int)s->wban);
        else
            wxbuf_puts(&b, ",\"station\":null");
        const struct { const char *k, *v; } F[] = {{"name", s->name},
                                                   {"state", s->state},
                                                   {"location", s->location},
                                                   {"vector", s->vector}};
        for (size_t k = 0; k < sizeof F / sizeof F[0]; k++) {
            wxbuf_printf(&b, ",\"%s\":", F[k].k);
            json_put_string(&b, F[k].v, strlen(F[k].v));
        }
        wxbuf_puts(&b, ",\"latitude\":");
        json_coord(&b, s->latitude);
        wxbuf_puts(&b, ",\"longitude\":");
        json_coord(&b, s->longitude);
        wxbuf_puts(&b, ",\"status\":");
        json_put_string(&b, s->status, strlen(s->status));
        wxbuf_puts(&b, ",\"file\":");
        json_put_string(&b, s->file_part, strlen(s->file_part));
        wxbuf_puts(&b, "}\n");
        fwrite(b.data, 1, b.len, stdout);
    }
    wxbuf_free(&b);
    rc = fflush(stdout) == 0 ? WX_EXIT_OK : WX_EXIT_FAIL;
done:
    ncei_catalog_free(&cat);
    if (h)
        curl_easy_cleanup(h);
    return rc;
}
