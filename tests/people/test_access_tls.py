"""Serving over TLS: Streamlit starts with a self-signed certificate and answers over https only."""

import datetime
import ipaddress
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

APP = 'import streamlit as st\nst.write("hello over tls")\n'


def self_signed(folder):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    return folder / "cert.pem", folder / "key.pem"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def tls_server(tmp_path):
    cert, key = self_signed(tmp_path)
    (tmp_path / "hello.py").write_text(APP)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(tmp_path / "hello.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.sslCertFile", str(cert), "--server.sslKeyFile", str(key)],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        yield port, cert
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def get(url, context):
    deadline = time.time() + 30
    while True:
        try:
            with urllib.request.urlopen(url, context=context, timeout=5) as resp:
                return resp.read().decode()
        except (urllib.error.URLError, ConnectionError):
            if time.time() > deadline:
                raise
            time.sleep(0.2)


def test_streamlit_serves_https_with_a_self_signed_certificate(tls_server):
    port, cert = tls_server
    trusted = ssl.create_default_context(cafile=str(cert))  # the certificate is verified, not ignored
    assert get(f"https://127.0.0.1:{port}/_stcore/health", trusted) == "ok"
    with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):  # untrusted: refused
        urllib.request.urlopen(f"https://127.0.0.1:{port}/_stcore/health", context=ssl.create_default_context(),
                               timeout=5)
    with pytest.raises((urllib.error.URLError, ConnectionError, ssl.SSLError)):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=5).read()
