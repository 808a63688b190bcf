"""SSRF-safe server-side fetching, against real HTTP servers on loopback."""
import ipaddress

import pytest

from dashboard.broker.fetch import FetchError, _is_public, safe_fetch, with_query
from httpserver import Upstream, slow


@pytest.fixture
def upstream():
    server = Upstream({"/ok": (200, {"Content-Type": "text/plain; charset=utf-8"}, "grüß".encode()),
                       "/big": (200, {}, b"x" * 300_000),
                       "/slow": slow(3)})
    server.routes["/to-ip"] = (302, {"Location": f"http://127.0.0.1:{server.port}/ok"}, b"")
    server.routes["/to-metadata"] = (302, {"Location": "http://169.254.169.254/latest/meta-data/"}, b"")
    server.routes["/to-file"] = (302, {"Location": "file:///etc/passwd"}, b"")
    server.routes["/loop"] = (302, {"Location": "/loop"}, b"")
    yield server
    server.close()


def test_allowed_host_is_fetched(upstream):
    resp = safe_fetch(upstream.url + "/ok", allow_hosts=["127.0.0.1"])
    assert resp.status == 200 and resp.text() == "grüß"


def test_allow_list_takes_networks(upstream):
    assert safe_fetch(upstream.url + "/ok", allow_hosts=["127.0.0.0/8"]).status == 200


@pytest.mark.parametrize("url, reason", [
    ("file:///etc/passwd", "only http and https"),
    ("gopher://127.0.0.1/", "only http and https"),
    ("/relative", "only http and https"),
    ("http://user:pw@example.org/", "user name or password"),
    ("http://user@127.0.0.1/", "user name or password"),
    ("http://127.0.0.1/", "private or local"),
    ("http://localhost/", "private or local"),
    ("http://2130706433/", "private or local"),          # decimal 127.0.0.1
    ("http://0x7f000001/", "private or local"),          # hex 127.0.0.1
    ("http://[::1]/", "private or local"),
    ("http://[::ffff:127.0.0.1]/", "private or local"),
    ("http://169.254.169.254/latest/meta-data/", "private or local"),
    ("http://10.0.0.1/", "private or local"),
    ("http://192.168.1.1/", "private or local"),
    ("http://0.0.0.0/", "private or local"),
    ("http://[fd00::1]/", "private or local"),
    ("http://[", "malformed"),
])
def test_refused_urls(url, reason):
    with pytest.raises(FetchError, match=reason):
        safe_fetch(url)


def _teredo(client):
    """A Teredo address (server 65.54.227.120) whose client is ``client``, obfuscated as RFC 4380 says."""
    obfuscated = int(ipaddress.IPv4Address(client)) ^ 0xFFFFFFFF
    return f"2001:0:4136:e378:8000:63bf:{obfuscated >> 16:x}:{obfuscated & 0xFFFF:x}"


@pytest.mark.parametrize("address, public", [
    ("8.8.8.8", True), ("2606:4700:4700::1111", True),
    # IPv4 that is not globally routable
    ("127.0.0.1", False), ("10.1.2.3", False), ("172.16.0.1", False), ("192.168.0.1", False),
    ("169.254.169.254", False), ("100.64.0.1", False), ("0.0.0.0", False), ("192.0.0.8", False),
    ("192.0.2.1", False), ("198.18.0.1", False), ("198.51.100.1", False), ("203.0.113.1", False),
    ("224.0.0.1", False), ("240.0.0.1", False), ("255.255.255.255", False),
    # IPv6 that is not
    ("::1", False), ("::", False), ("fe80::1", False), ("fc00::1", False), ("fd12:3456::1", False),
    ("fec0::1", False), ("feff::1", False),  # site-local, fec0::/10
    ("ff02::1", False), ("ff0e::1", False), ("2001:db8::1", False), ("100::1", False), ("2001:10::1", False),
    # IPv4 carried in IPv6: mapped, compatible, 6to4, Teredo, NAT64 (well-known and local-use prefixes)
    ("::ffff:127.0.0.1", False), ("::ffff:10.0.0.1", False), ("::ffff:169.254.169.254", False),
    ("::ffff:8.8.8.8", True), ("::127.0.0.1", False), ("::ffff:0:127.0.0.1", False),
    ("2002:7f00:1::1", False), ("2002:a00:1::1", False), ("2002:a9fe:a9fe::1", False), ("2002:c0a8:101::1", False),
    ("2002:808:808::1", True),
    (_teredo("10.0.0.1"), False), (_teredo("127.0.0.1"), False), (_teredo("8.8.8.8"), False),
    ("64:ff9b::7f00:1", False), ("64:ff9b::a00:1", False), ("64:ff9b::a9fe:a9fe", False),
    ("64:ff9b::808:808", True), ("64:ff9b:1::808:808", False), ("64:ff9b:1:7f00:1::", False),
])
def test_only_globally_routable_addresses_are_public(address, public):
    assert _is_public(ipaddress.ip_address(address)) is public


@pytest.mark.parametrize("address", ["[2002:7f00:1::1]", "[64:ff9b::a9fe:a9fe]", "[fec0::1]",
                                     f"[{_teredo('10.0.0.1')}]", "[::ffff:a00:1]"])
