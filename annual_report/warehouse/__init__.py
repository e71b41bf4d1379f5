"""The warehouse: one DuckDB file, its lock and schema (`database`), the cross-checks between ledgers
(`cross_checks`, SQL in sql/checks/) and the report's metrics computed from the versions in force
(`metrics`, staging views and models in sql/staging/ and sql/metrics/)."""
