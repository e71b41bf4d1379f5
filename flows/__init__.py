"""Prefect flows of the annual-report pipeline; the logic they call lives in `annual_report`."""
