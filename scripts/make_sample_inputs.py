"""Make the sample department ledgers (台账) that the pipeline reads from inputs/.

Writes one CSV per contract in contracts/ for 2021 (inputs/2021/<department>/<title>.csv)
and the 2020 legal aid ledger, with rows shaped the way the departments of Jinjiang keep
them and with counts and sums that reproduce the figures of the 2021 rule-of-law report.

The output is deterministic: every dataset draws from its own random.Random seeded with a
fixed string, and no value depends on the clock, so reruns give byte-identical files.
Headers and column order come from the contracts, never typed here; each dataset function
asserts the figures it must produce before returning.

    python scripts/make_sample_inputs.py [--inputs DIR]
"""

from __future__ import annotations

import argparse
import calendar
import random
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from annual_report.intake.blank_forms import write_ledger
from annual_report.intake.contracts import Contract, load_contracts

ROOT = Path(__file__).resolve().parents[1]
SEED = "jinjiang-2021"
YEAR = 2021

Row = dict[str, Any]  # column name -> value; writes None as an empty cell

# ---------------------------------------------------------------------------
# Places, units and names
# ---------------------------------------------------------------------------

# town or sub-district -> (villages 村, communities 社区) on the civil-affairs register
VILLAGE_COUNTS: dict[str, tuple[int, int]] = {
    "青阳街道": (3, 12), "梅岭街道": (2, 11), "西园街道": (6, 6), "罗山街道": (10, 8),
    "灵源街道": (10, 6), "新塘街道": (10, 5), "安海镇": (22, 8), "磁灶镇": (26, 3),
    "陈埭镇": (22, 7), "池店镇": (20, 4), "东石镇": (28, 4), "金井镇": (24, 4),
    "内坑镇": (22, 2), "龙湖镇": (23, 4), "深沪镇": (14, 4), "永和镇": (15, 2),
    "英林镇": (18, 3), "西滨镇": (11, 2), "紫帽镇": (12, 2),
}
TOWNS = list(VILLAGE_COUNTS)
RURAL_TOWNS = [town for town in TOWNS if town.endswith("镇")]

# two-syllable stems of village and community names, in the Minnan style (后坑, 石厝, 霞浦)
VILLAGE_STEMS = [
    first + second
    for first in "东西南北前后上下新古石沙溪湖山塘洋埔林坑岭浦霞龙凤金玉桂柳梧华仁福永英光锦美高大"
    for second in "头尾厝埔坑塘洋山美林内边兜亭园浦溪桥峰安丰田庄墩里坂湖岭井宅店盛华"
    if first != second
]

UNITS = [
    "市市场监管局", "市住建局", "市自然资源局", "市生态环境局", "市交通运输局", "市教育局",
    "市卫健局", "市人社局", "市财政局", "市发改局", "市工信局", "市商务局", "市农业农村局",
    "市水利局", "市城管局", "市应急局", "市公安局", "市民政局", "市文体旅局", "市医保局",
    "市行政审批局", "市金融监管局", "市科技局", "市退役军人事务局",
]

LAW_FIRMS = [
    "福建晋声律师事务所", "福建泉晋律师事务所", "福建衡晋律师事务所", "福建闽晋律师事务所",
    "福建紫帽律师事务所", "福建安平律师事务所", "福建刺桐律师事务所", "福建晋诚律师事务所",
    "福建晋阳律师事务所", "福建海丝律师事务所", "福建正晋律师事务所", "福建东方晋律师事务所",
]

ENTERPRISE_CHARS = ("鸿盛泰永兴华嘉鑫宏源达荣昌隆信锦裕辉", "恒润祥晟瑞丰茂豪骏凯富弘森通利美誉发")
INDUSTRIES = [
    "鞋业", "服装", "纺织", "食品", "陶瓷", "伞业", "卫浴", "包装", "机械", "新材料",
    "体育用品", "纸业", "箱包", "针织", "化纤", "五金", "电子", "建材",
]

# unified social credit code: alphabet and weights of the check character (GB 32100-2015)
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# normative documents of 2021: (name, drafting unit); reviewed as drafts, then filed
NORMATIVE_DOCS = [
    ("晋江市进一步加强城市管理的若干意见", "市城管局"),
    ("晋江市城市更新项目实施办法", "市住建局"),
    ("晋江市加快数字经济发展的若干措施", "市工信局"),
    ("晋江市促进体育产业高质量发展的若干措施", "市文体旅局"),
    ("晋江市国有土地上房屋征收补偿安置办法", "市住建局"),
    ("晋江市历史文化街区保护管理办法", "市住建局"),
    ("晋江市农村宅基地管理办法", "市农业农村局"),
    ("晋江市住宅小区物业管理实施办法", "市住建局"),
    ("晋江市建筑垃圾管理办法", "市城管局"),
    ("晋江市城区停车场规划建设和管理办法", "市城管局"),
    ("晋江市人才住房保障实施办法", "市住建局"),
    ("晋江市企业上市扶持办法", "市金融监管局"),
    ("晋江市鼓励企业技术改造的若干措施", "市工信局"),
    ("晋江市公共租赁住房管理办法", "市住建局"),
    ("晋江市城市绿化管理办法", "市城管局"),
    ("晋江市户外广告设置管理办法", "市城管局"),
    ("晋江市农贸市场管理办法", "市市场监管局"),
    ("晋江市集体土地上房屋征收补偿办法", "市自然资源局"),
    ("晋江市政府投资项目管理办法", "市发改局"),
    ("晋江市行政事业单位国有资产出租管理办法", "市财政局"),
    ("晋江市饮用水水源保护区管理办法", "市生态环境局"),
    ("晋江市餐厨垃圾管理办法", "市城管局"),
    ("晋江市最低生活保障实施办法", "市民政局"),
    ("晋江市城乡居民基本医疗保险实施办法", "市医保局"),
    ("晋江市中小学校幼儿园学位管理办法", "市教育局"),
    ("晋江市电动自行车管理办法", "市公安局"),
    ("晋江市闲置土地处置办法", "市自然资源局"),
    ("晋江市产业用地供应管理办法", "市自然资源局"),
    ("晋江市促进总部经济发展的若干措施", "市商务局"),
]

PROJECT_KINDS = [
    "安置房", "旧村改造", "污水管网", "道路提升改造", "中小学校扩建", "农贸市场改造", "城市公园",
    "公共停车场", "片区综合整治", "水系治理", "体育公园", "邻里中心", "卫生院迁建", "标准厂房",
]


def town_government(town: str) -> str:
    return f"{town}人民政府" if town.endswith("镇") else f"{town}办事处"


# ---------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------


def random_date(rng: random.Random, start: date, end: date, workday: bool = True) -> date:
    """A random day in [start, end]; office work is Monday to Friday, New Year's Day off."""
    span = (end - start).days
    while True:
        day = start + timedelta(days=rng.randint(0, span))
        is_workday = day.weekday() < 5 and (day.month, day.day) != (1, 1)
        # any four consecutive days hold a workday, so only tiny spans may give a day off
        if not workday or is_workday or span < 3:
            return day


def day_in_year(rng: random.Random, year: int = YEAR, workday: bool = True) -> date:
    return random_date(rng, date(year, 1, 1), date(year, 12, 31), workday)


