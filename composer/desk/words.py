"""The desk's words that a page picks by a key (a delivery state, a kind of mail, a step of the connection test):
English msgids marked for the catalogue, shown in the page's language by the templates' `word()`."""

from __future__ import annotations

from composer.i18n import N_
from composer.issue.places import FIELDS as LABELS

DELIVERY = {
    "pending": N_("pending"), "sending": N_("sending"), "sent": N_("sent"), "deferred": N_("deferred"),
    "failed": N_("failed"), "uncertain": N_("uncertain (no answer from the server)"),
    "possible duplicates": N_("possible duplicates"), "possible duplicate": N_("possible duplicate"),
    "bounced": N_("bounced"), "unsubscribed": N_("unsubscribed"), "unsubscribed since": N_("unsubscribed since"),
    "complained": N_("complained"),
}
MEMBER = {"active": N_("active"), "unsubscribed": N_("unsubscribed"), "bounced": N_("bounced"),
          "complained": N_("complained"), "erased": N_("erased on request")}
INBOX = {
    "bounce": N_("bounces"), "complaint": N_("complaints"), "unsubscribe": N_("unsubscribes"),
    "autoreply": N_("automatic replies (set aside)"), "other": N_("left for you"),
    "malformed": N_("unreadable (left in the mailbox)"), "quarantined": N_("set aside unread (folder 'Quarantine')"),
}
ISSUE_NOTES = {"saved": N_("Saved."), "not_saved": N_("Not saved yet."),
               "restored": N_("The draft is restored; it is not saved yet.")}
LIST_NOTES = {"added": N_("The address was added."), "edited": N_("The row was changed in the list file."),
              "unsubscribed": N_("The address is unsubscribed and gets no further issue."),
              "precaution": N_("The address is on no list – blocked as a precaution: no list will write to it."),
              "imported": N_("The list was replaced."),
              "unbounced": N_("The bounce is lifted; the address gets issues again.")}
IMPORT_COUNTS = {"new_rows": N_("new"), "changed_rows": N_("changed (name or columns)"), "removed_rows": N_("removed")}
ROLES = {"email": N_("Email address"), "name": N_("Whole name"), "first_name": N_("First name"),
         "last_name": N_("Surname"), "salutation": N_("Salutation (Frau/Herr)"), "consent_date": N_("Consent: date"),
         "consent_source": N_("Consent: source"), "": N_("Own column (kept)"), "skip": N_("Leave out")}
SERVICES = {"smtp": N_("Sending server (SMTP)"), "imap": N_("Mailbox (IMAP)")}
STEPS = {"settings": N_("Settings"), "connect": N_("Connect"), "tls": N_("Encryption (TLS)"), "login": N_("Login"),
         "folder": N_("Folder"), "quit": N_("Goodbye (QUIT)"), "logout": N_("Goodbye (LOGOUT)")}
