"""A private Postfix on a loopback port, as strict as hardened servers are, relaying to the test's aiosmtpd.

aiosmtpd accepts what real servers refuse (a bare LF, an envelope address without angle brackets), so a send that
passes the other tests can still be refused on the wire. This instance refuses the same way Debian's Postfix set to
`smtpd_forbid_bare_newline = reject` does, for every client (no exclusions: the default exempts `$mynetworks`, and
the test client is in it). It owns its config, queue, data and log directory under one temporary folder, listens on
a free port of its own and is stopped (its master process gone) at teardown, so runs can overlap on one machine.

For relay tests it can bounce chosen addresses (an `error:` transport, as a relay does when the next hop refuses)
and deliver chosen local addresses (with any `+extension`, as VERP makes them) into a Maildir, where their DSNs land.
"""

from __future__ import annotations

import datetime as dt
import mailbox
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from conftest import free_port

POSTFIX = shutil.which("postfix", path="/usr/sbin:/usr/bin:/sbin:/bin")
POSTCONF = shutil.which("postconf", path="/usr/sbin:/usr/bin:/sbin:/bin")
HOSTNAME = "relay.postfix-test.example.org"  # not the aiosmtpd's name, or Postfix would see its own relay as a loop

# Every service a relaying instance uses, none chrooted (the chroot would need copies of /etc files in each queue).
MASTER_CF = """\
127.0.0.1:{port} inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
virtual   unix  - n n - - virtual
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
"""


def unavailable() -> str:
    """Why no private Postfix can run here ('' when it can): it must start as root, from Debian's package."""
    if POSTFIX is None or POSTCONF is None:
        return "Postfix is not installed (apt-get install postfix; .ci/run does)"
    if os.geteuid() != 0:
        return "a private Postfix instance must be started as root"
    try:
        pwd.getpwnam("postfix")
    except KeyError:
        return "the postfix user is missing (Debian's postfix package creates it)"
    return ""


def make_certificate(path: Path, hostname: str) -> None:
    """A self-signed certificate and its key in one PEM file, for STARTTLS (`smtpd_tls_chain_files`)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=7))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(key_pem + cert.public_bytes(serialization.Encoding.PEM))


def wait_for(done: Callable[[], bool], what: str, timeout: float = 20.0, log: Callable[[], str] = lambda: "") -> None:
    """Poll an outside process's progress (Postfix delivers on its own schedule); fail with its log after `timeout`."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"Postfix: {what} did not happen within {timeout:.0f}s\n{log()}")
        time.sleep(0.05)