def split_total(rng: random.Random, total: int, parts: int, low: int, high: int) -> list[int]:
    """`parts` random integers in [low, high] adding up to exactly `total`."""
    assert parts * low <= total <= parts * high
    values = [rng.randint(low, high) for _ in range(parts)]
    while (gap := total - sum(values)) != 0:
        i = rng.randrange(parts)
        step = 1 if gap > 0 else -1
        if low <= values[i] + step <= high:
            values[i] += step
    return values


def number_rows(rows: list[Row], column: str, fmt: str, by: str) -> None:
    """Sort rows by the date column `by` and number them in that order: fmt.format(n)."""
    rows.sort(key=lambda row: row[by])
    for n, row in enumerate(rows, 1):
        row[column] = fmt.format(n)


def enterprise_names(rng: random.Random, count: int) -> list[str]:
    names = [
        f"{prefix}{a}{b}{industry}有限公司"
        for prefix in ("福建晋江", "晋江市")
        for a in ENTERPRISE_CHARS[0]
        for b in ENTERPRISE_CHARS[1]
        for industry in INDUSTRIES
    ]
    return rng.sample(names, count)


def credit_code(rng: random.Random) -> str:
    """A unified social credit code of a Jinjiang (350582) company, with a valid check character."""
    body = "91350582" + "".join(rng.choice(USCC_CHARS) for _ in range(9))
    check = -sum(USCC_CHARS.index(c) * w for c, w in zip(body, USCC_WEIGHTS)) % 31
    return body + USCC_CHARS[check]


# ---------------------------------------------------------------------------
# 司法局: legality review, normative filings, reconsideration, litigation
# ---------------------------------------------------------------------------

STANDING_TOPICS = [
    "调整城乡居民最低生活保障标准", "2021年市级财政预算调整方案", "政府专项债券资金使用安排",
    "市属国有企业改革重组方案", "2021年度国有建设用地供应计划", "城区公交线路优化调整方案",
    "农村生活污水提升治理三年行动方案", "2021年老旧小区改造计划", "2021年度市重点项目建设计划",
    "创建全国文明城市工作方案", "中小学校课后服务收费标准", "公办幼儿园保育教育费标准调整",
    "企业技术改造专项资金兑现", "支持企业上市专项资金兑现", "高层次人才引进奖励资金兑现",
    "新冠病毒疫苗接种工作方案", "2021年防汛防台风工作方案", "农贸市场提升改造补助资金安排",
    "城市更新片区划定方案", "体育产业发展专项资金安排", "违法建设专项治理工作方案",
    "生活垃圾分类工作实施方案", "电动自行车集中充电设施建设补助", "城区路内停车收费标准调整",
    "第二十三届中国（晋江）国际鞋业博览会筹备工作方案", "2021年为民办实事项目安排",
    "市级储备粮轮换计划", "重点企业用工保障工作方案",
]
PROJECT_ASPECTS = ["征迁补偿方案", "建设资金安排", "实施方案", "用地收储方案", "代建方案", "招标方式"]
MAJOR_DECISIONS = [
    ("晋江市国土空间总体规划（2021—2035年）", "市自然资源局"),
    ("晋江市国民经济和社会发展第十四个五年规划和二〇三五年远景目标纲要", "市发改局"),
    ("晋江市城市综合交通体系规划", "市交通运输局"),
    ("晋江市教育设施专项规划（2021—2035年）", "市教育局"),
    ("晋江市医疗卫生服务体系规划", "市卫健局"),
    ("晋江市养老服务设施布局专项规划", "市民政局"),
    ("晋江市城区供水价格调整方案", "市发改局"),
    ("晋江市城区管道天然气价格调整方案", "市发改局"),
    ("晋江市生活垃圾焚烧发电厂扩建项目", "市城管局"),
    ("晋江市中心城区停车设施专项规划", "市城管局"),
    ("晋江市海岸带保护与利用规划", "市自然资源局"),
    ("晋江市城区巡游出租汽车运价调整方案", "市交通运输局"),
]
CONTRACT_KINDS = ["委托代建合同", "PPP项目合同", "特许经营协议", "投资合作协议", "设计施工总承包合同"]


def legality_reviews(rng: random.Random) -> list[Row]:
    standing_items, contract_items = 197, 20
    town_projects = standing_items - len(STANDING_TOPICS)  # the rest of the standing meeting's items
    all_projects = [(town, kind) for town in TOWNS for kind in PROJECT_KINDS]
    projects = rng.sample(all_projects, town_projects + contract_items)
    matters: list[tuple[str, str, str]] = [  # (category, matter, submitting unit)
        ("市政府常务会研究事项", f"关于{topic}的请示", rng.choice(UNITS)) for topic in STANDING_TOPICS
    ]
    matters += [
        ("市政府常务会研究事项", f"关于{town}{kind}项目{rng.choice(PROJECT_ASPECTS)}的请示",
         town_government(town))
        for town, kind in projects[:town_projects]
    ]
    matters += [("行政规范性文件", f"{name}（送审稿）", unit) for name, unit in NORMATIVE_DOCS]
    matters += [("重大行政决策", f"{name}（送审稿）", unit) for name, unit in MAJOR_DECISIONS]
    matters += [
        ("政府合同", f"{town}{kind}项目{rng.choice(CONTRACT_KINDS)}", town_government(town))
        for town, kind in projects[town_projects:]
    ]
    rows: list[Row] = []
    for category, matter, unit in matters:
        received = day_in_year(rng)
        completed = random_date(rng, received + timedelta(days=1), received + timedelta(days=10))
        rows.append({
            "matter": matter, "submitting_unit": unit, "category": category,
            "received_on": received, "completed_on": completed if completed.year == YEAR else None,
        })
    number_rows(rows, "review_no", f"HF-{YEAR}-{{:03d}}", by="received_on")
    assert sum(row["category"] == "市政府常务会研究事项" for row in rows) == standing_items
    return rows


def normative_filings(rng: random.Random) -> list[Row]:
    issued = sorted(random_date(rng, date(YEAR, 1, 15), date(YEAR, 11, 30)) for _ in NORMATIVE_DOCS)
    not_to_quanzhou = rng.randrange(len(NORMATIVE_DOCS))
    rows: list[Row] = []
    doc_no = 0
    for i, ((name, _), issued_on) in enumerate(zip(NORMATIVE_DOCS, issued)):
        doc_no += rng.randint(2, 8)  # 晋政文 numbers also go to documents that are not normative
        filed_with = ["晋江市人大常委会"] + (["泉州市人民政府"] if i != not_to_quanzhou else [])
        for authority in filed_with:
            rows.append({
                "document": f"晋江市人民政府关于印发{name}的通知",
                "document_no": f"晋政文〔{YEAR}〕{doc_no}号",
                "filed_with": authority,
                "filed_on": random_date(rng, issued_on + timedelta(days=1), issued_on + timedelta(days=30)),
            })
    number_rows(rows, "filing_no", f"BA-{YEAR}-{{:02d}}", by="filed_on")
    assert sum(row["filed_with"] == "泉州市人民政府" for row in rows) == 28
    assert sum(row["filed_with"] == "晋江市人大常委会" for row in rows) == 29
    return rows


