"""Row-level validation, written as SQL derived from a dataset's contract.

A file's data rows are read in one pass (see `ingest`) into `_data`, numbered `_row` as the department
sees them in Excel: for each column its text as written, `text_of(column)`, and `typed_columns` its value
cast to the contract's type under the column's name (null where it does not cast; a text column is its
own text). `problems_sql` lists every (row, column, value, reason) of `_data` that breaks the contract,
each rule a filter of that one table, with the reason in Chinese.
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


def _is_text(column: Column) -> bool:
    """A column whose value is its text as written: nothing to cast."""
    return column.type == "text" or (column.type == "enum" and not column.synonyms)


def text_of(column: Column) -> str:
    """The name of the column holding a column's text as written (its own name for a text column; the
    prefix keeps it apart from every contract column, whose names start with a letter)."""
    return column.name if _is_text(column) else f"_text_{column.name}"


def _cast(column: Column) -> str:
    raw = text_of(column)
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
        case "enum":
            whens = " ".join(f"when {literal(k)} then {literal(v)}" for k, v in column.synonyms.items())
            return f"case {raw} {whens} else {raw} end"


def typed_columns(contract: Contract) -> str:
    """Each column that is not text, cast from its text to the contract's type (null where it does not cast),
    as a select list over the columns `text_of` names; a text column is its own value."""
    return ", ".join(f"{_cast(c)} as {c.name}" for c in contract.columns if not _is_text(c))


def _type_reason(column: Column) -> str:
    return {
        "integer": "不是整数，请填写阿拉伯数字",
        "decimal": "不是数字，请填写阿拉伯数字（不带单位）",
        "date": "不是有效日期，请按 2021-03-05 的格式填写",
        "boolean": "应填写“是”或“否”",
    }[column.type]


def _column_problems(column: Column, year: int) -> list[tuple[str, str]]:
    """(condition over a row of `_data`, reason) pairs for one column."""
    raw, typed = text_of(column), column.name
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
        f"select _row, '(整行)' as column_header, {EXTRA} as value,\n"
        f"       '本行的单元格比表头多，请检查是否有多余的逗号或错位的列' as reason\n"
        f"from _data where {EXTRA} is not null"
    ]
    for column in contract.columns:
        for condition, reason in _column_problems(column, year):
            parts.append(
                f"select _row, {literal(column.header)}, {text_of(column)}, {literal(reason)}\n"
                f"from _data where {condition}"
            )
    for check in contract.checks:
        parts.append(
            f"select _row, {literal(header[check.column])}, {check.column}::varchar, {literal(check.message)}\n"
            f"from _data where not coalesce(({check.rule}), true)"
        )
    keys = ", ".join(contract.key)
    key_headers = "、".join(header[k] for k in contract.key)
    # only keys that occur more than once are joined back: a grouping, not a window over every row
    parts.append(
        f"select _row, {literal(key_headers)}, concat_ws(' / ', {keys}), '与第' || first_row || '行重复'\n"
        f"from _data join (select {keys}, min(_row) as first_row from _data\n"
        f"                 where {' and '.join(f'{k} is not null' for k in contract.key)}\n"
        f"                 group by {keys} having count(*) > 1) using ({keys})\n"
        f"where _row > first_row"
    )
    if contract.key_across_years:
        parts.append(
            f"select distinct t._row, {literal(key_headers)}, concat_ws(' / ', {', '.join(f't.{k}' for k in contract.key)}),\n"
            f"       '与本单位' || s.year || '年报送的记录重复，同一记录只应在一个年度报送'\n"
            f"from _data t join {contract.table} w using ({keys})\n"
            f"join current_submissions s on s.submission_id = w.submission_id\n"
            f"where s.year <> {year} and s.department = {literal(department)}"
        )
    return "\nunion all\n".join(parts)
