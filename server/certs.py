"""Certificates: the local certificate authority `biaotai cert` makes, the server's key format, and
when the server certificate expires.

Invariants: every private key this module writes is PKCS#8 PEM (granian, through rustls, reads no
other format) and is created with mode 0600; an existing CA is kept unless asked for a new one, so
Windows need not trust a new one. A PKCS#1/SEC1 key made by an older `biaotai cert` is rewritten as
PKCS#8 (the same key) only in the folder `biaotai cert` owns; any other key file is never changed.
"""
from __future__ import annotations

import datetime as dt
import ipaddress
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .limits import CERT_WARNING_DAYS

CA_FILE, CA_KEY_FILE, CERT_FILE, KEY_FILE = "ca.pem", "ca-key.pem", "server.pem", "server-key.pem"


class CertificateError(Exception):
    """A certificate or key that cannot be used, in Chinese, saying what to do."""


def _write_private(path: Path, data: bytes) -> None:
    """Write a private key readable by its owner only; replaced atomically."""
    partial = path.with_name(f".{path.name}.tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(partial, path)


def _pkcs8(key) -> bytes:
    from cryptography.hazmat.primitives import serialization
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def make_certificates(directory: Path, names: list[str] | None = None, new_ca: bool = False,
                      valid_days: int = 825) -> dict[str, Path]:
    """A local certificate authority (kept when it exists, so it need not be trusted again) and a
    server certificate it signs for localhost, 127.0.0.1, ::1 and this machine's names."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    directory.mkdir(parents=True, exist_ok=True)
    paths = {name: directory / file for name, file in
             (("ca", CA_FILE), ("ca_key", CA_KEY_FILE), ("cert", CERT_FILE), ("key", KEY_FILE))}
    now = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)

    def write_key(path: Path, key) -> None:
        _write_private(path, _pkcs8(key))

    if paths["ca"].exists() and paths["ca_key"].exists() and not new_ca:
        ca_cert = x509.load_pem_x509_certificate(paths["ca"].read_bytes())
        ca_key = serialization.load_pem_private_key(paths["ca_key"].read_bytes(), password=None)
    else:
        ca_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
        ca_name = x509.Name([
            x509.NameAttribute(NameOID.COMMON_NAME, f"表态发言助手 本机证书颁发机构 ({socket.gethostname()[:40]})"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "biaotai local CA"),
        ])
        ca_cert = (x509.CertificateBuilder()
                   .subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now).not_valid_after(now + dt.timedelta(days=3650))
                   .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                   .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                                content_commitment=False, key_encipherment=False,
                                                data_encipherment=False, key_agreement=False,
                                                encipher_only=False, decipher_only=False), critical=True)
                   .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
                   .sign(ca_key, hashes.SHA256()))
        write_key(paths["ca_key"], ca_key)
        paths["ca"].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))

    dns: list[str] = []
    ips: list[Any] = []
    for name in ["localhost", "127.0.0.1", "::1", *machine_names(), *(names or [])]:
        try:
            ip = ipaddress.ip_address(name)
        except ValueError:
            if name and name.isascii() and name.lower() not in (d.lower() for d in dns):
                dns.append(name)
        else:
            if ip not in ips:
                ips.append(ip)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    san = x509.SubjectAlternativeName([x509.DNSName(d) for d in dns] + [x509.IPAddress(i) for i in ips])
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + dt.timedelta(days=valid_days))
            .add_extension(san, critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_encipherment=True, content_commitment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    write_key(paths["key"], key)
    paths["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return paths


def machine_names() -> list[str]:
    """This machine's host name (and fully qualified name), where they are valid DNS names."""
    result = []
    for name in (socket.gethostname(), socket.getfqdn()):
        name = (name or "").strip().rstrip(".")
        if name and name.lower() != "localhost" and all(part and len(part) <= 63 and all(
                c.isalnum() or c == "-" for c in part) for part in name.split(".")) and name.isascii():
            result.append(name)
    return list(dict.fromkeys(result))


def trust_instructions(ca: Path) -> str:
    return "\n".join([
        f"已生成证书：{ca.parent}",
        f"  证书颁发机构：{ca}（需要被 Windows 信任，只需做一次）",
        f"  服务器证书：{ca.parent / CERT_FILE}，私钥：{ca.parent / KEY_FILE}",
        "",
        "在 Windows 上信任本机证书颁发机构（二选一）：",
        f"  1. 在命令提示符中运行：certutil -addstore -user Root \"{ca}\"",
        "  2. 双击 ca.pem（可先改名为 ca.crt）→「安装证书」→「当前用户」→「将所有的证书都放入下列存储」"
        "→「浏览」→「受信任的根证书颁发机构」→「确定」→「下一步」→「完成」，在安全警告中选「是」。",
        "完成后重新启动 Word。然后运行：biaotai serve",
        "注意：ca-key.pem 可以签发任何网站的证书，请妥善保管，不要发给他人。",
    ])


# ---------------------------------------------------------------------------------------------
# The key format granian reads

_PKCS8, _ENCRYPTED = b"-----BEGIN PRIVATE KEY-----", b"-----BEGIN ENCRYPTED PRIVATE KEY-----"
_OLD_FORMATS = (b"-----BEGIN RSA PRIVATE KEY-----", b"-----BEGIN EC PRIVATE KEY-----")


def ensure_pkcs8(keyfile: Path, convert: bool) -> bool:
    """Make sure `keyfile` is an unencrypted PKCS#8 PEM key; True when it was rewritten.

    `convert`: the file is ours (made by `biaotai cert`), so an old-format key may be rewritten
    in place as PKCS#8 (the same key). Otherwise an old format is refused with the command that
    converts it, and the user's file is left as it is."""
    try:
        data = keyfile.read_bytes()
    except FileNotFoundError:
        raise CertificateError(f"找不到私钥文件 {keyfile}。请先运行 biaotai cert 生成证书，或用 --keyfile 指定") from None
    except OSError as exc:
        raise CertificateError(f"无法读取私钥文件 {keyfile}（{exc.strerror or exc}）") from None
    if _PKCS8 in data:
        return False
    if _ENCRYPTED in data:
        raise CertificateError(f"私钥 {keyfile} 设置了密码，服务无法在启动时输入密码：请导出不加密的 PKCS#8 私钥，"
                               f"如 openssl pkcs8 -topk8 -nocrypt -in {keyfile.name} -out server-key-pkcs8.pem")
    if not any(marker in data for marker in _OLD_FORMATS):
        raise CertificateError(f"私钥 {keyfile} 不是 PEM 格式的私钥（应以 -----BEGIN PRIVATE KEY----- 开头）")
    if not convert:
        raise CertificateError(
            f"私钥 {keyfile} 是旧的 PKCS#1/SEC1 格式，服务只能读取 PKCS#8 格式。请转换后再指定："
            f"openssl pkcs8 -topk8 -nocrypt -in {keyfile.name} -out server-key-pkcs8.pem；"
            "或运行 biaotai cert 重新生成证书（证书颁发机构保留，不必重新信任）")
    from cryptography.hazmat.primitives import serialization
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise CertificateError(f"私钥 {keyfile} 无法读取（{exc}），请运行 biaotai cert 重新生成") from None
    _write_private(keyfile, _pkcs8(key))
    return True


# ---------------------------------------------------------------------------------------------
# What the server certificate says


@dataclass(frozen=True)
class CertificateFacts:
    """The server certificate's names and validity, read once at start (granian reads it once too)."""

    path: str
    not_after: dt.datetime
    dns_names: tuple[str, ...]
    ip_addresses: tuple[str, ...]

    def days_left(self, now: dt.datetime | None = None) -> int:
        now = now or dt.datetime.now(dt.timezone.utc)
        return (self.not_after - now).days

    def warning(self, now: dt.datetime | None = None) -> str | None:
        """A Chinese warning when the certificate expires within CERT_WARNING_DAYS, else None."""
        days = self.days_left(now)
        until = self.not_after.astimezone().strftime("%Y-%m-%d")
        if days < 0:
            return f"服务器证书已于 {until} 过期，Word 将无法连接：请运行 biaotai cert 重新生成证书，然后重新启动服务"
        if days < CERT_WARNING_DAYS:
            return (f"服务器证书将于 {until} 过期（还剩 {days} 天）：请尽快运行 biaotai cert 重新生成证书"
                    "（证书颁发机构保留，不必重新信任），然后重新启动服务")
        return None

    def to_dict(self, now: dt.datetime | None = None) -> dict[str, Any]:
        return {"not_after": self.not_after.isoformat(timespec="seconds"), "days_left": self.days_left(now),
                "warning": self.warning(now)}


def read_certificate(certfile: Path) -> CertificateFacts:
    """Names and expiry of the first certificate in a PEM file."""
    from cryptography import x509
    try:
        cert = x509.load_pem_x509_certificate(Path(certfile).read_bytes())
    except FileNotFoundError:
        raise CertificateError(f"找不到证书文件 {certfile}。请先运行 biaotai cert 生成证书，或用 --certfile 指定") from None
    except (OSError, ValueError) as exc:
        raise CertificateError(f"证书文件 {certfile} 无法读取（{exc}）：应为 PEM 格式的证书") from None
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns = tuple(san.get_values_for_type(x509.DNSName))
        ips = tuple(str(ip) for ip in san.get_values_for_type(x509.IPAddress))
    except x509.ExtensionNotFound:
        dns, ips = (), ()
    return CertificateFacts(str(certfile), cert.not_valid_after_utc, dns, ips)
