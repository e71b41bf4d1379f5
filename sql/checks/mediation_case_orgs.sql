-- 审核：人民调解案件的调解组织应在人民调解组织名册中。
with mediation_cases as (
    select * from stg_mediation_cases
    where report_year = getvariable('report_year')
),

mediation_orgs as (
    select * from stg_mediation_orgs
    where report_year = getvariable('report_year')
),

unregistered as (
    select org, count(*) as cases
    from mediation_cases
    anti join mediation_orgs using (org)
    group by org
),

final as (
    select 'mediation_cases' as dataset,
           '有 ' || sum(cases) || ' 件案件的调解组织不在《人民调解组织名册》中（如“'
           || min(org) || '”），请核对组织名称' as message
    from unregistered
    having count(*) > 0
)

select * from final
