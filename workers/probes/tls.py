"""TLS for the text probes, on pyOpenSSL (cryptography's bundled OpenSSL).

The same client policy as the standard library's ssl.create_default_context(): TLS 1.2 or later,
its cipher list (TLS 1.3's suites asked AES-128 first), the system trust store (or only
`ca_file`), and OpenSSL's own host name / IP address check during the handshake
(X509_VERIFY_PARAM_set1_host / set1_ip, what the ssl module calls). Failures are raised as the
ssl module's exceptions (SSLCertVerificationError with the same verify_message, SSLError with
the OpenSSL reason), so reason_for() reports them unchanged.

Why not the ssl module: a handshake costs about a quarter less CPU on OpenSSL 4 than on the
system's OpenSSL 3.0 (provider and name lookups, locks), and the probe engine's throughput on
the benchmark (make bench BENCH=probes) is bound by CPU per check.
"""
from __future__ import annotations

import ipaddress
import os
import ssl
from datetime import datetime, timezone
from functools import lru_cache

from cryptography.hazmat.bindings.openssl.binding import Binding
from OpenSSL import SSL

from .result import Endpoint, TlsInfo

_lib = Binding.lib  # the calls pyOpenSSL does not wrap, and MemoryTls's hot path (libssl API)
_ffi = Binding.ffi
_raw_buffer = _ffi.new_allocator(should_clear_after_alloc=False)
CHUNK = 16 * 1024  # one TLS record's worth: the most one BIO_read / SSL_read call moves
# The ssl module's default TLS 1.2 cipher list (CPython Modules/_ssl.c, PY_SSL_DEFAULT_CIPHER_STRING).
CIPHERS = b"@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM"
# Groups offered, key share sent for the first only: OpenSSL 3.5+ would also send an ML-KEM
# hybrid share by default, costing CPU on every handshake; the ssl module on the system's
# OpenSSL 3.0 never offered it either.
GROUPS = b"X25519:P-256:X448:P-384:P-521:ffdhe2048:ffdhe3072"
# TLS 1.3 suites, AES-128 first as browsers and Go's client ask (servers follow the client's order by
# default): its SHA-256 key schedule runs on the CPU's SHA instructions, SHA-384's does not.
TLS13_SUITES = b"TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
OPTIONS = SSL.OP_NO_COMPRESSION | _lib.SSL_OP_IGNORE_UNEXPECTED_EOF


@lru_cache(maxsize=64)
def client_context(verify: bool, ca_file: str | None) -> SSL.Context:
    """A client context: verifying (system store, or only `ca_file` when given) or not verifying."""
    ctx = SSL.Context(SSL.TLS_CLIENT_METHOD)
    ctx.set_min_proto_version(SSL.TLS1_2_VERSION)
    ctx.set_options(OPTIONS)
    ctx.set_cipher_list(CIPHERS)
    ctx.set_tls13_ciphersuites(TLS13_SUITES)
    if not _lib.SSL_CTX_set1_curves_list(ctx._context, GROUPS):
        raise ssl.SSLError("cannot set the TLS groups")
    if not verify:
        ctx.set_verify(SSL.VERIFY_NONE)
        return ctx
    if ca_file:
        with open(ca_file, "rb"):  # missing or unreadable: the OSError, as with the ssl module
            pass
        try:
            ctx.load_verify_locations(ca_file)
        except SSL.Error as exc:  # not PEM certificates
            raise _ssl_error(exc) from None
    else:  # the system store, found as the ssl module finds it (SSL_CERT_FILE / SSL_CERT_DIR too)
        paths = ssl.get_default_verify_paths()
        ctx.load_verify_locations(paths.cafile, paths.capath)
    _lib.X509_VERIFY_PARAM_set_hostflags(_lib.SSL_CTX_get0_param(ctx._context),
                                         _lib.X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS)
    ctx.set_verify(SSL.VERIFY_PEER)
    return ctx


