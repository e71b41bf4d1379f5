"""`annual-report`: the command line of the pipeline.

Each command imports what it uses when it runs: `--help`, `contracts` and `validate` do not wait for Prefect,
WeasyPrint and Polars to load (`python -X importtime`, bench/imports.py)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from annual_report.intake.contracts import Contract
    from annual_report.intake.submission import SubmissionResult
    from annual_report.settings import Settings

def _relative(path: Path) -> str:
    from annual_report.settings import ROOT

    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def _settings(args: argparse.Namespace) -> Settings:
    from annual_report.settings import Settings

    settings = Settings.from_env().with_paths(
        inputs=getattr(args, "inputs", None), outputs=getattr(args, "outputs", None),
        warehouse=getattr(args, "warehouse", None), reports=args.reports)
    return settings.for_region(args.region) if getattr(args, "region", None) else settings


def print_submission(result: SubmissionResult) -> None:
    from annual_report.intake.summary import submission_lines

    print("\n".join(f"  {line}" for line in submission_lines(result)))


def _quiet_prefect() -> None:
    """Prefect's own log lines (task states, tracebacks) are noise for a report office; its start-up
    telemetry write races a new server's migrations ("database is locked")."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "CRITICAL")  # failures are reported by the CLI itself


def run(args: argparse.Namespace) -> int:
    from annual_report import pipeline
    from annual_report.intake.summary import shown
    from annual_report.prefect_server import prefect_api, wait_until_ready
    from annual_report.report.figures import MissingFigureError, UnknownMetricError

    _quiet_prefect()
    print(f"Producing the {args.year} report for {args.region} ({args.mode})…", flush=True)
    with prefect_api():
        from annual_report.flows import annual_report

        wait_until_ready()
        try:
            summary = annual_report(year=args.year, region=args.region, mode=args.mode, inputs=args.inputs,
                                    outputs=args.outputs, warehouse=args.warehouse, reports=args.reports,
                                    pdf_variant=args.pdf_variant, accept_incomplete=args.accept_incomplete,
                                    settle_seconds=args.settle)
        except (pipeline.MissingSubmissionsError, pipeline.IncompleteSubmissionsError, MissingFigureError) as error:
            gaps = args.mode == "strict" and not isinstance(error, UnknownMetricError)  # what a draft would mark
            print(f"Stopped: {shown(error)}" + ("\nRun with --mode draft to render with the gaps marked." if gaps
                                                 else ""), file=sys.stderr)
            return 1
    print(f"Submissions for {args.year - 1}–{args.year}:")
    for result in summary.ingest.submissions:
        print_submission(result)
    for line in summary.accepted:
        print(f"  Accepted as incomplete (--accept-incomplete): {shown(line)}")
    for check in summary.ingest.checks:
        print(f"  审核  {check.dataset}：{shown(check.message)}")
    settings = _settings(args)
    print(f"Receipts: {_relative(settings.receipts(args.year))}/")
    with_data = summary.metrics["value"].is_not_null().sum()
    print(f"Metrics: {with_data} of {summary.metrics.height} with data → {_relative(summary.files.metrics_csv)}")
    print(f"         {_relative(summary.files.metrics_xlsx)}")
    print(f"Sign-off: {_relative(summary.files.figures_xlsx)}")
    print(f"Review:  {_relative(summary.files.review)}  (rows behind each figure: {_relative(summary.files.rows)}/)")
    print(f"HTML:    {_relative(summary.files.html)}")
    print(f"PDF:     {_relative(summary.files.pdf)}")
    print(f"DOCX:    {_relative(summary.files.docx)}")
    if summary.files.attachment:
        print(f"附件:    {_relative(summary.files.attachment)}")
    return 0


def validate(args: argparse.Namespace) -> int:
    path = args.file.resolve()
    in_inputs = path.parent.parent.name.isdigit()  # inputs/<year>/<department>/<file>
    year = args.year or (int(path.parent.parent.name) if in_inputs else None)
    department = args.department or (path.parent.name if in_inputs else None)
    if year is None or department is None:
        print("请用 --year 和 --department 指明报送年度和单位（文件不在 inputs/年度/单位名称/ 下时）", file=sys.stderr)
        return 2
    from annual_report.intake.self_check import check_file
    from annual_report.intake.summary import shown

    result, text = check_file(_settings(args), path, year, department)
    print("\n".join(shown(line) for line in text.split("\n")))
    return 0 if result.status == "loaded" and not result.rejections else 1


def _contract(name: str, contracts: dict[str, Contract]) -> Contract | None:
    return contracts.get(name) or next((c for c in contracts.values() if c.title == name), None)


def template(args: argparse.Namespace) -> int:
    from annual_report.intake.blank_forms import BlankFormRefused, write_blank_forms
    from annual_report.intake.contracts import region_contracts

    settings = _settings(args)
    contracts = region_contracts(settings)
    contract = _contract(args.dataset, contracts)
    if contract is None:
        print(f"没有名为“{args.dataset}”的数据表；可用 annual-report contracts 查看", file=sys.stderr)
        return 2
    try:
        paths = write_blank_forms(contract, args.dir, inputs=settings.inputs)
    except BlankFormRefused as refusal:
        print(refusal, file=sys.stderr)
        return 2
    for path in paths:
        print(path)
    return 0