# case category -> (weight, usual respondents)
RECONSIDERATION_MATTERS: dict[str, tuple[int, list[str]]] = {
    "行政处罚": (40, ["市公安局", "市市场监管局", "市城管局", "市生态环境局", "市交通运输局", "市应急局"]),
    "信息公开": (15, ["市自然资源局", "市住建局", "市人社局", "市财政局", "市发改局"]),
    "工伤认定": (12, ["市人社局"]),
    "行政不作为": (10, ["市公安局", "市市场监管局", "市人社局", "市住建局"]),
    "行政强制": (8, ["市城管局", "市自然资源局", "市公安局"]),
    "行政许可": (8, ["市行政审批局", "市住建局", "市自然资源局", "市交通运输局"]),
    "其他": (7, ["市自然资源局", "市民政局", "市医保局", "市农业农村局"]),
}
RECONSIDERATION_OUTCOMES = {
    "维持": 45, "驳回": 14, "终止": 16, "撤销": 8, "确认违法": 5, "责令履行": 4, "变更": 2, "调解": 3, "和解": 3,
}


def reconsiderations(rng: random.Random) -> list[Row]:
    dec31 = date(YEAR, 12, 31)
    matters = list(RECONSIDERATION_MATTERS)
    weights = [weight for weight, _ in RECONSIDERATION_MATTERS.values()]
    rows: list[Row] = []
    for concluded in [True] * 107 + [False] * 17:
        # pending cases came in late: their 60 days run past the end of the year
        window = (date(YEAR, 1, 4), date(YEAR, 11, 30)) if concluded else (date(YEAR, 11, 1), dec31)
        received = random_date(rng, *window)
        accepted = random_date(rng, received, min(received + timedelta(days=5), dec31))
        matter = rng.choices(matters, weights)[0]
        respondents = RECONSIDERATION_MATTERS[matter][1]
        if matter in ("信息公开", "行政强制", "行政不作为") and rng.random() < 0.3:
            respondents = [town_government(rng.choice(TOWNS))]
        extended, concluded_on, outcome = False, None, None
        if concluded:
            # 60 days from acceptance, 30 more when extended (if the year leaves room for it)
            extended = accepted + timedelta(75) <= dec31 and rng.random() < 0.1
            first, last = (61, 90) if extended else (7, 60)
            concluded_on = random_date(rng, accepted + timedelta(first), min(accepted + timedelta(last), dec31))
            outcome = rng.choices(list(RECONSIDERATION_OUTCOMES), list(RECONSIDERATION_OUTCOMES.values()))[0]
        rows.append({
            "applicant_type": rng.choices(["自然人", "法人", "其他组织"], [80, 15, 5])[0],
            "respondent": rng.choice(respondents),
            "matter": matter,
            "received_on": received,
            "accepted_on": accepted,
            "extended": extended,
            "concluded_on": concluded_on,
            "outcome": outcome,
        })
    number_rows(rows, "case_no", f"晋政复〔{YEAR}〕{{}}号", by="received_on")
    assert len(rows) == 124
    assert sum(row["concluded_on"] is not None for row in rows) == 107
    return rows


LITIGATION_CAUSES = ["房屋征收补偿", "行政复议", "政府信息公开", "强制拆除", "土地征收", "不动产登记", "行政赔偿", "行政协议"]
# instance -> (cases, court, case number format, court's docket size, judgments with weights)
LITIGATION_INSTANCES: dict[str, tuple[int, str, str, int, dict[str, int]]] = {
    "一审": (34, "泉州市中级人民法院", "（{year}）闽05行初{n}号", 400,
             {"驳回诉讼请求": 50, "驳回起诉": 20, "撤诉": 15, "确认违法": 8, "撤销": 7}),
    "二审": (24, "福建省高级人民法院", "（{year}）闽行终{n}号", 1500, {"维持": 88, "撤销": 12}),
}


def litigations(rng: random.Random) -> list[Row]:
    rows: list[Row] = []
    for instance, (count, court, case_fmt, docket, judgments) in LITIGATION_INSTANCES.items():
        case_numbers = sorted(rng.sample(range(1, docket), count))
        for case_number, filed in zip(case_numbers, sorted(day_in_year(rng) for _ in range(count))):
            if filed.month >= 10 and rng.random() < 0.6:
                result = "审理中"
            else:
                result = rng.choices(list(judgments), list(judgments.values()))[0]
            rows.append({
                "case_no": case_fmt.format(year=YEAR, n=case_number),
                "instance": instance,
                "cause": rng.choice(LITIGATION_CAUSES),
                "court": court,
                "filed_on": filed,
                "head_appeared": rng.random() < 0.85,
                "result": result,
            })
    assert [row["instance"] for row in rows].count("一审") == 34
    assert [row["instance"] for row in rows].count("二审") == 24
    return rows


# ---------------------------------------------------------------------------
# 营商办, 行政审批局, 工商联: business environment
# ---------------------------------------------------------------------------