def endpoint_context(endpoint: Endpoint) -> SSL.Context:
    return client_context(bool(endpoint.verify_tls), endpoint.ca_file if endpoint.verify_tls else None)


@lru_cache(maxsize=1024)
def _address(name: str) -> bytes | None:
    try:
        return ipaddress.ip_address(name).packed
    except ValueError:
        return None


def client_connection(context: SSL.Context, sock, name: str) -> SSL.Connection:
    """A connection in client mode on `sock`: SNI for a host name, and the name (or IP address)
    the certificate must match when the context verifies."""
    conn = SSL.Connection(context, sock)
    address = _address(name)
    encoded = None if address else name.encode("idna")
    if encoded:
        conn.set_tlsext_host_name(encoded)
    if context.get_verify_mode() != SSL.VERIFY_NONE:
        param = _lib.SSL_get0_param(conn._ssl)
        if address:
            done = _lib.X509_VERIFY_PARAM_set1_ip(param, address, len(address))
        else:
            assert encoded is not None  # not an address: the name was encoded above
            done = _lib.X509_VERIFY_PARAM_set1_host(param, encoded, len(encoded))
        if not done:
            raise ssl.SSLError(f"cannot check the name {name!r}")
    conn.set_connect_state()
    return conn


class MemoryTls:
    """A client connection on memory BIOs, driven by the event loop's protocol (streams.py).

    The hot calls go to libssl directly: pyOpenSSL's wrappers raise and catch a WantReadError
    for every empty read (about ten per check); here an empty read is just b"". Failures still
    go through pyOpenSSL's error handling, so they raise the same SSL.Error subclasses.
    """

    def __init__(self, conn: SSL.Connection):
        self.conn = conn
        self._ssl, self._to_ssl, self._from_ssl = conn._ssl, conn._into_ssl, conn._from_ssl
        self._buffer = _raw_buffer("char[]", CHUNK)

    def feed(self, data: bytes) -> None:
        """Bytes that came from the peer, for OpenSSL to read."""
        _lib.BIO_write(self._to_ssl, data, len(data))

    def outgoing(self) -> bytes:
        """Whatever OpenSSL has written for the peer (records, alerts), b"" when nothing."""
        chunks = []
        while (count := _lib.BIO_read(self._from_ssl, self._buffer, CHUNK)) > 0:
            chunks.append(_ffi.buffer(self._buffer, count)[:])
        return b"".join(chunks)

    def handshake(self) -> bool:
        """One step of the handshake: True once it is done, False while it waits for the peer."""
        result = _lib.SSL_do_handshake(self._ssl)
        if result == 1:
            return True
        self._raise_unless_waiting(result)
        return False

    def read_into(self, buffer: bytearray) -> bool:
        """Append what can be decrypted to `buffer`; True once the peer sent close_notify."""
        while (count := _lib.SSL_read(self._ssl, self._buffer, CHUNK)) > 0:
            buffer += _ffi.buffer(self._buffer, count)
        if _lib.SSL_get_error(self._ssl, count) == _lib.SSL_ERROR_ZERO_RETURN:
            return True
        self._raise_unless_waiting(count)
        return False

    def write(self, data: bytes) -> None:
        """Encrypt `data` (a memory BIO takes all of it at once; then send outgoing())."""
        result = _lib.SSL_write(self._ssl, data, len(data))
        if result <= 0:
            self.conn._raise_ssl_error(self._ssl, result)

    def _raise_unless_waiting(self, result: int) -> None:
        if _lib.SSL_get_error(self._ssl, result) != _lib.SSL_ERROR_WANT_READ:
            self.conn._raise_ssl_error(self._ssl, result)  # the pyOpenSSL exception for it


