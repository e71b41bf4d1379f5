"""Failures that reach a person: runs whose worker died marked Crashed, the office's notification block and the
automation that calls it.

`python -m annual_report.notify [--crashes] [--webhook URL]` (scripts/deploy.sh runs it with --crashes, and the
webhook when ANNUAL_REPORT_NOTIFY_WEBHOOK is set) creates, or brings up to date:
- with --crashes, the automation that marks a flow run Crashed when its heartbeats stop (its worker's machine lost, the worker
  killed): Prefect's own recipe for such runs, which would otherwise show Running for ever. Runs beat every
  PREFECT_FLOWS_HEARTBEAT_FREQUENCY seconds (scripts/env.sh); three missed beats are a crash;
- with a webhook, the Prefect notification block `annual-report-notify` and the automation that sends through it
  when a report run ends Failed or Crashed: the run's name (region, year), what stopped it (the message a strict
  run stops with names the ledgers and files), and its page in the UI. The pre-flight flow sends its 催报 list
  through the same block. A webhook is what 企业微信, 钉钉 and most mail gateways take; its JSON is
  {"subject": …, "text": …}.
"""

from __future__ import annotations

import argparse
from datetime import timedelta
from uuid import UUID

from prefect.automations import (
    Automation,
    ChangeFlowRunState,
    EventTrigger,
    Posture,
    SendNotification,
)
from prefect.blocks.notifications import CustomWebhookNotificationBlock
from prefect.client.schemas.objects import StateType
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY

BLOCK = "annual-report-notify"
AUTOMATION = "annual-report: a report run failed or crashed"
CRASHES = "annual-report: a run whose heartbeats stopped is crashed"
MISSED_BEATS = 3
ENDED = {"prefect.flow-run.Completed", "prefect.flow-run.Failed", "prefect.flow-run.Cancelled",
         "prefect.flow-run.Crashed"}
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


def crash_automation(heartbeat_seconds: int) -> Automation:
    """The automation: a flow run that has sent a heartbeat and then neither another one nor its end within
    MISSED_BEATS beats is marked Crashed (which the failure automation then tells)."""
    return Automation(
        name=CRASHES,
        description=f"A flow run with no heartbeat for {MISSED_BEATS} × {heartbeat_seconds} s, and not ended, is "
                    "marked Crashed: its process is gone.",
        trigger=EventTrigger(after={"prefect.flow-run.heartbeat"}, expect={"prefect.flow-run.heartbeat", *ENDED},
                             match={"prefect.resource.id": "prefect.flow-run.*"}, for_each={"prefect.resource.id"},
                             posture=Posture.Proactive, threshold=1,
                             within=timedelta(seconds=MISSED_BEATS * heartbeat_seconds)),
        actions=[ChangeFlowRunState(state=StateType.CRASHED,
                                    message=f"{MISSED_BEATS} 次心跳未到：运行它的进程已不在（工作进程或其机器停止）")],
    )


def _create_or_update(automation: Automation) -> Automation:
    try:
        existing = Automation.read(name=automation.name)
    except ValueError:  # none of that name yet
        return automation.create()
    automation.id = existing.id
    automation.update()
    return automation


def install(url: str | None, crashes: bool) -> list[Automation]:
    """With a webhook, the block and the failure automation; with `crashes`, the crash automation, for the
    heartbeat this environment's runs send (scripts/env.sh). Each replaces the one of its name."""
    heartbeat = PREFECT_FLOWS_HEARTBEAT_FREQUENCY.value()
    automations = [failure_automation(save_webhook(url))] if url else []
    if crashes and heartbeat:
        automations.append(crash_automation(heartbeat))
    return [_create_or_update(automation) for automation in automations]


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
    parser.add_argument("--webhook", help="the URL a failed run's notification is POSTed to")
    parser.add_argument("--crashes", action="store_true",
                        help="the automation that marks a run whose heartbeats stopped Crashed")
    args = parser.parse_args(argv)
    if args.webhook:
        print(f"notification block {BLOCK!r} → {args.webhook}")
    for automation in install(args.webhook, args.crashes):
        print(f"automation {automation.name!r} ({automation.id})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
