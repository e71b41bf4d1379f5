"""Write the county justice bureau example's ledgers (deterministic): python make_inputs.py.

青岚县 is a made-up county. Its justice bureau (司法局) keeps the reconsideration, litigation,
mediation and legality-review ledgers, its legal aid centre (法律援助中心) the legal aid cases;
reconsiderations, litigations and legal aid have a 2020 ledger too, for the prior-year figures.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from annual_report.intake.blank_forms import write_ledger
from annual_report.intake.contracts import load_contracts
from annual_report.settings import ROOT

INPUTS = Path(__file__).parent / "inputs"
CONTRACTS = load_contracts(ROOT / "contracts")
TOWNS = ["城关镇", "青溪镇", "岚山乡", "石门镇", "桃源乡", "东湖街道"]
RESPONDENTS = ["县市场监管局", "县自然资源局", "县人社局", "县住建局", "县公安局", "县城管局", "城关镇人民政府"]
# the columns the bureau's reconsideration and litigation ledgers keep: not every optional one of their contracts
RECONSIDERATION_COLUMNS = ("case_no", "applicant_type", "respondent", "matter", "received_on", "accepted_on",
                           "extended", "concluded_on", "outcome")
LITIGATION_COLUMNS = ("case_no", "instance", "cause", "court", "filed_on", "head_appeared", "result")


def day(rng: random.Random, year: int, last_month: int = 12) -> dt.date:
    return dt.date(year, rng.randint(1, last_month), rng.randint(1, 28))


def write(year: int, dataset: str, rows: list[list[object]], columns: tuple[str, ...] | None = None) -> None:
    """The ledger of the dataset's contract as its department's CSV (the header from the contract; `columns`: the
    contract's columns the ledger keeps, by default all)."""
    contract = CONTRACTS[dataset]
    write_ledger(INPUTS / str(year) / contract.department / f"{contract.title}.csv", contract, rows, columns=columns)


def reconsiderations(rng: random.Random, year: int, count: int, corrected: int) -> None:
    outcomes = ["撤销", "变更", "确认违法", "责令履行"] * corrected
    outcomes = outcomes[:corrected] + rng.choices(["维持", "驳回", "终止"], weights=[6, 3, 1], k=count - corrected)
    rng.shuffle(outcomes)
    rows = []
    for i, outcome in enumerate(outcomes, start=1):
        received = day(rng, year, 10)
        accepted = received + dt.timedelta(days=rng.randint(1, 5))
        concluded = accepted + dt.timedelta(days=rng.randint(20, 58))
        pending = concluded.year > year or i > count - 2
        rows.append([f"青政复〔{year}〕{i}号", rng.choice(["自然人", "自然人", "法人"]), rng.choice(RESPONDENTS),
                     rng.choice(["行政处罚", "行政强制", "行政许可", "信息公开", "工伤认定"]), received, accepted, "否",
                     "" if pending else concluded, "" if pending else outcome])
    write(year, "reconsiderations", rows, RECONSIDERATION_COLUMNS)


def litigations(rng: random.Random, year: int, count: int, lost: int, heads: int) -> None:
    results = ["撤销", "确认违法"] * lost
    results = results[:lost] + rng.choices(["驳回诉讼请求", "驳回起诉", "撤诉", "审理中"], weights=[5, 2, 1, 2],
                                           k=count - lost)
    rng.shuffle(results)
    appeared = [True] * heads + [False] * (count - heads)
    rng.shuffle(appeared)
    rows = [[f"（{year}）岚行初{i}号", "一审", rng.choice(["行政处罚", "土地征收", "行政协议", "信息公开"]),
             "青岚县人民法院", day(rng, year), "是" if head else "否", result]
            for i, (result, head) in enumerate(zip(results, appeared), start=1)]
    write(year, "litigations", rows, LITIGATION_COLUMNS)


def legal_aid(rng: random.Random, year: int, counts: dict[str, int]) -> None:
    kinds = [kind for kind, n in counts.items() for _ in range(n)]
    rows = [[f"岚法援〔{year}〕{i:04d}号", kind, rng.choice(["追索劳动报酬", "离婚纠纷", "交通事故赔偿", "刑事辩护"]),
             rng.choice(TOWNS), day(rng, year), "青岚县法律援助中心"] for i, kind in enumerate(kinds, start=1)]
    write(year, "legal_aid_cases", rows)


def mediation(rng: random.Random, year: int, counts: dict[str, int], failures: int) -> None:
    kinds = [kind for kind, n in counts.items() for _ in range(n)]
    rng.shuffle(kinds)
    rows = []
    for i, kind in enumerate(kinds, start=1):
        accepted = day(rng, year, 11)
        rows.append([f"QL-TJ-{year}-{i:04d}", f"{rng.choice(TOWNS)}人民调解委员会", kind, accepted,
                     "调解不成功" if i <= failures else "调解成功", accepted + dt.timedelta(days=rng.randint(1, 20))])
    write(year, "mediation_cases", rows)


def legality_reviews(rng: random.Random, year: int, count: int) -> None:
    rows = []
    for i in range(1, count + 1):
        received = day(rng, year, 11)
        rows.append([f"QL-HF-{year}-{i:03d}", f"青岚县第{i}号审查事项", rng.choice(RESPONDENTS),
                     rng.choice(["市政府常务会研究事项", "行政规范性文件", "重大行政决策", "政府合同"]), received,
                     received + dt.timedelta(days=rng.randint(2, 15))])
    write(year, "legality_reviews", rows)


def main() -> None:
    rng = random.Random(2021)
    reconsiderations(rng, 2020, 36, 5)
    reconsiderations(rng, 2021, 42, 4)
    litigations(rng, 2020, 18, 3, 9)
    litigations(rng, 2021, 21, 1, 17)
    legal_aid(rng, 2020, {"民事": 214, "刑事": 96, "行政": 7})
    legal_aid(rng, 2021, {"民事": 268, "刑事": 121, "行政": 11})
    mediation(rng, 2021, {"婚姻家庭纠纷": 142, "邻里纠纷": 188, "合同纠纷": 97, "劳动争议": 76, "损害赔偿纠纷": 64,
                          "物业纠纷": 31, "其他纠纷": 45}, failures=6)
    legality_reviews(rng, 2021, 37)


if __name__ == "__main__":
    main()
