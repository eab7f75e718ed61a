/* wxser: the little binary format of state snapshots and internal-topic records.
 *
 * Fixed-size little-endian integers and IEEE doubles (bit-exact, so a restored mean compares
 * equal to the one that was saved). Writers append to a wxbuf; the reader checks every length
 * and turns any shortfall into an error instead of reading past the end. */
#ifndef WX_WXSER_H
#define WX_WXSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wxbuf.h"

void wxser_u8(wxbuf_t *b, uint8_t v);
void wxser_u32(wxbuf_t *b, uint32_t v);
void wxser_i32(wxbuf_t *b, int32_t v);
void wxser_i64(wxbuf_t *b, int64_t v);
void wxser_u64(wxbuf_t *b, uint64_t v);
void wxser_f64(wxbuf_t *b, double v);
/* A string as a u32 length and its bytes (no NUL). */
void wxser_str(wxbuf_t *b, const char *s);

typedef struct wxser_reader {
    const unsigned char *p;
    size_t left;
    bool bad; /* set by the first read past the end; later reads return 0 */
} wxser_reader_t;

void wxser_reader_init(wxser_reader_t *r, const void *data, size_t len);
uint8_t wxser_get_u8(wxser_reader_t *r);
uint32_t wxser_get_u32(wxser_reader_t *r);
int32_t wxser_get_i32(wxser_reader_t *r);
int64_t wxser_get_i64(wxser_reader_t *r);
uint64_t wxser_get_u64(wxser_reader_t *r);
double wxser_get_f64(wxser_reader_t *r);
/* Copies a string into buf (NUL-terminated); one that does not fit in size - 1 bytes makes the
 * reader bad (snapshots never hold one). */
void wxser_get_str(wxser_reader_t *r, char *buf, size_t size);

#endif
