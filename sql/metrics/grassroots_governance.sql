-- Villages and communities: rule-of-law creation, "three governances" designations, legal-advisor points.
with villages as (
    select * from stg_villages
    where report_year = getvariable('report_year')
),

legal_advisor_points as (
    select * from stg_legal_advisor_points
    where report_year = getvariable('report_year')
),

final as (
    select 'rule_of_law_village_rate' as metric_id, '民主法治村（社区）创建率' as label,
           count(*) filter (where rule_of_law_village) / count(*) as value, '%' as unit,
           ['villages'] as datasets
    from villages
    union all
    select 'designation_quanzhou_key', '泉州市级重点培育社区',
           count(*) filter (where governance_designation = '泉州市级重点培育社区'), '个', ['villages']
    from villages
    union all
    select 'designation_quanzhou_demo', '泉州市共建共享示范社区',
           count(*) filter (where governance_designation = '泉州市共建共享示范社区'), '个', ['villages']
    from villages
    union all
    select 'designation_jinjiang_demo', '晋江市共建共享示范社区',
           count(*) filter (where governance_designation = '晋江市共建共享示范社区'), '个', ['villages']
    from villages
    union all
    select 'advisor_points_new', '新增村（社区）法律顾问示范点',
           count(*) filter (where year(created_on) = getvariable('report_year')), '个', ['legal_advisor_points']
    from legal_advisor_points
    union all
    select 'advisor_points_total', '村（社区）法律顾问示范点累计', count(*), '个', ['legal_advisor_points']
    from legal_advisor_points
    union all
    -- coverage: points over all villages and communities on the civil-affairs register
    select 'advisor_points_coverage', '村（社区）法律顾问示范点覆盖率',
           (select count(*) from legal_advisor_points) / nullif((select count(*) from villages), 0),
           '%', ['legal_advisor_points', 'villages']
)

select * from final
