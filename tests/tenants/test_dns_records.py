"""DNS records: what a user types → a normalised record, or a refusal tied to a field."""
from __future__ import annotations

import pytest

from tenants.errors import RuleViolation
from tenants.hosting.dns_records import TTL_DEFAULT, Record, check_record_set, fqdn, validate_record, zone_rdata

ZONE = "example.com"

GOOD = [
    # name, type, value, ttl, priority → (name, value, ttl)
    ("www", "A", "192.0.2.10", None, None, ("www", "192.0.2.10", TTL_DEFAULT)),
    ("www.example.com", "A", " 192.0.2.10 ", 300, None, ("www", "192.0.2.10", 300)),
    ("WWW.EXAMPLE.COM.", "a", "192.0.2.10", "600", None, ("www", "192.0.2.10", 600)),
    ("@", "A", "192.0.2.1", 60, None, ("@", "192.0.2.1", 60)),
    ("", "AAAA", "2001:DB8:0:0::10", 604800, None, ("@", "2001:db8::10", 604800)),
    ("*", "A", "192.0.2.2", None, None, ("*", "192.0.2.2", TTL_DEFAULT)),
    ("*.dev", "AAAA", "2001:db8::2", None, None, ("*.dev", "2001:db8::2", TTL_DEFAULT)),
    ("メール", "A", "192.0.2.3", None, None, ("xn--4dkua4c", "192.0.2.3", TTL_DEFAULT)),
    ("blog", "CNAME", "www", None, None, ("blog", "www.example.com.", TTL_DEFAULT)),
    ("blog", "CNAME", "example.github.io.", None, None, ("blog", "example.github.io.", TTL_DEFAULT)),
    ("blog", "CNAME", "@", None, None, ("blog", "example.com.", TTL_DEFAULT)),
    ("_acme-challenge", "CNAME", "_acme.auth.example.net", None, None,
     ("_acme-challenge", "_acme.auth.example.net.", TTL_DEFAULT)),
    ("@", "MX", "10 mail", None, None, ("@", "10 mail.example.com.", TTL_DEFAULT)),
    ("@", "MX", "mx.example.net", None, 20, ("@", "20 mx.example.net.", TTL_DEFAULT)),
    ("@", "MX", "0 .", None, None, ("@", "0 .", TTL_DEFAULT)),
    ("@", "TXT", "v=spf1 mx -all", None, None, ("@", "v=spf1 mx -all", TTL_DEFAULT)),
    ("_dmarc", "TXT", '"v=DMARC1; p=none"', None, None, ("_dmarc", "v=DMARC1; p=none", TTL_DEFAULT)),
    ("k._domainkey", "TXT", '"v=DKIM1; k=rsa; " "p=MIGf"', None, None,
     ("k._domainkey", "v=DKIM1; k=rsa; p=MIGf", TTL_DEFAULT)),
    ("note", "TXT", 'say "hi" \\o/', None, None, ("note", 'say "hi" \\o/', TTL_DEFAULT)),
    ("_sip._tcp", "SRV", "10 5 5060 sip", None, None, ("_sip._tcp", "10 5 5060 sip.example.com.", TTL_DEFAULT)),
    ("_imaps._tcp", "SRV", "0 993 mail.example.net", None, 1,
     ("_imaps._tcp", "1 0 993 mail.example.net.", TTL_DEFAULT)),
    ("_xmpp._tcp.chat", "SRV", "0 0 0 .", None, None, ("_xmpp._tcp.chat", "0 0 0 .", TTL_DEFAULT)),
    ("@", "CAA", "0 issue letsencrypt.org", None, None, ("@", '0 issue "letsencrypt.org"', TTL_DEFAULT)),
    ("@", "CAA", '128 ISSUEWILD ";"', None, None, ("@", '128 issuewild ";"', TTL_DEFAULT)),
    ("@", "CAA", '0 issue "ca.example.net; account=123"', None, None,
     ("@", '0 issue "ca.example.net; account=123"', TTL_DEFAULT)),
    ("@", "CAA", "0 iodef mailto:security@example.com", None, None,
     ("@", '0 iodef "mailto:security@example.com"', TTL_DEFAULT)),
]