# area -> (lead unit, tasks)
BUSINESS_TASKS: dict[str, tuple[str, list[str]]] = {
    "开办企业": ("市市场监管局", [
        "推行企业开办“一网通办”", "企业开办时间压缩至0.5个工作日", "新办企业首套印章免费刻制",
        "推广电子营业执照跨部门应用", "推行企业登记全程电子化", "实行企业名称自主申报",
        "推进“证照分离”改革全覆盖", "开展个体工商户登记“秒批”", "推行企业简易注销登记",
        "设立企业开办“一窗通”专区"]),
    "办理建筑许可": ("市住建局", [
        "社会投资简易低风险项目审批压缩至15个工作日", "推行施工图“多审合一”", "实行联合竣工验收",
        "推行施工图审查政府购买服务", "水电气报装与工程审批并联办理", "推进区域评估成果共享应用",
        "实行建设工程规划许可告知承诺制", "工程建设项目审批全流程网办", "推行“拿地即开工”审批模式",
        "开展建筑工程质量潜在缺陷保险试点"]),
    "获得电力": ("国网晋江市供电公司", [
        "低压小微企业用电报装“零上门、零审批、零投资”", "高压用户平均接电时间压缩至30个工作日以内",
        "推行用电报装“一证办”", "电力外线工程行政审批并联办理", "推广“刷脸办电”",
        "城区供电可靠率提升至99.99%以上", "停电计划信息主动推送", "推行居民用户“阳光业扩”",
        "开展配网不停电作业", "公开电力接入工程费用标准"]),
    "登记财产": ("市自然资源局", [
        "一般不动产登记压缩至3个工作日", "推行不动产登记“一窗受理、集成服务”", "实现不动产抵押登记“不见面审批”",
        "推行二手房“带押过户”", "水电气网络过户与不动产登记联动", "推广不动产登记电子证照",
        "开展不动产登记“进银行”延伸服务", "推行新建商品房“交房即交证”", "推进存量房交易资金监管",
        "开放不动产登记信息网上查询"]),
    "获得信贷": ("市金融监管局", [
        "推广“信易贷”平台融资对接", "扩大中小微企业首贷户规模", "推行应急还贷资金周转服务",
        "开展知识产权质押融资", "推动政府性融资担保降费", "开展“银企对接”专场活动",
        "推广动产融资统一登记公示系统", "落实普惠小微企业贷款延期还本付息政策", "设立技术改造专项贷款",
        "推行供应链金融服务"]),
    "纳税": ("国家税务总局晋江市税务局", [
        "推行“非接触式”办税缴费", "落实减税降费政策直达快享", "推广增值税电子专用发票",
        "出口退税办理时间压缩至5个工作日", "推行财产和行为税合并申报", "建立纳税人缴费人诉求快速响应机制",
        "推广“税银互动”", "推行新办纳税人“套餐式”服务", "办税服务“最多跑一次”",
        "推行跨区域涉税事项网上办理"]),
    "跨境贸易": ("市商务局", [
        "推行进出口货物“提前申报”", "压缩进口整体通关时间", "推广国际贸易“单一窗口”",
        "规范口岸收费目录清单", "推行跨境电商零售出口“清单核放”", "推进海运集装箱“无纸化”放行",
        "开展企业AEO认证培育", "推广出口信用保险统保平台", "推行进出口商品检验“先放后检”",
        "建立外贸企业“服务专员”制度"]),
    "执行合同": ("市法院", [
        "推行“分调裁审”机制", "涉企案件执行“一案一专班”", "推广网上立案和跨域立案",
        "推行电子送达", "压缩商事案件平均审理天数", "推行“执行+慈善”救助机制",
        "开展诉源治理", "扩大小额诉讼程序适用", "建立涉企案件“绿色通道”", "推行司法拍卖“一网通拍”"]),
    "政务服务": ("市行政审批局", [
        "推行政务服务“一趟不用跑”", "推进“一件事一次办”集成改革", "实行政务服务“好差评”制度",
        "推行政务服务“跨省通办”", "推进政务服务事项全程网办", "设立“办不成事”反映窗口",
        "推行证明事项告知承诺制", "推进电子证照互认共享", "推行24小时自助服务", "开展审批服务“帮代办”"]),
    "知识产权保护": ("市市场监管局", [
        "建设知识产权快速维权中心", "开展知识产权侵权纠纷行政调解", "推行商标注册便利化",
        "开展鞋服商标“护航”专项行动", "建立知识产权纠纷多元化解机制", "推进海外知识产权维权援助",
        "开展产业专利导航", "加强展会知识产权保护", "实施地理标志保护工程", "推广知识产权保险"]),
    "市场监管": ("市市场监管局", [
        "推行“双随机、一公开”监管全覆盖", "实行包容审慎监管“免罚清单”", "推进信用分级分类监管",
        "推行“互联网+监管”", "开展跨部门联合抽查", "建立企业信用修复机制",
        "推行轻微违法行为告知承诺", "开展涉企收费专项检查", "推进公平竞争审查", "开展重点产品质量监督抽查"]),
    "劳动力市场监管": ("市人社局", [
        "实行工程建设领域农民工工资专户管理", "推行劳动人事争议“互联网+调解”", "开展根治欠薪专项行动",
        "推进劳动合同电子化", "建立企业用工余缺调剂平台", "开展企业职工技能提升培训",
        "推行人社业务“一网通办”", "开展劳动保障监察“双随机”检查", "援企稳岗补贴“免申即享”",
        "推进劳动人事争议仲裁速裁"]),
}


def business_tasks(rng: random.Random) -> list[Row]:
    tasks = [(area, unit, task) for area, (unit, area_tasks) in BUSINESS_TASKS.items() for task in area_tasks]
    kept = sorted(rng.sample(range(len(tasks)), 117))  # keep the list's area order
    deadlines = [date(YEAR, month, day) for month, day in ((3, 31), (6, 30), (9, 30), (11, 30), (12, 31))]
    rows: list[Row] = []
    for n, i in enumerate(kept, 1):
        area, unit, task = tasks[i]
        rows.append({
            "task_no": f"YS-{YEAR}-{n:03d}", "task": task, "area": area, "lead_unit": unit,
            "deadline": rng.choices(deadlines, [10, 30, 20, 10, 30])[0],
        })
    assert len(rows) == 117
    return rows


# (matter the proof was required for, implementing unit, proofs)
CERTIFICATION_SCOPES = [
    ("律师执业许可", "市司法局", ["无犯罪记录证明", "学历证明", "实习鉴定证明"]),
    ("基层法律服务工作者执业核准", "市司法局", ["无犯罪记录证明", "学历证明"]),
    ("法律援助申请", "市司法局", ["经济困难证明"]),
    ("最低生活保障审批", "市民政局", ["家庭收入证明", "户籍证明", "婚姻状况证明", "居住证明"]),
    ("特困人员救助供养", "市民政局", ["家庭收入证明", "户籍证明"]),
    ("临时救助", "市民政局", ["家庭收入证明", "居住证明"]),
    ("城乡居民养老保险待遇领取", "市人社局", ["户籍证明", "亲属关系证明"]),
    ("就业困难人员认定", "市人社局", ["就业失业状态证明", "家庭收入证明"]),
    ("人才住房保障申请", "市人社局", ["无房证明", "纳税证明", "学历证明"]),
    ("出租汽车驾驶员从业资格", "市交通运输局", ["无犯罪记录证明", "无吸毒记录证明", "驾驶经历证明"]),
    ("道路货物运输驾驶员从业资格", "市交通运输局", ["无重大以上交通责任事故证明", "驾驶经历证明"]),
    ("食品经营许可", "市市场监管局", ["经营场所使用证明", "从业人员健康证明"]),
    ("个体工商户设立登记", "市市场监管局", ["经营场所使用证明", "住所证明"]),
    ("医师执业注册", "市卫健局", ["学历证明", "体检证明", "无犯罪记录证明"]),
    ("护士执业注册", "市卫健局", ["学历证明", "体检证明"]),
    ("教师资格认定", "市教育局", ["学历证明", "无犯罪记录证明", "普通话水平证明"]),
    ("民办学校设立", "市教育局", ["办学场所产权证明", "资产来源证明"]),
    ("义务教育阶段入学", "市教育局", ["居住证明", "户籍证明", "亲属关系证明"]),
    ("建筑业企业资质核准", "市住建局", ["社会保险缴纳证明", "人员职称证明"]),
    ("公共租赁住房申请", "市住建局", ["无房证明", "家庭收入证明", "婚姻状况证明"]),
    ("不动产继承登记", "市自然资源局", ["亲属关系证明", "婚姻状况证明", "死亡证明"]),
    ("城乡居民医疗保险参保登记", "市医保局", ["户籍证明", "居住证明"]),
    ("医疗救助申请", "市医保局", ["家庭收入证明", "低保对象证明"]),
    ("退役军人优待证申领", "市退役军人事务局", ["户籍证明", "服役经历证明"]),
    ("残疾人两项补贴申请", "市民政局", ["家庭收入证明", "户籍证明"]),
    ("高龄老人津贴申领", "市民政局", ["户籍证明", "居住证明"]),
    ("计划生育家庭奖励扶助", "市卫健局", ["婚育状况证明", "户籍证明"]),
    ("危险化学品经营许可", "市应急局", ["经营场所使用证明", "安全管理人员培训合格证明"]),
    ("烟花爆竹零售经营许可", "市应急局", ["经营场所使用证明"]),
    ("户口迁移", "市公安局", ["亲属关系证明", "婚姻状况证明", "居住证明"]),
    ("居住证申领", "市公安局", ["居住证明", "就业证明"]),
    ("娱乐场所经营许可", "市文体旅局", ["经营场所使用证明", "无犯罪记录证明"]),
    ("农药经营许可", "市农业农村局", ["经营场所使用证明", "学历证明"]),
    ("兽药经营许可", "市农业农村局", ["经营场所使用证明"]),
]
CERTIFICATION_BATCHES = [("第一批", 41, date(YEAR, 4, 30)), ("第二批", 33, date(YEAR, 9, 28))]


