"""Every path the pipeline uses, resolved from the project root, never from the cwd.

One environment variable per override:
ANNUAL_REPORT_INPUTS, ANNUAL_REPORT_OUTPUTS, ANNUAL_REPORT_WAREHOUSE, ANNUAL_REPORT_ARCHIVE,
ANNUAL_REPORT_REPORTS, ANNUAL_REPORT_CONTRACTS. The warehouse and the archive of every file received default to outputs/;
the warehouse can be rebuilt from the archive alone.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REGION = re.compile(r"[a-z0-9][a-z0-9_-]*")


def _path(variable: str, default: Path) -> Path:
    value = os.environ.get(variable)
    return Path(value).resolve() if value else default


@dataclass(frozen=True)
class Settings:
    inputs: Path
    outputs: Path
    warehouse: Path
    archive: Path
    reports: Path
    contracts: Path = ROOT / "contracts"
    sql: Path = ROOT / "sql"
    templates: Path = ROOT / "templates"

    @classmethod
    def from_env(cls) -> Settings:
        outputs = _path("ANNUAL_REPORT_OUTPUTS", ROOT / "outputs")
        return cls(
            inputs=_path("ANNUAL_REPORT_INPUTS", ROOT / "inputs"),
            outputs=outputs,
            warehouse=_path("ANNUAL_REPORT_WAREHOUSE", outputs / "warehouse.duckdb"),
            archive=_path("ANNUAL_REPORT_ARCHIVE", outputs / "archive"),
            reports=_path("ANNUAL_REPORT_REPORTS", ROOT / "reports"),
            contracts=_path("ANNUAL_REPORT_CONTRACTS", ROOT / "contracts"),
        )

    def with_paths(self, **paths: Path | None) -> Settings:
        """A copy with the given paths replaced (None keeps the current one).

        A new outputs folder brings its own warehouse and archive unless they are given too.
        """
        given = {k: Path(v).resolve() for k, v in paths.items() if v is not None}
        if "outputs" in given:
            given.setdefault("warehouse", given["outputs"] / "warehouse.duckdb")
            given.setdefault("archive", given["outputs"] / "archive")
        return replace(self, **given)

    def year_outputs(self, year: int) -> Path:
        return self.outputs / str(year)

    def receipts(self, year: int) -> Path:
        return self.year_outputs(year) / "receipts"

    def spec_path(self, region: str, year: int) -> Path:
        """reports/<region>/<year>.md; a region is a plain name, so no path can be smuggled through it."""
        if not REGION.fullmatch(region):
            raise ValueError(f"region {region!r}: use lower-case letters, digits, '-' and '_' only")
        path = self.reports / region / f"{year}.md"
        if not path.is_file():
            raise FileNotFoundError(f"no report spec for {region} {year}: {path} (copy last year's and edit it)")
        return path
