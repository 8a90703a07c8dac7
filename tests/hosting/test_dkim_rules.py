"""The rules of mail authentication, as plain functions: what a selector may be, and which records a
zone gets (SPF and DMARC only where the zone has none of its own; a rotated-out key until its
overlap ends)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tenants.errors import RuleViolation
from tenants.hosting.dkim import check_selector, records, zone_additions
from tenants.hosting.dkim_models import DkimKey
from tenants.hosting.dns_records import Record

NOW = datetime(2026, 12, 5, tzinfo=timezone.utc)


@pytest.mark.parametrize("value, expected", [("mail2026", "mail2026"), ("Mail-1", "mail-1"), (" s1 ", "s1")])
def test_a_selector_is_one_label(value, expected):
    assert check_selector(value) == expected


@pytest.mark.parametrize("value, message", [
    ("mail.2026", "cannot contain dots or spaces"), ("mail 2026", "cannot contain dots or spaces"),
    ("", "Enter a selector"), ("-s1", "cannot start or end with a hyphen"), ("s_1", "letters, digits and hyphens"),
    ("x" * 64, "1 to 63"),
])
def test_a_bad_selector_is_refused_with_its_reason(value, message):
    with pytest.raises(RuleViolation) as caught:
        check_selector(value)
    assert message in caught.value.problems[0].msgid and caught.value.problems[0].field == "selector"


def key(selector: str, active: bool = True, retire_at=None, in_our_zone: bool = True) -> DkimKey:
    return DkimKey(selector=selector, public_key="MIIB" + "A" * 380, active=active, retire_at=retire_at,
                   in_our_zone=in_our_zone, deleting=False)


def test_spf_and_dmarc_are_added_only_where_the_zone_has_none():
    bare = records("example.com", [key("s1")], [], NOW)
    assert [(r.name, r.value.split(";")[0].split()[0]) for r in bare] == \
        [("s1._domainkey", "v=DKIM1"), ("@", "v=spf1"), ("_dmarc", "v=DMARC1")]
    own = [Record("@", "TXT", "v=spf1 include:_spf.example.net -all"), Record("_dmarc", "TXT", "v=DMARC1; p=reject")]
    assert [r.name for r in records("example.com", [key("s1")], own, NOW)] == ["s1._domainkey"]


def test_a_rotated_out_key_is_published_until_its_overlap_ends():
    keys = [key("new"), key("old", active=False, retire_at=NOW + timedelta(days=1))]
    assert [r.name for r in records("example.com", keys, [], NOW) if "_domainkey" in r.name] == \
        ["new._domainkey", "old._domainkey"]
    assert [r.name for r in records("example.com", keys, [], NOW + timedelta(days=2)) if "_domainkey" in r.name] == \
        ["new._domainkey"]


def test_nothing_is_added_to_our_zone_when_the_dns_is_elsewhere():
    assert zone_additions("example.com", [key("s1", in_our_zone=False)], [], NOW) == []
    assert zone_additions("example.com", [], [], NOW) == []
