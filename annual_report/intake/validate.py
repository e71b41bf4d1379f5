"""Row-level validation, written as SQL derived from a dataset's contract.

A file's data rows are read in one pass (see `land`) into `_data`, numbered `_row` as the department
sees them in Excel: for each column its text as written, `text_of(column)`, and `typed_columns` its value
cast to the contract's type under the column's name (null where it does not cast; a text column is its
own text). `problems_sql` lists every (row, column, value, reason) of `_data` that breaks the contract,
each rule a filter of that one table, with the reason in Chinese.
"""

from __future__ import annotations

from collections.abc import Callable

from annual_report.intake.contracts import Column, Contract

DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y%m%d", "%Y.%m.%d"]
TRUE_WORDS = ["是", "有", "Y", "y", "yes", "true", "TRUE", "1", "√"]
FALSE_WORDS = ["否", "无", "N", "n", "no", "false", "FALSE", "0", "×"]
EXTRA = "_extra"
# full-width digits and punctuation, as Chinese input methods type them, folded for number-like cells
FULL_WIDTH = "０１２３４５６７８９，．－／：＋"
HALF_WIDTH = "0123456789,.-/:+"
EXCEL_EPOCH = "1899-12-30"  # Excel's day 0 (its serial 60 is the fictitious 1900-02-29)
DECIMAL_PLACES = 2  # what a decimal column keeps (DECIMAL(18, 2)): a cell with more places is refused, not rounded
# characters that take no room on screen (pasted from web pages and chat programs): removed from every cell
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
# full-width ASCII (U+FF01-U+FF5E) and the ideographic space, and what NFKC makes of them: keys compare folded
FULL_WIDTH_ASCII = "".join(map(chr, range(0xFF01, 0xFF5F))) + "\u3000"
ASCII_OF_FULL_WIDTH = "".join(map(chr, range(0x21, 0x7F))) + " "
EXAMPLE_ROW = "这是模板中的示例行，请删除后再报送"
MAX_FLAGGED = 63  # columns whose zero-width characters `_invisible` can flag (one bit each of a bigint)

# numbers in plain decimal notation, matched on the folded text before the cast (DuckDB's cast alone takes
# 1e2, 0x20 and 2_0, and rounds 12.5 to 13): an optional sign, digits (or digits grouped in threes by commas)
_DIGITS = r"[+-]?(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)"
INTEGER_TEXT = _DIGITS + r"(?:\.0+)?"
DECIMAL_TEXT = _DIGITS + r"(?:\.[0-9]{1," + str(DECIMAL_PLACES) + r"}0*)?"
_FRACTION = _DIGITS + r"\.[0-9]+"
_SPACES = "[ \u3000]*"
_LOOSE_NUMBER = r"[+-]?[0-9][0-9,]*(?:\.[0-9]+)?"  # commas anywhere: to say why a cell is not a number
_WITH_UNIT = _LOOSE_NUMBER + _SPACES + r"([^0-9.,，．" + "\u3000" + r" ]{1,8})"
_WITH_MULTIPLIER = _LOOSE_NUMBER + _SPACES + "[万亿千百].{0,7}"
_EXPONENT = r"[+-]?[0-9]+(?:\.[0-9]+)?[eE][+-]?[0-9]+"
# dates: year, month and day (a four-digit year first), and a time of day as systems and Excel export it
_TIME = r"(?:T|[ " + "\u3000" + r"]+)(?:[01]?[0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,9})?)?"


def _day_forms(year: str) -> str:
    return year + r"(?:[-/.][0-9]{1,2}){2}|" + year + r"年[0-9]{1,2}月[0-9]{1,2}日"


DATE_TEXT = "(?:" + _day_forms("[1-9][0-9]{3}") + r"|[1-9][0-9]{7})(?:" + _TIME + ")?"
SERIAL_TEXT = r"[1-9][0-9]{4}(?:\.[0-9]+)?"  # an Excel date serial, its fraction the time of day
_SHORT_YEAR = "(?:" + _day_forms("(?:0[0-9]{3}|[0-9]{1,3})") + ")(?:" + _TIME + ")?"
_YEAR_LAST = r"[0-9]{1,2}[-/.][0-9]{1,2}[-/.][0-9]{4}(?:" + _TIME + ")?"
_DATE_PART = "^[^ \u3000T]+"  # a date's text without its time of day


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