def certification_items(rng: random.Random) -> list[Row]:
    scoped = [
        (f"{proof}（{matter}）", unit) for matter, unit, proofs in CERTIFICATION_SCOPES for proof in proofs
    ]
    picked = iter(rng.sample(scoped, sum(count for _, count, _ in CERTIFICATION_BATCHES)))
    rows: list[Row] = []
    for batch_no, (batch, count, published_on) in enumerate(CERTIFICATION_BATCHES, 1):
        for n in range(1, count + 1):
            item, unit = next(picked)
            rows.append({
                "item_no": f"ZM-{batch_no}-{n:03d}", "item": item, "batch": batch,
                "implementing_unit": unit, "published_on": published_on,
            })
    assert len(rows) == 74 and {row["batch"] for row in rows} == {"第一批", "第二批"}
    return rows


# check-up item -> service provider of the compliance alliance
COMPLIANCE_ITEMS = {
    "财务合规": "晋江市注册会计师协会", "知识产权": "晋江市知识产权保护协会", "产品质量": "晋江市质量技术协会",
    "劳动用工": "晋江市律师协会", "安全生产": "晋江市安全生产协会", "环境保护": "晋江市环保产业协会",
    "税务合规": "晋江市税务师协会", "合同管理": "晋江市律师协会", "数据合规": "晋江市律师协会",
    "广告宣传": "晋江市律师协会", "反不正当竞争": "晋江市律师协会", "进出口合规": "晋江市进出口商会",
    "消防安全": "晋江市消防协会", "食品安全": "晋江市食品行业协会", "公司治理": "晋江市律师协会",
    "融资合规": "晋江市金融学会",
}


def compliance_items() -> list[Row]:
    rows: list[Row] = [
        {"item_no": f"TJ-{n:02d}", "item": item, "provider": provider}
        for n, (item, provider) in enumerate(COMPLIANCE_ITEMS.items(), 1)
    ]
    assert len(rows) == 16
    return rows


def compliance_checks(rng: random.Random) -> list[Row]:
    onsite, online, repeat_online = 10, 274, 20
    names = enterprise_names(rng, onsite + online)
    codes: list[str] = []
    while len(codes) < len(names):
        code = credit_code(rng)
        if code not in codes:
            codes.append(code)
    checks: list[tuple[str, str, str, date]] = []  # (enterprise, code, mode, date)
    for name, code in zip(names[:onsite], codes[:onsite]):
        checks.append((name, code, "现场体检", day_in_year(rng)))
    twice = set(rng.sample(range(onsite, len(names)), repeat_online))
    for i in range(onsite, len(names)):
        days = sorted(day_in_year(rng, workday=False) for _ in range(2 if i in twice else 1))
        checks += [(names[i], codes[i], "线上自检", day) for day in days]
    onsite_suggestions = iter(split_total(rng, 120, onsite, 6, 20))
    online_suggestions = iter(split_total(rng, 2979, len(checks) - onsite, 0, 25))
    rows: list[Row] = [
        {
            "enterprise": name, "credit_code": code, "mode": mode, "checked_on": day,
            "suggestions": next(onsite_suggestions if mode == "现场体检" else online_suggestions),
        }
        for name, code, mode, day in checks
    ]
    number_rows(rows, "check_no", f"HG-{YEAR}-{{:04d}}", by="checked_on")
    for mode, enterprises, suggestions in (("现场体检", 10, 120), ("线上自检", 274, 2979)):
        assert len({row["credit_code"] for row in rows if row["mode"] == mode}) == enterprises
        assert sum(row["suggestions"] for row in rows if row["mode"] == mode) == suggestions
    return rows


# implementing unit -> administrative permits (行政许可事项); each has the handling variants below
PERMITS: dict[str, list[str]] = {
    "市市场监管局": ["食品经营许可", "食品生产许可", "药品零售企业经营许可", "第三类医疗器械经营许可",
                "特种设备安装改造维修许可", "计量标准器具核准", "重要工业产品生产许可"],
    "市住建局": ["建筑工程施工许可证核发", "商品房预售许可", "燃气经营许可", "城市建筑垃圾处置核准",
              "建设工程消防设计审查", "建设工程消防验收"],
    "市自然资源局": ["建设用地规划许可", "建设工程规划许可", "乡村建设规划许可", "临时建设工程规划许可"],
    "市交通运输局": ["道路旅客运输经营许可", "道路货物运输经营许可", "巡游出租汽车经营许可",
                "网络预约出租汽车经营许可", "公路超限运输许可", "涉路施工许可"],
    "市卫健局": ["医疗机构执业登记", "医师执业注册", "护士执业注册", "公共场所卫生许可", "放射诊疗许可",
              "饮用水供水单位卫生许可", "母婴保健技术服务执业许可"],
    "市教育局": ["民办学校设立审批", "教师资格认定", "校外培训机构办学许可"],
    "市人社局": ["劳务派遣经营许可", "人力资源服务许可", "企业实行特殊工时制度审批"],
    "市生态环境局": ["排污许可", "建设项目环境影响评价审批", "危险废物经营许可", "辐射安全许可"],
    "市水利局": ["取水许可", "河道管理范围内建设项目工程建设方案审批", "生产建设项目水土保持方案审批",
              "占用农业灌溉水源、灌排工程设施审批"],
    "市城管局": ["城市道路占用挖掘审批", "设置大型户外广告审批", "砍伐城市树木审批", "临时占用城市绿地审批",
              "城市生活垃圾经营性清扫、收集、运输服务审批"],
    "市应急局": ["危险化学品经营许可", "烟花爆竹经营（零售）许可", "危险化学品建设项目安全条件审查"],
    "市农业农村局": ["农药经营许可", "兽药经营许可", "动物防疫条件合格证核发", "农作物种子生产经营许可",
                "生鲜乳收购站许可", "渔业捕捞许可"],
    "市文体旅局": ["娱乐场所经营许可", "互联网上网服务营业场所经营许可", "营业性演出审批", "旅行社设立许可",
               "高危险性体育项目经营许可", "出版物零售业务经营许可"],
    "市公安局": ["旅馆业特种行业许可", "公章刻制业特种行业许可", "大型群众性活动安全许可", "剧毒化学品购买许可",
              "民用爆炸物品购买许可", "烟花爆竹道路运输许可"],
    "市民政局": ["社会团体成立登记", "民办非企业单位成立登记", "殡葬设施建设审批"],
    "市发改局": ["企业投资项目核准"],
    "市消防救援大队": ["公众聚集场所投入使用、营业前消防安全检查"],
    "市气象局": ["雷电防护装置设计审核", "升放无人驾驶自由气球审批"],
    "市烟草专卖局": ["烟草专卖零售许可"],
    "市商务局": ["成品油零售经营资格审批", "报废机动车回收拆解企业资质认定"],
}
PERMIT_VARIANTS = [
    "新办", "变更名称", "变更负责人", "变更经营场所", "变更许可范围", "延续", "注销",
    "补证", "换证", "增项", "减项", "迁入", "迁出", "重新申请",
]
PROMISE_TARGET = 0.916  # mean of (1 - promised / statutory days), reported as 91.6%