BAD = [
    # name, type, value, ttl, priority → (field, message substring)
    ("www", "PTR", "x", None, None, ("type", "must be one of")),
    ("www", "A", "192.0.2.300", None, None, ("value", "IPv4 address")),
    ("www", "A", "192.0.2.01", None, None, ("value", "IPv4 address")),
    ("www", "A", "2001:db8::1", None, None, ("value", "IPv4 address")),
    ("www", "A", "0.0.0.0", None, None, ("value", "cannot be the address of a host")),
    ("www", "A", "224.0.0.1", None, None, ("value", "cannot be the address of a host")),
    ("www", "AAAA", "192.0.2.1", None, None, ("value", "IPv6 address")),
    ("www", "AAAA", "fe80::1%eth0", None, None, ("value", "IPv6 address")),
    ("www", "A", "192.0.2.1", 59, None, ("ttl", "between 60 and 604800")),
    ("www", "A", "192.0.2.1", 604801, None, ("ttl", "between 60 and 604800")),
    ("www", "A", "192.0.2.1", "1h", None, ("ttl", "whole number")),
    ("www", "A", "192.0.2.1", True, None, ("ttl", "whole number")),
    ("www", "A", "192.0.2.1", None, 10, ("priority", "Only MX and SRV")),
    ("host.other.org.", "A", "192.0.2.1", None, None, ("name", "outside the zone")),
    ("bad..name", "A", "192.0.2.1", None, None, ("name", "empty labels")),
    ("_srv", "A", "192.0.2.1", None, None, ("name", "not allowed in a host name")),
    ("a.*", "A", "192.0.2.1", None, None, ("name", "leftmost label")),
    ("x" * 64, "A", "192.0.2.1", None, None, ("name", "at most 63 characters")),
    ("@", "CNAME", "www.example.net", None, None, ("name", "not allowed at the zone apex")),
    ("example.com.", "CNAME", "www.example.net", None, None, ("name", "not allowed at the zone apex")),
    ("loop", "CNAME", "loop", None, None, ("value", "must not point to itself")),
    ("x", "CNAME", "192.0.2.1", None, None, ("value", "not an IP address")),
    ("x", "CNAME", "", None, None, ("value", "Enter a target host name")),
    ("@", "MX", "mail.example.com", None, None, ("value", "preference host")),
    ("@", "MX", "70000 mail", None, None, ("value", "preference must be a whole number from 0 to 65535")),
    ("@", "MX", "-1 mail", None, None, ("value", "preference must be")),
    ("@", "MX", "10 192.0.2.25", None, None, ("value", "not an IP address")),
    ("@", "MX", "10 _mx.example.com", None, None, ("value", "not allowed in a host name")),
    ("@", "MX", "10 .", None, None, ("value", "null MX")),
    ("@", "MX", "mail", None, 99999, ("priority", "priority must be a whole number")),
    ("@", "TXT", "", None, None, ("value", "Enter the text")),
    ("@", "TXT", "line\nbreak", None, None, ("value", "line breaks")),
    ("@", "TXT", "x" * 4001, None, None, ("value", "at most 4000 bytes")),
    ("sip", "SRV", "10 5 5060 sip", None, None, ("name", "_service._protocol")),
    ("_sip._icmp", "SRV", "10 5 5060 sip", None, None, ("name", "_service._protocol")),
    ("_sip._tcp", "SRV", "10 5 sip", None, None, ("value", "priority weight port target")),
    ("_sip._tcp", "SRV", "10 5 65536 sip", None, None, ("value", "port must be")),
    ("_sip._tcp", "SRV", "10 x 5060 sip", None, None, ("value", "weight must be")),
    ("@", "CAA", "0 issue", None, None, ("value", "flags tag value")),
    ("@", "CAA", "256 issue ca.example", None, None, ("value", "flags must be")),
    ("@", "CAA", "0 tbs ca.example", None, None, ("value", "CAA tag must be one of")),
    ("@", "CAA", '0 issue "ca"example"', None, None, ("value", "without quotes")),
    ("@", "CAA", "0 issue ca_bad.example", None, None, ("value", "not allowed in a host name")),
    ("@", "CAA", "0 iodef ftp://x.example", None, None, ("value", "mailto: or https://")),
]


