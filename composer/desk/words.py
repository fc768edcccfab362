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
          "complained": N_("complained")}
INBOX = {
    "bounce": N_("bounces"), "complaint": N_("complaints"), "unsubscribe": N_("unsubscribes"),
    "autoreply": N_("automatic replies (set aside)"), "other": N_("left for you"),
    "malformed": N_("unreadable (left in the mailbox)"), "quarantined": N_("set aside unread (folder 'Quarantine')"),
}
RUN = {"running": N_("Sending"), "stopping": N_("Sending"), "stopped": N_("Stopped"), "finished": N_("Finished"),
       "error": N_("Sending")}
ISSUE_NOTES = {"saved": N_("Saved."), "not_saved": N_("Not saved yet."),
               "restored": N_("The draft is restored; it is not saved yet.")}
LIST_NOTES = {"added": N_("The address was added."),
              "unsubscribed": N_("The address is unsubscribed and gets no further issue."),
              "imported": N_("The list was replaced."),
              "unbounced": N_("The bounce is lifted; the address gets issues again.")}
IMPORT_COUNTS = {"new_rows": N_("new"), "changed_rows": N_("changed (name or columns)"), "removed_rows": N_("removed")}
SERVICES = {"smtp": N_("Sending server (SMTP)"), "imap": N_("Mailbox (IMAP)")}
STEPS = {"settings": N_("Settings"), "connect": N_("Connect"), "tls": N_("Encryption (TLS)"), "login": N_("Login"),
         "folder": N_("Folder"), "quit": N_("Goodbye (QUIT)"), "logout": N_("Goodbye (LOGOUT)")}
OUTCOMES = {"ok": N_("ok"), "failed": N_("failed"), "skipped": N_("skipped")}
SOURCES = {"environment": N_("environment variable"), ".env": N_("file .env"), "given": N_("given at start"),
           "default": N_("default")}
SECURITY = {"starttls": N_("STARTTLS"), "tls": N_("TLS"), "none": N_("unencrypted")}
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
    "tls": N_("The encrypted connection failed. Check NEWSLETTER_{svc}_SECURITY and the port (tls: usually 465 or 993, "
              "starttls: 587 or 143); with a certificate of your own, NEWSLETTER_SMTP_CA_FILE."),
    "no_starttls": N_("The server offers no STARTTLS. Use NEWSLETTER_SMTP_SECURITY=tls with port 465, or ask the provider "
                      "for the STARTTLS port (587)."),
    "no_auth": N_("The server offers no login on this connection. Check NEWSLETTER_SMTP_SECURITY and the port, or remove "
                  "NEWSLETTER_SMTP_USERNAME."),
    "credentials": N_("The server refused the login. Check the username and password (NEWSLETTER_{svc}_USERNAME, "
                      "NEWSLETTER_{svc}_PASSWORD); some providers want an app password of its own."),
    "unclean": N_("The server did not end the connection cleanly; the rest probably works all the same."),
    "imap_missing": N_("Enter NEWSLETTER_IMAP_HOST, NEWSLETTER_IMAP_USERNAME and NEWSLETTER_IMAP_PASSWORD in .env to read "
                       "the reply mailbox (or NEWSLETTER_INBOX_MAILDIR for a local Maildir folder)."),
    "no_folder": N_("This folder does not exist in the mailbox. Check NEWSLETTER_IMAP_FOLDER (usually INBOX)."),
}
