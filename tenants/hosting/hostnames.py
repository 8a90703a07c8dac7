"""Domain and host names as users type them, turned into the ASCII (punycode) form servers use.

Every function either returns the normalised ASCII name (lower case, no trailing dot, IDN labels
as ``xn--`` A-labels) or raises ``RuleViolation``. Nothing here touches the network.

IDN conversion uses the ``idna`` package (IDNA 2008 + UTS #46 mapping, so ``straße.de`` becomes
``xn--strae-oqa.de`` as registries expect). Without it the stdlib ``idna`` codec (IDNA 2003) is
used, which maps ``ß`` to ``ss``; install ``idna`` to get the registry behaviour.

Public suffixes (``com``, ``co.jp``, ``github.io``) come from the Public Suffix List bundled in the
pinned ``publicsuffixlist`` package, read from disk, never fetched.
"""
from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from types import ModuleType

from publicsuffixlist import PublicSuffixList

from tenants.errors import N_, RuleViolation

_idna: ModuleType | None
try:  # IDNA 2008 when available
    import idna as _idna
except ImportError:  # pragma: no cover - exercised only without the package
    _idna = None

MAX_NAME_LENGTH = 253  # without the trailing dot (RFC 1035: 255 octets on the wire)
MAX_LABEL_LENGTH = 63

_LDH = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
# A name already in its ASCII form: lower-case LDH labels, no xn--/??-- label (those are checked
# label by label), a top-level label starting with a letter (so no address form). Such a name is
# its own ASCII form; checking it costs one match (the web job checks every site on the server).
_PLAIN = re.compile(r"(?:(?!..--)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?!..--)[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?")
_LDH_UNDERSCORE = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?$")
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})


def _fail(msgid: str, field: str, **params) -> RuleViolation:
    return RuleViolation.one(msgid, field, **params)


def _remap(name: str) -> str:
    """UTS #46 mapping (full-width letters, upper case, ideographic full stops)."""
    name = name.translate(_DOTS)
    if _idna is not None and not name.isascii():
        try:
            return _idna.uts46_remap(name, std3_rules=False, transitional=False)
        except _idna.IDNAError as exc:
            raise ValueError(str(exc)) from None
    return name.lower()


def _ascii_label(label: str, field: str, original: str, allow_underscore: bool) -> str:
    if label.isascii():
        label = label.lower()
        if label.startswith("xn--"):
            try:
                if _idna is not None:
                    _idna.decode(label)
                else:  # pragma: no cover
                    label.encode("ascii").decode("idna")
            except (UnicodeError, ValueError):
                raise _fail(N_("%(label)s is not a valid internationalised label."), field, label=label) from None
        elif label[2:4] == "--":
            raise _fail(N_("A label must not have two hyphens in the third and fourth position: %(label)s."),
                        field, label=label)
        pattern = _LDH_UNDERSCORE if allow_underscore else _LDH
        if not pattern.match(label):
            if label.startswith("-") or label.endswith("-"):
                raise _fail(N_("A label must not start or end with a hyphen: %(label)s."), field, label=label)
            raise _fail(N_("%(label)s contains characters not allowed in a host name "
                           "(use letters, digits and hyphens)."), field, label=label)
        return label
    try:
        if _idna is not None:
            return _idna.alabel(label).decode("ascii")
        return label.encode("idna").decode("ascii")  # pragma: no cover
    except (UnicodeError, ValueError):
        raise _fail(N_("%(name)s is not a valid internationalised domain name."), field, name=original) from None


