-- stg_<dataset>: each year's current submission of one dataset, typed as its contract says, each row with its
-- submission and its row number in the file as submitted (source_row, as Excel numbers it).
-- A template: rendered once per contract, so every dataset is staged the same way; with submission_ids, the
-- rows of those submissions instead (the ones a recorded report was computed from).
with current_submission as (
    select submission_id, year as report_year
{%- if submission_ids is none %}
    from current_submissions
    where dataset = '{{ contract.dataset }}'
{%- else %}
    from submissions
    where dataset = '{{ contract.dataset }}' and submission_id in ({{ submission_ids | join(', ') or 'null' }})
{%- endif %}
),

submitted_rows as (
    select * from {{ contract.table }}
),

final as (
    select current_submission.report_year, submitted_rows.*
    from submitted_rows
    join current_submission using (submission_id)
)

select * from final
