"""Cron jobs of an end user (issue 16 item 5): checked here, saved as wanted state; the "cron" job
writes every customer's jobs into the server's cron file, run as each customer's system user.

A schedule is five fields (minute hour day month weekday) or @hourly, @daily, @weekly, @monthly,
@yearly; @reboot is refused (a customer's job must not run when the provider reboots a shared
server). A command is one line of at most 1,000 characters; cron reads ``%`` as a line break, so
the driver escapes it. Counted against the course (``max_cron_jobs``)."""
from __future__ import annotations

from tenants import audit
from tenants.errors import N_, RuleViolation
from tenants.hosting.cron_models import CronJob, CronOutput
from tenants.hosting.wanted import Work, check_limit, checked_all, need_server
from tenants.models import Customer

MAX_COMMAND = 1000
NAMED = ("@hourly", "@daily", "@weekly", "@monthly", "@yearly", "@annually", "@midnight")


def check_schedule(schedule: str, field: str = "schedule") -> str:
    from crontab import CronSlices

    schedule = " ".join((schedule or "").split())
    if not schedule:
        raise RuleViolation.one(N_("Enter a schedule, e.g. */10 * * * * or @daily."), field)
    if schedule.startswith("@"):
        if schedule not in NAMED:
            raise RuleViolation.one(N_("Use @hourly, @daily, @weekly, @monthly or @yearly (@reboot is not allowed)."),
                                    field)
        return schedule
    if len(schedule.split(" ")) != 5:
        raise RuleViolation.one(N_("A schedule has five fields: minute hour day month weekday."), field)
    if not CronSlices.is_valid(schedule):
        raise RuleViolation.one(N_("This schedule is not valid: %(schedule)s"), field, schedule=schedule)
    return schedule


def check_command(command: str, field: str = "command") -> str:
    command = (command or "").strip()
    if not command:
        raise RuleViolation.one(N_("Enter the command to run."), field)
    if "\n" in command or "\r" in command or "\x00" in command:
        raise RuleViolation.one(N_("The command must be one line."), field)
    if any(ord(c) < 0x20 and c != "\t" for c in command) or "\x7f" in command:
        raise RuleViolation.one(N_("The command must not contain control characters."), field)
    if len(command) > MAX_COMMAND:
        raise RuleViolation.one(N_("Use at most %(n)s characters."), field, n=MAX_COMMAND)
    return command


def check_output(output: str, field: str = "output") -> str:
    if output not in (CronOutput.MAIL, CronOutput.LOG):
        raise RuleViolation.one(N_("Choose where the output goes."), field)
    return output


def create_cron(session, actor, customer: Customer, schedule: str, command: str,
                output: str = CronOutput.MAIL) -> tuple[CronJob, list[Work]]:
    need_server(customer, "schedule")
    schedule, command, output = checked_all(lambda: check_schedule(schedule), lambda: check_command(command),
                                            lambda: check_output(output))
    check_limit(session, customer, "cron_jobs", "schedule")
    job = CronJob(customer_id=customer.id, reseller_id=customer.reseller_id, schedule=schedule, command=command,
                  output=output)
    session.add(job)
    session.flush()
    audit.record(session, actor, "cron.create", job, f"added cron job {schedule} {command[:80]}",
                 customer_id=customer.id)
    return job, [Work.service(customer, "cron")]


def delete_cron(session, actor, customer: Customer, job: CronJob) -> list[Work]:
    job.want_gone()
    audit.record(session, actor, "cron.delete", job, f"removed cron job {job.schedule} {job.command[:80]}",
                 customer_id=customer.id)
    return [Work.service(customer, "cron")]
