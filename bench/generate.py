"""Deterministic national-scale ledgers in the sample contracts' shape, written by DuckDB's COPY.

Each ledger row `i` is a pure function of `i`: the descriptive cells (mediation organisation,
dispute type, legal-aid matter, town, law firm) are drawn by hash from the committed sample
ledger of the same dataset, the dates and case numbers are generated for the ledger's year.
One row in a thousand (`i % 1000 = 999`) breaks the contract in exactly one way, cycling through
the kinds of problem departments make (an impossible date, a value not allowed, an empty
required cell, a failed cross-field check, a date outside the year, a repeated case number), so
a file of `n` rows must load `n - n // 1000` rows.

The large files are written once under `bench/data/` (git-ignored) and reused (the small sample
ledgers beside them are copied afresh each time); `rm -rf bench/data` makes them anew, e.g. after the
sample ledgers change. The header row is the contract's, with a BOM, as Excel's "CSV UTF-8" writes it.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from annual_report.files import replacing
from annual_report.intake.contracts import Contract, load_contracts
from annual_report.intake.validate import literal
from annual_report.settings import ROOT

DATA = Path(__file__).resolve().parent / "data"
SAMPLE_INPUTS = ROOT / "inputs"
YEAR = 2021
DEFECT_EVERY = 1000  # 0.1% of the rows break the contract

MEDIATION_ROWS = 9_000_000
LEGAL_AID_ROWS = {YEAR: 1_000_000, YEAR - 1: 900_000}
SCALING_ROWS = (1_000_000, 3_000_000, MEDIATION_ROWS)


@dataclass(frozen=True)
class Ledger:
    """One generated ledger: where it goes in an inputs tree and how many rows it must load."""

    dataset: str
    year: int
    rows: int

    @property
    def expected_loaded(self) -> int:
        return self.rows - self.rows // DEFECT_EVERY


def _sample_path(contract: Contract, year: int) -> Path:
    return SAMPLE_INPUTS / str(year) / contract.department / f"{contract.title}.csv"


def _defect(kinds: int) -> str:
    """Which contract rule row i breaks (null: none), cycling through `kinds` kinds."""
    return f"case when i % {DEFECT_EVERY} = {DEFECT_EVERY - 1} then (i // {DEFECT_EVERY}) % {kinds} end"


def _pick(pool: str, salt: int) -> str:
    """A row of the sample ledger `pool` (a list of structs), drawn by hash of i."""
    return f"{pool}[(hash(i, {salt}) % len({pool}))::bigint + 1]"


def mediation_query(sample: Path, year: int, rows: int) -> str:
    """People's mediation cases: (case_no, org, dispute_type, accepted_on, result, closed_on) as text."""
    return f"""
    with pool as (
        select list(struct_pack(org := 调解组织, dispute_type := 纠纷类型)) as cases
        from read_csv({literal(sample)}, all_varchar = true)
    ),
    drawn as (
        select i, {_defect(6)} as defect, {_pick('pool.cases', 1)} as pooled,
               date '{year}-01-01' + (hash(i, 2) % 365)::integer as accepted,
               least(accepted + (hash(i, 3) % 16)::integer, date '{year}-12-31') as closed
        from range({rows}) t(i), pool
    )
    select
        printf('RM-{year}-%08d', case when defect = 4 then i else i + 1 end) as case_no,
        case when defect = 2 then '' else pooled.org end as org,
        case when defect = 1 then '其它纠纷' else pooled.dispute_type end as dispute_type,
        case defect when 0 then '{year}-02-30' when 3 then '{year}-06-15' when 5 then '{year - 1}-12-28'
             else strftime(accepted, '%Y-%m-%d') end as accepted_on,
        case when hash(i, 4) % 1000 = 0 then '调解不成功' when hash(i, 4) % 100 = 1 then '成功'
             else '调解成功' end as result,
        case when defect = 3 then '{year}-06-12' else strftime(closed, '%Y-%m-%d') end as closed_on
    from drawn
    """


def legal_aid_query(sample: Path, year: int, rows: int) -> str:
    """Legal aid cases: (case_no, case_type, matter, town, accepted_on, handled_by) as text."""
    return f"""
    with pool as (
        select list(struct_pack(case_type := 案件类别, matter := 援助事项, town := "受援人所在镇（街道）",
                                handled_by := 承办机构)) as cases
        from read_csv({literal(sample)}, all_varchar = true)
    ),
    drawn as (
        select i, {_defect(5)} as defect, {_pick('pool.cases', 1)} as pooled,
               date '{year}-01-01' + (hash(i, 2) % 365)::integer as accepted
        from range({rows}) t(i), pool
    )
    select
        printf('法援〔{year}〕%07d号', case when defect = 4 then i else i + 1 end) as case_no,
        case when defect = 1 then '其他' else pooled.case_type end as case_type,
        pooled.matter as matter,
        pooled.town as town,
        case defect when 0 then '{year}-13-01' when 3 then '{year - 1}-12-31'
             else strftime(accepted, '%Y-%m-%d') end as accepted_on,
        case when defect = 2 then '' else pooled.handled_by end as handled_by
    from drawn
    """


QUERIES = {"mediation_cases": mediation_query, "legal_aid_cases": legal_aid_query}


def write_ledger(contract: Contract, year: int, rows: int, target: Path) -> Path:
    """Write the ledger (once: an existing file is reused) as a department's CSV with BOM and header."""
    if target.exists():
        return target
    query = QUERIES[contract.dataset](_sample_path(contract, year), year, rows)
    headers = ["\ufeff" + contract.columns[0].header, *(c.header for c in contract.columns[1:])]
    renamed = ", ".join(f'{c.name} as "{h}"' for c, h in zip(contract.columns, headers))
    with replacing(target) as partial, duckdb.connect() as con:
        con.execute("set enable_progress_bar = false")
        con.execute(f"copy (select {renamed} from ({query})) to {literal(partial)} "
                    "(format csv, header true, quote '\"')")
    return target


def national_inputs() -> tuple[Path, list[Ledger]]:
    """An inputs tree: the sample ledgers, with mediation and legal aid cases at national scale."""
    contracts = load_contracts(ROOT / "contracts")
    inputs = DATA / "national" / "inputs"
    ledgers = [Ledger("mediation_cases", YEAR, MEDIATION_ROWS),
               *(Ledger("legal_aid_cases", year, rows) for year, rows in LEGAL_AID_ROWS.items())]
    generated = {_sample_path(contracts[l.dataset], l.year).relative_to(SAMPLE_INPUTS): l for l in ledgers}
    for sample in sorted(p for p in SAMPLE_INPUTS.rglob("*.csv")):
        relative = sample.relative_to(SAMPLE_INPUTS)
        target = inputs / relative
        if relative in generated:
            ledger = generated[relative]
            write_ledger(contracts[ledger.dataset], ledger.year, ledger.rows, target)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(sample, target)
    return inputs, ledgers


def mediation_ledger(rows: int) -> tuple[Path, Ledger]:
    """A people's-mediation ledger of `rows` rows for the scaling runs (the largest is the national one)."""
    contract = load_contracts(ROOT / "contracts")["mediation_cases"]
    if rows == MEDIATION_ROWS:
        path = national_inputs()[0] / str(YEAR) / contract.department / f"{contract.title}.csv"
    else:
        path = write_ledger(contract, YEAR, rows, DATA / "scaling" / f"mediation_cases-{rows}.csv")
    return path, Ledger("mediation_cases", YEAR, rows)
