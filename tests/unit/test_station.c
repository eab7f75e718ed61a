/* Tests for station: the compiled-in catalogue, lookup by WBAN and find by name or number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "station.h"

static void test_catalogue_is_in_ascending_wban_order(void **state)
{
    (void)state;
    assert_int_equal(station_count(), 4);
    for (size_t i = 1; i < station_count(); i++)
        assert_true(station_at(i - 1)->wban < station_at(i)->wban);
    assert_int_equal(station_at(0)->wban, 3072);
    assert_int_equal(station_at(3)->wban, 94075);
    assert_null(station_at(4));
}

static void test_each_station_has_its_lst_offset(void **state)
{
    (void)state;
    assert_int_equal(station_lookup(3072)->lst_offset_min, -360);   /* Texas: CST */
    assert_int_equal(station_lookup(23907)->lst_offset_min, -360);
    assert_int_equal(station_lookup(4136)->lst_offset_min, -480);   /* Washington: PST */
    assert_int_equal(station_lookup(94075)->lst_offset_min, -420);  /* Colorado: MST */
}

static void test_lookup_returns_name_file_name_and_position(void **state)
{
    (void)state;
    const station_info_t *s = station_lookup(23907);
    assert_non_null(s);
    assert_string_equal(s->name, "TX Austin 33 NW");
    assert_string_equal(s->file_name, "TX_Austin_33_NW");
    assert_true(s->latitude == 30.62);
    assert_true(s->longitude == -98.08);
    s = station_lookup(4136);
    assert_string_equal(s->name, "WA Spokane 17 SSW");
    assert_true(s->latitude == 47.41);
    assert_true(s->longitude == -117.52);
    s = station_lookup(94075);
    assert_string_equal(s->file_name, "CO_Boulder_14_W");
    assert_true(s->latitude == 40.04);
    assert_true(s->longitude == -105.54);
    s = station_lookup(3072);
    assert_string_equal(s->name, "TX Bronte 11 NNE");
    assert_true(s->latitude == 32.04);
    assert_true(s->longitude == -100.24);
}

static void test_lookup_of_an_unknown_wban_is_null(void **state)
{
    (void)state;
    assert_null(station_lookup(0));
    assert_null(station_lookup(3071));
    assert_null(station_lookup(23908));
    assert_null(station_lookup(99999));
    assert_null(station_lookup(-1));
}

static void test_find_by_lowercase_name_part(void **state)
{
    (void)state;
    assert_int_equal(station_find("austin")->wban, 23907);
    assert_int_equal(station_find("Spokane")->wban, 4136);
    assert_int_equal(station_find("BOULDER 14")->wban, 94075);
}

static void test_find_by_file_name_form(void **state)
{
    (void)state;
    assert_int_equal(station_find("TX_Bronte_11_NNE")->wban, 3072);
}

static void test_find_by_wban_with_or_without_leading_zero(void **state)
{
    (void)state;
    assert_int_equal(station_find("3072")->wban, 3072);
    assert_int_equal(station_find("03072")->wban, 3072);
    assert_int_equal(station_find("23907")->wban, 23907);
}

static void test_ambiguous_name_part_finds_nothing(void **state)
{
    (void)state;
    assert_null(station_find("TX")); /* Austin and Bronte */
    assert_null(station_find(" "));  /* every name has a space */
}

static void test_unknown_or_empty_query_finds_nothing(void **state)
{
    (void)state;
    assert_null(station_find("Denver"));
    assert_null(station_find("12345"));
    assert_null(station_find("99999999999999")); /* too many digits for a WBAN */
    assert_null(station_find(""));
    assert_null(station_find(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalogue_is_in_ascending_wban_order),
        cmocka_unit_test(test_each_station_has_its_lst_offset),
        cmocka_unit_test(test_lookup_returns_name_file_name_and_position),
        cmocka_unit_test(test_lookup_of_an_unknown_wban_is_null),
        cmocka_unit_test(test_find_by_lowercase_name_part),
        cmocka_unit_test(test_find_by_file_name_form),
        cmocka_unit_test(test_find_by_wban_with_or_without_leading_zero),
        cmocka_unit_test(test_ambiguous_name_part_finds_nothing),
        cmocka_unit_test(test_unknown_or_empty_query_finds_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
