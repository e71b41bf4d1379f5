-- Administrative permits: time-limit compression (行政审批局). A mean over the items of each one's own
-- compression is a mean of an expression, which a declaration (a mean of a column) cannot say.
with permit_items as (
    select * from stg_permit_items
    where report_year = getvariable('report_year')
),

compression as (
    -- the mean of each item's own compression; and, as some reports print it, the compression of the summed limits
    select avg(1 - promised_days / statutory_days) as mean_of_items,
           1 - sum(promised_days) / nullif(sum(statutory_days), 0) as of_sums
    from permit_items
),

final as (
    select 'permit_time_compression' as metric_id, '承诺时限比法定时限平均压缩' as label,
           mean_of_items as value, '%' as unit
    from compression
    union all
    select 'permit_time_compression_total', '承诺时限合计比法定时限合计压缩', of_sums, '%'
    from compression
)

select * from final
