"""The file prefect.yaml's deployments name (`flows/report.py:<flow>`); the flows are `annual_report.flows`."""

from annual_report.flows import annual_report, batch_reports, ingest_drops, preflight

__all__ = ["annual_report", "batch_reports", "ingest_drops", "preflight"]
