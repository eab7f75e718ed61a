/* ncei_source: what `stations`, `fetch` and `follow` share about the NCEI site — reading the
 * catalogue (from --base-url or a local copy) and turning --stations LIST / --all into stations. */
#ifndef WX_NCEI_SOURCE_H
#define WX_NCEI_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "http.h"
#include "ncei.h"

/* Reads the catalogue from `file` when not NULL, else from <base_url>/stations.tsv. Returns 0,
 * or -1 with errstr. */
int ncei_source_catalog(CURL *h, const http_opts_t *o, const char *base_url, const char *file,
                        ncei_catalog_t *out, char *errstr, size_t errstr_size);

/* The stations a comma-separated list names (WBANs, file parts, name parts: ncei_catalog_find),
 * or, with all, every station that has a WBAN. *out is a malloc'd array of pointers into c
 * (caller frees), without duplicates. Returns the count, or -1 with errstr naming the entry. */
long ncei_source_select(const ncei_catalog_t *c, const char *list, bool all,
                        const ncei_station_t ***out, char *errstr, size_t errstr_size);

#endif
