/* json_fields: named top-level members of one JSON object (see json_fields.h). */
#include "json_fields.h"

#define KEY_MAX 64 /* longer member names are checked but match no field */

static json_field_t *field_named(json_field_t *f, size_t nf, const json_out_t *key)
{
    if (key->len > key->cap)
        return NULL;
    for (size_t i = 0; i < nf; i++)
        if (strlen(f[i].name) == key->len && !memcmp(f[i].name, key->dst, key->len))
            return &f[i];
    return NULL;
}

/* The value at j->p, into *fd. */
static int read_value(json_scan_t *j, json_field_t *fd)
{
    if (json_classify(j, &fd->type) != 0)
        return -1;
    fd->found = true;
    fd->truncated = fd->has_nul = fd->integer = false;
    if (fd->type == JSON_STRING) {
        json_out_t o = {fd->buf, fd->buf && fd->cap ? fd->cap - 1 : 0, 0};
        if (json_scan_string(j, &o) != 0)
            return -1;
        fd->truncated = o.len > o.cap;
        if (fd->buf && fd->cap) {
            size_t n = fd->truncated ? o.cap : o.len;
            fd->buf[n] = '\0';
            fd->has_nul = memchr(fd->buf, '\0', n) != NULL;
        }
        return 0;
    }
    if (fd->type == JSON_NUMBER) {
        const char *start = j->p;
        if (json_scan_number(j, &fd->num) != 0)
            return -1;
        size_t n = (size_t)(j->p - start);
        fd->integer = !memchr(start, '.', n) && !memchr(start, 'e', n) && !memchr(start, 'E', n);
        return 0;
    }
    return json_skip_value(j, 1);
}

int json_fields_get(const char *text, size_t len, json_field_t *f, size_t nf, char *err,
                    size_t errsz)
{
    json_scan_t j = {text, text, text + len, err, errsz};
    for (size_t i = 0; i < nf; i++)
        f[i].found = false;
    int more = json_object_open(&j);
    while (more == 1) {
        char kb[KEY_MAX];
        json_out_t key = {kb, sizeof kb, 0};
        if (json_member_key(&j) != 0 || json_scan_string(&j, &key) != 0 ||
            json_member_colon(&j) != 0)
            return -1;
        json_field_t *fd = field_named(f, nf, &key);
        if ((fd ? read_value(&j, fd) : json_skip_value(&j, 1)) != 0)
            return -1;
        more = json_member_next(&j);
    }
    if (more != 0 || json_scan_finish(&j) != 0)
        return -1;
    return 0;
}
