/* batch: the reference computation — every reading at once, grouped by station, put in time
 * order, then fed through the same station_state and hottest code the streaming processor uses.
 *
 * It is what `wxstream batch` runs and what every streaming test compares with. Because it
 * sorts, its results do not depend on the order of the input lines. Memory: 32 bytes per
 * reading held until batch_run, one copy of each distinct source file name (a station-year is ~4 MB), plus the open hours of the hottest
 * step. When two readings claim the same station and time, the one that sorts first is kept
 * (a value before a missing one, then the lower temperature, then the earlier input) and the
 * other becomes a `duplicate` dead letter. */
#ifndef WX_BATCH_H
#define WX_BATCH_H

#include <stdint.h>

#include "sink.h"
#include "uscrn.h"

typedef struct batch batch_t;

batch_t *batch_new(const wx_config_t *cfg);
void batch_destroy(batch_t *b);

/* The handle of a source file name, for batch_add: 0 for none (NULL or ""), -1 when memory
 * ran out. At most BATCH_MAX_SOURCES distinct names are kept; a name beyond that gets 0 (no
 * real input comes near). Asking again for the last name asked is cheap. */
#define BATCH_MAX_SOURCES 65535
int batch_source(batch_t *b, const char *name);

/* Takes one parsed reading; `source` (batch_source) names the file it came from as the results
 * should report it, `seq` is the caller's ordinal for it (dead letters carry it back). Returns
 * 0, or -1 when the reading is unusable (its station's offset: a `station` dead letter for the
 * caller to write, with the reason in errstr) or memory ran out (errstr says so). */
int batch_add(batch_t *b, const uscrn_reading_t *r, int source, uint64_t seq, char *errstr,
              size_t errstr_size);

/* Runs the analytics over everything added and sends the results to the sink: per station in
 * ascending WBAN order (within a station, in event-time order but for outlier verdicts, which
 * follow the next reading), then the hottest station of every
 * hour in hour order. Call it once. Returns the number of readings used, or -1 when memory ran
 * out. */
long batch_run(batch_t *b, const wx_sink_t *sink);

#endif
