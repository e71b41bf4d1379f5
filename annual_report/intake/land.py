"""Land one file in the warehouse: match it to its contract, read every row in one pass (trimmed, typed,
checked), and record the outcome. Every problem is reported with file, row and column; no file can stop the run.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from annual_report.intake.contracts import Contract
from annual_report.intake.decode import (
    MAX_COLUMNS,
    DecodeError,
    check_quotes,
    line_ending,
    read_head,
    to_csv,
    widest_row,
)
from annual_report.intake.record import LISTED_PROBLEMS, listed, record
from annual_report.intake.submission import SubmissionResult
from annual_report.intake.validate import (
    EXTRA,
    MAX_FLAGGED,
    cleaning_warnings,
    example_row,
    folded_texts,
    has_zero_width,
    key_folds,
    literal,
    problems_sql,
    text_of,
    typed_columns,
    without_zero_width,
)

TOTAL_WORDS = ["合计", "总计", "小计", "共计"]
# the spaces trimmed around a cell's text: tab and every Unicode space (ASCII, no-break, full-width, ...),
# what DuckDB's one-argument trim strips, tab aside
TRIMMED = "\t \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
# DuckDB's explanation of a CSV error -> what the department reads after the line number
CSV_ERRORS = [
    ("Maximum line size", "过长（超过 2 MB），无法读取：请检查该行内容后重新报送"),
    ("unterminated quote", "的引号没有配对，无法读取：请检查该行是否有多余或缺少的英文双引号"),
    ("Expected Number of Columns", f"的单元格超过 {MAX_COLUMNS} 个，无法读取：请删除表格右侧多余的内容后重新报送"),
    ("Invalid unicode", "含有无法识别的字符：请在 Excel 或 WPS 中“另存为”CSV UTF-8（逗号分隔）格式后重新报送"),
]
CSV_ERROR_OTHERWISE = "无法按 CSV 读取：请在 Excel 或 WPS 中重新“另存为”CSV 后报送"


class FileProblem(Exception):
    """The whole file cannot be loaded; the message is for the department."""


def csv_error_message(error: duckdb.Error) -> str:
    """DuckDB's CSV reader error, said for the department, by the reader's own explanation of it (not by the
    rest of its message, which lists the reader's settings and mentions quotes whatever went wrong)."""
    text = str(error)
    line = re.search(r"CSV Error on Line: (\d+)", text)
    where = f"第{line.group(1)}行" if line else "文件"
    said = next((said for sign, said in CSV_ERRORS if sign in text), CSV_ERROR_OTHERWISE)
    return f"{where}{said}"


def _header_row(head: list[list[str]], file_stem: str, contracts: dict[str, Contract],
                department: str) -> tuple[int, Contract]:
    """The first row that is a contract's header (a title row may sit above it), and that contract: a row with
    every required column of a contract, the department's own first (another department's is refused by the
    caller, naming the folder it belongs in). A file without such a row is not recognised: it looks like one of
    the department's own ledgers when its header shares columns with one, never like another department's (a
    header or two in common say nothing), and the department is told which ledgers it is expected to send."""
    best: tuple[int, Contract, list[str]] | None = None
    for index, cells in enumerate(head):
        ranked = []
        for contract in contracts.values():
            matched = contract.match_headers(cells)
            missing = [c.header for c in contract.required_columns if c.name not in matched]
            own = contract.department == department
            named = file_stem in (contract.title, contract.dataset)
            ranked.append((not missing, own, named, len(matched), contract, missing))
        complete, own, _, matched, contract, missing = max(ranked, key=lambda r: r[:4])
        if complete:
            return index, contract
        if own and matched and (best is None or matched > best[0]):
            best = (matched, contract, missing)
    if best is not None:
        _, contract, missing = best
        raise FileProblem(f"看起来是“{contract.title}”，但缺少必填列：{'、'.join(missing)}")
    expected = [c.title for c in contracts.values() if c.department == department]
    if not expected:
        raise FileProblem(f"未能识别：没有应由“{department}”报送的台账。请确认文件放在本单位的文件夹中"
                          "（inputs/年度/单位名称/）；各单位应报送哪些台账，请向报告汇总部门询问")
    raise FileProblem(f"未能识别为本单位（{department}）应报送的台账：表头与以下台账都不完全匹配："
                      f"{'、'.join(expected)}。请使用该台账的空白模板填写，保留模板第一行的表头")


def _trimmed(cell: str) -> str:
    """A cell without the spaces around it (TRIMMED). DuckDB's one-argument trim strips every Unicode space
    (U+3000, U+00A0 ...) but tab, and is twice as fast as naming the characters: name them only for a tab."""
    return f"case when contains({cell}, chr(9)) then trim({cell}, {literal(TRIMMED)}) else trim({cell}) end"


def _read_cells(con: duckdb.DuckDBPyConnection, csv_path: Path, headers: list[str], contract: Contract,
                declared: int, parallel: bool) -> None:
    """Every row of the file into `_checked` in one pass, in the file's order (row n of the file is rowid n - 1):
    for each contract column its trimmed text (`text_of`, null when empty) and its typed value, the cells past
    the header's width (declared - width of them at most) joined as `_extra`, and whether the row is empty
    (`_empty`) or a total row (`_total`).

    A contract column's cells lose their zero-width characters before they are trimmed (`_invisible`: bit i set
    where contract column i lost some, for the receipt); a text key's folded form is kept beside it as the key
    compares (`key_folds`), and whether the row is the blank form's example row (`_example`)."""
    positions = contract.match_headers(headers)
    width = len(headers)
    columns = {f"c{i}": "VARCHAR" for i in range(declared)}
    new_line = f", new_line = '{ending}'" if (ending := line_ending(csv_path)) else ""
    bits = {positions[c.name]: i for i, c in enumerate(contract.columns) if c.name in positions}
    row = has_zero_width(f"concat({', '.join(f'c{p}' for p in bits)})") if bits else "false"
    flags = "".join(f", case when _zero_width then {has_zero_width(f'c{p}')} else false end as z{p}" for p in bits)
    visible = {p: f"case when z{p} then {_trimmed(without_zero_width(f'c{p}'))} else {_trimmed(f'c{p}')} end"
               for p in bits}
    cells = ", ".join(f"{visible.get(i, _trimmed(f'c{i}'))} as c{i}" for i in range(width))
    extra = ", ".join(f"nullif({_trimmed(f'c{i}')}, '')" for i in range(width, declared))
    texts = ", ".join(f"nullif(c{positions[c.name]}, '')" if c.name in positions else "null::varchar"
                      for c in contract.columns)
    invisible = " + ".join(f"case when z{p} then {1 << i} else 0 end" for p, i in bits.items() if i < MAX_FLAGGED)
    folds = key_folds(contract, lambda key: f"c{positions[key]}" if key in positions else "null::varchar")
    keys = "".join(f", {fold}" for fold, _ in folds)
    names = ", ".join([*(text_of(c) for c in contract.columns), EXTRA, "_empty", "_total", "_invisible",
                       *(name for _, name in folds)])
    empty = " and ".join([*(f"nullif(c{i}, '') is null" for i in range(width)), f"{EXTRA} is null"])
    total = " or ".join(f"replace(c{i}, ' ', '') in ({', '.join(map(literal, TOTAL_WORDS))})" for i in range(width))
    typed = typed_columns(contract, prefolded=True)
    folded, folded_names = folded_texts(contract)
    con.execute(
        f"""create or replace temp table _checked as
        select *{f" exclude ({', '.join(folded_names)})" if folded_names else ''},
               {example_row(contract, set(positions))} as _example from (
        select *{', ' + typed if typed else ''} from (
        select *{', ' + folded if folded else ''} from (
            select {texts}, {EXTRA}, coalesce({empty}, false) as _empty, coalesce({total}, false) as _total,
                   nullif({invisible or '0'}, 0)::bigint as _invisible{keys}
            from (
                select {cells}{''.join(f', z{p}' for p in bits)}, nullif(concat_ws(',', {extra}), '') as {EXTRA}
                from (
                    select *{flags} from (
                        select *, {row} as _zero_width
                        from read_csv({literal(csv_path)}, header = false, auto_detect = false, columns = {columns!r},
                                      delim = ',', quote = '"', escape = '"', null_padding = true,
                                      parallel = {str(parallel).lower()}{new_line})
                    )
                )
            )
        ) as landed({names})
        ))"""
    )


def _read_rows(con: duckdb.DuckDBPyConnection, csv_path: Path, headers: list[str], contract: Contract,
               declared: int) -> None:
    """`_read_cells` on both cores, or on one for a file with a line break inside a cell (the parallel reader
    cannot pad short rows then), once no cell of it opens with a quote that never closes (which the parallel
    reader reports, and the single-threaded one reads as the end of the file)."""
    try:
        _read_cells(con, csv_path, headers, contract, declared, parallel=True)
    except duckdb.Error as error:  # raised as an InvalidInputException or as the base class, by where it is met
        if "parallel scanner does not support null_padding" not in str(error):
            raise
        check_quotes(csv_path)
        _read_cells(con, csv_path, headers, contract, declared, parallel=False)


def _land(con: duckdb.DuckDBPyConnection, csv_path: Path, header_index: int, headers: list[str],
          contract: Contract, year: int) -> None:
    """Read, trim and type the file's rows below the header in one pass: data rows as `_data`, total rows as
    `_totals` (views of `_checked`, numbered `_row` as Excel shows them: the header is row header_index + 1;
    `report_year` is the year the file is submitted for, as the contract's checks name it).

    A row with more cells than the header makes the file be read again with room for its widest row (only
    then, and no more room: each cell declared costs time on every row), so that it is rejected on its own
    instead of failing the file; a row past MAX_COLUMNS cells fails the file.
    """
    try:
        _read_rows(con, csv_path, headers, contract, len(headers) + 1)
    except duckdb.InvalidInputException as error:
        if "Expected Number of Columns" not in str(error):
            raise
        _read_rows(con, csv_path, headers, contract, max(widest_row(csv_path), len(headers) + 1))
    numbered = (f"select (rowid + 1)::integer as _row, {year} as report_year, * exclude (_empty, _total) "
                f"from _checked where rowid > {header_index}")
    con.execute(f"create or replace temp view _data as {numbered} and not _empty and not _total")
    con.execute(f"create or replace temp view _totals as {numbered} and _total")


def _declared_totals(con: duckdb.DuckDBPyConnection, contract: Contract) -> list[str]:
    """Warnings where a total row's figure differs from the sum of the rows above it."""
    warnings = []
    numeric = [c for c in contract.columns if c.type in ("integer", "decimal")]
    texts = ", ".join(text_of(c) for c in numeric) or "null"
    for row, *values in con.execute(f"select _row, {texts} from _totals").fetchall():
        warnings.append(f"第{row}行是合计行，未计入数据")
        for column, declared in zip(numeric, values):
            if declared is None:
                continue
            cast = "bigint" if column.type == "integer" else "decimal(18, 2)"
            declared_sum, actual = con.execute(
                f"select try_cast(replace(?, ',', '') as {cast}), sum({column.name}) from _data", [declared]
            ).fetchone()
            if declared_sum is not None and declared_sum != (actual or 0):
                warnings.append(f"第{row}行合计行的“{column.header}”为 {declared}，但各行相加为 {actual or 0}，请核对")
    return warnings


def load_file(con: duckdb.DuckDBPyConnection, contracts: dict[str, Contract], source: Path,
              result: SubmissionResult, workdir: Path) -> SubmissionResult:
    """Validate one received file and record the outcome; never raises for anything wrong with the file."""
    contract = None
    try:
        if not result.department:
            raise FileProblem("文件应放在本单位的文件夹中（inputs/年度/单位名称/），未处理")
        sheet_names = tuple(name for c in contracts.values() for name in (c.title, c.dataset))
        csv_path, result.encoding = to_csv(source, workdir, sheet_names, notes=result.warnings)
        head = read_head(csv_path)
        if not any(head):
            raise FileProblem("文件没有内容：请填写表头和数据后重新报送")
        if wide := next((i for i, row in enumerate(head, start=1) if len(row) > MAX_COLUMNS), None):
            raise FileProblem(f"第{wide}行的单元格超过 {MAX_COLUMNS} 个，不是正常的表格："
                              "请删除表格右侧多余的内容后重新报送")
        header_index, contract = _header_row(head, Path(result.file).stem, contracts, result.department)
        result.dataset = contract.dataset
        if contract.department != result.department:
            raise FileProblem(f"“{contract.title}”应由{contract.department}报送，"
                              f"请放在 inputs/{result.year}/{contract.department}/ 下")
        headers = head[header_index]
        known = set(contract.match_headers(headers).values())
        result.warnings += [f"第{header_index + 1}行“{h}”列不属于“{contract.title}”，已忽略"
                           for i, h in enumerate(headers) if i not in known and h.strip()]
        _land(con, csv_path, header_index, headers, contract, result.year)
        con.execute(f"create or replace temp table _problems as "
                    f"{problems_sql(contract, result.year, result.department)}")
        result.warnings += _declared_totals(con, contract) + cleaning_warnings(con, contract)
    except (DecodeError, FileProblem) as problem:
        result.problem, contract = str(problem), None
    except duckdb.InvalidInputException as error:  # the CSV reader's; any other error is the machine's, not the file's
        result.problem, contract = csv_error_message(error), None
    load_rows = False
    if contract is not None:
        result.rows_read = con.execute("select count(*) from _data").fetchone()[0]
        result.rejections = listed(con, "select _row as row_number, * exclude (_row) from _problems")
        result.problems, result.rows_rejected = con.execute(
            "select count(*), count(distinct _row) from _problems").fetchone()
        if result.problems > LISTED_PROBLEMS:
            result.warnings.append(f"共有 {result.problems} 处问题，回执只列出前 {LISTED_PROBLEMS} 处："
                                   "请先改正这些问题并重新报送，新的回执会列出其余问题")
        if result.rows_read == 0:
            result.problem = "只有表头，没有数据行"
        elif result.rows_rejected == result.rows_read:
            result.problem = "所有数据行都有错误，未入库"
        elif result.rows_rejected and contract.on_error == "hold_file":
            result.problem = (f"“{contract.title}”须整表无误才能入库：有 {result.rows_rejected} 行存在问题，"
                              "请全部改正后重新报送（此前报送的版本仍然有效）")
        else:
            result.rows_loaded = result.rows_read - result.rows_rejected
            result.status, load_rows = "loaded", True
    record(con, result, source.stat().st_size, contracts, contract, load_rows)
    con.execute("drop view if exists _data; drop view if exists _totals; drop table if exists _checked; "
                "drop table if exists _problems")  # memory for the next file
    return result
