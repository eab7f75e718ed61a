/* Tests for ncei: the stations.tsv catalogue (columns by header name), file names, the year
 * folder's HTML index. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ncei.h"
#include "testutil.h"

static void test_catalogue_fixture_in_noaa_layout_is_read_by_header_name(void **state)
{
    (void)state;
    size_t len;
    char *data = test_read_data("ncei-stations.tsv", &len);
    ncei_catalog_t c = {0};
    char err[256];
    assert_int_equal(ncei_catalog_parse(data, len, &c, err, sizeof err), 0);
    assert_int_equal(c.n, 7);
    const ncei_station_t *s = &c.v[2];
    assert_int_equal(s->wban, 23907);
    assert_string_equal(s->state, "TX");
    assert_string_equal(s->location, "Austin");
    assert_string_equal(s->vector, "33 NW");
    assert_string_equal(s->name, "TX Austin 33 NW");
    assert_string_equal(s->file_part, "TX_Austin_33_NW");
    assert_string_equal(s->status, "Commissioned");
    assert_true(s->latitude == 30.62);
    assert_true(s->longitude == -98.08);
    /* a space inside LOCATION becomes '_' in the file name, as NOAA names it */
    assert_string_equal(c.v[4].file_part, "TX_Port_Aransas_32_NNE");
    /* WBAN "UN": listed, with no number */
    assert_int_equal(c.v[6].wban, 0);
    assert_string_equal(c.v[6].wban_text, "UN");
    ncei_catalog_free(&c);
    free(data);
}

static void test_columns_in_another_order_and_crlf_give_the_same_station(void **state)
{
    (void)state;
    const char *tsv = "STATUS\tLATITUDE\tVECTOR\tEXTRA\tLOCATION\tSTATE\tWBAN\tLONGITUDE\r\n"
                      "Closed\t47.41\t17 SSW\tx\tSpokane\tWA\t04136\t-117.52\r\n"
                      "\r\n";
    ncei_catalog_t c = {0};
    char err[256];
    assert_int_equal(ncei_catalog_parse(tsv, strlen(tsv), &c, err, sizeof err), 0);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.v[0].wban, 4136);
    assert_string_equal(c.v[0].file_part, "WA_Spokane_17_SSW");
    assert_string_equal(c.v[0].name, "WA Spokane 17 SSW");
    assert_string_equal(c.v[0].status, "Closed");
    assert_true(c.v[0].latitude == 47.41);
    assert_true(c.v[0].longitude == -117.52);
    ncei_catalog_free(&c);
}

static void test_a_header_without_a_required_column_is_refused_naming_it(void **state)
{
    (void)state;
    const char *tsv = "WBAN\tSTATE\tLOCATION\n03072\tTX\tBronte\n";
    ncei_catalog_t c = {0};
    char err[256] = "";
    assert_int_equal(ncei_catalog_parse(tsv, strlen(tsv), &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "VECTOR"));
    assert_int_equal(c.n, 0);
    ncei_catalog_free(&c);
}

static void test_a_short_row_is_refused_naming_its_line(void **state)
{
    (void)state;
    const char *tsv = "WBAN\tSTATE\tLOCATION\tVECTOR\n03072\tTX\tBronte\t11 NNE\n04136\tWA\n";
    ncei_catalog_t c = {0};
    char err[256] = "";
    assert_int_equal(ncei_catalog_parse(tsv, strlen(tsv), &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "line 3"));
    ncei_catalog_free(&c);
}

static void test_missing_coordinates_are_nan(void **state)
{
    (void)state;
    const char *tsv = "WBAN\tSTATE\tLOCATION\tVECTOR\tLATITUDE\n03072\tTX\tBronte\t11 NNE\t\n";
    ncei_catalog_t c = {0};
    char err[256];
    assert_int_equal(ncei_catalog_parse(tsv, strlen(tsv), &c, err, sizeof err), 0);
    assert_true(isnan(c.v[0].latitude));
    assert_true(isnan(c.v[0].longitude));
    ncei_catalog_free(&c);
}

