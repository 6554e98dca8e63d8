"""认定 at province level: when it is possible (after the 公示 period, when
the batch requires one), the 认定文号 of the batch's 认定文件, the base's
证书编号 and its validity.

The 证书编号 is the year of the 认定 and a number counted per year
(labels.CERTIFICATE_FORMAT, e.g. 苏双创基地〔2026〕0001). The number comes
from the year's row of `review_certificate_counters`, raised by an UPDATE in
the 认定's own transaction: two 认定 at once wait on that row's lock and get
consecutive numbers, and a 认定 that fails gives its number back.
"""
import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from services.common import clock, contracts, personal_data
from services.common.errors import BadState, ValidationFailed
from services.review import labels
from services.review.models import CertificateCounter, PublicityNotice, ReviewCase
from services.review.moves import announce, move


def final_now(case):
    """True when the province's 通过 is the 认定 itself: after 公示, or at
    once when the batch requires none."""
    if case.state == contracts.IN_PUBLICITY:
        return True
    return case.state == contracts.PENDING_PROVINCE and not case.publicity_required


def refuse_early(session, case):
    """BadState unless 认定 is possible today: a case 待公示 must first be put
    under 公示, one 公示中 must wait until its period has ended."""
    if case.state == contracts.PENDING_PUBLICITY:
        raise BadState("该申报待公示，请先选入公示，公示期满后再认定")
    if case.state == contracts.IN_PUBLICITY:
        notice = session.get(PublicityNotice, case.publicity_id)
        if notice is not None and clock.beijing_today() <= notice.ends_on:
            raise BadState(f"公示期至{notice.ends_on.isoformat()}，公示期满后才能认定")


def document_number(value):
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise ValidationFailed("请填写认定文号", {"document_number": "请填写认定文件的文号"})
    if len(text) > labels.DOCUMENT_NUMBER_MAX:
        message = f"认定文号不能超过{labels.DOCUMENT_NUMBER_MAX}字"
        raise ValidationFailed(message, {"document_number": message})
    return text


def batch_document_number(session, case):
    """The 认定文号 given at the last 认定 of the case's batch (one 认定文件
    names every base it recognises), to offer at the next; None before."""
    if not case.batch_id:
        return None
    return session.scalar(
        select(ReviewCase.document_number)
        .where(ReviewCase.batch_id == case.batch_id, ReviewCase.document_number.isnot(None))
        .order_by(ReviewCase.updated_at.desc())
        .limit(1)
    )


def next_certificate_number(session, year):
    """The year's next 证书编号 (its counter row locked until the transaction ends)."""
    raise_counter = (update(CertificateCounter).where(CertificateCounter.year == year)
                     .values(last=CertificateCounter.last + 1).returning(CertificateCounter.last))
    number = session.execute(raise_counter).scalar()
    if number is None:
        try:
            with session.begin_nested():
                session.add(CertificateCounter(year=year, last=0))
        except IntegrityError:
            pass  # another 认定 made the year's row first; ours waits on its lock
        number = session.execute(raise_counter).scalar()
    return labels.CERTIFICATE_FORMAT.format(year=year, number=number)


def validity(first_day, years):
    """(valid_from, valid_until): `years` years, the last day included."""
    try:
        end = first_day.replace(year=first_day.year + years)
    except ValueError:  # 29 February
        end = first_day.replace(year=first_day.year + years, day=28) + dt.timedelta(days=1)
    return first_day, end - dt.timedelta(days=1)


def recognise(tx, principal, case, expected_revision, opinion, number_of_document):
    """认定: the certificate, the move to approved and DECLARATION_APPROVED."""
    number_of_document = document_number(number_of_document)
    valid_from, valid_until = validity(clock.beijing_today(), personal_data.recognition_valid_years())
    certificate = next_certificate_number(tx.session, valid_from.year)
    declaration_id, enterprise_id, version = case.declaration_id, case.enterprise_id, case.version
    record = move(tx, principal, case, expected_revision, labels.APPROVE, principal.level,
                  contracts.APPROVED, None, reason=opinion, extra={
                      "document_number": number_of_document, "certificate_number": certificate,
                      "valid_from": valid_from, "valid_until": valid_until})
    announce(tx, record, contracts.DECLARATION_APPROVED, {
        "declaration_id": declaration_id, "enterprise_id": enterprise_id,
        "reason": opinion or "", "version": version,
        "document_number": number_of_document, "certificate_number": certificate,
        "valid_from": valid_from.isoformat(), "valid_until": valid_until.isoformat(),
    })
    return record
