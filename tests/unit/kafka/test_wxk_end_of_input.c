/* wxk_end_of_input: the rule of process --exit-idle's end, branch by branch, with fake
 * questions that count how often (and in which order) they are asked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "wxk_end_of_input.h"

typedef struct {
    bool caught_up, alone;
    int asked_caught_up, asked_alone;
    int order[4]; /* 1: caught up, 2: alone */
    int n_order;
} fake_t;

static bool fake_caught_up(void *ctx)
{
    fake_t *f = ctx;
    f->asked_caught_up++;
    if (f->n_order < 4)
        f->order[f->n_order++] = 1;
    return f->caught_up;
}

static bool fake_alone(void *ctx)
{
    fake_t *f = ctx;
    f->asked_alone++;
    if (f->n_order < 4)
        f->order[f->n_order++] = 2;
    return f->alone;
}

/* Facts that allow an end: nothing pending, our stages decided everything and saw the whole
 * input final. */
static wxk_eoi_facts_t settled(void)
{
    wxk_eoi_facts_t f = {0};
    f.inputs_flushed = true;
    f.any_hour_stage = true;
    f.all_final = true;
    f.stages_quiet_10x = true;
    return f;
}

static wxk_eoi_t decide(const wxk_eoi_facts_t *f, fake_t *k)
{
    const wxk_eoi_questions_t q = {fake_caught_up, fake_alone, k};
    return wxk_end_of_input(f, &q);
}

static void test_busy_facts_keep_running_without_asking(void **state)
{
    (void)state;
    for (int which = 0; which < 3; which++) {
        wxk_eoi_facts_t f = settled();
        if (which == 0)
            f.awaiting_assignment = true;
        if (which == 1)
            f.within_first_quiet = true;
        if (which == 2)
            f.txn_has_records = true;
        assert_true(wxk_eoi_busy(&f));
        fake_t k = {true, true, 0, 0, {0}, 0};
        assert_int_equal(decide(&f, &k), WXK_EOI_RUNNING);
        assert_int_equal(k.asked_caught_up + k.asked_alone, 0);
    }
    wxk_eoi_facts_t f = settled();
    assert_false(wxk_eoi_busy(&f));
}

static void test_unflushed_input_keeps_running_without_asking(void **state)
{
    (void)state;
    wxk_eoi_facts_t f = settled();
    f.inputs_flushed = false;
    fake_t k = {true, true, 0, 0, {0}, 0};
    assert_int_equal(decide(&f, &k), WXK_EOI_RUNNING);
    assert_int_equal(k.asked_caught_up + k.asked_alone, 0);
}

static void test_internal_topic_not_read_back_keeps_running(void **state)
{
    (void)state;
    wxk_eoi_facts_t f = settled();
    fake_t k = {false, true, 0, 0, {0}, 0};
    assert_int_equal(decide(&f, &k), WXK_EOI_RUNNING);
    assert_int_equal(k.asked_caught_up, 1);
    assert_int_equal(k.asked_alone, 0);
}

static void test_all_final_stages_are_done_without_asking_the_group(void **state)
{
    (void)state;
    wxk_eoi_facts_t f = settled();
    fake_t k = {true, false, 0, 0, {0}, 0};
    assert_int_equal(decide(&f, &k), WXK_EOI_DONE);
    assert_int_equal(k.asked_caught_up, 1);
    assert_int_equal(k.asked_alone, 0);
}

static void test_without_hour_stages_done_when_alone(void **state)
{
    (void)state;
    wxk_eoi_facts_t f = settled();
    f.any_hour_stage = false;
    f.all_final = false;
    fake_t k = {true, true, 0, 0, {0}, 0};
    assert_int_equal(decide(&f, &k), WXK_EOI_DONE);
    assert_int_equal(k.asked_caught_up, 1);
    assert_int_equal(k.asked_alone, 1);
    assert_int_equal(k.order[0], 1);
    assert_int_equal(k.order[1], 2);

    /* not alone: the other members' partitions may still come here */
    fake_t other = {true, false, 0, 0, {0}, 0};
    assert_int_equal(decide(&f, &other), WXK_EOI_RUNNING);
    assert_int_equal(other.asked_alone, 2); /* asked again after the quiet periods */
    f.stages_quiet_10x = false;
    fake_t other2 = {true, false, 0, 0, {0}, 0};
    assert_int_equal(decide(&f, &other2), WXK_EOI_RUNNING);
    assert_int_equal(other2.asked_alone, 1);
}

static void test_open_hours_wait_for_ten_quiet_periods_then_end_stuck(void **state)
{
    (void)state;
    wxk_eoi_facts_t f = settled();
    f.open_hours = true;
    f.stages_quiet_10x = false;
    fake_t k = {true, true, 0, 0, {0}, 0};
    assert_int_equal(decide(&f, &k), WXK_EOI_RUNNING);
    assert_int_equal(k.asked_alone, 0); /* the first test short-cuts on open hours */

    f.stages_quiet_10x = true;
    fake_t alone = {true, true, 0, 0, {0}, 0};
    assert_int_equal(decide(&f, &alone), WXK_EOI_STUCK);
    assert_int_equal(alone.asked_caught_up, 1);
    assert_int_equal(alone.asked_alone, 1);

    fake_t crowd = {true, false, 0, 0, {0}, 0};
    assert_int_equal(decide(&f, &crowd), WXK_EOI_RUNNING);
}

static void test_stages_not_final_end_stuck_when_alone_and_quiet(void **state)
{
    (void)state;
    wxk_eoi_facts_t f = settled();
    f.all_final = false;
    fake_t k = {true, true, 0, 0, {0}, 0};
    assert_int_equal(decide(&f, &k), WXK_EOI_STUCK);
    assert_int_equal(k.asked_alone, 1);
    f.stages_quiet_10x = false;
    fake_t w = {true, true, 0, 0, {0}, 0};
    assert_int_equal(decide(&f, &w), WXK_EOI_RUNNING);
    assert_int_equal(w.asked_alone, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_busy_facts_keep_running_without_asking),
        cmocka_unit_test(test_unflushed_input_keeps_running_without_asking),
        cmocka_unit_test(test_internal_topic_not_read_back_keeps_running),
        cmocka_unit_test(test_all_final_stages_are_done_without_asking_the_group),
        cmocka_unit_test(test_without_hour_stages_done_when_alone),
        cmocka_unit_test(test_open_hours_wait_for_ten_quiet_periods_then_end_stuck),
        cmocka_unit_test(test_stages_not_final_end_stuck_when_alone_and_quiet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
