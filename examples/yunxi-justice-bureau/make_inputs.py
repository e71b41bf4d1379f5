"""Write the Yunxi justice bureau example's ledgers (deterministic): python make_inputs.py.

云溪县 is a made-up county; its justice bureau (司法局) reports on 2022. Its case ledgers span years as real
ones do: twelve reconsideration applications received late in 2021 are still open in the 2021 ledger and
concluded in 2022, and six lawsuits filed in 2021 are decided in 2022; each appears again in the 2022 ledger
under its old case number. The counts below are those of figures.md.
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
RESPONDENTS = {"县级政府部门": ["县市场监管局", "县自然资源局", "县人社局", "县公安局"],
               "乡镇人民政府（街道办事处）": ["云溪镇人民政府", "石桥镇人民政府", "城南街道办事处"],
               "县级人民政府": ["云溪县人民政府"], "其他": ["县供电公司", "县住房公积金中心"]}
MATTERS = ["行政处罚", "行政强制", "行政许可", "信息公开", "工伤认定"]


def day(rng: random.Random, year: int, first_month: int = 1, last_month: int = 12) -> dt.date:
    return dt.date(year, rng.randint(first_month, last_month), rng.randint(1, 28))


def write(year: int, dataset: str, rows: list[dict[str, object]]) -> None:
    """The ledger as its department's CSV, each row's cells in the contract's column order."""
    contract = CONTRACTS[dataset]
    write_ledger(INPUTS / str(year) / contract.department / f"{contract.title}.csv", contract,
                 [[row.get(column.name) for column in contract.columns] for row in rows])


def spread(counts: dict[str, int], rng: random.Random) -> list[str]:
    """Each value as many times as counted, in a random order."""
    values = [value for value, n in counts.items() for _ in range(n)]
    rng.shuffle(values)
    return values


def application(rng: random.Random, number: str, received: dt.date, respondent_type: str, channel: str,
                status: str) -> dict[str, object]:
    return {"case_no": number, "applicant_type": rng.choice(["自然人", "自然人", "法人"]),
            "respondent": rng.choice(RESPONDENTS[respondent_type]), "respondent_type": respondent_type,
            "matter": rng.choice(MATTERS), "application_channel": channel, "received_on": received,
            "accepted_status": status}


def accepted(row: dict[str, object], rng: random.Random, outcome: str | None, concluded_in: int | None,
             sued: bool = False) -> dict[str, object]:
    """An accepted application: accepted within five days, concluded within the limit when an outcome is given."""
    on = row["received_on"] + dt.timedelta(days=rng.randint(1, 5))
    concluded = None
    if outcome:
        concluded = on + dt.timedelta(days=rng.randint(20, 55))
        if concluded.year != concluded_in:  # a carried-over case concluded early next year
            concluded = dt.date(concluded_in, rng.randint(1, 3), rng.randint(1, 28))
    return row | {"accepted_on": on, "extended": "否", "concluded_on": concluded, "outcome": outcome,
                  "sued_after": ("是" if sued else "否") if outcome else None,
                  "sued_after_outcome": "驳回诉讼请求" if sued else None}