def compression(items: list[Row]) -> float:
    return sum(1 - item["promised_days"] / item["statutory_days"] for item in items) / len(items)


def permit_items(rng: random.Random) -> list[Row]:
    total, online, fully_online, with_trips = 1007, 999, 813, 37
    permits = [(unit, permit) for unit, unit_permits in PERMITS.items() for permit in unit_permits]
    statutory = {
        permit: rng.choices([20, 15, 30, 45, 60, 10], [50, 15, 15, 8, 7, 5])[0] for _, permit in permits
    }
    kept = sorted(rng.sample(range(len(permits) * len(PERMIT_VARIANTS)), total))
    items: list[Row] = []
    for n, i in enumerate(kept, 1):
        unit, permit = permits[i // len(PERMIT_VARIANTS)]
        days = statutory[permit]
        items.append({
            "item_code": f"XK-{n:04d}", "item": f"{permit}（{PERMIT_VARIANTS[i % len(PERMIT_VARIANTS)]}）",
            "unit": unit, "statutory_days": days,
            "promised_days": min(days, rng.choices([0, 1, 2, 3, 5], [20, 30, 25, 15, 10])[0]),
        })
    # nudge promised days one at a time until the mean compression sits on the target
    while abs((rate := compression(items)) - PROMISE_TARGET) > 0.0001:
        item = rng.choice(items)
        promised = item["promised_days"] + (1 if rate > PROMISE_TARGET else -1)
        if 0 <= promised <= min(5, item["statutory_days"]):
            item["promised_days"] = promised

    # service levels: offline items need trips; some online-only items still need one visit
    order = rng.sample(range(total), total)
    offline = set(order[:total - online])
    partly_online = set(order[total - online:total - fully_online])
    needs_trip = offline | set(rng.sample(sorted(partly_online), with_trips - len(offline)))
    for i, item in enumerate(items):
        item["online"] = i not in offline
        item["fully_online"] = i not in offline and i not in partly_online
        item["trips"] = 0
        if i in needs_trip:
            item["trips"] = rng.choice([1, 2]) if i in offline else 1

    assert len(items) == 1007
    assert sum(item["online"] for item in items) == 999
    assert sum(item["fully_online"] for item in items) == 813
    assert sum(item["trips"] == 0 for item in items) == 970
    assert 0.9155 <= compression(items) < 0.9165
    return items


# ---------------------------------------------------------------------------
# 民政局, 司法局: villages, legal advisors, legal services
# ---------------------------------------------------------------------------

DESIGNATIONS = [("泉州市级重点培育社区", 4), ("泉州市共建共享示范社区", 2), ("晋江市共建共享示范社区", 11)]


def villages(rng: random.Random) -> list[Row]:
    total = sum(v + c for v, c in VILLAGE_COUNTS.values())
    stems = iter(rng.sample(VILLAGE_STEMS, total - 1))  # 跃进 of 西滨镇 is named below
    rows: list[Row] = []
    for town, (village_count, community_count) in VILLAGE_COUNTS.items():
        for kind, count in (("村", village_count), ("社区", community_count)):
            for i in range(count):
                stem = "跃进" if (town, kind, i) == ("西滨镇", "村", 0) else next(stems)
                rows.append({
                    "village": stem + kind, "town": town, "kind": kind,
                    "rule_of_law_village": True, "governance_designation": None,
                })
    communities = iter(rng.sample([row for row in rows if row["kind"] == "社区"], 17))
    for designation, count in DESIGNATIONS:
        for _ in range(count):
            next(communities)["governance_designation"] = designation
    assert len(rows) == 395 and sum(row["kind"] == "村" for row in rows) == 298
    assert all(row["rule_of_law_village"] for row in rows)
    for designation, count in DESIGNATIONS:
        assert sum(row["governance_designation"] == designation for row in rows) == count
    return rows


def legal_advisor_points(rng: random.Random, village_rows: list[Row]) -> list[Row]:
    rows: list[Row] = []
    for i, village in enumerate(rng.sample(village_rows, 180)):
        created = day_in_year(rng) if i < 36 else random_date(rng, date(2018, 1, 1), date(2020, 12, 31))
        rows.append({
            "village": village["village"], "town": village["town"],
            "advisor": rng.choice(LAW_FIRMS), "created_on": created,
        })
    number_rows(rows, "point_no", "SFD-{:03d}", by="created_on")
    assert len(rows) == 180 and sum(row["created_on"].year == YEAR for row in rows) == 36
    return rows


def legal_advice_app() -> list[Row]:
    as_of = date(YEAR, 12, 31)
    rows: list[Row] = [
        {"indicator": "注册用户数", "value": 64147, "unit": "人", "as_of": as_of},
        {"indicator": "服务群众人次", "value": 916, "unit": "人次", "as_of": as_of},
        {"indicator": "回答咨询问题数", "value": 721, "unit": "个", "as_of": as_of},
    ]
    assert [row["value"] for row in rows] == [64147, 916, 721]
    return rows


# case type -> (weight, matters)
LEGAL_AID_MATTERS: dict[str, tuple[int, list[str]]] = {
    "民事": (72, ["追索劳动报酬", "工伤待遇", "确认劳动关系", "交通事故人身损害赔偿", "人身损害赔偿",
                 "离婚纠纷", "追索赡养费", "追索抚养费", "医疗损害赔偿", "追索社会保险待遇"]),
    "刑事": (26, ["刑事辩护（审判阶段）", "刑事辩护（审查起诉阶段）", "未成年人刑事辩护", "刑事被害人代理",
                 "刑事附带民事诉讼代理"]),
    "行政": (2, ["工伤认定行政诉讼", "社会保险行政诉讼", "行政赔偿"]),
}
LEGAL_SERVICE_OFFICES = ["晋江市青阳法律服务所", "晋江市安海法律服务所", "晋江市陈埭法律服务所"]


def legal_aid_cases(rng: random.Random, year: int, count: int) -> list[Row]:
    case_types = list(LEGAL_AID_MATTERS)
    weights = [weight for weight, _ in LEGAL_AID_MATTERS.values()]
    rows: list[Row] = []
    for _ in range(count):
        case_type = rng.choices(case_types, weights)[0]
        rows.append({
            "case_type": case_type,
            "matter": rng.choice(LEGAL_AID_MATTERS[case_type][1]),
            "town": rng.choice(TOWNS),
            "accepted_on": day_in_year(rng, year),
            "handled_by": rng.choice(LAW_FIRMS + LEGAL_SERVICE_OFFICES),
        })
    number_rows(rows, "case_no", f"晋法援〔{year}〕{{:04d}}号", by="accepted_on")
    assert len(rows) == count and all(row["accepted_on"].year == year for row in rows)
    return rows


# ---------------------------------------------------------------------------
# 普法办: publicity
# ---------------------------------------------------------------------------

# theme -> month it is held in (None: all year round)
PUBLICITY_THEMES: dict[str, int | None] = {
    "“3·15”消费者权益保护": 3, "全民国家安全教育日": 4, "“美好生活·民法典相伴”": 5,
    "“6·26”国际禁毒日": 6, "安全生产月": 6, "宪法宣传周": 12, "防范电信网络诈骗": None,
    "扫黑除恶常态化": None, "“八五”普法": None, "反家庭暴力法": None, "未成年人保护法": None,
    "防范非法集资": None, "保障农民工工资支付条例": None, "优化营商环境条例": None,
    "新修订安全生产法": None, "退役军人保障法": None, "“谁执法谁普法”": None,
}
PUBLICITY_FORMS = {  # form -> (name suffix, participants range)
    "法律进社区": ("法律进社区", (40, 300)), "法律进企业": ("法律进企业", (30, 400)),
    "法律进校园": ("法律进校园", (80, 1200)), "法律进农村": ("法律进农村", (30, 300)),
    "专题讲座": ("专题讲座", (40, 400)), "广场宣传": ("广场宣传活动", (100, 800)),
    "线上宣传": ("线上有奖知识竞答", (300, 5000)),
}


def publicity_events(rng: random.Random) -> list[Row]:
    themes = list(PUBLICITY_THEMES)
    rows: list[Row] = []
    for _ in range(602):
        theme, form = rng.choice(themes), rng.choice(list(PUBLICITY_FORMS))
        month = PUBLICITY_THEMES[theme]
        suffix, (low, high) = PUBLICITY_FORMS[form]
        if month is None:
            held = day_in_year(rng, workday=False)
        else:
            last_day = calendar.monthrange(YEAR, month)[1]
            held = random_date(rng, date(YEAR, month, 1), date(YEAR, month, last_day), workday=False)
        rows.append({
            "event": theme + suffix, "held_on": held,
            "town": rng.choice(RURAL_TOWNS if form == "法律进农村" else TOWNS),
            "form": form, "participants": rng.randint(low, high),
        })
    number_rows(rows, "event_no", f"PF-{YEAR}-{{:03d}}", by="held_on")
    assert len(rows) == 602
    return rows


BASE_OPENED = date(2019, 5, 1)
VISITING_BODIES = [
    "石狮市工商联", "南安市工商联", "惠安县工商联", "安溪县工商联", "永春县工商联", "德化县工商联",
    "泉州市工商联", "晋江市青年商会", "晋江市女企业家商会", "晋江市鞋业商会", "晋江市纺织服装商会",
    "晋江市第一中学", "晋江市养正中学", "晋江市季延中学", "泉州职业技术大学", "泉州华光职业学院",
]


def education_base_visits(rng: random.Random) -> list[Row]:
    visits, visitors = 210, 22468
    enterprises = iter(enterprise_names(rng, visits))
    groups = iter(split_total(rng, visitors, visits, 20, 300))
    rows: list[Row] = []
    for _ in range(visits):
        kind = rng.choices(["enterprise", "body", "unit"], [60, 25, 15])[0]
        unit = (next(enterprises) if kind == "enterprise" else
                rng.choice(VISITING_BODIES) if kind == "body" else rng.choice(UNITS) + "机关干部")
        rows.append({
            "visited_on": random_date(rng, BASE_OPENED, date(YEAR, 12, 31)),
            "visitor_unit": unit, "visitors": next(groups),
        })
    number_rows(rows, "visit_no", "JD-{:04d}", by="visited_on")
    assert len(rows) == visits and sum(row["visitors"] for row in rows) == visitors
    return rows


# ---------------------------------------------------------------------------
# 司法局, 法院: mediation and enforcement relief
# ---------------------------------------------------------------------------

PROFESSIONAL_COMMITTEES = [  # fields of the city-wide committees, the newest first
    "物业纠纷", "金融纠纷", "医疗纠纷", "道路交通事故纠纷", "劳动争议", "婚姻家庭纠纷", "消费纠纷",
    "知识产权纠纷", "建设工程纠纷",
]
GOLD_STUDIOS = ["和为贵", "老娘舅", "知心", "连心桥", "和事佬", "暖心", "解忧", "和美"]
NEW_ORGS = {  # org type -> organisations set up in the report year
    "专业性行业性人民调解委员会": 2, "企业人民调解委员会": 13, "园区人民调解委员会": 1, "金牌调解工作室": 3,
}


def mediation_orgs(rng: random.Random, village_rows: list[Row]) -> list[Row]:
    def established(org_type: str, i: int) -> date:
        """The first NEW_ORGS[org_type] organisations of a type were set up this year."""
        if i < NEW_ORGS.get(org_type, 0):
            return day_in_year(rng)
        return random_date(rng, date(2010, 1, 1), date(YEAR - 1, 12, 31))

    orgs: list[tuple[str, str, str]] = [  # (name, type, town), the newest of each type first
        (f"{row['town']}{row['village']}人民调解委员会", "村（居）人民调解委员会", row["town"])
        for row in village_rows
    ]
    orgs += [(f"{town}人民调解委员会", "镇（街道）人民调解委员会", town) for town in TOWNS]
    orgs += [
        (f"晋江市{field}人民调解委员会", "专业性行业性人民调解委员会", "青阳街道")
        for field in PROFESSIONAL_COMMITTEES
    ]
    orgs += [(f"{name}人民调解委员会", "企业人民调解委员会", rng.choice(TOWNS)) for name in enterprise_names(rng, 25)]
    orgs += [(f"{town}工业园区人民调解委员会", "园区人民调解委员会", town) for town in rng.sample(RURAL_TOWNS, 4)]
    orgs += [
        (f"{town}“{name}”金牌调解工作室", "金牌调解工作室", town)
        for town, name in zip(rng.sample(TOWNS, len(GOLD_STUDIOS)), GOLD_STUDIOS)
    ]
    rows: list[Row] = []
    of_type: Counter[str] = Counter()
    for name, org_type, town in orgs:
        rows.append({"org": name, "org_type": org_type, "town": town,
                     "established_on": established(org_type, of_type[org_type])})
        of_type[org_type] += 1
    number_rows(rows, "org_no", "TJ-ORG-{:03d}", by="established_on")
    new_orgs = [row["org_type"] for row in rows if row["established_on"].year == YEAR]
    for org_type, count in NEW_ORGS.items():
        assert new_orgs.count(org_type) == count
    assert len({row["org"] for row in rows}) == len(rows)
    return rows


ORG_CASELOAD = {  # org type -> relative number of cases per organisation
    "村（居）人民调解委员会": 1, "镇（街道）人民调解委员会": 12, "专业性行业性人民调解委员会": 30,
    "企业人民调解委员会": 2, "园区人民调解委员会": 4, "金牌调解工作室": 15,
}
DISPUTE_TYPES = {
    "婚姻家庭纠纷": 14, "邻里纠纷": 22, "合同纠纷": 12, "劳动争议": 12, "损害赔偿纠纷": 10,
    "物业纠纷": 6, "道路交通事故纠纷": 8, "医疗纠纷": 3, "其他纠纷": 13,
}


def mediation_cases(rng: random.Random, org_rows: list[Row]) -> list[Row]:
    total, unsuccessful = 4798, 3
    dec31 = date(YEAR, 12, 31)
    orgs = rng.choices(org_rows, [ORG_CASELOAD[org["org_type"]] for org in org_rows], k=total)
    failed = set(rng.sample(range(total), unsuccessful))
    rows: list[Row] = []
    for i, org in enumerate(orgs):
        # an organisation set up this year only takes cases from the day it was set up
        accepted = random_date(rng, max(org["established_on"], date(YEAR, 1, 1)), dec31, workday=False)
        rows.append({
            "org": org["org"],
            "dispute_type": rng.choices(list(DISPUTE_TYPES), list(DISPUTE_TYPES.values()))[0],
            "accepted_on": accepted,
            "result": "调解不成功" if i in failed else "调解成功",
            "closed_on": random_date(rng, accepted, min(accepted + timedelta(days=15), dec31), workday=False),
        })
    number_rows(rows, "case_no", f"TJ-{YEAR}-{{:05d}}", by="accepted_on")
    assert len(rows) == total and sum(row["result"] == "调解成功" for row in rows) == 4795
    return rows


def charity_relief(rng: random.Random) -> list[Row]:
    grants, amount = 66, 1183000
    docket = [(year, n) for year in (YEAR - 2, YEAR - 1, YEAR) for n in range(1, 6000)]  # enforcement cases
    case_numbers = sorted(rng.sample(docket, grants))
    thousands = split_total(rng, amount // 1000, grants, 5, 50)
    rows: list[Row] = [
        {"case_no": f"（{year}）闽0582执{n}号", "granted_on": day_in_year(rng), "amount_yuan": k * 1000}
        for (year, n), k in zip(case_numbers, thousands)
    ]
    number_rows(rows, "grant_no", f"CS-{YEAR}-{{:02d}}", by="granted_on")
    assert len(rows) == grants and sum(row["amount_yuan"] for row in rows) == amount
    return rows


# ---------------------------------------------------------------------------
# 依法治市办: meetings
# ---------------------------------------------------------------------------

MEETINGS = [
    ("市委全面依法治市委员会办公室2021年第一次会议", "办公室会议", date(YEAR, 3, 2)),
    ("市委全面依法治市委员会2021年第一次会议", "委员会会议", date(YEAR, 3, 18)),
    ("市委全面依法治市委员会立法协调小组会议", "协调小组会议", date(YEAR, 4, 22)),
    ("市委全面依法治市委员会执法协调小组会议", "协调小组会议", date(YEAR, 5, 13)),
    ("市委全面依法治市委员会司法协调小组会议", "协调小组会议", date(YEAR, 6, 10)),
    ("市委全面依法治市委员会守法普法协调小组会议", "协调小组会议", date(YEAR, 7, 8)),
    ("法治政府建设示范创建工作推进专题会议", "专题会议", date(YEAR, 9, 16)),
    ("市委全面依法治市委员会办公室2021年第二次会议", "办公室会议", date(YEAR, 12, 9)),
]


def rule_of_law_meetings() -> list[Row]:
    rows: list[Row] = [
        {"meeting_no": f"YF-{YEAR}-{n:02d}", "meeting": meeting, "kind": kind, "held_on": held_on}
        for n, (meeting, kind, held_on) in enumerate(MEETINGS, 1)
    ]
    assert len(rows) == 8
    return rows


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def kept_columns(contract: Contract, rows: list[Row]) -> list[str]:
    """The contract's columns a ledger keeps, in the contract's order: the ones its rows name (every row the same
    ones, the required among them; Jinjiang's ledgers lack some optional columns)."""
    names = [column.name for column in contract.columns if column.name in rows[0]]
    assert all(sorted(row) == sorted(names) for row in rows), f"{contract.dataset}: {sorted(rows[0])}"
    assert {column.name for column in contract.required_columns} <= set(names), f"{contract.dataset}: {names}"
    return names


def cells(row: Row, names: list[str]) -> list[str]:
    """A row's cells in the ledger's column order, as the department's CSV has them."""
    return [cell(row[name]) for name in names]


def seeded(name: str) -> random.Random:
    """Each dataset its own generator, so changing one leaves the others' rows as they were."""
    return random.Random(f"{SEED}/{name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=Path, default=ROOT / "inputs",
                        help="folder to write the ledgers into (default: the repo's inputs/)")
    args = parser.parse_args()

    contracts = load_contracts(ROOT / "contracts")

    village_rows = villages(seeded("villages"))
    org_rows = mediation_orgs(seeded("mediation_orgs"), village_rows)
    ledgers: list[tuple[str, int, list[Row]]] = [
        ("legality_reviews", YEAR, legality_reviews(seeded("legality_reviews"))),
        ("normative_filings", YEAR, normative_filings(seeded("normative_filings"))),
        ("reconsiderations", YEAR, reconsiderations(seeded("reconsiderations"))),
        ("litigations", YEAR, litigations(seeded("litigations"))),
        ("business_tasks", YEAR, business_tasks(seeded("business_tasks"))),
        ("certification_items", YEAR, certification_items(seeded("certification_items"))),
        ("compliance_items", YEAR, compliance_items()),
        ("compliance_checks", YEAR, compliance_checks(seeded("compliance_checks"))),
        ("permit_items", YEAR, permit_items(seeded("permit_items"))),
        ("villages", YEAR, village_rows),
        ("legal_advisor_points", YEAR, legal_advisor_points(seeded("legal_advisor_points"), village_rows)),
        ("legal_advice_app", YEAR, legal_advice_app()),
        ("legal_aid_cases", YEAR, legal_aid_cases(seeded(f"legal_aid_cases/{YEAR}"), YEAR, 3501)),
        ("legal_aid_cases", YEAR - 1, legal_aid_cases(seeded(f"legal_aid_cases/{YEAR - 1}"), YEAR - 1, 2433)),
        ("publicity_events", YEAR, publicity_events(seeded("publicity_events"))),
        ("education_base_visits", YEAR, education_base_visits(seeded("education_base_visits"))),
        ("mediation_orgs", YEAR, org_rows),
        ("mediation_cases", YEAR, mediation_cases(seeded("mediation_cases"), org_rows)),
        ("charity_relief", YEAR, charity_relief(seeded("charity_relief"))),
        ("rule_of_law_meetings", YEAR, rule_of_law_meetings()),
    ]
    assert {dataset for dataset, _, _ in ledgers} == set(contracts), "every contract gets a ledger"

    for dataset, year, rows in ledgers:
        contract = contracts[dataset]
        path = args.inputs / str(year) / contract.department / f"{contract.title}.csv"
        names = kept_columns(contract, rows)
        write_ledger(path, contract, [cells(row, names) for row in rows], line_ending="\n", columns=names)
        print(f"{path}  {len(rows)} rows")


if __name__ == "__main__":
    main()
