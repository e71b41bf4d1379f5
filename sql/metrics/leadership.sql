-- The leaders' duty as first responsible persons: meetings of the city's rule-of-law office.
with rule_of_law_meetings as (
    select * from stg_rule_of_law_meetings
    where report_year = getvariable('report_year')
),

final as (
    select 'rule_of_law_meetings' as metric_id, '市委依法治市办召开会议' as label,
           count(*)::double as value, '次' as unit, ['rule_of_law_meetings'] as datasets
    from rule_of_law_meetings
)

select * from final
