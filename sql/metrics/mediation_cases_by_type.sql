-- Mediation cases of the year by dispute type: a series, one metric row `mediation_cases_by_type.<type>` per type.
with mediation_cases as (
    select * from stg_mediation_cases
    where report_year = getvariable('report_year')
),

final as (
    select 'mediation_cases_by_type.' || dispute_type as metric_id, dispute_type as label,
           count(*)::double as value, '起' as unit, ['mediation_cases'] as datasets
    from mediation_cases
    group by dispute_type
)

select * from final
