-- Outcomes of reconsideration and litigation cases: correction rate, loss rate, heads appearing in court.
with reconsiderations as (
    select * from stg_reconsiderations
    where report_year = getvariable('report_year')
      and year(concluded_on) = getvariable('report_year')
),

litigations as (
    select * from stg_litigations
    where report_year = getvariable('report_year')
),

reconsideration_outcomes as (
    select count(*)::double as concluded,
           -- 纠错: the decision was set aside, changed, found unlawful, or its performance ordered
           count(*) filter (where outcome in ('撤销', '变更', '确认违法', '责令履行'))::double as corrected
    from reconsiderations
),

litigation_outcomes as (
    select count(*) filter (where result is not null and result <> '审理中')::double as concluded,
           -- 败诉: the court set the act aside or found it unlawful
           count(*) filter (where result in ('撤销', '确认违法'))::double as lost,
           count(*)::double as cases,
           count(*) filter (where head_appeared)::double as head_appeared
    from litigations
),

final as (
    select 'reconsiderations_corrected' as metric_id, '行政复议纠错案件' as label,
           corrected as value, '件' as unit, ['reconsiderations'] as datasets
    from reconsideration_outcomes
    union all
    select 'reconsideration_correction_rate', '行政复议纠错率',
           corrected / nullif(concluded, 0), '%', ['reconsiderations']
    from reconsideration_outcomes
    union all
    select 'litigations_concluded', '审结行政诉讼案件', concluded, '件', ['litigations']
    from litigation_outcomes
    union all
    select 'litigations_lost', '行政诉讼败诉案件', lost, '件', ['litigations']
    from litigation_outcomes
    union all
    select 'litigation_loss_rate', '行政诉讼败诉率', lost / nullif(concluded, 0), '%', ['litigations']
    from litigation_outcomes
    union all
    select 'litigations_head_appeared', '行政机关负责人出庭应诉案件', head_appeared, '件', ['litigations']
    from litigation_outcomes
    union all
    -- over every case of the year: the ledger does not record which ones had a hearing
    select 'litigation_head_appearance_rate', '行政机关负责人出庭应诉率',
           head_appeared / nullif(cases, 0), '%', ['litigations']
    from litigation_outcomes
)

select * from final