def reconsiderations(rng: random.Random) -> None:
    # 2021: 72 received (62 accepted, 7 not accepted, 3 referred); 50 concluded, the last 12 accepted still open
    outcomes_2021 = spread({"撤销": 3, "变更": 1, "确认违法": 1, "调解": 6, "和解": 3, "终止": 3, "维持": 25,
                            "驳回": 8}, rng)
    rows_2021, carried = [], []
    statuses = ["受理"] * 62 + ["不予受理"] * 7 + ["告知向有关机关提出"] * 3
    for i, status in enumerate(statuses, start=1):
        late = 50 < i <= 62  # received in the last quarter, still open at the year's end
        row = application(rng, f"云政复〔2021〕{i}号", day(rng, 2021, 10 if late else 1, 12 if late else 9),
                          rng.choice(list(RESPONDENTS)), rng.choice(["当面", "邮寄", "网上"]), status)
        if status == "受理":
            row = accepted(row, rng, None if late else outcomes_2021.pop(), 2021)
            if late:
                carried.append(row)
        rows_2021.append(row)
    write(2021, "reconsiderations", rows_2021)
    # 2022: the 12 carried over concluded; 85 received (70 accepted, 10 not accepted, 5 referred), 55 concluded
    outcomes = spread({"撤销": 4, "变更": 1, "确认违法": 2, "责令履行": 1, "调解": 10, "和解": 6, "终止": 5,
                       "维持": 28, "驳回": 10}, rng)
    sued = set(rng.sample(range(67), 6))
    rows = [accepted(row, rng, outcomes.pop(), 2022, sued=len(outcomes) in sued) for row in carried]
    types = spread({"县级政府部门": 30, "乡镇人民政府（街道办事处）": 23, "县级人民政府": 7, "其他": 25}, rng)
    channels = spread({"网上": 31, "当面": 40, "邮寄": 14}, rng)
    statuses = spread({"受理": 70, "不予受理": 10, "告知向有关机关提出": 5}, rng)
    accepted_so_far = 0
    for i, (kind, channel, status) in enumerate(zip(types, channels, statuses, strict=True), start=1):
        row = application(rng, f"云政复〔2022〕{i}号", day(rng, 2022, 1, 10), kind, channel, status)
        if status == "受理":
            accepted_so_far += 1
            row = accepted(row, rng, outcomes.pop() if accepted_so_far <= 55 else None, 2022,
                           sued=len(outcomes) in sued)
        rows.append(row)
    assert not outcomes
    write(2022, "reconsiderations", rows)


def litigation(rng: random.Random, number: str, filed: dt.date, head: bool, result: str | None,
               concluded_in: int | None) -> dict[str, object]:
    concluded = None
    if result:
        concluded = filed + dt.timedelta(days=rng.randint(40, 120))
        if concluded.year != concluded_in:
            concluded = dt.date(concluded_in, rng.randint(1, 4), rng.randint(1, 28))
    return {"case_no": number, "instance": "一审", "cause": rng.choice(["行政处罚", "土地征收", "信息公开"]),
            "court": "云溪县人民法院", "filed_on": filed, "head_appeared": "是" if head else "否",
            "result": result or "审理中", "concluded_on": concluded}


def litigations(rng: random.Random) -> None:
    # 2021: 30 filed, 24 decided (2 lost), the last 6 still being heard; 2022: those 6 decided, 34 filed, 28 decided
    results = spread({"驳回诉讼请求": 15, "驳回起诉": 4, "撤诉": 3, "撤销": 1, "确认违法": 1}, rng)
    rows_2021 = [litigation(rng, f"（2021）云行初{i}号", day(rng, 2021, 1, 8 if i <= 24 else 12), True,
                            results.pop() if i <= 24 else None, 2021) for i in range(1, 31)]
    write(2021, "litigations", rows_2021)
    results = spread({"驳回诉讼请求": 22, "驳回起诉": 7, "撤诉": 5}, rng)
    heads = spread({True: 38, False: 2}, rng)
    rows = [litigation(rng, row["case_no"], row["filed_on"], heads.pop(), results.pop(), 2022)
            for row in rows_2021[24:]]
    rows += [litigation(rng, f"（2022）云行初{i}号", day(rng, 2022, 1, 8 if i <= 28 else 12), heads.pop(),
                        results.pop() if i <= 28 else None, 2022) for i in range(1, 35)]
    write(2022, "litigations", rows)


def legal_aid(rng: random.Random) -> None:
    for year, count in ((2021, 300), (2022, 336)):
        kinds = spread({"民事": count * 2 // 3, "刑事": count - count * 2 // 3}, rng)
        write(year, "legal_aid_cases", [
            {"case_no": f"云法援〔{year}〕{i:04d}号", "case_type": kind, "matter": rng.choice(
                ["追索劳动报酬", "离婚纠纷", "交通事故赔偿", "刑事辩护"]), "town": rng.choice(["云溪镇", "石桥镇", "城南街道"]),
             "accepted_on": day(rng, year), "handled_by": "云溪县法律援助中心"} for i, kind in enumerate(kinds, start=1)])


def main() -> None:
    rng = random.Random(2022)
    reconsiderations(rng)
    litigations(rng)
    legal_aid(rng)


if __name__ == "__main__":
    main()