def _folded(raw: str) -> str:
    """A cell's text with full-width digits and punctuation folded (FULL_WIDTH): what a number or date is read from."""
    # only a cell with a non-ASCII character can hold a full-width one: the guard is 20 times cheaper than translate
    return (f"case when strlen({raw}) = length({raw}) then {raw} "
            f"else translate({raw}, {literal(FULL_WIDTH)}, {literal(HALF_WIDTH)}) end")


def _cast(column: Column, raw: str | None = None, folded: str | None = None) -> str:
    """The column's typed value from its text (raw: another text expression, such as the contract's example;
    folded: a column holding its folded text, `folded_texts`). A number or date is cast only when its folded
    text has one of the accepted forms (one regular expression before the cast), so nothing is rounded or guessed."""
    raw = raw or text_of(column)
    folded = folded or _folded(raw)
    number = f"replace({folded}, ',', '')"
    match column.type:
        case "integer":
            return f"case when regexp_full_match({folded}, {literal(INTEGER_TEXT)}) then try_cast({number} as bigint) end"
        case "decimal":
            return (f"case when regexp_full_match({folded}, {literal(DECIMAL_TEXT)}) "
                    f"then try_cast({number} as decimal(18, {DECIMAL_PLACES})) end")
        case "date":
            # a written form (its time of day, if any, left out) or an Excel date serial (a cell formatted as a number)
            return (f"case when regexp_full_match({folded}, {literal(DATE_TEXT)}) then try_strptime("
                    f"case when contains({folded}, ':') then regexp_extract({folded}, {literal(_DATE_PART)}) "
                    f"else {folded} end, {_list(DATE_FORMATS)})::date "
                    f"when regexp_full_match({folded}, {literal(SERIAL_TEXT)}) "
                    f"then date '{EXCEL_EPOCH}' + floor(try_cast({folded} as double))::integer end")
        case "boolean":
            return (
                f"case when {folded} in ({', '.join(map(literal, TRUE_WORDS))}) then true "
                f"when {folded} in ({', '.join(map(literal, FALSE_WORDS))}) then false end"
            )
        case "enum":
            whens = " ".join(f"when {literal(k)} then {literal(v)}" for k, v in column.synonyms.items())
            return f"case {raw} {whens} else {raw} end"


def _folded_column(column: Column) -> str:
    return f"_folded_{column.name}"


def _read_folded(column: Column) -> bool:
    return column.type in ("integer", "decimal", "date", "boolean")


def folded_texts(contract: Contract) -> tuple[str, list[str]]:
    """The folded text of each column read folded (a number, date or yes/no), as a select list over the columns
    `text_of` names, and their names: folded once, where a cast reads it several times."""
    columns = [c for c in contract.columns if _read_folded(c)]
    return (", ".join(f"{_folded(text_of(c))} as {_folded_column(c)}" for c in columns),
            [_folded_column(c) for c in columns])


def typed_columns(contract: Contract, prefolded: bool = False) -> str:
    """Each column that is not text, cast from its text to the contract's type (null where it does not cast),
    as a select list over the columns `text_of` names (and, prefolded, `folded_texts`'); a text column is its
    own value."""
    return ", ".join(f"{_cast(c, folded=_folded_column(c) if prefolded and _read_folded(c) else None)} as {c.name}"
                     for c in contract.columns if not _is_text(c))


def has_zero_width(text: str) -> str:
    """Whether a text holds a ZERO_WIDTH character: `contains` for each, 4 times cheaper than a regex. Asked of a
    row's cells joined first (a third cheaper than asking each cell of every row), then of each cell of a row
    that has one; an ASCII test before it costs more than it saves, Chinese text being the common case."""
    return f"({' or '.join(f'contains({text}, {literal(z)})' for z in ZERO_WIDTH)})"


def without_zero_width(cell: str) -> str:
    """A cell without its ZERO_WIDTH characters (translate deletes what has no counterpart)."""
    return f"translate({cell}, {literal(ZERO_WIDTH)}, '')"


def _key_folded(cell: str) -> str:
    """A key cell with full-width ASCII and the ideographic space as NFKC folds them, and no zero-width characters;
    null where that changes nothing. The regex (a tenth of translate's cost) runs only on non-ASCII cells."""
    chars = FULL_WIDTH_ASCII + ZERO_WIDTH
    pattern = f"[{FULL_WIDTH_ASCII[0]}-{FULL_WIDTH_ASCII[-2]}{FULL_WIDTH_ASCII[-1]}{ZERO_WIDTH}]"
    return (f"case when strlen({cell}) <> length({cell}) and regexp_matches({cell}, {literal(pattern)}) "
            f"then translate({cell}, {literal(chars)}, {literal(ASCII_OF_FULL_WIDTH)}) end")


