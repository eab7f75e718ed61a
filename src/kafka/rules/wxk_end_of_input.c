/* wxk_end_of_input: the rule of `process --exit-idle`'s end (see wxk_end_of_input.h). */
#include "wxk_end_of_input.h"

bool wxk_eoi_busy(const wxk_eoi_facts_t *f)
{
    /* Never in the middle of a rebalance: partitions just revoked are about to come back (or
     * go to another instance), and an instance that has not been assigned yet may be given
     * work. An empty assignment is an answer too: more instances than partitions. */
    return f->awaiting_assignment || f->within_first_quiet || f->txn_has_records;
}

wxk_eoi_t wxk_end_of_input(const wxk_eoi_facts_t *f, const wxk_eoi_questions_t *q)
{
    if (wxk_eoi_busy(f))
        return WXK_EOI_RUNNING;
    if (!f->inputs_flushed)
        return WXK_EOI_RUNNING;
    if (!q->internal_caught_up(q->ctx))
        return WXK_EOI_RUNNING;
    if (!f->open_hours && (f->any_hour_stage ? f->all_final : q->alone(q->ctx)))
        return WXK_EOI_DONE;
    /* Waiting for other instances' progress; give up after ten quiet periods without any
     * record, as long as nobody else is left who could still send one. */
    if (!f->stages_quiet_10x)
        return WXK_EOI_RUNNING;
    if (!q->alone(q->ctx))
        return WXK_EOI_RUNNING;
    return f->open_hours || (f->any_hour_stage && !f->all_final) ? WXK_EOI_STUCK : WXK_EOI_DONE;
}
