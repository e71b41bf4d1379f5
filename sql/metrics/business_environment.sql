-- Business environment: work tasks, certification items under the promise system, enterprise compliance.
with business_tasks as (
    select * from stg_business_tasks
    where report_year = getvariable('report_year')
),

certification_items as (
    select * from stg_certification_items
    where report_year = getvariable('report_year')
),

compliance_items as (
    select * from stg_compliance_items
    where report_year = getvariable('report_year')
),

compliance_checks as (
    select * from stg_compliance_checks
    where report_year = getvariable('report_year')
),

-- an enterprise checked twice the same way counts once; its suggestions all count
checks_by_mode as (
    select mode,
           count(distinct credit_code)::double as enterprises,
           sum(suggestions)::double as suggestions
    from compliance_checks
    group by mode
),

final as (
    select 'business_tasks' as metric_id, '优化营商环境工作任务' as label,
           count(*)::double as value, '项' as unit, ['business_tasks'] as datasets
    from business_tasks
    union all
    select 'certification_items', '证明事项告知承诺制目录事项（第一批、第二批）',
           count(*) filter (where batch in ('第一批', '第二批')), '项', ['certification_items']
    from certification_items
    union all
    select 'compliance_items', '企业合规体检项目', count(*), '个', ['compliance_items']
    from compliance_items
    union all
    select 'compliance_onsite_enterprises', '完成现场合规体检的企业',
           coalesce(max(enterprises) filter (where mode = '现场体检'), 0), '家', ['compliance_checks']
    from checks_by_mode
    union all
    select 'compliance_onsite_suggestions', '现场体检提出的合规管理建议',
           coalesce(max(suggestions) filter (where mode = '现场体检'), 0), '条', ['compliance_checks']
    from checks_by_mode
    union all
    select 'compliance_online_enterprises', '参与线上自检的企业',
           coalesce(max(enterprises) filter (where mode = '线上自检'), 0), '家', ['compliance_checks']
    from checks_by_mode
    union all
    select 'compliance_online_suggestions', '线上自检提出的风险建议',
           coalesce(max(suggestions) filter (where mode = '线上自检'), 0), '条', ['compliance_checks']
    from checks_by_mode
)

select * from final
