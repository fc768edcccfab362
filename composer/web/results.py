"""What a POST came to (an outcome), kept signed in the result page itself, so that the page's language switch
shows the same result in another language instead of the step before it. The outcome holds no more than the
page shows (an address, the undo button's code) and is good for an hour; a forged or altered one is refused."""

from __future__ import annotations

from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

KEPT_SECONDS = 3600


class Outcomes:
    def __init__(self, secret: bytes) -> None:
        self._signer = URLSafeTimedSerializer(secret, salt="result-page")

    def dump(self, kind: str, **values: Any) -> str:
        return self._signer.dumps({"kind": kind, **values})

    def load(self, signed: str) -> dict[str, Any] | None:
        """The outcome, or None when it is forged, altered, older than an hour or not one at all."""
        try:
            outcome = self._signer.loads(signed[:4096], max_age=KEPT_SECONDS)
        except BadSignature:
            return None
        return outcome if isinstance(outcome, dict) and isinstance(outcome.get("kind"), str) else None
