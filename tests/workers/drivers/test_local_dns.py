"""DNS: zone files with every record type, checked by the real named-checkzone."""
from __future__ import annotations

import subprocess

import pytest

from tenants.hosting.dns_records import Record, validate_record
from tests.workers.drivers.local_helpers import need_tool, tree
from workers.drivers.host.driver import LocalDriver
from workers.drivers.host.spec import ApplyError, Zone

NS = ["ns1.example.net", "ns2.example.net"]


@pytest.fixture
def checkzone():
    need_tool("named-checkconf")
    return need_tool("named-checkzone")


def records(origin, *rows):
    return [validate_record(origin, *row) for row in rows]


EVERY_TYPE = [
    ("@", "A", "192.0.2.1"), ("@", "AAAA", "2001:db8::1"), ("www", "CNAME", "@"),
    ("@", "MX", "10 mail"), ("@", "MX", "20 mx.example.net."), ("mail", "A", "192.0.2.25"),
    ("@", "TXT", "v=spf1 mx -all"), ("_dmarc", "TXT", "v=DMARC1; p=quarantine; rua=mailto:d@example.com"),
    ("k1._domainkey", "TXT", "v=DKIM1; k=rsa; p=" + "A" * 392), ("note", "TXT", 'say "hi" \\ ünïcode'),
    ("_sip._tcp", "SRV", "10 5 5060 sip"), ("sip", "AAAA", "2001:db8::5"), ("_xmpp._tcp", "SRV", "0 0 0 ."),
    ("@", "CAA", "0 issue letsencrypt.org"), ("@", "CAA", '0 issuewild ";"'),
    ("@", "CAA", "0 iodef mailto:security@example.com"), ("*", "A", "192.0.2.9"), ("*.dev", "AAAA", "2001:db8::9"),
    ("blog", "CNAME", "example.github.io."), ("メール", "A", "192.0.2.3"),
]


