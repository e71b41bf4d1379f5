-- Administrative reconsideration and litigation (司法局).
with reconsiderations as (
    select * from stg_reconsiderations
    where report_year = getvariable('report_year')
),

litigations as (
    select * from stg_litigations
    where report_year = getvariable('report_year')
),

concluded as (
    select *,
           -- statutory limit: 60 days from acceptance, 30 more when the extension was approved
           concluded_on - accepted_on <= 60 + case when extended then 30 else 0 end as within_limit
    from reconsiderations
    where year(concluded_on) = getvariable('report_year')
),

final as (
    select 'reconsiderations_received' as metric_id, '收到行政复议申请' as label,
           count(*)::double as value, '件' as unit, ['reconsiderations'] as datasets
    from reconsiderations
    where year(received_on) = getvariable('report_year')
    union all
    select 'reconsiderations_concluded', '审结行政复议案件', count(*), '件', ['reconsiderations']
    from concluded
    union all
    select 'reconsiderations_on_time_rate', '法定期限内结案率',
           count(*) filter (where within_limit) / nullif(count(*), 0), '%', ['reconsiderations']
    from concluded
    union all
    select 'litigations_total', '以市政府为被告的行政诉讼案件', count(*), '件', ['litigations']
    from litigations
    union all
    select 'litigations_first_instance', '一审行政诉讼案件',
           count(*) filter (where instance = '一审'), '件', ['litigations']
    from litigations
    union all
    select 'litigations_second_instance', '二审行政诉讼案件',
           count(*) filter (where instance = '二审'), '件', ['litigations']
    from litigations
)

select * from final
