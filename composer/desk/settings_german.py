"""The Einstellungen page in German: what each setting is for (the settings describe themselves in English),
what the connection test saw at each step, and values as a German office reads them."""

from __future__ import annotations

from composer.desk.german import DECIMAL, Table, compiled, say_in

DESCRIPTIONS = {
    "NEWSLETTER_SMTP_ALLOW_PLAINTEXT_AUTH": "erlaubt ein Passwort über eine unverschlüsselte Verbindung (security=none)",
    "NEWSLETTER_IMAP_ALLOW_PLAINTEXT_AUTH": "erlaubt das Postfach-Passwort über eine unverschlüsselte Verbindung "
                                            "(security=none)",
    "NEWSLETTER_RATE_LIMIT": "Nachrichten pro Minute über alle Verbindungen; 0 = keine Grenze",
    "NEWSLETTER_HOURLY_LIMIT": "Nachrichten in beliebigen 60 Minuten, über alle Versände; 0 = keine Grenze",
    "NEWSLETTER_DAILY_LIMIT": "Nachrichten in beliebigen 24 Stunden, über alle Versände; 0 = keine Grenze",
    "NEWSLETTER_SEND_HOURS": "z. B. „Mo-Fr 08:00-18:00“; außerhalb dieser Zeiten wartet ein Versand",
    "NEWSLETTER_TIME_ZONE": "z. B. Europe/Berlin; ohne Angabe die des Computers",
    "NEWSLETTER_RETRY_BUDGET": "Versuche je Empfänger in einem Durchgang",
    "NEWSLETTER_STOP_AFTER_FAILURES": "so oft derselbe Fehler hintereinander hält den Versand an; 0 = nie",
    "NEWSLETTER_APPROVAL": "„required“: ein Versand an eine Liste braucht die Freigabe einer zweiten Person in der Redaktion",
    "NEWSLETTER_DESK_URL": "wo das Büro die Redaktion erreicht (Links in Einladungen und Freigabe-Bitten); "
                           "ohne Angabe http://127.0.0.1:8025",
    "NEWSLETTER_PUBLIC_URL": "wo `newsletter serve` und das Archiv erreichbar sind",
    "NEWSLETTER_PRIVACY_URL": "die Datenschutzerklärung, verlinkt auf jeder Webseite",
    "NEWSLETTER_NAME": "der Name des Newsletters auf den Webseiten und in Bestätigungsmails; ohne Angabe der der neuesten "
                       "Ausgabe",
    "NEWSLETTER_PUBLIC_LISTS": "die Listen, die das Anmeldeformular anbietet, mit je einem Titel: "
                               "„volunteers=Ehrenamtliche; presse=Presse“",
    "NEWSLETTER_SIGNUP_LIMIT": "Anmeldungen über das Formular je Absenderadresse im Zeitfenster",
    "NEWSLETTER_SIGNUP_WINDOW": "Minuten des Zeitfensters für Anmeldungen",
    "NEWSLETTER_SIGNUP_HOURLY_CAP": "Bestätigungsmails in beliebigen 60 Minuten über das ganze Anmeldeformular; "
                                    "höchstens ein Fünftel von NEWSLETTER_HOURLY_LIMIT",
    "NEWSLETTER_SIGNUP_DAILY_CAP": "Bestätigungsmails in beliebigen 24 Stunden über das ganze Anmeldeformular; "
                                   "höchstens ein Fünftel von NEWSLETTER_DAILY_LIMIT",
    "NEWSLETTER_TRUSTED_PROXIES": "Adressen Ihres Reverse-Proxys, durch Kommas getrennt; nur deren X-Forwarded-For gilt",
    "NEWSLETTER_DESK_PASSWORD_HASH": "argon2-Hash aus `newsletter desk --set-password`",
    "NEWSLETTER_DKIM_KEY_FILE": "privater Schlüssel (PEM); unterschreibt jede Nachricht",
    "NEWSLETTER_VERP": "Umschlag-Absender bounces+<Kennung>@Domain je Empfänger",
    "NEWSLETTER_INBOX_MAILDIR": "ein lokaler Maildir-Ordner, der statt IMAP gelesen wird (Posteingang und Redaktion)",
    "NEWSLETTER_SOFT_BOUNCE_LIMIT": "vorübergehende Unzustellbarkeiten in verschiedenen Ausgaben, ab denen nicht mehr "
                                    "angeschrieben wird",
    "NEWSLETTER_RETENTION_DAYS": "Versandzeilen, die älter sind, verlieren ihre Adressen",
    "NEWSLETTER_TEMPLATES_DIR": "die eigenen Vorlagen des Ordners; jede ersetzt die mitgelieferte",
}
STEPS: Table = compiled([
    (r"(?P<names>NEWSLETTER_\w+(, NEWSLETTER_\w+)*) (is )?not set", r"\g<names> nicht gesetzt"),
    (r"the server does not offer STARTTLS", "der Server bietet kein STARTTLS an"),
    (r"the server offers no login \(AUTH\) on this connection",
     "der Server bietet auf dieser Verbindung keine Anmeldung (AUTH) an"),
    (r"timed out", "keine Antwort in der Wartezeit"),
])


def description(variable: str, english: str) -> str:
    return DESCRIPTIONS.get(variable, english)


def step_detail(detail: str) -> str:
    """A step's detail: the server's own reply stays as it came; the test's words are said in German."""
    return say_in(STEPS, detail)


def value(text: str) -> str:
    """True/False as ja/nein and a decimal comma; the hint above the table says how .env writes them."""
    if text in ("True", "False"):
        return "ja (true)" if text == "True" else "nein (false)"
    return text.replace(".", ",") if DECIMAL.fullmatch(text) else text
