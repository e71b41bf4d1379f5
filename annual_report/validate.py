"""Row-level validation, written as SQL derived from a dataset's contract.

The file's cells are first landed as text in `_raw` (one row per record, `_row` being the
row number the department sees in Excel); `typed_sql` casts them into `_typed`; `problems_sql`
lists every (row, column, value, reason) that breaks the contract, with the reason in Chinese.
"""

from __future__ import annotations

from annual_report.contracts import Column, Contract

DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y%m%d", "%Y.%m.%d"]
TRUE_WORDS = ["是", "有", "Y", "y", "yes", "true", "TRUE", "1", "√"]
FALSE_WORDS = ["否", "无", "N", "n", "no", "false", "FALSE", "0", "×"]
EXTRA = "_extra"
# full-width digits and punctuation, as Chinese input methods type them, folded for number-like cells
FULL_WIDTH = "０１２３４５６７８９，．－／：＋"
HALF_WIDTH = "0123456789,.-/:+"
EXCEL_EPOCH = "1899-12-30"  # Excel's day 0 (its serial 60 is the fictitious 1900-02-29)


def literal(value: object) -> str:
    """A SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def _list(values: list[str] | tuple[str, ...]) -> str:
    return "[" + ", ".join(literal(v) for v in values) + "]"


def _cast(column: Column) -> str:
    raw = f"r.{column.name}"
    # only a cell with a non-ASCII character can hold a full-width one: the guard is 20 times cheaper than translate
    folded = (f"case when strlen({raw}) = length({raw}) then {raw} "
              f"else translate({raw}, {literal(FULL_WIDTH)}, {literal(HALF_WIDTH)}) end")
    number = f"replace({folded}, ',', '')"
    match column.type:
        case "integer":
            return f"try_cast({number} as bigint)"
        case "decimal":
            return f"try_cast({number} as decimal(18, 2))"
        case "date":
            # an Excel date serial (a cell formatted as a number) or one of the written forms
            return (f"case when regexp_full_match({folded}, '[1-9][0-9]{{4}}(\\.0+)?') "
                    f"then date '{EXCEL_EPOCH}' + try_cast({folded} as double)::integer "
                    f"else try_strptime({folded}, {_list(DATE_FORMATS)})::date end")
        case "boolean":
            return (
                f"case when {folded} in ({', '.join(map(literal, TRUE_WORDS))}) then true "
                f"when {folded} in ({', '.join(map(literal, FALSE_WORDS))}) then false end"
            )
        case "enum" if column.synonyms:
            whens = " ".join(f"when {literal(k)} then {literal(v)}" for k, v in column.synonyms.items())
            return f"case {raw} {whens} else {raw} end"
        case _:
            return raw


def typed_sql(contract: Contract, year: int) -> str:
    """`_raw` cast to the contract's types; a cell that does not cast becomes null."""
    casts = ",\n    ".join(f"{_cast(c)} as {c.name}" for c in contract.columns)
    return f"select r._row, {year} as report_year,\n    {casts}\nfrom _raw r"


def _type_reason(column: Column) -> str:
    return {
        "integer": "不是整数，请填写阿拉伯数字",
        "decimal": "不是数字，请填写阿拉伯数字（不带单位）",
        "date": "不是有效日期，请按 2021-03-05 的格式填写",
        "boolean": "应填写“是”或“否”",
    }[column.type]


def _column_problems(column: Column, year: int) -> list[tuple[str, str]]:
    """(condition over r = raw and t = typed, reason) pairs for one column."""
    raw, typed = f"r.{column.name}", f"t.{column.name}"
    problems = []
    if column.required:
        problems.append((f"{raw} is null", "必填项为空"))
    if column.type in ("integer", "decimal", "date", "boolean"):
        problems.append((f"{raw} is not null and {typed} is null", _type_reason(column)))
    if column.type == "enum":
        allowed = "、".join(column.values)
        problems.append((f"{typed} is not null and {typed} not in ({', '.join(map(literal, column.values))})",
                         f"不是允许的取值，应为：{allowed}"))
    if column.pattern:
        example = f"，例如 {column.example}" if column.example else ""
        problems.append((f"not regexp_full_match({typed}, {literal(column.pattern)})", f"格式不正确{example}"))
    if column.min is not None:
        problems.append((f"{typed} < {column.min}", f"不应小于 {column.min:g}"))
    if column.max is not None:
        problems.append((f"{typed} > {column.max}", f"不应大于 {column.max:g}"))
    if column.within_year:
        problems.append((f"year({typed}) <> {year}", f"日期不在 {year} 年度内"))
    return problems


def problems_sql(contract: Contract, year: int, department: str) -> str:
    """Every broken rule as rows of (_row, column_header, value, reason)."""
    header = {c.name: c.header for c in contract.columns}
    parts = [
        f"select r._row, '(整行)' as column_header, r.{EXTRA} as value,\n"
        f"       '本行的单元格比表头多，请检查是否有多余的逗号或错位的列' as reason\n"
        f"from _raw r where r.{EXTRA} is not null"
    ]
    for column in contract.columns:
        for condition, reason in _column_problems(column, year):
            parts.append(
                f"select r._row, {literal(column.header)}, r.{column.name}, {literal(reason)}\n"
                f"from _raw r join _typed t using (_row) where {condition}"
            )
    for check in contract.checks:
        parts.append(
            f"select _row, {literal(header[check.column])}, {check.column}::varchar, {literal(check.message)}\n"
            f"from _typed where not coalesce(({check.rule}), true)"
        )
    keys = ", ".join(contract.key)
    key_headers = "、".join(header[k] for k in contract.key)
    parts.append(
        f"select _row, {literal(key_headers)}, concat_ws(' / ', {keys}), '与第' || first_row || '行重复'\n"
        f"from (select _row, {keys}, min(_row) over (partition by {keys}) as first_row from _typed\n"
        f"      where {' and '.join(f'{k} is not null' for k in contract.key)})\n"
        f"where _row > first_row"
    )
    if contract.key_across_years:
        parts.append(
            f"select distinct t._row, {literal(key_headers)}, concat_ws(' / ', {', '.join(f't.{k}' for k in contract.key)}),\n"
            f"       '与本单位' || s.year || '年报送的记录重复，同一记录只应在一个年度报送'\n"
            f"from _typed t join {contract.table} w using ({keys})\n"
            f"join current_submissions s on s.submission_id = w.submission_id\n"
            f"where s.year <> {year} and s.department = {literal(department)}"
        )
    return "\nunion all\n".join(parts)
