"""The annual-report pipeline: department ledgers -> DuckDB metrics -> the report as a PDF."""