static void test_find_by_wban_file_part_or_unique_name_part(void **state)
{
    (void)state;
    size_t len;
    char *data = test_read_data("ncei-stations.tsv", &len);
    ncei_catalog_t c = {0};
    char err[256];
    assert_int_equal(ncei_catalog_parse(data, len, &c, err, sizeof err), 0);
    bool amb;
    assert_int_equal(ncei_catalog_find(&c, "3072", &amb)->wban, 3072);
    assert_int_equal(ncei_catalog_find(&c, "03072", &amb)->wban, 3072);
    assert_int_equal(ncei_catalog_find(&c, "TX_Austin_33_NW", &amb)->wban, 23907);
    assert_int_equal(ncei_catalog_find(&c, "boulder", &amb)->wban, 94075);
    assert_null(ncei_catalog_find(&c, "TX", &amb)); /* four Texan stations */
    assert_true(amb);
    assert_null(ncei_catalog_find(&c, "99999", &amb));
    assert_false(amb);
    assert_null(ncei_catalog_find(&c, "Nowhere", &amb));
    ncei_catalog_free(&c);
    free(data);
}

static void test_file_name_round_trip(void **state)
{
    (void)state;
    char buf[NCEI_FILE_NAME_MAX], part[64];
    assert_int_equal(ncei_file_name(2025, "TX_Austin_33_NW", buf, sizeof buf), 36);
    assert_string_equal(buf, "CRNS0101-05-2025-TX_Austin_33_NW.txt");
    int year;
    assert_int_equal(ncei_parse_file_name(buf, &year, part, sizeof part), 0);
    assert_int_equal(year, 2025);
    assert_string_equal(part, "TX_Austin_33_NW");
    assert_int_equal(ncei_parse_file_name("CRND0103-2025-TX_Austin_33_NW.txt", &year, part,
                                          sizeof part),
                     -1);
    assert_int_equal(ncei_parse_file_name("CRNS0101-05-2025-TX_Au stin.txt", &year, part,
                                          sizeof part),
                     -1);
    assert_int_equal(ncei_parse_file_name("CRNS0101-05-2025-.txt", &year, part, sizeof part), -1);
    assert_int_equal(ncei_file_name(2025, "TX_Austin_33_NW", buf, 20), -1);
}

static void test_same_part_ignores_case_and_punctuation_only(void **state)
{
    (void)state;
    assert_true(ncei_same_part("AK_St._Paul_4_NE", "AK_St_Paul_4_NE"));
    assert_true(ncei_same_part("tx_austin_33_nw", "TX_Austin_33_NW"));
    assert_false(ncei_same_part("TX_Austin_33_NW", "TX_Austin_33_N"));
    assert_false(ncei_same_part("TX_Austin_3_NW", "TX_Austin_33_NW"));
    assert_true(ncei_same_part("", "__"));
}

typedef struct names {
    char v[8][NCEI_FILE_NAME_MAX];
    int n;
} names_t;

static int collect(void *ctx, const char *name)
{
    names_t *n = ctx;
    if (n->n < 8)
        strcpy(n->v[n->n++], name);
    return 0;
}

static void test_index_lists_the_years_subhourly_files_once_each(void **state)
{
    (void)state;
    /* Apache's fancy index: an icon link and a text link per file, a parent link, other files */
    const char *html =
        "<html><body><h1>Index of /pub/data/uscrn/products/subhourly01/2025</h1><table>\n"
        "<tr><td><a href=\"/pub/data/uscrn/products/subhourly01/\">Parent Directory</a></td>\n"
        "<tr><td><a href=\"CRNS0101-05-2025-AK_Aleknagik_1_NNE.txt\"><img src=x></a></td>"
        "<td><a href=\"CRNS0101-05-2025-AK_Aleknagik_1_NNE.txt\">CRNS0101-05-2025-AK_Alek..&gt;"
        "</a></td><td>2025-06-01 10:05</td><td>1.2M</td></tr>\n"
        "<tr><td><A HREF='CRNS0101-05-2025-TX_Austin_33_NW.txt'>x</A></td></tr>\n"
        "<tr><td><a href=\"CRNS0101-05-2024-TX_Austin_33_NW.txt\">old</a></td></tr>\n"
        "<tr><td><a href=\"README.txt\">README.txt</a></td></tr>\n"
        "<tr><td><a href=\"/x/CRNS0101-05-2025-WA_Spokane_17_SSW.txt\">s</a></td></tr>\n"
        "<tr><td><a href=\"CRNS0101-05-2025-bad<name.txt\">s</a></td></tr>\n"
        "</table></body></html>";
    names_t n = {0};
    assert_int_equal(ncei_index_each(html, strlen(html), 2025, collect, &n), 0);
    assert_int_equal(n.n, 3);
    assert_string_equal(n.v[0], "CRNS0101-05-2025-AK_Aleknagik_1_NNE.txt");
    assert_string_equal(n.v[1], "CRNS0101-05-2025-TX_Austin_33_NW.txt");
    assert_string_equal(n.v[2], "CRNS0101-05-2025-WA_Spokane_17_SSW.txt");
}

