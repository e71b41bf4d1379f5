-- Public legal services: the legal-advice mini program and legal aid.
with legal_advice_app as (
    select * from stg_legal_advice_app
    where report_year = getvariable('report_year')
),

legal_aid_cases as (
    select * from stg_legal_aid_cases
    where report_year = getvariable('report_year')
),

final as (
    select 'app_registered_users' as metric_id, '“掌上法律顾问”注册用户' as label,
           sum(value) filter (where indicator = '注册用户数')::double as value, '人' as unit,
           ['legal_advice_app'] as datasets
    from legal_advice_app
    union all
    select 'app_people_served', '“掌上法律顾问”服务群众',
           sum(value) filter (where indicator = '服务群众人次'), '人次', ['legal_advice_app']
    from legal_advice_app
    union all
    select 'app_questions_answered', '“掌上法律顾问”回答法律咨询问题',
           sum(value) filter (where indicator = '回答咨询问题数'), '个', ['legal_advice_app']
    from legal_advice_app
    union all
    select 'legal_aid_cases', '受理法律援助案件',
           count(*) filter (where year(accepted_on) = getvariable('report_year')), '件', ['legal_aid_cases']
    from legal_aid_cases
)

select * from final
