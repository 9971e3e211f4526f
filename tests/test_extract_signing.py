"""Digital-signature cross-check of the issue date (synthetic reads, no files)."""

from __future__ import annotations

import datetime as dt

from pipeline.extract.signing import DateRead, cross_check, first_signing_day, relation
from pipeline.signatures import Signature

SIGNED = dt.date(2025, 1, 24)


def _sig(when: dt.datetime | None) -> Signature:
    return Signature(signed_at=when, name=None, reason=None, location=None, page=1)


def test_first_signing_day_is_the_earliest_in_vietnam_time() -> None:
    utc = dt.UTC
    sigs = [_sig(dt.datetime(2025, 1, 24, 20, 0, tzinfo=utc)),  # 25 Jan 03:00 in Vietnam
            _sig(dt.datetime(2025, 1, 24, 18, 30, tzinfo=utc)),  # 25 Jan 01:30 in Vietnam: the earliest
            _sig(None)]
    assert first_signing_day(sigs) == dt.date(2025, 1, 25)
    assert first_signing_day([_sig(dt.datetime(2025, 1, 24, 9, 0))]) == dt.date(2025, 1, 24)  # naive = VN
    assert first_signing_day([]) is None
    assert first_signing_day([_sig(None)]) is None


def test_relation() -> None:
    assert relation(dt.date(2025, 1, 25), SIGNED) == "after"
    assert relation(SIGNED, SIGNED) == "near"
    assert relation(dt.date(2025, 1, 14), SIGNED) == "near"
    assert relation(dt.date(2025, 1, 13), SIGNED) == "far"


def test_two_agreeing_reads_singled_out_by_the_signature_are_accepted() -> None:
    read = DateRead("2025-01-23", 0.6, "independent reads of the handwriting disagree", True, 2, True,
                    ("2025-01-13",))  # the dissenting read lands 11 days before: ruled out
    got = cross_check(read, SIGNED)
    assert got.value == "2025-01-23" and got.confidence >= 0.8 and got.reason == ""


def test_no_gain_when_a_rival_read_is_as_plausible() -> None:
    read = DateRead("2025-01-23", 0.6, "disagree", True, 2, True, ("2025-01-18",))
    assert cross_check(read, SIGNED).confidence == 0.6


def test_no_gain_for_a_single_reader_or_a_single_digit() -> None:
    assert cross_check(DateRead("2025-01-23", 0.4, "disagree", True, 1, True), SIGNED).confidence == 0.4
    assert cross_check(DateRead("2025-01-20", 0.6, "one digit", True, 2, False), SIGNED).confidence == 0.6


def test_date_after_signature_is_dropped_or_replaced_by_a_near_rival() -> None:
    got = cross_check(DateRead("2025-01-27", 0.92, "", True, 3, True), SIGNED)
    assert got.value is None and "after" in got.reason
    got = cross_check(DateRead("2025-01-27", 0.6, "", True, 2, True, ("2025-01-21", "2025-02-21")), SIGNED)
    assert got.value == "2025-01-21" and got.confidence < 0.8  # chosen, still for a person to check
    printed = cross_check(DateRead("2025-03-01", 0.99), SIGNED)
    assert printed.value is None and printed.confidence < 0.8


def test_far_before_signature_keeps_a_two_of_three_read_flagged() -> None:
    got = cross_check(DateRead("2024-12-31", 0.85, "", True, 2, True), SIGNED)
    assert got.value == "2024-12-31" and got.confidence < 0.8
    assert cross_check(DateRead("2024-12-31", 0.92, "", True, 3, True), SIGNED).confidence == 0.92
    assert cross_check(DateRead("2024-12-31", 0.99), SIGNED).confidence == 0.99  # printed: untouched


def test_no_signature_changes_nothing() -> None:
    read = DateRead("2025-01-23", 0.6, "x", True, 2, True)
    assert cross_check(read, None) == read


def test_unread_date_may_take_the_one_near_rival_flagged() -> None:
    got = cross_check(DateRead(None, 0.0, "disagree", True, 0, True, ("2025-01-22", "2024-11-02")), SIGNED)
    assert got.value == "2025-01-22" and got.confidence < 0.8
    none = cross_check(DateRead(None, 0.0, "disagree", True, 0, True, ("2025-01-22", "2025-01-20")), SIGNED)
    assert none.value is None