def _verify_message(code: int, name: str) -> str:
    """As the ssl module words it (CPython Modules/_ssl.c fill_and_set_sslerror)."""
    if code == _lib.X509_V_ERR_HOSTNAME_MISMATCH:
        return f"Hostname mismatch, certificate is not valid for {name!r}."
    if code == _lib.X509_V_ERR_IP_ADDRESS_MISMATCH:
        return f"IP address mismatch, certificate is not valid for {name!r}."
    return Binding.ffi.string(_lib.X509_verify_cert_error_string(code)).decode("ascii", "replace")


def as_ssl_error(conn: SSL.Connection, exc: SSL.Error, name: str) -> Exception:
    """The ssl-module exception for a pyOpenSSL failure (EOF: the connection was lost)."""
    if isinstance(exc, (SSL.ZeroReturnError, SSL.SysCallError)):
        if isinstance(exc, SSL.SysCallError) and exc.args and exc.args[0] > 0:
            return OSError(exc.args[0], os.strerror(exc.args[0]))
        return ConnectionResetError("Connection lost")
    code = _lib.SSL_get_verify_result(conn._ssl)
    if code != _lib.X509_V_OK:
        message = _verify_message(code, name)
        error = ssl.SSLCertVerificationError(1, f"[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: {message}")
        error.library, error.reason = "SSL", "CERTIFICATE_VERIFY_FAILED"
        error.verify_code, error.verify_message = code, message
        return error
    return _ssl_error(exc)


def _ssl_error(exc: SSL.Error) -> ssl.SSLError:
    """An ssl.SSLError whose reason is OpenSSL's, spelt as the ssl module spells it."""
    details = exc.args[0] if exc.args and isinstance(exc.args[0], list) and exc.args[0] else None
    text = str(details[-1][2]) if details else str(exc) or type(exc).__name__
    reason = text.upper().replace(" ", "_")
    error = ssl.SSLError(1, f"[{reason}] {text}")
    # typeshed says str, but the ssl module itself leaves library None when OpenSSL names none
    error.library, error.reason = (details[-1][0] if details else None), reason  # type: ignore[assignment]
    return error


def tls_info(conn: SSL.Connection) -> TlsInfo:
    """Expiry of the peer certificate and whether it was verified (chain and name)."""
    return TlsInfo(expires=_not_after(conn), verified=conn.get_context().get_verify_mode() != SSL.VERIFY_NONE)


def _not_after(conn: SSL.Connection) -> datetime | None:
    """The peer certificate's notAfter, read in place (a parse into a certificate object costs
    about 15 µs a check); a time not in RFC 5280's form is left to cryptography's parser."""
    cert = _lib.SSL_get_peer_certificate(conn._ssl)  # a reference of our own
    if cert == _ffi.NULL:
        return None
    try:
        time = _ffi.cast("ASN1_STRING *", _lib.X509_getm_notAfter(cert))  # ASN1_TIME is an ASN1_STRING
        text = bytes(_ffi.buffer(_lib.ASN1_STRING_get0_data(time), _lib.ASN1_STRING_length(time)))
    finally:
        _lib.X509_free(cert)
    parsed = _rfc5280_time(text)
    if parsed is not None:
        return parsed
    peer = conn.get_peer_certificate(as_cryptography=True)
    assert peer is not None  # the peer sent a certificate: it was read above
    return peer.not_valid_after_utc


def _rfc5280_time(text: bytes) -> datetime | None:
    """UTCTime YYMMDDHHMMSSZ (YY < 50: 20YY) or GeneralizedTime YYYYMMDDHHMMSSZ (RFC 5280 4.1.2.5)."""
    if not (text.endswith(b"Z") and text[:-1].isdigit() and len(text) in (13, 15)):
        return None
    if len(text) == 13:
        year = int(text[:2])
        text = (b"20" if year < 50 else b"19") + text
    try:
        return datetime(int(text[0:4]), int(text[4:6]), int(text[6:8]), int(text[8:10]), int(text[10:12]),
                        int(text[12:14]), tzinfo=timezone.utc)
    except ValueError:  # a month 13, a second 61
        return None