def new_region_command(args: argparse.Namespace) -> int:
    from annual_report.report.new_region import RegionExists, new_region

    try:
        written = new_region(_settings(args), args.name, args.year)
    except RegionExists as error:
        print(f"Stopped: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(_relative(path))
    print(f"Next: the departments' files in a folder of the region's own (not the sample's inputs/), then: "
          f"annual-report run --region {args.name} --year {args.year} --inputs <its inputs> --outputs <its outputs> "
          f"--mode draft; fill in {_relative(written[0])} for the final report")
    return 0


def contracts_command(args: argparse.Namespace) -> int:
    from annual_report.intake.contracts import region_contracts

    for contract in region_contracts(_settings(args)).values():
        print(f"{contract.dataset:24} {contract.department:8}\t{contract.title}（{len(contract.columns)} 列）")
    return 0


def status(args: argparse.Namespace) -> int:
    from annual_report.intake import listing
    from annual_report.intake.contracts import region_contracts
    from annual_report.intake.summary import SHORT_STATUS, shown
    from annual_report.warehouse import database

    settings = _settings(args)
    contracts = region_contracts(settings)
    if not settings.warehouse.exists():
        print(f"尚未接收任何报送（{_relative(settings.warehouse)} 不存在）")
        return 0
    with database.connect(settings.warehouse, contracts.values(), lock_timeout=settings.lock_timeout,
                          memory_limit=settings.memory_limit) as con:  # an older warehouse gets the new tables
        in_force = {row[0]: row[1:] for row in con.execute(
            """select dataset, file, strftime(received_at, '%Y-%m-%d %H:%M'), rows_read, rows_loaded, rows_rejected
               from current_submissions where year = ?""", [args.year]).fetchall()}
        looked = con.execute(
            """select dataset, file, status, problem, strftime(seen_at, '%Y-%m-%d %H:%M') from folder_files
               where year = ? order by file""", [args.year]).fetchall()
    seen = f"（最近一次查看文件夹：{looked[0][4]}）" if looked else "（尚未查看过该年度的文件夹）"
    print(f"{args.year} 年度报送情况{seen}：")
    expected = _expected_datasets(settings, args.region, args.year) or set(contracts)
    for contract in sorted((c for c in contracts.values() if c.dataset in expected | set(in_force)),
                           key=lambda c: (c.department, c.dataset)):
        if contract.dataset in in_force:
            file, received, read, loaded, rejected = in_force[contract.dataset]
            print(f"  有效    {contract.department} {contract.title}  {received}  {shown(file)}  入库 {loaded}/{read} 行"
                  + (f"，问题 {rejected} 行" if rejected else ""))
        else:
            print(f"  未报送  {contract.department} {contract.title}")
        for dataset, file, state, problem, _ in looked:
            if dataset == contract.dataset and state not in ("loaded", "unchanged"):
                print(f"          {SHORT_STATUS[state]}  {shown(file)}：{shown(problem or '')}")
    others = [(file, state, problem) for dataset, file, state, problem, _ in looked if dataset is None]
    others += [(r.file, r.status, r.problem) for r in listing.misplaced(settings.inputs)]
    for file, state, problem in others:
        word = "未识别" if state == "failed" else SHORT_STATUS[state]
        print(f"  {word}  {shown(file)}：{shown(problem or '')}")
    return 0


def _expected_datasets(settings: Settings, region: str, year: int) -> set[str]:
    """The ledgers the region's report of the year requires (none known without its spec)."""
    from annual_report.report.spec import load_spec

    try:
        return set(load_spec(settings.spec_path(region, year)).required_datasets)
    except FileNotFoundError:
        return set()


def rebuild(args: argparse.Namespace) -> int:
    from annual_report import pipeline

    settings = _settings(args)
    results = pipeline.rebuild_warehouse(settings)
    print(f"Rebuilt {_relative(settings.warehouse)} from {len(results)} archived submissions "
          f"in {_relative(settings.archive)}")
    return 0


def explain_command(args: argparse.Namespace) -> int:
    from annual_report import pipeline
    from annual_report.intake.contracts import region_contracts
    from annual_report.intake.summary import shown
    from annual_report.report.explain import (
        EXCEL_ROWS,
        TooManyRowsError,
        UnknownFigureError,
        explain,
        text,
        write_rows,
    )
    from annual_report.warehouse import database
    from annual_report.warehouse.provenance import NoRecordedRunError

    settings = _settings(args)
    if not settings.warehouse.exists():
        print(f"尚无报告运行记录（{_relative(settings.warehouse)} 不存在）", file=sys.stderr)
        return 2
    contracts = region_contracts(settings)
    catalogue = pipeline.region_catalogue(settings, args.region)
    try:
        with database.connect(settings.warehouse, contracts.values(), lock_timeout=settings.lock_timeout,
                              memory_limit=settings.memory_limit) as con:
            explanation = explain(con, settings.sql, contracts, catalogue, args.region, args.year, args.metric,
                                  args.run, row_limit=EXCEL_ROWS if args.rows else 0)
    except (NoRecordedRunError, UnknownFigureError) as error:
        print(error.args[0], file=sys.stderr)
        return 2
    print("\n".join(shown(line) for line in text(explanation, catalogue)))
    if args.rows:
        try:
            print(f"明细已写入：{_relative(write_rows(explanation, args.rows))}")
        except TooManyRowsError as error:
            print(error.args[0], file=sys.stderr)
            return 2
    return 0


def _region(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--region", default="jinjiang",
                        help="the region, whose pack reports/<region>/ holds its specs, metrics and contracts")
    parser.add_argument("--reports", type=Path, help="the folder of the regions' packs (default: reports/)")


def _paths(parser: argparse.ArgumentParser) -> None:
    _region(parser)
    parser.add_argument("--inputs", type=Path, help="the submissions folder (default: inputs/)")
    parser.add_argument("--outputs", type=Path, help="the outputs folder (default: outputs/)")
    parser.add_argument("--warehouse", type=Path, help="the DuckDB file (default: <outputs>/warehouse.duckdb)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="annual-report", description="法治政府建设年度报告 pipeline")
    commands = parser.add_subparsers(dest="command", required=True)

    run_parser = commands.add_parser("run", help="ingest, compute the metrics and render the report")
    run_parser.add_argument("--year", type=int, required=True, help="the report year, e.g. 2021")
    run_parser.add_argument("--mode", choices=["strict", "draft"], default="strict",
                            help="strict stops when a required ledger is missing; draft marks the gaps")
    run_parser.add_argument("--pdf-variant", help="e.g. pdf/a-3u for an archival PDF")
    run_parser.add_argument("--accept-incomplete", action="store_true",
                            help="strict: publish although files have rejected rows or are held back (recorded)")
    run_parser.add_argument("--settle", type=float, default=5, metavar="SECONDS",
                            help="wait for files changed within the last SECONDS (default 5)")
    _paths(run_parser)
    run_parser.set_defaults(handler=run)

    validate_parser = commands.add_parser("validate", help="自查：按入库标准检查一个文件，不入库")
    validate_parser.add_argument("file", type=Path)
    validate_parser.add_argument("--year", type=int, help="报送年度（默认取自 inputs/年度/单位/ 路径）")
    validate_parser.add_argument("--department", help="报送单位（默认取自所在文件夹）")
    _region(validate_parser)
    validate_parser.set_defaults(handler=validate)

    template_parser = commands.add_parser("template", help="下载空白模板（CSV 和 XLSX）")
    template_parser.add_argument("dataset", help="数据表编号或名称，见 annual-report contracts")
    template_parser.add_argument("--dir", type=Path, default=Path.cwd(), help="保存到的文件夹（默认当前文件夹）")
    _region(template_parser)
    template_parser.set_defaults(handler=template)

    contracts_parser = commands.add_parser("contracts", help="列出所有数据表")
    _region(contracts_parser)
    contracts_parser.set_defaults(handler=contracts_command)

    new_region_parser = commands.add_parser("new-region", help="a new region's pack: its spec, metrics and blank forms")
    new_region_parser.add_argument("name", help="the region's name: lower-case letters, digits, '-' and '_'")
    new_region_parser.add_argument("--year", type=int, required=True, help="the year of its first report")
    new_region_parser.add_argument("--reports", type=Path, help="the folder of the regions' packs (default: reports/)")
    new_region_parser.set_defaults(handler=new_region_command)

    status_parser = commands.add_parser("status", help="各单位各数据表的报送情况")
    status_parser.add_argument("--year", type=int, required=True)
    _paths(status_parser)
    status_parser.set_defaults(handler=status)

    explain_parser = commands.add_parser("explain", help="一个指标的来历：所印数值、定义、数据来源、明细行")
    explain_parser.add_argument("metric", help="指标编号，见指标表的“指标编号”列")
    explain_parser.add_argument("--year", type=int, required=True, help="报告年度")
    explain_parser.add_argument("--run", type=int, help="第几次运行的报告（默认最近一次）")
    explain_parser.add_argument("--rows", type=Path, metavar="FILE.xlsx", help="把该指标的明细行写入 Excel 文件")
    _paths(explain_parser)
    explain_parser.set_defaults(handler=explain_command)

    rebuild_parser = commands.add_parser("rebuild", help="rebuild the warehouse from the submission archive")
    _paths(rebuild_parser)
    rebuild_parser.set_defaults(handler=rebuild)

    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except (OSError, ValueError, RuntimeError) as error:  # a spec, a font, the warehouse (busy, damaged), the disk
        print(f"Stopped: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
