"""Registration of the report schedule (a tenant's setting for its scheduled compliance reports)."""

from streams.domain import Domain
from streams.report_schedule.commands import COMMANDS
from streams.report_schedule.decider import ReportSchedule, report_schedule_decider
from streams.report_schedule.events import EVENTS
from streams.tenancy import Tenancy

REPORT_SCHEDULE = Domain(
    name="report_schedule",
    decider=report_schedule_decider,
    state_type=ReportSchedule,
    commands=COMMANDS,
    events=EVENTS,
    tenancy=Tenancy(lambda schedule: schedule.tenant_id, "report schedule"),
)
