"""A new region's pack, ready to fill in: `annual-report new-region NAME`.

reports/<name>/ gets the year's spec (the front matter to complete, and the five parts the 2019 rules on
rule-of-law government supervision require of the report, with a first figure from the shared library in
each part that has one), metrics/<name>.yaml with commented examples of the region's own metrics, and
blank-forms/ with the blank forms of the ledgers the spec requires, for its departments.
"""

from __future__ import annotations

from pathlib import Path

from annual_report.files import write_text
from annual_report.intake.blank_forms import write_blank_forms
from annual_report.intake.contracts import region_contracts
from annual_report.settings import Settings

REQUIRED = ("reconsiderations", "litigations", "legal_aid_cases")

SPEC = """---
# Fill in each setting; `annual-report run --region {name} --year {year} --mode draft` renders it with
# the figures still missing marked.
title: 关于【地区】{year}年度法治政府建设情况的报告
issuers: [【发文机关】]
addressee: 【主送机关】
signature: [【署名机关】]
date: {next_year}-02-28
printing_office: 【印发机关】办公室
printing_date: {next_year}-02-28
rounding: half_up
required_datasets: [{required}]
---

{year}年，【地区】深入学习贯彻习近平法治思想，……现将有关情况报告如下：

# {year}年推进法治政府建设的主要举措和成效

## 发挥行政复议化解行政争议主渠道作用

全年共收到行政复议申请{{{{ m.reconsiderations_received | count }}}}，纠错率为{{{{ m.reconsideration_correction_rate | pct(1) }}}}。

## 规范行政应诉工作

行政诉讼败诉率为{{{{ m.litigation_loss_rate | pct(1) }}}}，行政机关负责人出庭应诉率为{{{{ m.litigation_head_appearance_rate | pct(1) }}}}。

## 做优公共法律服务

全年受理法律援助案件{{{{ m.legal_aid_cases | count }}}}。

# 存在的不足和原因

……

# 党政主要负责人履行推进法治建设第一责任人职责情况

……

# {next_year}年推进法治政府建设的主要安排

……

# 其他需要报告的情况

……
"""

METRICS = """# {name}'s own metrics, beside the shared library (sql/metrics/*.yaml): each a declaration that the
# report's narrative prints as {{{{ m.<id> | filter }}}}. A library metric is used by its id alone; an entry
# here with a library metric's id replaces it, and `<id>: {{variant: <name>}}` takes one of its variants.
#
# applications_online:                 # a measure: count, count_distinct, sum or mean of a ledger
#   label: 网上申请行政复议
#   unit: 件
#   measure: count
#   of: reconsiderations               # the dataset (its contract in contracts/)
#   where: application_channel = '网上'  # SQL over the ledger's columns (their names: annual-report contracts)
#   dated_by: received_on              # the date that places a case in the report year
#
# online_share:                        # a ratio of two metrics (a list as numerator adds them up), unit %
#   label: 网上申请占比
#   numerator: applications_online
#   denominator: reconsiderations_received
#
# applications_by_respondent:          # a share by category: m.applications_by_respondent['县级政府部门']
#   label: "{{category}}"
#   share_of: reconsiderations_received
#   by: respondent_type
"""


class RegionExists(FileExistsError):
    """The region already has a pack; nothing is overwritten."""


def new_region(settings: Settings, name: str, year: int) -> list[Path]:
    """Write the pack of a new region for the year's report; the files written."""
    pack = settings.region_pack(name)
    if pack.exists():
        raise RegionExists(f"{pack} exists already: a new region's pack is never written over an existing one")
    spec = pack / f"{year}.md"
    metrics = pack / "metrics" / f"{name}.yaml"
    write_text(spec, SPEC.format(name=name, year=year, next_year=year + 1, required=", ".join(REQUIRED)))
    write_text(metrics, METRICS.format(name=name))
    contracts = region_contracts(settings.for_region(name))
    forms = [path for dataset in REQUIRED
             for path in write_blank_forms(contracts[dataset], pack / "blank-forms", inputs=settings.inputs)]
    return [spec, metrics, *forms]