@pytest.mark.parametrize("name, rtype, value, ttl, priority, expected", GOOD)
def test_good_records_are_normalised(name, rtype, value, ttl, priority, expected):
    record = validate_record(ZONE, name, rtype, value, ttl=ttl, priority=priority)
    assert (record.name, record.value, record.ttl) == expected
    assert record.type == rtype.upper()


@pytest.mark.parametrize("name, rtype, value, ttl, priority, expected", BAD)
def test_bad_records_are_refused(name, rtype, value, ttl, priority, expected):
    field, message = expected
    with pytest.raises(RuleViolation) as caught:
        validate_record(ZONE, name, rtype, value, ttl=ttl, priority=priority)
    problem = caught.value.problems[0]
    assert problem.field == field
    assert message in problem.render()


def test_zone_itself_is_a_domain():
    assert validate_record("Example.COM.", "www", "A", "192.0.2.1").name == "www"
    with pytest.raises(RuleViolation) as caught:
        validate_record("192.0.2.1", "www", "A", "192.0.2.1")
    assert caught.value.problems[0].field == "zone"


def test_idn_zone_accepts_unicode_and_punycode_names():
    assert validate_record("例え.テスト", "www.例え.テスト.", "A", "192.0.2.1").name == "www"
    assert validate_record("例え.テスト", "www.xn--r8jz45g.xn--zckzah", "A", "192.0.2.1").name == "www"


def _records(*rows):
    return [validate_record(ZONE, *row) for row in rows]


def test_cname_beside_other_records_of_its_name_is_refused():
    records = _records(("www", "CNAME", "web.example.net"), ("www", "TXT", "hello"))
    with pytest.raises(RuleViolation) as caught:
        check_record_set(ZONE, records)
    expected = "A CNAME record cannot share its name with other records: www.example.com."
    assert caught.value.problems[0].render() == expected
    assert caught.value.problems[0].field == "name"


def test_two_cnames_at_one_name_are_refused():
    records = _records(("www", "CNAME", "a.example.net"), ("www", "CNAME", "b.example.net"))
    with pytest.raises(RuleViolation, match="cannot share its name"):
        check_record_set(ZONE, records)


def test_cname_at_apex_is_refused_in_a_set_built_by_hand():
    with pytest.raises(RuleViolation, match="zone apex"):
        check_record_set(ZONE, [Record("@", "CNAME", "example.net.")])


def test_duplicates_and_null_mx_mixed_with_mx_are_refused():
    records = _records(("www", "A", "192.0.2.1"), ("WWW", "A", "192.0.2.1"))
    with pytest.raises(RuleViolation, match="listed twice"):
        check_record_set(ZONE, records)
    records = _records(("@", "MX", "0 ."), ("@", "MX", "10 mail"))
    with pytest.raises(RuleViolation, match="only MX record"):
        check_record_set(ZONE, records)


def test_every_problem_is_reported_at_once():
    records = _records(("a", "CNAME", "x.example.net"), ("a", "A", "192.0.2.1"),
                       ("b", "CNAME", "x.example.net"), ("b", "MX", "10 mail"))
    with pytest.raises(RuleViolation) as caught:
        check_record_set(ZONE, records)
    assert len(caught.value.problems) == 2


def test_a_clean_zone_passes():
    records = _records(("@", "A", "192.0.2.1"), ("@", "MX", "10 mail"), ("www", "CNAME", "@"),
                       ("mail", "A", "192.0.2.2"), ("@", "TXT", "v=spf1 mx -all"))
    assert check_record_set(ZONE, records) is None


@pytest.mark.parametrize("text, rdata", [
    ("v=spf1 -all", '"v=spf1 -all"'),
    ('say "hi" \\o/', '"say \\"hi\\" \\\\o/"'),
    ("ünï", '"\\195\\188n\\195\\175"'),
    ("x" * 300, '"' + "x" * 255 + '" "' + "x" * 45 + '"'),
])
def test_txt_rdata_is_quoted_escaped_and_split(text, rdata):
    assert zone_rdata(validate_record(ZONE, "t", "TXT", text)) == rdata


def test_fqdn():
    assert fqdn(ZONE, "@") == "example.com."
    assert fqdn(ZONE, "www") == "www.example.com."
