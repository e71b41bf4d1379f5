-- stg_<dataset>: each year's current submission of one dataset, typed as its contract says.
-- A template: rendered once per contract, so every dataset is staged the same way.
with current_submission as (
    select submission_id, year as report_year
    from current_submissions
    where dataset = '{{ contract.dataset }}'
),

submitted_rows as (
    select * exclude (source_row) from {{ contract.table }}
),

final as (
    select current_submission.report_year, submitted_rows.*
    from submitted_rows
    join current_submission using (submission_id)
)

select * from final
