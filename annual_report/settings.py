"""Every setting the pipeline reads from the environment, in one place (pydantic-settings); paths resolved
from the project root, never from the cwd.

One environment variable per setting, ANNUAL_REPORT_ and the field's name in capitals (the README's table):
INPUTS, OUTPUTS, WAREHOUSE, ARCHIVE, REPORTS, CONTRACTS; LOCK_TIMEOUT (seconds a run waits for the warehouse),
MEMORY_LIMIT (DuckDB's, past which validation spills to disk), MAX_FILE_MB (a larger file is not taken);
FILES_HOST and FILES_PORT (where the read-only server of outputs/<year>/ binds, annual_report/outputs_server.py),
FILES_URL (the address the run's artifacts link to it by, for a browser on another machine).
The warehouse and the archive of every file received default to outputs/; the warehouse can be rebuilt from
the archive alone.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[1]
REGION = re.compile(r"[a-z0-9][a-z0-9_-]*")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ANNUAL_REPORT_", frozen=True, extra="forbid")

    inputs: Path = ROOT / "inputs"
    outputs: Path = ROOT / "outputs"
    warehouse: Path | None = None  # outputs/warehouse.duckdb
    archive: Path | None = None    # outputs/archive
    reports: Path = ROOT / "reports"
    region: str = "jinjiang"       # whose inputs these are: its contracts' local values apply
    contracts: Path = ROOT / "contracts"
    sql: Path = ROOT / "sql"
    templates: Path = ROOT / "templates"
    lock_timeout: float = 300.0
    memory_limit: str = "1GB"
    max_file_mb: int = 4096
    files_host: str = "127.0.0.1"
    files_port: int = 4300
    files_url: str | None = None   # http://127.0.0.1:4300/ (the files server on this machine)

    @model_validator(mode="before")
    @classmethod
    def _beside_outputs(cls, values: dict[str, object]) -> dict[str, object]:
        """Paths resolved; the warehouse and the archive in the outputs folder unless given."""
        values = {k: (Path(v).resolve() if k in PATHS and v is not None else v) for k, v in values.items()}
        outputs = values.get("outputs") or ROOT / "outputs"
        values["warehouse"] = values.get("warehouse") or outputs / "warehouse.duckdb"
        values["archive"] = values.get("archive") or outputs / "archive"
        return values

    @classmethod
    def from_env(cls) -> Settings:
        return cls()

    def for_region(self, region: str) -> Settings:
        """A copy for another region (its pack must exist for its contracts and metrics to apply)."""
        self.region_pack(region)
        return Settings(**(self.model_dump() | {"region": region}))

    def with_paths(self, **paths: Path | None) -> Settings:
        """A copy with the given paths replaced (None keeps the current one).

        A new outputs folder brings its own warehouse and archive unless they are given too.
        """
        given = {k: v for k, v in paths.items() if v is not None}
        if "outputs" in given:  # the validator puts them beside the new outputs
            given = {"warehouse": None, "archive": None} | given
        return Settings(**(self.model_dump() | given))

    @property
    def files_local_url(self) -> str:
        """The files server as this machine reaches it (on loopback when it binds every address)."""
        host = "127.0.0.1" if self.files_host == "0.0.0.0" else self.files_host
        return f"http://{host}:{self.files_port}/"

    @property
    def files_base_url(self) -> str:
        """The files server's address as a browser reaches it, ending in a slash: FILES_URL, else this machine's."""
        return self.files_url.rstrip("/") + "/" if self.files_url else self.files_local_url

    def year_outputs(self, year: int) -> Path:
        return self.outputs / str(year)

    def receipts(self, year: int) -> Path:
        return self.year_outputs(year) / "receipts"

    def region_pack(self, region: str) -> Path:
        """reports/<region>/, the region's own folder: its spec of each year, its metrics (metrics/) and its
        contracts (contracts/); a region is a plain name, so no path can be smuggled through it."""
        if not REGION.fullmatch(region):
            raise ValueError(f"region {region!r}: use lower-case letters, digits, '-' and '_' only")
        return self.reports / region

    def spec_path(self, region: str, year: int) -> Path:
        """reports/<region>/<year>.md."""
        path = self.region_pack(region) / f"{year}.md"
        if not path.is_file():
            raise FileNotFoundError(f"no report spec for {region} {year}: {path} (copy last year's and edit it)")
        return path


PATHS = {"inputs", "outputs", "warehouse", "archive", "reports", "contracts", "sql", "templates"}