def test_a_zone_with_every_record_type_passes_named_checkzone(tmp_path, checkzone):
    driver = LocalDriver(tmp_path / "cfg", nameservers=NS)
    zone = Zone("example.com", 2024060101, records("example.com", *EVERY_TYPE))
    result = driver.apply_dns([zone])
    assert result.ok and "1 zone(s)" in result.detail
    path = tmp_path / "cfg" / "dns" / "example.com.zone"
    check = subprocess.run([checkzone, "example.com", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    assert "loaded serial 2024060101" in check.stdout
    text = path.read_text()
    assert "@ IN SOA ns1.example.net. hostmaster.example.com. ( 2024060101 " in text
    assert "@ IN NS ns2.example.net." in text
    assert 'note 3600 IN TXT "say \\"hi\\" \\\\ \\195\\188n\\195\\175code"' in text
    conf = (tmp_path / "cfg" / "dns" / "zones.conf").read_text()
    assert f'zone "example.com" {{ type primary; file "{path}"; }};' in conf
    # BIND reads the TXT back as the user typed it.
    compiled = subprocess.run([need_tool("named-compilezone"), "-o", "-", "example.com", str(path)],
                              capture_output=True, text=True)
    assert '"say \\"hi\\" \\\\ \\195\\188n\\195\\175code"' in compiled.stdout


def test_idn_zone_and_apply_twice(tmp_path, checkzone):
    driver = LocalDriver(tmp_path / "cfg", nameservers=NS)
    zones = [Zone("xn--r8jz45g.xn--zckzah", 7, records("例え.テスト", ("@", "A", "192.0.2.1"), ("ウェブ", "CNAME", "@"))),
             Zone("example.org", 1, [], nameservers=["ns.example.net"], hostmaster="dns-admin@example.net")]
    driver.apply_dns(zones)
    first = tree(tmp_path / "cfg")
    assert "dns-admin.example.net." in first["dns/example.org.zone"][0].decode()
    assert driver.apply_dns(zones).detail.endswith("unchanged")
    assert tree(tmp_path / "cfg") == first
    driver.apply_dns(zones[1:])
    assert not (tmp_path / "cfg" / "dns" / "xn--r8jz45g.xn--zckzah.zone").exists()
    assert "xn--r8jz45g" not in (tmp_path / "cfg" / "dns" / "zones.conf").read_text()


def test_named_checkzone_refusal_restores_the_previous_zone(tmp_path, checkzone):
    driver = LocalDriver(tmp_path / "cfg", nameservers=NS)
    good = Zone("example.com", 1, records("example.com", ("@", "A", "192.0.2.1"), ("www", "CNAME", "@")))
    driver.apply_dns([good])
    before = tree(tmp_path / "cfg")
    # Each record is fine on its own; BIND refuses an MX that points at an alias (RFC 2181 10.3).
    # The zone of ns1/ns2.example.net has no address records for them: refused as well.
    bad = Zone("example.com", 2, list(good.records) + records("example.com", ("@", "MX", "10 www")))
    with pytest.raises(ApplyError) as caught:
        driver.apply_dns([bad, Zone("example.net", 1, [])])
    assert "is a CNAME (illegal)" in caught.value.output
    assert tree(tmp_path / "cfg") == before
    assert not (tmp_path / "cfg" / "dns" / "example.net.zone").exists()


def test_a_zone_named_checkzone_refuses_does_not_block_the_other_zones(tmp_path, checkzone):
    driver = LocalDriver(tmp_path / "cfg", nameservers=NS)
    good = Zone("example.com", 1, records("example.com", ("@", "A", "192.0.2.1"), ("www", "CNAME", "@")))
    driver.apply_dns([good, Zone("example.org", 1, records("example.org", ("@", "A", "192.0.2.2")))])
    dns_dir = tmp_path / "cfg" / "dns"
    com_before = (dns_dir / "example.com.zone").read_bytes()
    bad = Zone("example.com", 2, list(good.records) + records("example.com", ("@", "MX", "10 www")))
    new_bad = Zone("example.info", 1, records("example.info", ("www", "CNAME", "@"), ("@", "MX", "10 www")))
    result = driver.apply_dns([bad, Zone("example.org", 2, records("example.org", ("@", "A", "192.0.2.3"))),
                               new_bad, Zone("example.jp", 1, records("example.jp", ("@", "A", "192.0.2.4")))])
    assert sorted(result.left_out) == ["example.com", "example.info"]
    assert result.left_out["example.com"].served and not result.left_out["example.info"].served
    assert "is a CNAME (illegal)" in result.left_out["example.com"].error.output
    assert (dns_dir / "example.com.zone").read_bytes() == com_before  # the previous zone goes on
    assert "192.0.2.3" in (dns_dir / "example.org.zone").read_text()
    assert (dns_dir / "example.jp.zone").exists() and not (dns_dir / "example.info.zone").exists()
    conf = (dns_dir / "zones.conf").read_text()
    assert all(f'zone "{z}"' in conf for z in ("example.com", "example.org", "example.jp"))
    assert "example.info" not in conf
    assert not list((tmp_path / "cfg").glob(".check-*"))


@pytest.mark.parametrize("zone, message", [
    (Zone("例え.テスト", 1), "not in its ASCII form"),
    (Zone("example.com", 0), "serial"),
    (Zone("example.com", 2**32), "serial"),
    (Zone("example.com", 1, [Record("www", "A", "192.0.2.001")]), "IPv4 address"),
    (Zone("example.com", 1, [Record("WWW", "A", "192.0.2.1")]), "not normalised"),
    (Zone("example.com", 1, [Record("www", "TXT", "x", 5)]), "TTL"),
    (Zone("example.com", 1, [Record("@", "CNAME", "example.net.")]), "zone apex"),
    (Zone("example.com", 1, [Record("www", "CNAME", "example.net."), Record("www", "A", "192.0.2.1")]),
     "cannot share its name"),
    (Zone("example.com", 1, [Record("www", "NS", "ns.evil.example.")]), "record type"),
    (Zone("example.com", 1, [Record("x\nwww", "A", "192.0.2.1")]), "control characters"),
    (Zone("example.com", 1, hostmaster="host\"master@example.com"), "not a valid e-mail address"),
    (Zone("example.com", 1, hostmaster="host.master@example.com"), "cannot be written in an SOA"),
])
def test_bad_zones_are_refused_before_anything_is_written(tmp_path, zone, message):
    with pytest.raises(ApplyError) as caught:
        LocalDriver(tmp_path / "cfg", nameservers=NS).apply_dns([zone])
    assert message in str(caught.value)
    assert not (tmp_path / "cfg").exists()


def test_nameservers_are_required(tmp_path):
    with pytest.raises(ApplyError, match="no name servers"):
        LocalDriver(tmp_path / "cfg").apply_dns([Zone("example.com", 1)])
