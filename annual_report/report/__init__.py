"""The report: its spec (`spec`, reports/<region>/<year>.md), the narrative's blocks (`narrative`), the figures
as printed (`figures`), lines set to the document grid (`typeset`) in the report's faces (`fonts`) and broken into
pages (`paging`), the charts (`charts`) and the attachment's table (`attachment`), rendered to PDF by WeasyPrint
(`render`)."""
