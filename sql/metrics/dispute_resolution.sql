-- Dispute resolution: mediation organisations and cases; charity relief for enforcement cases (法院).
with mediation_orgs as (
    select * from stg_mediation_orgs
    where report_year = getvariable('report_year')
      and year(established_on) = getvariable('report_year')
),

mediation_cases as (
    select * from stg_mediation_cases
    where report_year = getvariable('report_year')
),

charity_relief as (
    select * from stg_charity_relief
    where report_year = getvariable('report_year')
),

final as (
    select 'mediation_orgs_professional' as metric_id, '新成立专业性行业性人民调解组织' as label,
           count(*) filter (where org_type = '专业性行业性人民调解委员会')::double as value, '个' as unit,
           ['mediation_orgs'] as datasets
    from mediation_orgs
    union all
    select 'mediation_orgs_enterprise', '新设立企业调解组织',
           count(*) filter (where org_type = '企业人民调解委员会'), '个', ['mediation_orgs']
    from mediation_orgs
    union all
    select 'mediation_orgs_park', '新设立园区调解组织',
           count(*) filter (where org_type = '园区人民调解委员会'), '个', ['mediation_orgs']
    from mediation_orgs
    union all
    select 'mediation_gold_studios', '打造金牌调解工作室',
           count(*) filter (where org_type = '金牌调解工作室'), '个', ['mediation_orgs']
    from mediation_orgs
    union all
    select 'mediation_cases', '人民调解案件', count(*), '起', ['mediation_cases']
    from mediation_cases
    union all
    select 'mediation_successes', '调解成功案件',
           count(*) filter (where result = '调解成功'), '起', ['mediation_cases']
    from mediation_cases
    union all
    select 'mediation_success_rate', '调解成功率',
           count(*) filter (where result = '调解成功') / nullif(count(*), 0), '%', ['mediation_cases']
    from mediation_cases
    union all
    select 'charity_relief_cases', '核拨慈善救助金的执行案件', count(distinct case_no), '起', ['charity_relief']
    from charity_relief
    union all
    select 'charity_relief_amount', '核拨慈善救助金', sum(amount_yuan), '元', ['charity_relief']
    from charity_relief
)

select * from final
