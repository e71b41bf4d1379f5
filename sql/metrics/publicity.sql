-- Legal publicity: events held in the year; the private-enterprise legal education base since it opened.
with publicity_events as (
    select * from stg_publicity_events
    where report_year = getvariable('report_year')
),

education_base_visits as (
    select * from stg_education_base_visits
    where report_year = getvariable('report_year')
      and year(visited_on) <= getvariable('report_year')
),

final as (
    select 'publicity_events' as metric_id, '开展法治宣传教育活动' as label,
           count(*)::double as value, '场' as unit, ['publicity_events'] as datasets
    from publicity_events
    union all
    select 'education_base_visits', '非公企业法治教育基地接待参观（累计）', count(*), '场',
           ['education_base_visits']
    from education_base_visits
    union all
    select 'education_base_visitors', '非公企业法治教育基地接待参观人次（累计）', sum(visitors), '人次',
           ['education_base_visits']
    from education_base_visits
)

select * from final