# What each setting is for, by its variable: the settings' own descriptions (config/settings.py), which
# tests/test_desk_settings.py holds equal to these, so a rewording there is made here too.
SETTINGS = {
    "NEWSLETTER_SMTP_ALLOW_PLAINTEXT_AUTH": N_('allow a password over security=none'),
    "NEWSLETTER_RATE_LIMIT": N_('messages per minute over all connections; 0 = no limit'),
    "NEWSLETTER_HOURLY_LIMIT": N_('messages in any 60 minutes, over all sends; 0 = no limit'),
    "NEWSLETTER_DAILY_LIMIT": N_('messages in any 24 hours, over all sends; 0 = no limit'),
    "NEWSLETTER_SEND_HOURS": N_("e.g. 'Mo-Fr 08:00-18:00'; outside them a send waits"),
    "NEWSLETTER_TIME_ZONE": N_("e.g. Europe/Berlin; the machine's own when unset"),
    "NEWSLETTER_RETRY_BUDGET": N_('attempts per recipient in one run'),
    "NEWSLETTER_STOP_AFTER_FAILURES": N_('same failure this many times in a row stops the send; 0 = never'),
    "NEWSLETTER_PUBLIC_URL": N_('where `newsletter serve` and the archive are reachable'),
    "NEWSLETTER_PRIVACY_URL": N_('the privacy notice, linked from every web page'),
    "NEWSLETTER_NAME":
        N_("the newsletter's name on the web pages and in confirmation mails; the newest issue's when unset"),
    "NEWSLETTER_PUBLIC_LISTS":
        N_("lists the sign-up form offers, with a title each: 'volunteers=Ehrenamtliche; presse=Presse'"),
    "NEWSLETTER_SIGNUP_LIMIT": N_('sign-up form posts per client address in the window'),
    "NEWSLETTER_SIGNUP_WINDOW": N_('minutes of the sign-up rate limit'),
    "NEWSLETTER_SIGNUP_HOURLY_CAP":
        N_('confirmation mails in any 60 minutes from the whole sign-up form; at most a fifth of NEWSLETTER_HOURLY_LIMIT'),
    "NEWSLETTER_SIGNUP_DAILY_CAP":
        N_('confirmation mails in any 24 hours from the whole sign-up form; at most a fifth of NEWSLETTER_DAILY_LIMIT'),
    "NEWSLETTER_TRUSTED_PROXIES": N_('addresses of your reverse proxy, comma-separated; only their X-Forwarded-For is believed'),
    "NEWSLETTER_DESK_PASSWORD_HASH": N_('argon2 hash from `newsletter desk --set-password`'),
    "NEWSLETTER_DKIM_KEY_FILE": N_('PEM private key; signs every message'),
    "NEWSLETTER_VERP": N_('envelope sender bounces+<token>@domain per recipient'),
    "NEWSLETTER_IMAP_ALLOW_PLAINTEXT_AUTH": N_('allow the IMAP password over security=none'),
    "NEWSLETTER_INBOX_MAILDIR": N_('a local Maildir read instead of IMAP (inbox and desk)'),
    "NEWSLETTER_SOFT_BOUNCE_LIMIT": N_('temporary bounces in distinct issues before suppression'),
    "NEWSLETTER_RETENTION_DAYS": N_('delivery rows older than this lose their addresses'),
    "NEWSLETTER_TEMPLATES_DIR": N_("the folder's own templates; each overrides the package's"),
    "NEWSLETTER_APPROVAL": N_("'required': a list send needs the approval (Freigabe) of another person in the desk"),
    "NEWSLETTER_DESK_URL":
        N_("where the office reaches the desk (invitation and approval links); http://127.0.0.1:8025 when unset"),
}
VALUES = {"True": N_("True"), "False": N_("False")}  # a switch's value; German says ja/nein, .env writes true/false
OUTCOMES = {"ok": N_("ok"), "failed": N_("failed"), "skipped": N_("skipped")}
SOURCES = {"environment": N_("environment variable"), ".env": N_("file .env"), "given": N_("given at start"),
           "default": N_("default")}
FIELDS = LABELS  # the form's labels are the library's, so a place named in an error reads like the page
ADVICE = {  # what to change after a failed step of the connection test, by the test's reason code; {svc} is SMTP or IMAP
    "no_host": N_("Enter NEWSLETTER_SMTP_HOST (and port, security, username, password) in .env; until then emails go to "
                  "the folder outbox/."),
    "plaintext": N_("With NEWSLETTER_SMTP_SECURITY=none the password would cross the network unencrypted. Choose starttls "
                    "or tls, or set NEWSLETTER_SMTP_ALLOW_PLAINTEXT_AUTH=true only in a trusted network."),
    "imap_plaintext": N_("With NEWSLETTER_IMAP_SECURITY=none the mailbox password would cross the network unencrypted. "
                         "Choose tls or starttls, or set NEWSLETTER_IMAP_ALLOW_PLAINTEXT_AUTH=true only in a trusted "
                         "network."),
    "unreachable": N_("The server cannot be reached. Check the server name and port (NEWSLETTER_{svc}_HOST, "
                      "NEWSLETTER_{svc}_PORT); a firewall may also block it."),
    "no_answer": N_("The server did not answer. Check the port together with the encryption (TLS: usually 465, or 993 "
                    "for the mailbox; STARTTLS: 587, or 143 for the mailbox); a firewall may also drop the connection."),
    "tls": N_("The encrypted connection failed. Check NEWSLETTER_{svc}_SECURITY and the port (tls: usually 465 or 993, "
              "starttls: 587 or 143); with a certificate of your own, NEWSLETTER_SMTP_CA_FILE."),
    "no_starttls": N_("The server offers no STARTTLS. Use NEWSLETTER_SMTP_SECURITY=tls with port 465, or ask the provider "
                      "for the STARTTLS port (587)."),
    "no_auth": N_("The server offers no login on this connection. Check NEWSLETTER_SMTP_SECURITY and the port, or remove "
                  "NEWSLETTER_SMTP_USERNAME."),
    "credentials": N_("The server refused the login. Check the username and password (NEWSLETTER_{svc}_USERNAME, "
                      "NEWSLETTER_{svc}_PASSWORD); some providers want an app password of its own."),
    "unclean": N_("The server did not end the connection cleanly; the rest probably works all the same."),
    "imap_missing": N_("Enter the mailbox for replies under Settings (IMAP: server, user name and password) to read "
                       "replies and bounces (or NEWSLETTER_INBOX_MAILDIR in .env for a local Maildir folder)."),
    "no_folder": N_("This folder does not exist in the mailbox. Check NEWSLETTER_IMAP_FOLDER (usually INBOX)."),
}

