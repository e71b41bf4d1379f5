-- Legal aid cases accepted in the year by case type: a series, one metric row `legal_aid_cases_by_type.<type>`
-- per type (民事, 刑事, 行政); the prior year's rows give the comparison.
with legal_aid_cases as (
    select * from stg_legal_aid_cases
    where report_year = getvariable('report_year')
      and year(accepted_on) = getvariable('report_year')
),

final as (
    select 'legal_aid_cases_by_type.' || case_type as metric_id, case_type || '案件' as label,
           count(*)::double as value, '件' as unit, ['legal_aid_cases'] as datasets
    from legal_aid_cases
    group by case_type
)

select * from final
