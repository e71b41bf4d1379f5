"""`annual-report`: the command line of the pipeline."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from annual_report.ingest import SubmissionResult
from annual_report.settings import ROOT

STATUS_WORDS = {"loaded": "已入库", "unchanged": "未变化", "failed": "未入库", "skipped": "已跳过"}
SHOWN_REJECTIONS = 5


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def print_submission(result: SubmissionResult) -> None:
    counts = f"{result.rows_loaded}/{result.rows_read} 行" if result.rows_read else ""
    print(f"  {STATUS_WORDS[result.status]}  {result.file}  {counts}")
    if result.problem:
        print(f"        {result.problem}")
    for warning in result.warnings:
        print(f"        提示：{warning}")
    for rejection in result.rejections[:SHOWN_REJECTIONS]:
        print(f"        第{rejection.row}行“{rejection.column}”：{rejection.value or '（空）'}，{rejection.reason}")
    if len(result.rejections) > SHOWN_REJECTIONS:
        print(f"        …… 另有 {len(result.rejections) - SHOWN_REJECTIONS} 处问题")


def run(args: argparse.Namespace) -> int:
    # Prefect's temporary server records a telemetry session at start-up, which races its own
    # database migrations ("database is locked" tracebacks); a report office's run needs neither.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from flows.annual_report import annual_report

    summary = annual_report(year=args.year, region=args.region, inputs=args.inputs, outputs=args.outputs,
                            warehouse=args.warehouse)
    print(f"Submissions for {args.year - 1}–{args.year}:")
    for result in summary.submissions:
        print_submission(result)
    print(f"Metrics: {summary.metrics.height} computed → {_relative(summary.files.metrics_csv)}")
    print(f"HTML:    {_relative(summary.files.html)}")
    print(f"PDF:     {_relative(summary.files.pdf)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="annual-report", description="法治政府建设年度报告 pipeline")
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="ingest, compute the metrics and render the report")
    run_parser.add_argument("--year", type=int, required=True, help="the report year, e.g. 2021")
    run_parser.add_argument("--region", default="jinjiang", help="the report spec reports/<region>/<year>.md")
    run_parser.add_argument("--inputs", type=Path, help="the submissions folder (default: inputs/)")
    run_parser.add_argument("--outputs", type=Path, help="the outputs folder (default: outputs/)")
    run_parser.add_argument("--warehouse", type=Path, help="the DuckDB file (default: outputs/warehouse.duckdb)")
    run_parser.set_defaults(handler=run)
    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
