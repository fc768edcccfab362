"""The send state as one object: the connection and lock (store.py) with the typed methods of every job."""

from __future__ import annotations

from composer.state.consents import ConsentRows
from composer.state.deliveries import Deliveries
from composer.state.drafts import DraftRows
from composer.state.inboxruns import InboxRunRows
from composer.state.ledger import LedgerRows
from composer.state.links import LinkRows
from composer.state.office import OfficeRows
from composer.state.privacy import PrivacyRows
from composer.state.quota import QuotaRows
from composer.state.sessions import SessionRows
from composer.state.readers import ReaderRows
from composer.state.signupmails import SignupMailRows
from composer.state.staging import Staging
from composer.state.suppressions import Suppressions


class Journal(OfficeRows, PrivacyRows, Deliveries, Suppressions, LinkRows, QuotaRows, SignupMailRows, SessionRows, DraftRows, Staging,
              LedgerRows, ReaderRows, ConsentRows, InboxRunRows):
    """Narrow interface over the state database; one process at a time sends from it (a lock file says so)."""

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