@dataclass
class Postfix:
    """One private instance: `start()` writes its configuration and starts it; `stop()` waits until it is gone."""

    root: Path
    relay_port: int  # the test's aiosmtpd, where everything not bounced or local is relayed
    bounce: tuple[str, ...] = ()  # addresses the relay refuses after accepting (a DSN goes to the envelope sender)
    local: tuple[str, ...] = ()  # addresses (and their +extensions) delivered into `maildir`
    port: int = field(default_factory=free_port)

    @property
    def config(self) -> Path:
        return self.root / "etc"

    @property
    def queue(self) -> Path:
        return self.root / "queue"

    @property
    def maildir(self) -> Path:
        return self.root / "mail" / "Maildir"

    @property
    def log_file(self) -> Path:
        return self.root / "log" / "maillog"

    def env(self) -> dict[str, str]:
        """The settings that send through this instance (plain SMTP; it offers STARTTLS, which `none` ignores)."""
        return {"NEWSLETTER_SMTP_HOST": "127.0.0.1", "NEWSLETTER_SMTP_PORT": str(self.port),
                "NEWSLETTER_SMTP_SECURITY": "none", "NEWSLETTER_FROM_ADDRESS": "kontakt@example.org",
                "NEWSLETTER_RATE_LIMIT": "0", "NEWSLETTER_RETRY_BASE_DELAY": "0.01"}

    def log(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else "(no log written)"

    def main_cf(self) -> dict[str, str]:
        owner = pwd.getpwnam("postfix")
        return {
            "compatibility_level": "3.6",
            "queue_directory": str(self.queue),
            "data_directory": str(self.root / "data"),
            "maillog_file": str(self.log_file),
            "maillog_file_prefixes": str(self.root),
            "syslog_name": f"postfix-test-{self.port}",
            "myhostname": HOSTNAME,
            "mydestination": "",
            "alias_maps": "",
            "alias_database": "",
            "local_recipient_maps": "",
            "smtpd_reject_unlisted_recipient": "no",  # a bounced address is accepted, then bounced, as by a relay
            "inet_interfaces": "loopback-only",
            "inet_protocols": "ipv4",
            "mynetworks": "127.0.0.0/8",
            "relayhost": f"[127.0.0.1]:{self.relay_port}",
            "smtpd_relay_restrictions": "permit_mynetworks, reject",
            # The strictness under test: bare LF refused for every client, envelope addresses only in <>.
            "smtpd_forbid_bare_newline": "reject",
            "smtpd_forbid_bare_newline_exclusions": "",
            "strict_rfc821_envelopes": "yes",
            "smtpd_tls_security_level": "may",
            "smtpd_tls_chain_files": str(self.config / "tls.pem"),
            "smtp_tls_security_level": "none",
            "recipient_delimiter": "+",
            "transport_maps": f"texthash:{self.config / 'transport'}",
            "virtual_mailbox_domains": "",
            "virtual_mailbox_base": str(self.root / "mail"),
            "virtual_mailbox_maps": f"texthash:{self.config / 'mailboxes'}",
            "virtual_uid_maps": f"static:{owner.pw_uid}",
            "virtual_gid_maps": f"static:{owner.pw_gid}",
            # Short queue times: a deferred message is retried within seconds and given up within a minute.
            "queue_run_delay": "1s",
            "minimal_backoff_time": "1s",
            "maximal_backoff_time": "2s",
            "maximal_queue_lifetime": "1m",
            "bounce_queue_lifetime": "1m",
            "delay_warning_time": "0",
            "biff": "no",
        }

    def start(self) -> None:
        owner = pwd.getpwnam("postfix")
        self.root.chmod(0o755)  # the postfix user reaches its queue, log and Maildir below
        for sub in ("etc", "queue", "data", "log", "mail"):
            (self.root / sub).mkdir(mode=0o755)
        for sub in ("data", "log", "mail"):
            os.chown(self.root / sub, owner.pw_uid, owner.pw_gid)
        make_certificate(self.config / "tls.pem", HOSTNAME)
        (self.config / "main.cf").write_text("".join(f"{k} = {v}\n" for k, v in self.main_cf().items()))
        (self.config / "master.cf").write_text(MASTER_CF.format(port=self.port))
        (self.config / "transport").write_text(
            "".join(f"{a} error:5.1.1 <{a}>: Recipient address rejected: User unknown (test)\n" for a in self.bounce)
            + "".join(f"{a} virtual:\n" for a in self.local))
        (self.config / "mailboxes").write_text("".join(f"{a} Maildir/\n" for a in self.local))
        self.postfix("start")
        wait_for(self.listening, f"listening on 127.0.0.1:{self.port}", log=self.log)

    def postfix(self, *command: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([str(POSTFIX), "-c", str(self.config), *command], capture_output=True, text=True,
                              timeout=60, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"postfix {' '.join(command)} failed ({done.returncode}): {done.stderr}{done.stdout}\n"
                               f"{self.log()}")
        return done

    def listening(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def master_pid(self) -> int | None:
        try:
            return int((self.queue / "pid" / "master.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def running(self) -> bool:
        pid = self.master_pid()
        if pid is None:
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return Path(f"/proc/{pid}").exists() and b"master" in Path(f"/proc/{pid}/cmdline").read_bytes()

    def stop(self) -> None:
        """`postfix stop`, then wait until the master (and with it every daemon) is gone; `abort` if it lingers."""
        if not self.running():
            return
        subprocess.run([str(POSTFIX), "-c", str(self.config), "stop"], capture_output=True, timeout=60, check=False)
        try:
            wait_for(lambda: not self.running(), "stop", timeout=15)
        except AssertionError:
            subprocess.run([str(POSTFIX), "-c", str(self.config), "abort"], capture_output=True, timeout=60,
                           check=False)
            wait_for(lambda: not self.running(), "abort", timeout=15, log=self.log)

    def queued(self) -> int:
        """How many messages are still in the queue (incoming, active, deferred)."""
        return sum(1 for sub in ("incoming", "active", "deferred", "maildrop")
                   for p in (self.queue / sub).rglob("*") if p.is_file())

    def mailbox(self) -> list[mailbox.MaildirMessage]:
        """What arrived in the local Maildir (the DSNs for the bounced addresses)."""
        if not (self.maildir / "new").exists():
            return []
        return list(mailbox.Maildir(self.maildir, create=False))


@contextmanager
def running_postfix(relay_port: int, bounce: tuple[str, ...] = (), local: tuple[str, ...] = ()) -> Iterator[Postfix]:
    """A started instance in a temporary folder of its own (outside pytest's 0700 tree, which the postfix user
    cannot enter); stopped and removed afterwards, even when starting failed halfway."""
    root = Path(tempfile.mkdtemp(prefix="newsletter-postfix-"))
    instance = Postfix(root, relay_port, bounce, local)
    try:
        instance.start()
        yield instance
    finally:
        instance.stop()
        shutil.rmtree(root, ignore_errors=True)