def key_column(name: str) -> str:
    """The column holding a text key's folded form (`key_folds`; null where it is the key as written)."""
    return f"_key_{name}"


def _folded_keys(contract: Contract) -> list[str]:
    return [k for k in contract.key if _is_text(contract.column(k))]


def key_folds(contract: Contract, cell_of: Callable[[str], str]) -> list[tuple[str, str]]:
    """(expression, name) of each text key's folded form, from the key's cell (`cell_of` its name): keys compare
    folded, and are stored as written (official case numbers are written with full-width brackets)."""
    return [(_key_folded(cell_of(k)), key_column(k)) for k in _folded_keys(contract)]


def _compared(contract: Contract) -> list[str]:
    """Each key column of `_data` as keys are compared: a text key folded."""
    folded = set(_folded_keys(contract))
    return [f"coalesce({key_column(k)}, {k})" if k in folded else k for k in contract.key]


def example_row(contract: Contract, present: set[str]) -> str:
    """Whether a row of `_checked` is the blank form's example row (see blank_forms): every column present in the
    file that has an example holds it (a typed column its typed value, so 2021/7/8 is still 2021-07-08).

    Not for a ledger whose key is a closed list (an indicator return): its example's key is one of the few real
    rows, and may carry its real figures; an example left beside the real row is a repeated key."""
    if all(contract.column(k).type == "enum" for k in contract.key):
        return "false"
    tests = [f"{c.name} = {literal(c.example)}" if _is_text(c) else f"{c.name} = ({_cast(c, literal(c.example))})"
             for c in contract.columns if c.example and c.name in present]
    return f"coalesce({' and '.join(tests)}, false)" if tests else "false"


def cleaning_warnings(con, contract: Contract) -> list[str]:
    """Receipt warnings for the zero-width characters the one pass removed (`_invisible` of `_data`: bit i for
    the contract's column i), by column: how many rows, and the first of them."""
    bits = list(enumerate(contract.columns[:MAX_FLAGGED]))
    counts = con.execute(
        "select " + ", ".join(f"count(*) filter (where _invisible & {1 << i} <> 0)" for i, _ in bits) + " from _data"
    ).fetchone()
    warnings = []
    for (i, column), count in zip(bits, counts):
        if count:
            rows = [str(row) for (row,) in con.execute(
                f"select _row from _data where _invisible & {1 << i} <> 0 order by _row limit 5").fetchall()]
            more = "等" if count > len(rows) else ""
            warnings.append(f"“{column.header}”列有 {count} 行含不可见字符（第{'、'.join(rows)}行{more}），已去除")
    return warnings


def _reasons(folded: str, cases: list[tuple[str, str]], otherwise: str) -> str:
    """A reason as a SQL expression: the first (pattern the folded text matches, reason) that applies."""
    whens = " ".join(f"when regexp_full_match({folded}, {literal(p)}) then {r}" for p, r in cases)
    return f"case {whens} else {literal(otherwise)} end"


def _number_reasons(column: Column, folded: str) -> list[tuple[str, str]]:
    """Why a cell of a number column is not a number, most particular first (the accepted form: too large)."""
    integer = column.type == "integer"
    unit = f"'请只填写数字，不要带单位（“' || regexp_extract({folded}, {literal(_WITH_UNIT)}, 1) || '”）'"
    return [
        (INTEGER_TEXT if integer else DECIMAL_TEXT, literal("数字过大，请核对")),
        (_FRACTION, literal("应填写整数，不能带小数" if integer else
                            f"小数位数过多：最多保留 {DECIMAL_PLACES} 位小数，请核对后填写")),
        (_LOOSE_NUMBER, literal("千位分隔符的位置不对（应每三位一个逗号，如 1,234,567），请核对数字")),
        (_WITH_MULTIPLIER, literal("请填写完整的数字，不要用“万”“千”等（如 1.2万 应填写 12000）")),
        (_WITH_UNIT, unit),
        (_EXPONENT, literal("请不要用科学计数法（如 1.2E+07），请把该列设为“数值”格式后重新导出")),
    ]


