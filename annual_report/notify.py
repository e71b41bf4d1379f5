"""Failures that reach a person: the office's notification block and the automation that calls it.

`python -m annual_report.notify --webhook URL` (scripts/deploy.sh runs it when ANNUAL_REPORT_NOTIFY_WEBHOOK is
set) saves the webhook as the Prefect notification block `annual-report-notify` and creates, or brings up to
date, the automation that sends through it when a report run ends Failed or Crashed: the run's name (region,
year), what stopped it (the message a strict run stops with names the ledgers and files), and its page in the
UI. The pre-flight flow sends its 催报 list through the same block. A webhook is what 企业微信, 钉钉 and most
mail gateways take; its JSON is {"subject": …, "text": …}.
"""

from __future__ import annotations

import argparse
from uuid import UUID

from prefect.automations import Automation, EventTrigger, Posture, SendNotification
from prefect.blocks.notifications import CustomWebhookNotificationBlock

BLOCK = "annual-report-notify"
AUTOMATION = "annual-report: a report run failed or crashed"
REPORT_FLOW = "annual-report"
SUBJECT = "年度报告运行未完成：{{ flow_run.name }}"
BODY = ("年度报告的运行 {{ flow_run.name }} "
        "{% if flow_run.state.type == 'CRASHED' %}意外中止{% else %}失败{% endif %}。\n"
        "原因：{{ flow_run.state.message }}\n"
        "详情：{{ flow_run|ui_url }}")


def save_webhook(url: str) -> UUID:
    """Save the webhook as the notification block; its JSON carries the subject and the text."""
    block = CustomWebhookNotificationBlock(name="annual-report", url=url, method="POST",
                                           json_data={"subject": "{{subject}}", "text": "{{body}}"})
    return block.save(BLOCK, overwrite=True)


def failure_automation(block_id: UUID) -> Automation:
    """The automation: a report run that ends Failed or Crashed sends the notification."""
    return Automation(
        name=AUTOMATION,
        description="A report run (flow annual-report) that ends Failed or Crashed: its name, reason and page, "
                    f"through the {BLOCK} block.",
        trigger=EventTrigger(expect={"prefect.flow-run.Failed", "prefect.flow-run.Crashed"},
                             match_related={"prefect.resource.role": "flow",
                                            "prefect.resource.name": REPORT_FLOW},
                             posture=Posture.Reactive, threshold=1),
        actions=[SendNotification(block_document_id=block_id, subject=SUBJECT, body=BODY)],
    )


def install(url: str) -> Automation:
    """Save the block and create the automation, or replace the one of the same name."""
    automation = failure_automation(save_webhook(url))
    try:
        existing = Automation.read(name=AUTOMATION)
    except ValueError:  # none of that name yet
        return automation.create()
    automation.id = existing.id
    automation.update()
    return automation


def notify(subject: str, body: str) -> bool:
    """Send through the office's block; False when none is configured (the caller's artifact still says it)."""
    try:
        block = CustomWebhookNotificationBlock.load(BLOCK)
    except ValueError:
        return False
    block.notify(body, subject=subject)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m annual_report.notify", description=__doc__.splitlines()[0])
    parser.add_argument("--webhook", required=True, help="the URL a failed run's notification is POSTed to")
    args = parser.parse_args(argv)
    automation = install(args.webhook)
    print(f"notification block {BLOCK!r} → {args.webhook}; automation {automation.name!r} ({automation.id})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