static int stop_at_first(void *ctx, const char *name)
{
    (void)name;
    (*(int *)ctx)++;
    return 7;
}

static void test_index_callback_can_stop_the_walk(void **state)
{
    (void)state;
    const char *html = "<a href=\"CRNS0101-05-2025-A_B_C.txt\"></a>"
                       "<a href=\"CRNS0101-05-2025-D_E_F.txt\"></a>";
    int calls = 0;
    assert_int_equal(ncei_index_each(html, strlen(html), 2025, stop_at_first, &calls), 7);
    assert_int_equal(calls, 1);
}

static void test_fnv1a_matches_the_published_vectors(void **state)
{
    (void)state;
    assert_true(ncei_fnv1a("", 0) == 0xcbf29ce484222325ull);
    assert_true(ncei_fnv1a("a", 1) == 0xaf63dc4c8601ec8cull);
    assert_true(ncei_fnv1a("foobar", 6) == 0x85944171f73967e8ull);
}

static void test_tail_check_finds_the_last_line_read_in_a_range_or_whole_body(void **state)
{
    (void)state;
    const char *file = "line one\nline two\nline three\n";
    /* consumed through "line two\n": offset 18, tail 9 bytes */
    uint64_t h = ncei_fnv1a("line two\n", 9);
    /* a 206 from offset - tail_len = 9 */
    assert_true(ncei_tail_matches(file + 9, strlen(file) - 9, 9, 18, 9, h));
    /* a 200: the whole file */
    assert_true(ncei_tail_matches(file, strlen(file), 0, 18, 9, h));
    /* nothing consumed yet */
    assert_true(ncei_tail_matches("", 0, 0, 0, 0, 0));
}

static void test_tail_check_fails_for_a_rewritten_or_shrunk_file(void **state)
{
    (void)state;
    uint64_t h = ncei_fnv1a("line two\n", 9);
    const char *rewritten = "line one\nline 2!!\nline three\n";
    assert_false(ncei_tail_matches(rewritten, strlen(rewritten), 0, 18, 9, h));
    const char *shrunk = "line one\nline";
    assert_false(ncei_tail_matches(shrunk, strlen(shrunk), 0, 18, 9, h));
    /* a 206 that starts after the tail cannot show it */
    assert_false(ncei_tail_matches("line three\n", 11, 18, 18, 9, h));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalogue_fixture_in_noaa_layout_is_read_by_header_name),
        cmocka_unit_test(test_columns_in_another_order_and_crlf_give_the_same_station),
        cmocka_unit_test(test_a_header_without_a_required_column_is_refused_naming_it),
        cmocka_unit_test(test_a_short_row_is_refused_naming_its_line),
        cmocka_unit_test(test_missing_coordinates_are_nan),
        cmocka_unit_test(test_find_by_wban_file_part_or_unique_name_part),
        cmocka_unit_test(test_file_name_round_trip),
        cmocka_unit_test(test_same_part_ignores_case_and_punctuation_only),
        cmocka_unit_test(test_index_lists_the_years_subhourly_files_once_each),
        cmocka_unit_test(test_index_callback_can_stop_the_walk),
        cmocka_unit_test(test_fnv1a_matches_the_published_vectors),
        cmocka_unit_test(test_tail_check_finds_the_last_line_read_in_a_range_or_whole_body),
        cmocka_unit_test(test_tail_check_fails_for_a_rewritten_or_shrunk_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
