/* wxtext: small text helpers shared by the readers and the JSON writer — quoting a bad token for
 * an error message, telling valid UTF-8 from bytes that are not, and finding a station by a part
 * of its name. */
#ifndef WX_WXTEXT_H
#define WX_WXTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WXTEXT_QUOTE_MAX 32                          /* input bytes quoted at most */
#define WXTEXT_QUOTE_SIZE (4 * WXTEXT_QUOTE_MAX + 8) /* room for the worst case */

/* Writes s[0..n) as "..." into dst for an error message: at most WXTEXT_QUOTE_MAX bytes,
 * backslash-escaping quotes, \xHH for what is not printable ASCII, "..." after a cut.
 * dst must hold WXTEXT_QUOTE_SIZE bytes (a smaller one gets ""). */
void wxtext_quote(const char *s, size_t n, char *dst, size_t size);

/* Whether needle occurs in hay, ASCII letters compared without case (the C library's strcasestr
 * is not standard C). An empty needle occurs everywhere. */
bool wxtext_contains_nocase(const char *hay, const char *needle);

/* Length of the valid UTF-8 sequence at s (n > 0 bytes available), or 0 when the bytes there are
 * not valid UTF-8 (overlong forms, UTF-16 surrogates and code points above U+10FFFF are not). */
size_t wxtext_utf8_len(const unsigned char *s, size_t n);

/* av (>= 0) with exactly `decimals` decimals into buf (at least 32 bytes), without printf: the
 * digits printf("%.*f") would give, for the common case. Returns the length, or 0 when it cannot
 * be sure (more than 9 decimals, av * 10^decimals >= 1e12, or within 1e-3 of a rounding tie,
 * where printf decides on the exact binary value): the caller then uses printf. */
size_t wxtext_fixed(double av, int decimals, char *buf);

/* The integer behind wxtext_fixed: av * 10^decimals rounded as printf would, into *m. False
 * in the same cases wxtext_fixed returns 0. */
bool wxtext_scaled(double av, int decimals, uint64_t *m);

/* m / 10^decimals (0 <= decimals <= 9) with exactly `decimals` decimals and at least one
 * integer digit into buf (at least 32 bytes). Returns the length. */
size_t wxtext_scaled_digits(uint64_t m, int decimals, char *buf);

#endif
