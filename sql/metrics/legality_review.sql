-- Legality review of decisions and filing of normative documents (司法局).
with legality_reviews as (
    select * from stg_legality_reviews
    where report_year = getvariable('report_year')
),

normative_filings as (
    select * from stg_normative_filings
    where report_year = getvariable('report_year')
),

final as (
    select 'legality_reviews' as metric_id, '提交市政府常务会研究事项合法性审查' as label,
           count(*)::double as value, '件' as unit, ['legality_reviews'] as datasets
    from legality_reviews
    where category = '市政府常务会研究事项' and year(received_on) = getvariable('report_year')
    union all
    select 'normative_filings_quanzhou', '向泉州市政府报备规范性文件',
           count(*) filter (where filed_with = '泉州市人民政府'), '件', ['normative_filings']
    from normative_filings
    union all
    select 'normative_filings_npc', '向晋江市人大常委会报备规范性文件',
           count(*) filter (where filed_with = '晋江市人大常委会'), '件', ['normative_filings']
    from normative_filings
)

select * from final