DATE_REASONS = [
    ("[0-9]{7}", literal("7 位数字的日期分不清月和日（如 2021111 可能是 2021年1月11日，也可能是 2021年11月1日），"
                         "请按 2021-03-05 的格式填写")),
    (_SHORT_YEAR, literal("请写四位年份，如 2021-03-05")),
    (_YEAR_LAST, literal("年份应写在最前面，如 2021-03-05（月、日在前的写法分不清月和日）")),
    (DATE_TEXT, literal("不是有效日期：没有这一天，请核对年、月、日")),
]


def _type_reason(column: Column) -> str:
    """Why a cell does not cast to its column's type, as a SQL expression over the row (evaluated only for the
    cells that do not cast)."""
    folded = _folded(text_of(column))
    match column.type:
        case "integer":
            return _reasons(folded, _number_reasons(column, folded), "不是整数，请填写阿拉伯数字")
        case "decimal":
            return _reasons(folded, _number_reasons(column, folded), "不是数字，请填写阿拉伯数字（不带单位）")
        case "date":
            return _reasons(folded, DATE_REASONS, "不是有效日期，请按 2021-03-05 的格式填写")
        case _:
            return literal("应填写“是”或“否”")


def _nearest_allowed(column: Column, typed: str) -> str:
    """The allowed value a value not allowed was most likely meant to be (邻居纠纷: 邻里纠纷), as a SQL expression; null
    unless it is close (at most one character in four differs, by edit distance) and nearer than any other."""
    ranked = f"list_sort(list_transform({_list(column.values)}, lambda v: {{'d': levenshtein({typed}, v), 'v': v}}))"
    return (f"(select case when r[1].d * 4 <= length(r[1].v) and (len(r) = 1 or r[1].d < r[2].d) then r[1].v end "
            f"from (select {ranked} as r))")


def _column_problems(column: Column, year: int) -> list[tuple[str, str]]:
    """(condition over a row of `_data`, reason as a SQL expression) pairs for one column."""
    raw, typed = text_of(column), column.name
    problems = []
    if column.required:
        problems.append((f"{raw} is null", literal("必填项为空")))
    if column.type in ("integer", "decimal", "date", "boolean"):
        problems.append((f"{raw} is not null and {typed} is null", _type_reason(column)))
    if column.type == "enum":
        allowed = "、".join(column.values)
        problems.append((f"{typed} is not null and {typed} not in ({', '.join(map(literal, column.values))})",
                         (f"coalesce({literal('不是允许的取值，是否应为“')} || {_nearest_allowed(column, typed)} || "
                          f"{literal(f'”？允许的取值为：{allowed}')}, {literal(f'不是允许的取值，应为：{allowed}')})")))
    if column.pattern:
        example = f"，例如 {column.example}" if column.example else ""
        problems.append((f"not regexp_full_match({typed}, {literal(column.pattern)})", literal(f"格式不正确{example}")))
    if column.min is not None:
        problems.append((f"{typed} < {column.min}", literal(f"不应小于 {column.min:g}")))
    if column.max is not None:
        problems.append((f"{typed} > {column.max}", literal(f"不应大于 {column.max:g}")))
    match column.year:
        case "within":
            problems.append((f"year({typed}) <> {year}", literal(f"日期不在 {year} 年度内")))
        case "not_after":
            problems.append((f"year({typed}) > {year}", literal(f"日期晚于 {year} 年度末")))
    return problems


