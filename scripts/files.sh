#!/usr/bin/env bash
# The read-only server of outputs/<year>/ (PDF, DOCX, HTML preview, metrics, receipts), in the foreground: the
# command the annual-report-files unit runs, and `make serve`. Binds ANNUAL_REPORT_FILES_HOST:ANNUAL_REPORT_FILES_PORT
# (127.0.0.1:4300); the run's artifacts link to ANNUAL_REPORT_FILES_URL (annual_report/outputs_server.py).
set -euo pipefail
source "$(dirname "$0")/env.sh"
exec "$bin/python" -m annual_report.outputs_server