def test_addresses_embedding_a_private_one_are_not_fetched(address):
    with pytest.raises(FetchError, match="private or local"):
        safe_fetch(f"http://{address}/")


def test_redirects_are_rechecked_hop_by_hop(upstream):
    # the first hop is allowed by name; the redirect to the bare loopback address is not
    url = f"http://localhost:{upstream.port}"
    with pytest.raises(FetchError, match="private or local"):
        safe_fetch(url + "/to-ip", allow_hosts=["localhost"])
    with pytest.raises(FetchError, match="private or local"):
        safe_fetch(upstream.url + "/to-metadata", allow_hosts=["127.0.0.1"])
    with pytest.raises(FetchError, match="only http and https"):
        safe_fetch(upstream.url + "/to-file", allow_hosts=["127.0.0.1"])
    with pytest.raises(FetchError, match="more than 3 redirects"):
        safe_fetch(upstream.url + "/loop", allow_hosts=["127.0.0.1"])


def test_redirects_can_be_refused_entirely(upstream):
    resp = safe_fetch(upstream.url + "/to-ip", allow_hosts=["127.0.0.1"], follow_redirects=False)
    assert resp.status == 302


def test_size_cap(upstream):
    with pytest.raises(FetchError, match="larger than"):
        safe_fetch(upstream.url + "/big", allow_hosts=["127.0.0.1"], max_bytes=100_000)


def test_timeout(upstream):
    with pytest.raises(FetchError, match="did not answer within"):
        safe_fetch(upstream.url + "/slow", allow_hosts=["127.0.0.1"], deadline=0.5)


def test_unknown_host():
    with pytest.raises(FetchError, match="could not be found"):
        safe_fetch("http://no-such-host.invalid/")


def test_with_query_adds_encoded_parameters_to_any_query_there_is():
    assert with_query("https://h/p", {"a": "x y", "b": "&"}) == "https://h/p?a=x+y&b=%26"
    assert with_query("https://h/p?k=1", [("a", "1")]) == "https://h/p?k=1&a=1"
    assert with_query("https://h/p", {"tag": ["a", "b"]}) == "https://h/p?tag=a&tag=b"
    assert with_query("https://h/p?k=1", {}) == "https://h/p?k=1"


def _certificate(name, issuer=None):
    """(certificate, key) for DNS name ``name``, signed by ``issuer`` (a (certificate, key) pair) or by itself."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(subject)
               .issuer_name(issuer[0].subject if issuer else subject).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(days=1)))
    if issuer is None:  # a certificate authority
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        builder = builder.add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False),
                                        critical=True)
    else:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
    return builder.sign(issuer[1] if issuer else key, hashes.SHA256()), key


def _pem_files(directory, stem, cert_and_key):
    from cryptography.hazmat.primitives import serialization

    cert, key = cert_and_key
    cert_path, key_path = directory / f"{stem}.pem", directory / f"{stem}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


@pytest.fixture
def tls_world(tmp_path, monkeypatch):
    """A certificate authority the fetcher trusts (through SSL_CERT_FILE) and HTTPS servers on the address that
    ``localhost`` resolves to first, so that a URL names a host while the connection goes to the checked address."""
    import socket
    import ssl

    ca = _certificate("Test CA")
    ca_file, _ = _pem_files(tmp_path, "ca", ca)
    monkeypatch.setenv("SSL_CERT_FILE", ca_file)
    address = socket.getaddrinfo("localhost", 443, type=socket.SOCK_STREAM)[0][4][0]
    servers = []

    def serve(cert_and_key):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*_pem_files(tmp_path, f"server{len(servers)}", cert_and_key))
        server = Upstream({"/ok": (200, {"Content-Type": "text/plain"}, b"over TLS")}, tls=context, host=address)
        servers.append(server)
        return f"https://localhost:{server.port}/ok"

    yield ca, serve
    for server in servers:
        server.close()


def test_https_goes_to_the_checked_address_and_verifies_the_name_in_the_url(tls_world):
    ca, serve = tls_world
    resp = safe_fetch(serve(_certificate("localhost", ca)), allow_hosts=["localhost"])
    assert (resp.status, resp.body) == (200, b"over TLS")


@pytest.mark.parametrize("which", ["a certificate for another name", "a certificate no trusted authority signed"])
def test_https_refuses_a_certificate_that_does_not_prove_the_host(tls_world, which):
    ca, serve = tls_world
    if which == "a certificate for another name":
        cert = _certificate("other.example", ca)
    else:
        cert = _certificate("localhost", _certificate("Rogue CA"))
    with pytest.raises(FetchError, match="could not reach localhost: SSLError"):
        safe_fetch(serve(cert), allow_hosts=["localhost"])


def test_an_ipv6_literal_host_is_named_in_brackets_in_the_host_header():
    """http://[::1]:PORT/ is asked for with Host: [::1]:PORT (RFC 7230 5.4); without the brackets a server reads
    ::1:PORT as a host and no port (Python's own answers 400 to some; virtual hosts never match)."""
    server = Upstream({"/host": lambda handler: (200, {}, handler.headers["Host"].encode())}, host="::1")
    try:
        resp = safe_fetch(server.url + "/host", allow_hosts=["::1"])
        assert resp.status == 200 and resp.text() == f"[::1]:{server.port}"
    finally:
        server.close()
