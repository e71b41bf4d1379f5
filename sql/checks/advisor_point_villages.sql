-- 审核：法律顾问示范点所在村（社区）应在民政局的村（社区）名册中（覆盖率的分母）。
with legal_advisor_points as (
    select * from stg_legal_advisor_points
    where report_year = getvariable('report_year')
),

villages as (
    select * from stg_villages
    where report_year = getvariable('report_year')
),

unregistered as (
    select town, village
    from legal_advisor_points
    anti join villages using (town, village)
),

final as (
    select 'legal_advisor_points' as dataset,
           '有 ' || count(*) || ' 个示范点所在村（社区）不在《村（社区）名册》中（如“'
           || min(town || village) || '”），请核对名称' as message
    from unregistered
    having count(*) > 0
)

select * from final
