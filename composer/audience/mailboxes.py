"""Where replies and bounces wait: an IMAP folder, a Maildir or an mbox file, behind one small interface."""

from __future__ import annotations

import contextlib
import hashlib
import imaplib
import mailbox
import ssl
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from composer.errors import ComposerError, SettingsError
from composer.config.parts import IMAPConfig
from composer.i18n import message

NO_MAILBOX = message("set NEWSLETTER_IMAP_HOST, NEWSLETTER_IMAP_USERNAME and NEWSLETTER_IMAP_PASSWORD, or read a local "
                     "--maildir or --mbox")


class MailboxError(ComposerError):
    """The mailbox cannot be opened or read."""


def key_of(data: bytes) -> str:
    """Identifies a message by its bytes, so a rerun recognises it wherever it was moved."""
    return hashlib.sha256(data).hexdigest()


class Source(ABC):
    """Messages to look at, and a way to put a handled one aside (moved or flagged, never deleted). A message is
    read up to `limit` bytes, so a huge one costs no more than that and is known by its length."""

    @abstractmethod
    def messages(self, limit: int) -> Iterator[tuple[str, bytes]]: ...

    @abstractmethod
    def put_aside(self, ref: str, folder: str | None = None) -> None:
        """Into `folder`, or the folder for handled mail."""

    def close(self) -> None:  # noqa: B027 - most sources have nothing to close
        """Ends the connection, where there is one."""


class MaildirSource(Source):
    def __init__(self, path: Path, move_to: str) -> None:
        if not (path / "cur").is_dir():
            raise MailboxError(message("{path}: not a Maildir (it has no cur/ folder)", path=path))
        self._box = mailbox.Maildir(path, factory=None, create=False)
        self._move_to = move_to

    def messages(self, limit: int) -> Iterator[tuple[str, bytes]]:
        for ref in sorted(self._box.keys()):
            with contextlib.closing(self._box.get_file(ref)) as handle:
                yield ref, handle.read(limit)

    def put_aside(self, ref: str, folder: str | None = None) -> None:
        """Copied as a stream (Maildir.add takes a file), so a huge one is never held in memory, then removed."""
        name = folder or self._move_to
        target = self._box.get_folder(name) if name in self._box.list_folders() else self._box.add_folder(name)
        with contextlib.closing(self._box.get_file(ref)) as handle:
            target.add(handle)
        self._box.discard(ref)


class MboxSource(Source):
    """An mbox file is left as it is; the state database remembers what was handled."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise MailboxError(message("{path}: no such mbox file", path=path))
        self._box = mailbox.mbox(path, create=False)

    def messages(self, limit: int) -> Iterator[tuple[str, bytes]]:
        for ref in self._box.iterkeys():
            with contextlib.closing(self._box.get_file(ref)) as handle:
                yield str(ref), handle.read(limit)

    def put_aside(self, ref: str, folder: str | None = None) -> None:
        pass

    def close(self) -> None:
        self._box.close()


def refuse_plaintext_login(imap: IMAPConfig) -> None:
    """The IMAP password over an unencrypted connection is refused unless the coordinator said the network is
    trusted, as the SMTP password is."""
    if imap.security == "none" and imap.password and not imap.allow_plaintext_auth:
        raise SettingsError(message("NEWSLETTER_IMAP_SECURITY=none would send the IMAP password unencrypted; use tls or "
                                    "starttls, or set NEWSLETTER_IMAP_ALLOW_PLAINTEXT_AUTH=true only on a network you trust"))


class IMAPSource(Source):
    def __init__(self, imap: IMAPConfig, move_to: str) -> None:
        if not (imap.host and imap.username and imap.password):
            raise SettingsError(NO_MAILBOX)
        refuse_plaintext_login(imap)
        where = f"{imap.host}:{imap.port}"
        try:
            self._client = IMAPClient(imap.host, port=imap.port, ssl=imap.security == "tls",
                                      ssl_context=ssl.create_default_context(), timeout=30)
            if imap.security == "starttls":
                self._client.starttls(ssl.create_default_context())
            self._client.login(imap.username, imap.password)
            self._client.select_folder(imap.folder)
        except IMAPClientError as exc:
            raise MailboxError(message("{where}: the IMAP server refused ({why}); check NEWSLETTER_IMAP_USERNAME, "
                                       "NEWSLETTER_IMAP_PASSWORD and NEWSLETTER_IMAP_FOLDER", where=where,
                                       why=_first_line(exc))) from None
        except (OSError, imaplib.IMAP4.error, ssl.SSLError) as exc:
            raise MailboxError(message("cannot reach the IMAP server {where}: {why}", where=where, why=_first_line(exc))) from None
        self._move_to = move_to

    def messages(self, limit: int) -> Iterator[tuple[str, bytes]]:
        """Each message's first `limit` bytes (a partial fetch, RFC 3501 `BODY.PEEK[]<0.limit>`)."""
        uids = self._client.search(["ALL"])
        for start in range(0, len(uids), 50):
            fetched = self._client.fetch(uids[start:start + 50], [f"BODY.PEEK[]<0.{limit}>"])
            for uid, data in fetched.items():
                yield str(uid), next((v for k, v in data.items() if k.startswith(b"BODY[]")), b"") or b""

    def put_aside(self, ref: str, folder: str | None = None) -> None:
        folder = folder or self._move_to
        if not self._client.folder_exists(folder):
            self._client.create_folder(folder)
        if self._client.has_capability("MOVE"):
            self._client.move([int(ref)], folder)
        else:
            self._client.copy([int(ref)], folder)
            self._client.delete_messages([int(ref)])
            self._client.uid_expunge([int(ref)])

    def close(self) -> None:
        with contextlib.suppress(IMAPClientError, OSError):
            self._client.logout()


def _first_line(exc: Exception) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]