def problems_sql(contract: Contract, year: int, department: str) -> str:
    """Every broken rule as rows of (_row, column_header, value, reason). The blank form's example row
    (`_example`) is said to be one and takes part in no other rule: a real case with the example's key
    is not its repeat. Keys compare folded (`_compared`); with key_across_years, with the department's current
    submissions of the other years too (`_repeat_of_another_year`)."""
    header = {c.name: c.header for c in contract.columns}
    keys = ", ".join(contract.key)
    key_headers = "、".join(header[k] for k in contract.key)
    compared = _compared(contract)
    parts = [
        f"select _row, '(整行)' as column_header, concat_ws(' / ', {keys}) as value, {literal(EXAMPLE_ROW)} as reason\n"
        f"from _data where _example",
        f"select _row, '(整行)', {EXTRA}, '本行的单元格比表头多，请检查是否有多余的逗号或错位的列'\n"
        f"from _data where {EXTRA} is not null and not _example",
    ]
    for column in contract.columns:
        for condition, reason in _column_problems(column, year):
            parts.append(
                f"select _row, {literal(column.header)}, {text_of(column)}, {reason}\n"
                f"from _data where ({condition}) and not _example"
            )
    for check in contract.checks:
        parts.append(
            f"select _row, {literal(header[check.column])}, {check.column}::varchar, {literal(check.message)}\n"
            f"from _data where not coalesce(({check.rule}), true) and not _example"
        )
    # only keys that occur more than once are joined back: a grouping, not a window over every row
    grouped = ", ".join(f"{c} as _k{i}" for i, c in enumerate(compared))
    joined = " and ".join(f"{c} = _k{i}" for i, c in enumerate(compared))
    folded = " or ".join(f"{key_column(k)} is not null" for k in _folded_keys(contract)) or "false"
    key_bits = sum(1 << i for i, c in enumerate(contract.columns[:MAX_FLAGGED]) if c.name in contract.key)
    parts.append(
        f"select _row, {literal(key_headers)}, concat_ws(' / ', {keys}), '与第' || first_row || '行重复'\n"
        f"       || case when _folded then '（比较时全角、半角字符视为相同）' else '' end\n"
        f"       || case when _hidden then '（不可见字符已去除）' else '' end\n"
        f"from _data join (select {grouped}, min(_row) as first_row, bool_or({folded}) as _folded,\n"
        f"                        coalesce(bool_or(_invisible & {key_bits} <> 0), false) as _hidden from _data\n"
        f"                 where not _example and {' and '.join(f'{k} is not null' for k in contract.key)}\n"
        f"                 group by all having count(*) > 1) on {joined}\n"
        f"where _row > first_row and not _example"
    )
    if contract.key_across_years:
        # the other years' keys folded too (after the filter: only this department's other years)
        theirs = ", ".join(f"{c} as _k{i}" for i, c in enumerate(_compared_stored(contract)))
        concluded = f", {_concluded(contract, 'w')} as _concluded" if contract.concluded_by else ""
        repeated, reason = _repeat_of_another_year(contract, year)
        parts.append(
            f"select distinct _row, {literal(key_headers)}, concat_ws(' / ', {keys}), {reason}\n"
            f"from _data join (select {theirs}, s.year{concluded} from {contract.table} w\n"
            f"                 join current_submissions s on s.submission_id = w.submission_id\n"
            f"                 where s.year <> {year} and s.department = {literal(department)}) other on {joined}\n"
            f"where not _example and {repeated}"
        )
    return "\nunion all\n".join(parts)


def _concluded(contract: Contract, table: str | None = None) -> str:
    """Whether a row's case is concluded (`concluded_by`): a row of `_data`, or of the warehouse table aliased
    `table`."""
    marker = contract.concluded_by
    column = f"{table}.{marker.column}" if table else marker.column
    still_open = f" and {column} not in ({', '.join(map(literal, marker.still_open))})" if marker.still_open else ""
    return f"({column} is not null{still_open})"


def _repeat_of_another_year(contract: Contract, year: int) -> tuple[str, str]:
    """(whether a row of `_data` repeats the department's record of its key for `other.year`, the reason), as SQL
    expressions over the join of `problems_sql`.

    Without concluded_by a record belongs to one year: a key in another year's ledger is a repeat. With it, a case
    still open in an earlier year's ledger and found again in a later year's is the case moving on (the later
    record supersedes), and only a case concluded in the earlier year may not come again. Whichever of the two
    years' ledgers is taken second has the repeat: this year's row after an earlier year's concluded record, or,
    when an earlier year's ledger comes (again) after a later one's, its row that says the case concluded."""
    said = "'与本单位' || other.year || '年报送的记录重复，'"
    if contract.concluded_by is None:
        return "true", f"{said} || '同一记录只应在一个年度报送'"
    earlier = f"other.year < {year}"
    return (f"case when {earlier} then other._concluded else {_concluded(contract)} end",
            f"{said} || case when {earlier} then '该案件已于' || other.year || '年审结' "
            f"else '本行的案件已审结，不应再列入' || other.year || '年的台账' end")


def _compared_stored(contract: Contract) -> list[str]:
    """Each key column of a warehouse table (`w`) as keys are compared: a text key folded."""
    folded = set(_folded_keys(contract))
    return [f"coalesce({_key_folded(f'w.{k}')}, w.{k})" if k in folded else f"w.{k}" for k in contract.key]
