-- 审核：法律援助案件数同比变化超过一倍或减少一半以上时，请法律援助中心核实台账是否完整。
with cases_by_year as (
    select report_year, count(*) as cases
    from stg_legal_aid_cases
    where report_year in (getvariable('report_year'), getvariable('report_year') - 1)
    group by report_year
),

compared as (
    select this_year.cases as cases, prior_year.cases as prior_cases
    from cases_by_year as this_year
    join cases_by_year as prior_year on prior_year.report_year = this_year.report_year - 1
),

final as (
    select 'legal_aid_cases' as dataset,
           '受理案件 ' || cases || ' 件，上年 ' || prior_cases || ' 件，变化幅度异常，请核实台账是否完整' as message
    from compared
    where cases > 2 * prior_cases or cases < prior_cases / 2
)

select * from final
