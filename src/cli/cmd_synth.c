/* cmd_synth: `wxstream synth` — writes synthetic USCRN sub-hourly files (one per station and
 * year) with the generator in src/synth (synth.h), and with --anomalies a labels file of the
 * injected faults beside each. File names start with SYNTH- so nobody mistakes them for NOAA's.
 *
 * Each file is written to NAME.tmp and renamed when complete, so a failed run (disk full, a
 * write error reported only by fclose) never leaves a truncated file under the final name. */
#include <errno.h>
#include <math.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "cli_commands.h"
#include "station.h"
#include "synth.h"
#include "uscrn.h"
#include "wx_time.h"

#define SYNTH_MAX_STATIONS 64
#define DEFAULT_YEAR 2025
#define FILE_BUF_SIZE (1 << 20)

/* The seed's three stations, the default set. */
static const int32_t DEFAULT_WBANS[] = {23907, 3072, 4136};

typedef struct synth_opts {
    const station_info_t *stations[SYNTH_MAX_STATIONS];
    size_t n_stations;
    int from, to;
    int days; /* 0: whole years */
    const char *out;
    uint64_t seed;
    bool anomalies;
} synth_opts_t;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: wxstream synth [options]\n"
            "\n"
            "Writes realistic *synthetic* USCRN sub-hourly files (5-minute readings, NOAA's\n"
            "134-character format), one per station and year, named\n"
            "  SYNTH-CRNS0101-05-YEAR-Location_Vector.txt\n"
            "for offline demos, tests and benchmarks. Same options and seed, same bytes.\n"
            "What is modelled: docs/synth.md.\n"
            "\n"
            "options:\n"
            "  -s, --station S   a station by WBAN (23907) or part of its name (austin);\n"
            "                    repeatable (default: the seed's three: TX Austin 33 NW,\n"
            "                    TX Bronte 11 NNE, WA Spokane 17 SSW)\n"
            "      --from YEAR   first year (default %d)\n"
            "      --to YEAR     last year, inclusive (default: --from); each file runs from\n"
            "                    Jan 1 00:05 UTC to Jan 1 00:00 UTC of the next year\n"
            "      --days N      only the first N days of --from (one shorter file per\n"
            "                    station, same name; default: whole years; not with --to)\n"
            "  -o, --out DIR     output directory, created if missing (default \".\")\n"
            "      --seed N      random seed, 0..2^64-1 (default 1); each station draws its\n"
            "                    own independent stream from it\n"
            "      --anomalies   inject labelled sensor faults (spike, step, stuck, range,\n"
            "                    shift) and labelled weather that must not be flagged (front,\n"
            "                    outflow, sunrise, foehn), and write\n"
            "                    SYNTH-...-Location_Vector.labels.csv beside each file (columns\n"
            "                    event,kind,wban,first_utc,last_utc,magnitude; default: off)\n"
            "      --list-stations  list the stations synth has a climate for, and exit\n"
            "  -h, --help        this help\n"
            "\n"
            "The files written are listed on stderr. Exit status: 0 ok, 1 a bad value (unknown\n"
            "station, bad year) or a failure to write, 2 a usage error.\n",
            DEFAULT_YEAR);
}

