-- Administrative permits: time-limit compression and online service (行政审批局).
with permit_items as (
    select * from stg_permit_items
    where report_year = getvariable('report_year')
),

final as (
    -- the mean of each item's own compression, not the compression of the summed limits
    select 'permit_time_compression' as metric_id, '承诺时限比法定时限平均压缩' as label,
           avg(1 - promised_days / statutory_days) as value, '%' as unit, ['permit_items'] as datasets
    from permit_items
    union all
    select 'permit_zero_trip_share', '“一趟不用跑”事项占比',
           count(*) filter (where trips = 0) / count(*), '%', ['permit_items']
    from permit_items
    union all
    select 'permit_online_share', '网上可办率',
           count(*) filter (where online) / count(*), '%', ['permit_items']
    from permit_items
    union all
    select 'permit_fully_online_share', '全流程网办率',
           count(*) filter (where fully_online) / count(*), '%', ['permit_items']
    from permit_items
)

select * from final
