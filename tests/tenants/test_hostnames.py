"""Domain names as users type them → the ASCII form servers get, or a readable refusal."""
from __future__ import annotations

import pytest

from tenants.errors import RuleViolation
from tenants.hosting import hostnames

GOOD = [
    # typed, expected ASCII form
    ("example.com", "example.com"),
    ("  Example.COM  ", "example.com"),
    ("example.com\n", "example.com"),  # surrounding blank space is not part of the name
    ("example.com.", "example.com"),  # fully qualified: one trailing dot is fine
    ("www.example.co.jp", "www.example.co.jp"),
    ("münchen.de", "xn--mnchen-3ya.de"),
    ("MÜNCHEN.DE", "xn--mnchen-3ya.de"),
    ("例え.テスト", "xn--r8jz45g.xn--zckzah"),
    ("日本語。ＪＰ", "xn--wgv71a119e.jp"),  # ideographic full stop and full-width letters
    ("straße.de", "xn--strae-oqa.de"),  # IDNA 2008: ß is kept, not mapped to ss
    ("xn--mnchen-3ya.de", "xn--mnchen-3ya.de"),
    ("XN--MNCHEN-3YA.DE", "xn--mnchen-3ya.de"),
    ("a-b.example", "a-b.example"),
    ("123.example.com", "123.example.com"),
    ("a" * 63 + ".com", "a" * 63 + ".com"),
    (".".join(["a" * 61] * 4) + ".com", ".".join(["a" * 61] * 4) + ".com"),  # 253 characters
]

BAD = [
    # typed, substring of the English message
    ("", "Enter a domain name."),
    ("   ", "Enter a domain name."),
    ("192.0.2.1", "not an IP address"),
    ("2001:db8::1", "not an IP address"),
    ("[2001:db8::1]", "not an IP address"),
    ("127.1", "not an IP address"),
    ("0x7f.0.0.1", "not an IP address"),
    ("example..com", "empty labels"),
    (".example.com", "empty labels"),
    ("example.com..", "empty labels"),
    ("-example.com", "start or end with a hyphen"),
    ("example-.com", "start or end with a hyphen"),
    ("ab--cd.com", "two hyphens in the third and fourth position"),
    ("xn--zz.com", "not a valid internationalised label"),
    ("exa mple.com", "spaces or control characters"),
    ("exam\x00ple.com", "spaces or control characters"),
    ("under_score.com", "characters not allowed in a host name"),
    ("http://example.com", "characters not allowed in a host name"),
    ("*.example.com", "Wildcard names are not allowed here."),
    ("a" * 64 + ".com", "at most 63 characters"),
    (".".join(["a" * 62] * 4) + ".com", "at most 253 characters"),
    ("localhost", "Enter a full domain name"),
    ("example.123", "must not be all digits"),
    ("ابc.com", "not a valid internationalised domain name"),  # bidi rule
]


@pytest.mark.parametrize("typed, expected", GOOD)
def test_good_names_become_ascii(typed, expected):
    assert hostnames.domain(typed) == expected


@pytest.mark.parametrize("typed, message", BAD)
def test_bad_names_are_refused_with_a_message(typed, message):
    with pytest.raises(RuleViolation) as caught:
        hostnames.domain(typed, field="domain_name")
    problem = caught.value.problems[0]
    assert message in problem.render()
    assert problem.field == "domain_name"


@pytest.mark.parametrize("typed, expected", [
    ("*.example.com", "*.example.com"),
    ("*.Sub.Example.com.", "*.sub.example.com"),
])
def test_wildcards_only_where_allowed(typed, expected):
    assert hostnames.host_name(typed, allow_wildcard=True) == expected


@pytest.mark.parametrize("typed", ["www.*.example.com", "w*.example.com", "*x.example.com"])
def test_wildcard_only_as_the_whole_leftmost_label(typed):
    with pytest.raises(RuleViolation) as caught:
        hostnames.host_name(typed, allow_wildcard=True)
    assert "leftmost label" in str(caught.value)


def test_underscore_labels_only_when_allowed():
    assert hostnames.to_ascii("_dmarc.example.com", allow_underscore=True) == "_dmarc.example.com"
    with pytest.raises(RuleViolation):
        hostnames.to_ascii("_dmarc.example.com")
    with pytest.raises(RuleViolation, match="top-level domain"):
        hostnames.to_ascii("example._com", allow_underscore=True)


def test_message_parameters_are_named_not_formatted_in():
    with pytest.raises(RuleViolation) as caught:
        hostnames.domain("a" * 64 + ".com")
    problem = caught.value.problems[0]
    assert problem.msgid == "Each part of a domain name may have at most %(n)s characters."
    assert problem.params == {"n": 63}


@pytest.mark.parametrize("ascii_name, shown", [
    ("xn--mnchen-3ya.de", "münchen.de"),
    ("xn--r8jz45g.xn--zckzah", "例え.テスト"),
    ("example.com.", "example.com"),
])
def test_to_unicode_for_display(ascii_name, shown):
    assert hostnames.to_unicode(ascii_name) == shown


@pytest.mark.parametrize("typed, message", [
    ("co.jp", "public suffix"), ("CO.JP.", "public suffix"), ("tokyo.jp", "public suffix"),
    ("github.io", "public suffix"), ("ｃｏ．ｊｐ", "public suffix"), ("岩手.jp", "public suffix"),
    ("jp", "Enter a full domain name"), ("com", "Enter a full domain name"),
])
def test_a_customer_cannot_take_a_public_suffix(typed, message):
    with pytest.raises(RuleViolation) as caught:
        hostnames.hostable_domain(typed, "name")
    problem = caught.value.problems[0]
    assert problem.field == "name" and message in problem.render()


@pytest.mark.parametrize("typed, expected", [("a.co.jp", "a.co.jp"), ("B.co.jp", "b.co.jp"),
                                             ("www.example.com", "www.example.com"), ("me.github.io", "me.github.io"),
                                             ("例え.jp", "xn--r8jz45g.jp")])
def test_names_below_a_public_suffix_can_be_taken(typed, expected):
    assert hostnames.hostable_domain(typed, "name") == expected


@pytest.mark.parametrize("name, above", [
    ("a.b.example.co.jp", ["b.example.co.jp", "example.co.jp", "co.jp"]),
    ("example.com", []),
    ("www.example.com", ["example.com"]),
])
def test_the_names_above_a_name(name, above):
    assert hostnames.names_above(name) == above