def to_ascii(name: str, field: str = "domain", *, allow_wildcard: bool = False,
             allow_underscore: bool = False, min_labels: int = 2) -> str:
    """The ASCII form of a domain/host name, or RuleViolation.

    - surrounding blanks are ignored; one trailing dot (a fully qualified name) is accepted;
    - IP addresses are refused (a host name is wanted, not an address);
    - ``*.`` is accepted only as the whole leftmost label and only with ``allow_wildcard``;
    - labels are 1..63 octets, the name at most 253 octets, the top-level label not all digits.
    """
    if min_labels <= 2 and isinstance(name, str) and len(name) <= MAX_NAME_LENGTH and _PLAIN.fullmatch(name):
        return name
    if not isinstance(name, str):
        raise _fail(N_("Enter a domain name."), field)
    original = name.strip()
    if not original:
        raise _fail(N_("Enter a domain name."), field)
    if any(ord(c) < 0x21 or c == "\x7f" for c in original):
        raise _fail(N_("A domain name must not contain spaces or control characters."), field)
    candidate = original[:-1] if original.endswith(".") else original
    if _looks_like_ip(candidate):
        raise _fail(N_("Enter a domain name, not an IP address."), field)
    try:
        mapped = _remap(candidate)
    except ValueError:
        raise _fail(N_("%(name)s is not a valid domain name."), field, name=original) from None
    if not mapped:
        raise _fail(N_("Enter a domain name."), field)
    labels = mapped.split(".")
    out: list[str] = []
    for index, label in enumerate(labels):
        if label == "":
            raise _fail(N_("A domain name must not contain empty labels (two dots in a row)."), field)
        if label == "*":
            if not allow_wildcard:
                raise _fail(N_("Wildcard names are not allowed here."), field)
            if index != 0:
                raise _fail(N_("A wildcard may only be the leftmost label, as in *.example.com."), field)
            out.append("*")
            continue
        if "*" in label:
            raise _fail(N_("A wildcard may only be the leftmost label, as in *.example.com."), field)
        out.append(_ascii_label(label, field, original, allow_underscore))
    for label in out:
        if len(label) > MAX_LABEL_LENGTH:
            raise _fail(N_("Each part of a domain name may have at most %(n)s characters."), field,
                        n=MAX_LABEL_LENGTH)
    result = ".".join(out)
    if len(result) > MAX_NAME_LENGTH:
        raise _fail(N_("A domain name may have at most %(n)s characters."), field, n=MAX_NAME_LENGTH)
    if len(out) < min_labels:
        raise _fail(N_("Enter a full domain name such as example.com."), field)
    if len(out) >= 2 and out[-1].isdigit():
        raise _fail(N_("The top-level domain must not be all digits."), field)
    if len(out) >= 2 and "_" in out[-1]:
        raise _fail(N_("The top-level domain must not contain underscores."), field)
    return result


def _looks_like_ip(text: str) -> bool:
    bare = text[1:-1] if text.startswith("[") and text.endswith("]") else text
    try:
        ipaddress.ip_address(bare)
        return True
    except ValueError:
        pass
    # Forms inet_aton accepts but ip_address does not (e.g. 127.1, 0x7f.1) are still addresses.
    return bool(re.fullmatch(r"(0x[0-9a-fA-F]+|[0-9]+)(\.(0x[0-9a-fA-F]+|[0-9]+)){0,3}", text))


def domain(name: str, field: str = "domain") -> str:
    """A domain a customer hosts (virtual host, mail domain, DNS zone): no wildcard, ≥ 2 labels."""
    return to_ascii(name, field)


@lru_cache(maxsize=1)
def _public_suffix_list() -> PublicSuffixList:
    return PublicSuffixList()  # ICANN and private sections; a TLD not in the list counts as public


def hostable_domain(name: str, field: str = "domain") -> str:
    """A domain a customer (or the provider) may hold as its own: a ``domain`` that is not a public
    suffix, since under ``co.jp`` or ``github.io`` every name belongs to someone else."""
    ascii_name = domain(name, field)  # a single label (jp, localhost) is refused here already
    if _public_suffix_list().is_public(ascii_name):
        raise _fail(N_("%(name)s is a public suffix, like com or co.jp: enter a domain registered under it."),
                    field, name=to_unicode(ascii_name))
    return ascii_name


def names_above(ascii_name: str) -> list[str]:
    """The names above an ASCII name that still have two labels, nearest first
    (``a.b.example.jp`` → ``b.example.jp``, ``example.jp``)."""
    labels = ascii_name.split(".")
    return [".".join(labels[i:]) for i in range(1, len(labels) - 1)]


def host_name(name: str, field: str = "host", *, allow_wildcard: bool = False) -> str:
    """A host name inside or outside a customer's domain (letters, digits, hyphens only)."""
    return to_ascii(name, field, allow_wildcard=allow_wildcard)


def to_unicode(ascii_name: str) -> str:
    """The readable form of an ASCII name for display (``xn--`` labels decoded when valid)."""
    labels = []
    for label in ascii_name.rstrip(".").split("."):
        if label.startswith("xn--"):
            try:
                label = _idna.decode(label) if _idna is not None else label.encode().decode("idna")
            except (UnicodeError, ValueError):
                pass
        labels.append(label)
    return ".".join(labels)

