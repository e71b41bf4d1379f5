"""Intake: what departments drop into inputs/<year>/<department>/, taken into the warehouse.

In data order: `listing` (which files to look at, and which not), `decode` (any encoding or workbook to UTF-8
CSV), `contracts` (what each ledger must hold), `validate` (the rules as SQL over the landed rows), `land` (one
file read and checked in one pass), `record` (the outcome in the warehouse), `archive` (every file received,
content-addressed), `take` (one file: opened once, archived, landed), `current` (what the folders hold now is
what counts), `receipts` (each file's outcome, for its department) and `blank_forms` (the forms to fill in).
`submission` is the outcome of one file that every step passes on.
"""
