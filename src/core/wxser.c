/* wxser: bounded little-endian serialization for snapshots (see wxser.h). */
#include "wxser.h"

#include <string.h>

static void put(wxbuf_t *b, uint64_t v, int n)
{
    char bytes[8];
    for (int i = 0; i < n; i++)
        bytes[i] = (char)((v >> (8 * i)) & 0xff);
    wxbuf_append(b, bytes, (size_t)n);
}

void wxser_u8(wxbuf_t *b, uint8_t v) { put(b, v, 1); }
void wxser_u32(wxbuf_t *b, uint32_t v) { put(b, v, 4); }
void wxser_i32(wxbuf_t *b, int32_t v) { put(b, (uint32_t)v, 4); }
void wxser_i64(wxbuf_t *b, int64_t v) { put(b, (uint64_t)v, 8); }
void wxser_u64(wxbuf_t *b, uint64_t v) { put(b, v, 8); }

void wxser_f64(wxbuf_t *b, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    put(b, u, 8);
}

void wxser_str(wxbuf_t *b, const char *s)
{
    size_t n = strlen(s);
    wxser_u32(b, (uint32_t)n);
    wxbuf_append(b, s, n);
}

void wxser_reader_init(wxser_reader_t *r, const void *data, size_t len)
{
    r->p = data;
    r->left = len;
    r->bad = false;
}

static uint64_t get(wxser_reader_t *r, int n)
{
    if (r->bad || r->left < (size_t)n) {
        r->bad = true;
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v |= (uint64_t)r->p[i] << (8 * i);
    r->p += n;
    r->left -= (size_t)n;
    return v;
}

uint8_t wxser_get_u8(wxser_reader_t *r) { return (uint8_t)get(r, 1); }
uint32_t wxser_get_u32(wxser_reader_t *r) { return (uint32_t)get(r, 4); }
int32_t wxser_get_i32(wxser_reader_t *r) { return (int32_t)(uint32_t)get(r, 4); }
int64_t wxser_get_i64(wxser_reader_t *r) { return (int64_t)get(r, 8); }
uint64_t wxser_get_u64(wxser_reader_t *r) { return get(r, 8); }

double wxser_get_f64(wxser_reader_t *r)
{
    uint64_t u = get(r, 8);
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

void wxser_get_str(wxser_reader_t *r, char *buf, size_t size)
{
    uint32_t n = wxser_get_u32(r);
    if (r->bad || size == 0 || n > size - 1 || n > r->left) {
        r->bad = true;
        if (size)
            buf[0] = '\0';
        return;
    }
    memcpy(buf, r->p, n);
    buf[n] = '\0';
    r->p += n;
    r->left -= n;
}
