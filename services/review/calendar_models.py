"""The review service's working-day calendar: the dated exceptions to
"Monday to Friday" that admins maintain (节假日: holidays, and 调休 weekend
days that are worked). services.review.calendar reads it."""
from sqlalchemy import Column, Date, DateTime, String

from services.common import contracts as c
from services.review.models import Base

HOLIDAY = c.CALENDAR_HOLIDAY  # 休: a weekday off
WORKDAY = c.CALENDAR_WORKDAY  # 班: a weekend day worked (调休)
KINDS = c.CALENDAR_KINDS


class CalendarDay(Base):
    """One day that is not what its weekday says."""

    __tablename__ = "calendar_days"

    day = Column(Date, primary_key=True)
    kind = Column(String(10), nullable=False)  # HOLIDAY or WORKDAY
    note = Column(String(60))  # e.g. 春节, 国庆节调休
    updated_at = Column(DateTime(timezone=True), nullable=False)
    updated_by = Column(String(64), nullable=False)