/* The whole string must be a decimal integer in [lo, hi]. */
static bool parse_int_in(const char *s, long lo, long hi, long *out)
{
    if (!s || !*s)
        return false;
    char *end;
    errno = 0;
    const long v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static bool parse_u64(const char *s, uint64_t *out)
{
    if (!s || *s < '0' || *s > '9')
        return false;
    char *end;
    errno = 0;
    const unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return false;
    *out = (uint64_t)v;
    return true;
}

/* mkdir -p. 0, or -1 with errno set (ENOTDIR when a component is not a directory). */
static int make_dirs(const char *path)
{
    char buf[PATH_MAX];
    const size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        const char c = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return -1;
        buf[i] = c;
    }
    struct stat sb;
    if (stat(path, &sb) != 0)
        return -1;
    if (!S_ISDIR(sb.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

/* Closes f and renames tmp to path when all went well; removes tmp otherwise. */
static int finish_file(FILE *f, bool ok, const char *tmp, const char *path)
{
    int err = 0;
    if (ok && (fflush(f) != 0 || ferror(f)))
        err = errno ? errno : EIO;
    if (fclose(f) != 0 && ok && !err)
        err = errno ? errno : EIO;
    if (ok && !err && rename(tmp, path) != 0)
        err = errno;
    if (!ok || err) {
        remove(tmp);
        if (err)
            fprintf(stderr, "synth: cannot write %s: %s\n", path, strerror(err));
        return -1;
    }
    return 0;
}

static FILE *open_tmp(const char *tmp, const char *path, char *vbuf)
{
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "synth: cannot create %s: %s\n", path, strerror(errno));
        return NULL;
    }
    setvbuf(f, vbuf, _IOFBF, FILE_BUF_SIZE);
    return f;
}

static int write_labels(const synth_t *g, const char *path, char *vbuf)
{
    char tmp[PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = open_tmp(tmp, path, vbuf);
    if (!f)
        return -1;
    bool ok = fputs("event,kind,wban,first_utc,last_utc,magnitude\n", f) >= 0;
    const size_t n = synth_event_count(g);
    for (size_t i = 0; i < n && ok; i++) {
        const synth_event_t *e = synth_event_at(g, i);
        char a[32], b[32], m[32] = "";
        if (!isnan(e->magnitude))
            snprintf(m, sizeof m, "%.2f", e->magnitude);
        ok = fprintf(f, "%" PRIu32 ",%s,%05d,%s,%s,%s\n", e->id, synth_kind_name(e->kind),
                     (int)e->wban, wx_time_iso(e->first_utc, a, sizeof a),
                     wx_time_iso(e->last_utc, b, sizeof b), m) > 0;
    }
    if (!ok)
        fprintf(stderr, "synth: cannot write %s: %s\n", path, strerror(errno));
    if (finish_file(f, ok, tmp, path) != 0)
        return -1;
    fprintf(stderr, "synth: wrote %s (%zu event%s)\n", path, n, n == 1 ? "" : "s");
    return 0;
}

/* One station-year (or the first --days of it): the data file, then its labels. */
static int write_one(const synth_opts_t *o, const station_info_t *st, int year, char *vbuf)
{
    wx_time_t first;
    int64_t count;
    if (synth_year_range(year, o->days, &first, &count) != 0) {
        fprintf(stderr, "synth: year %d has fewer than %d days\n", year, o->days);
        return -1;
    }
    char path[PATH_MAX], tmp[PATH_MAX + 8], lpath[PATH_MAX];
    const int pn = snprintf(path, sizeof path, "%s/SYNTH-CRNS0101-05-%d-%s.txt", o->out, year,
                            st->file_name);
    const int ln = snprintf(lpath, sizeof lpath, "%s/SYNTH-CRNS0101-05-%d-%s.labels.csv", o->out,
                            year, st->file_name);
    if (pn < 0 || (size_t)pn >= sizeof path || ln < 0 || (size_t)ln >= sizeof lpath) {
        fprintf(stderr, "synth: output path too long: %s\n", o->out);
        return -1;
    }
    snprintf(tmp, sizeof tmp, "%s.tmp", path);

    char err[256];
    const synth_params_t p = {st, first, count, o->seed, o->anomalies};
    synth_t *g = synth_new(&p, err, sizeof err);
    if (!g) {
        fprintf(stderr, "synth: %s %d: %s\n", st->name, year, err);
        return -1;
    }
    int rc = -1;
    FILE *f = open_tmp(tmp, path, vbuf);
    if (!f)
        goto done;
    uscrn_reading_t r;
    char line[USCRN_LINE_LEN + 2];
    bool ok = true;
    int64_t n = 0;
    while (ok && synth_next(g, &r, NULL)) {
        const int len = uscrn_format_line(&r, line, sizeof line);
        if (len < 0) {
            fprintf(stderr, "synth: %s: reading %08d %04d does not fit the line format\n", path,
                    (int)r.utc_date, (int)r.utc_time);
            ok = false;
            break;
        }
        line[len] = '\n';
        if (fwrite(line, 1, (size_t)len + 1, f) != (size_t)len + 1) {
            fprintf(stderr, "synth: cannot write %s: %s\n", path, strerror(errno));
            ok = false;
        }
        n++;
    }
    if (finish_file(f, ok, tmp, path) != 0)
        goto done;
    char a[32], b[32];
    fprintf(stderr, "synth: wrote %s (%" PRId64 " readings, %s..%s)\n", path, n,
            wx_time_iso(first, a, sizeof a),
            wx_time_iso(first + (count - 1) * SYNTH_STEP_SEC, b, sizeof b));
    if (o->anomalies && write_labels(g, lpath, vbuf) != 0)
        goto done;
    rc = 0;
done:
    synth_destroy(g);
    return rc;
}

static void list_stations(void)
{
    printf("%-5s  %-20s %-20s %7s %8s %5s %6s %6s\n", "WBAN", "name", "file name", "lat", "lon",
           "LST", "elev_m", "mean_C");
    for (size_t i = 0; i < station_count(); i++) {
        const station_info_t *s = station_at(i);
        const synth_climate_t *c = synth_climate_lookup(s->wban);
        if (!c)
            continue;
        printf("%05d  %-20s %-20s %7.2f %8.2f %+4dh %6.0f %6.1f\n", (int)s->wban, s->name,
               s->file_name, s->latitude, s->longitude, (int)(s->lst_offset_min / 60),
               c->elevation_m, c->t_mean);
    }
}

/* --from, --to and --days into o (checked against each other). Returns -1 to go on, or the exit
 * status. */
static int read_years(synth_opts_t *o, const char *from_s, const char *to_s, const char *days_s)
{
    long v;
    if (from_s) {
        if (!parse_int_in(from_s, 1900, 2200, &v)) {
            fprintf(stderr, "synth: --from: not a year from 1900 to 2200: '%s'\n", from_s);
            return WX_EXIT_FAIL;
        }
        o->from = (int)v;
    }
    o->to = o->from;
    if (to_s) {
        if (!parse_int_in(to_s, 1900, 2200, &v)) {
            fprintf(stderr, "synth: --to: not a year from 1900 to 2200: '%s'\n", to_s);
            return WX_EXIT_FAIL;
        }
        o->to = (int)v;
        if (o->to < o->from) {
            fprintf(stderr, "synth: --to %d is before --from %d\n", o->to, o->from);
            return WX_EXIT_FAIL;
        }
    }
    if (days_s) {
        if (!parse_int_in(days_s, 1, 366, &v)) {
            fprintf(stderr, "synth: --days: not a number of days from 1 to 366: '%s'\n", days_s);
            return WX_EXIT_FAIL;
        }
        o->days = (int)v;
    }
    return -1;
}

/* Stations: as named, or the default three; each needs a climate. Returns -1 to go on, or the
 * exit status. */
static int pick_stations(synth_opts_t *o, const char *const *station_args, size_t n_station_args)
{
    if (n_station_args == 0) {
        for (size_t i = 0; i < sizeof DEFAULT_WBANS / sizeof DEFAULT_WBANS[0]; i++) {
            const station_info_t *s = station_lookup(DEFAULT_WBANS[i]);
            if (!s) {
                fprintf(stderr, "synth: default station %05d is not in the catalogue\n",
                        (int)DEFAULT_WBANS[i]);
                return WX_EXIT_FAIL;
            }
            o->stations[o->n_stations++] = s;
        }
    }
    for (size_t i = 0; i < n_station_args; i++) {
        const station_info_t *s = station_find(station_args[i]);
        if (!s) {
            fprintf(stderr,
                    "synth: unknown station '%s' (no catalogued station, or more than one, "
                    "matches; see --list-stations)\n",
                    station_args[i]);
            return WX_EXIT_FAIL;
        }
        if (!synth_climate_lookup(s->wban)) {
            fprintf(stderr, "synth: no synthetic climate for station %05d %s (see "
                            "--list-stations)\n",
                    (int)s->wban, s->name);
            return WX_EXIT_FAIL;
        }
        bool dup = false;
        for (size_t j = 0; j < o->n_stations; j++)
            dup = dup || o->stations[j] == s;
        if (!dup)
            o->stations[o->n_stations++] = s;
    }
    return -1;
}

enum { OPT_FROM = 1000, OPT_TO, OPT_DAYS, OPT_SEED, OPT_ANOMALIES, OPT_LIST };

int cmd_synth(int argc, char **argv)
{
    static const struct option LONG[] = {
        {"station", required_argument, NULL, 's'},
        {"from", required_argument, NULL, OPT_FROM},
        {"to", required_argument, NULL, OPT_TO},
        {"days", required_argument, NULL, OPT_DAYS},
        {"out", required_argument, NULL, 'o'},
        {"seed", required_argument, NULL, OPT_SEED},
        {"anomalies", no_argument, NULL, OPT_ANOMALIES},
        {"list-stations", no_argument, NULL, OPT_LIST},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    synth_opts_t o = {.from = DEFAULT_YEAR, .to = 0, .days = 0, .out = ".", .seed = 1};
    const char *from_s = NULL, *to_s = NULL, *days_s = NULL;
    const char *station_args[SYNTH_MAX_STATIONS];
    size_t n_station_args = 0;
    bool list = false;

    optind = 1;
    opterr = 1;
    int c;
    while ((c = getopt_long(argc, argv, "s:o:h", LONG, NULL)) != -1) {
        switch (c) {
        case 's':
            if (n_station_args == SYNTH_MAX_STATIONS) {
                fprintf(stderr, "synth: at most %d --station options\n", SYNTH_MAX_STATIONS);
                return WX_EXIT_USAGE;
            }
            station_args[n_station_args++] = optarg;
            break;
        case OPT_FROM:
            from_s = optarg;
            break;
        case OPT_TO:
            to_s = optarg;
            break;
        case OPT_DAYS:
            days_s = optarg;
            break;
        case 'o':
            o.out = optarg;
            break;
        case OPT_SEED:
            if (!parse_u64(optarg, &o.seed)) {
                fprintf(stderr, "synth: --seed: not a number from 0 to 2^64-1: '%s'\n", optarg);
                return WX_EXIT_FAIL;
            }
            break;
        case OPT_ANOMALIES:
            o.anomalies = true;
            break;
        case OPT_LIST:
            list = true;
            break;
        case 'h':
            usage(stdout);
            return WX_EXIT_OK;
        default: /* getopt_long has said what was wrong */
            fprintf(stderr, "'wxstream synth --help' lists the options.\n");
            return WX_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "synth: unexpected argument '%s' (synth takes options only)\n",
                argv[optind]);
        return WX_EXIT_USAGE;
    }
    if (days_s && to_s) {
        fprintf(stderr, "synth: --days and --to do not go together (--days writes part of "
                        "the --from year)\n");
        return WX_EXIT_USAGE;
    }
    if (list) {
        list_stations();
        return fflush(stdout) == 0 && !ferror(stdout) ? WX_EXIT_OK : WX_EXIT_FAIL;
    }

    int st = read_years(&o, from_s, to_s, days_s);
    if (st >= 0)
        return st;
    st = pick_stations(&o, station_args, n_station_args);
    if (st >= 0)
        return st;

    if (make_dirs(o.out) != 0) {
        fprintf(stderr, "synth: cannot create output directory %s: %s\n", o.out, strerror(errno));
        return WX_EXIT_FAIL;
    }
    char *vbuf = malloc(FILE_BUF_SIZE);
    if (!vbuf) {
        fprintf(stderr, "synth: out of memory\n");
        return WX_EXIT_FAIL;
    }
    int rc = WX_EXIT_OK;
    for (size_t i = 0; i < o.n_stations && rc == WX_EXIT_OK; i++)
        for (int y = o.from; y <= o.to && rc == WX_EXIT_OK; y++)
            if (write_one(&o, o.stations[i], y, vbuf) != 0)
                rc = WX_EXIT_FAIL;
    free(vbuf);
    return rc;
}
