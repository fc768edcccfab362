"""The desk's words, German first; English for a browser that asks for it or a coordinator who switches."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from starlette.requests import Request

if TYPE_CHECKING:
    from composer.send.transports import Destination

DE = {
    "desk": "Die Redaktion", "issues": "Ausgaben", "new_issue": "Neue Ausgabe", "edit": "Bearbeiten",
    "check": "Prüfen", "test_send": "Testversand", "send": "Versand", "status": "Status", "language": "English",
    "login": "Anmelden", "password": "Passwort", "login_link_bad": "Dieser Anmeldelink ist ungültig oder wurde schon benutzt. "
    "Starten Sie die Redaktion neu und öffnen Sie den neuen Link aus dem Terminal.",
    "host_refused": "Diese Adresse gehört nicht zur Redaktion. Öffnen Sie den Link, den `newsletter desk` im Terminal zeigt.",
    "login_wrong": "Das Passwort stimmt nicht.", "login_limited": "Zu viele Versuche. Bitte warten Sie 15 Minuten.",
    "draft": "Entwurf", "sent_of": "{sent} von {total} versendet", "failures": "{n} fehlgeschlagen",
    "name_bad": "„{name}“: nur Buchstaben, Ziffern und „-“",
    "started_from": "Die neue Ausgabe beginnt mit Kopf und Fußzeile von {source}.",
    "left_out": "Nicht als Vorlage genommen, weil sie Fehler haben („Prüfen“ nennt sie):",
    "file_name": "Dateiname (z. B. 2021-01)",
    "held": "Wartet bis {when} ({why}); dann geht der Versand von selbst weiter.",
    "cross_origin": "Abgelehnt: Diese Anfrage kam nicht von einer Seite der Redaktion. Öffnen Sie die Redaktion über "
    "ihre eigene Adresse und versuchen Sie es dort noch einmal.", "create": "Anlegen", "save": "Speichern", "saved": "Gespeichert.",
    "not_saved": "Noch nicht gespeichert.", "details": "Angaben zur Ausgabe", "articles": "Artikel",
    "article": "Artikel {n}", "add_article": "Artikel hinzufügen", "remove": "Entfernen", "up": "Nach oben",
    "down": "Nach unten", "contacts": "Ansprechpersonen", "add_contact": "Ansprechperson hinzufügen",
    "body_hint": "Neue Zeile mit – beginnt eine Aufzählung; eine Leerzeile einen Absatz",
    "image": "Bild", "look": "Aussehen", "errors_title": "Bitte korrigieren Sie diese Angaben:",
    "preview": "Vorschau", "dark": "Dunkel", "conflict_title": "Die Datei wurde inzwischen geändert",
    "conflict_text": "Während Sie bearbeitet haben, wurde die Datei auf der Festplatte geändert. Nichts wurde "
    "überschrieben. Ihre Fassung ist gesichert unter {kept}.",
    "on_disk": "Fassung auf der Festplatte", "yours": "Ihre Fassung", "take_mine": "Meine Fassung speichern",
    "open_disk": "Fassung auf der Festplatte öffnen", "no_findings": "Keine Probleme gefunden.",
    "errors": "Fehler", "warnings": "Warnungen", "infos": "Hinweise", "to_field": "zum Feld",
    "addresses": "Adressen (eine pro Zeile)", "send_test": "Testversand starten", "result": "Ergebnis",
    "sent_n": "{sent} versendet, {failed} fehlgeschlagen, {deferred} zurückgestellt", "list": "Liste",
    "dest_smtp": "Mailserver {where} ({security})", "dest_outbox": "Ordner {where}/, eine .eml-Datei je Empfänger (kein "
    "Mailserver eingerichtet)", "dest_placeholder": "; Absender {address} ist ein Platzhalter, bis NEWSLETTER_FROM_ADDRESS "
    "gesetzt ist", "security_starttls": "STARTTLS", "security_tls": "TLS", "security_none": "unverschlüsselt",
    "plan": "Plan", "will_send": "Empfänger", "skipped": "Übersprungen", "confirm": "Ich will diese Ausgabe jetzt an "
    "{n} Empfänger versenden.", "start_send": "Versand starten", "stop": "Anhalten", "resume": "Versand fortsetzen",
    "running": "Versand läuft", "stopped": "Angehalten", "finished": "Fertig", "check_errors": "Die Ausgabe hat "
    "Prüffehler; erst nach ihrer Korrektur kann sie versendet werden.", "confirm_missing": "Bitte bestätigen Sie den Versand.",
    "state": "Status", "all": "alle", "search": "Suchen", "filter": "Filtern", "csv": "CSV herunterladen",
    "email": "E-Mail", "attempts": "Versuche", "reply": "Antwort des Servers", "queue_id": "Queue-ID beim Relay",
    "duplicate": "mögliche Doppelsendung",
    "skipped_counts": "{sent} schon erhalten · {suppressed} abgemeldet oder unzustellbar · {failed} früher fehlgeschlagen "
    "· {uncertain} ohne Antwort des Servers · {bad} ungültige Zeilen",
    "erased_skipped": "Nicht angeschrieben: {erased} auf Wunsch gelöscht · {late} ohne Einwilligung nach Ablauf der Frist "
    "zur Bestätigung",
    "no_consent": "{n} von {total} Adressen haben keinen Nachweis der Einwilligung: ergänzen Sie in der Liste die Spalten "
    "Einwilligung_Datum und Einwilligung_Quelle (`newsletter subscribers` nennt die Zeilen).",
    "interrupted": "{n} Nachrichten waren unterwegs, als der letzte Versand abbrach; sie werden erneut gesendet und "
    "kommen vielleicht doppelt an.",
    "attention": "Braucht Ihre Aufmerksamkeit", "and_more": "und {n} weitere (alle in der CSV-Datei)",
    "recipients": "Alle Empfänger",
    "delivery_pending": "ausstehend", "delivery_sending": "unterwegs", "delivery_sent": "versendet",
    "delivery_deferred": "zurückgestellt", "delivery_failed": "fehlgeschlagen", "delivery_uncertain": "ungewiss (keine Antwort "
    "des Servers)", "delivery_possible_duplicates": "mögliche Doppelsendungen", "delivery_possible_duplicate": "mögliche "
    "Doppelsendung", "delivery_bounced": "unzustellbar", "delivery_unsubscribed": "abgemeldet",
    "delivery_unsubscribed_since": "seitdem abgemeldet",
    "nothing_sent": "An diese Ausgabe wurde noch nichts versendet.", "logout_hint": "Angemeldet",
    "f_subject": "Betreff", "f_preheader": "Vorschautext", "f_date": "Datum", "f_language": "Sprache",
    "f_newsletter": "Name des Newsletters", "f_publisher": "Herausgeber", "f_kicker": "Dachzeile",
    "f_claims": "Leitsprüche (einer pro Zeile)", "f_named": "Anrede mit Name ({name})", "f_anonymous": "Anrede ohne Name",
    "f_address": "Anschrift (Impressum)", "f_reason": "Warum Leser den Newsletter erhalten", "f_imprint_url": "Impressum (Link)",
    "f_privacy_url": "Datenschutzerklärung (Link)",
    "f_title": "Titel", "f_author": "Autorin/Autor", "f_body": "Text (Markdown)", "f_anchor": "Sprungmarke",
    "f_upload": "Foto von diesem Computer (wird beim Speichern übernommen; Bildbeschreibung bitte ausfüllen)",
    "f_url": "Bildadresse (https://…)", "f_path": "oder Bilddatei neben der Ausgabe (z. B. media/foto.jpg)",
    "f_alt": "Bildbeschreibung (Alternativtext)", "f_width": "Breite in Pixeln",
    "f_name": "Name", "f_role": "Funktion", "f_phone": "Telefon", "f_email": "E-Mail",
    "f_brand_color": "Hausfarbe (#8a1538)", "f_text_color": "Textfarbe", "f_muted_color": "Farbe für Nebensächliches",
    "f_background_color": "Hintergrundfarbe", "f_content_color": "Farbe der Textfläche", "f_font_family": "Schriftart",
    "f_logo_url": "Logo (https://…)", "f_logo_width": "Logobreite in Pixeln",
}
EN = {
    "desk": "The desk", "issues": "Issues", "new_issue": "New issue", "edit": "Edit", "check": "Check",
    "test_send": "Test send", "send": "Send", "status": "Status", "language": "Deutsch", "login": "Log in",
    "password": "Password", "login_link_bad": "This login link is wrong or was used already. Restart the desk and "
    "open the new link from the terminal.", "login_wrong": "Wrong password.",
    "host_refused": "This address is not the desk's. Open the link `newsletter desk` shows in the terminal.",
    "login_limited": "Too many attempts. Please wait 15 minutes.", "draft": "draft", "sent_of": "{sent} of {total} sent",
    "failures": "{n} failed", "name_bad": "'{name}': use letters, digits and '-' only",
    "started_from": "The new issue starts with the header and footer of {source}.",
    "left_out": "Left out as a start because they have errors (Check names them):",
    "file_name": "File name (e.g. 2021-01)",
    "held": "Waiting until {when} ({why}); then the send continues by itself.",
    "cross_origin": "Refused: this request did not come from a page of the desk. Open the desk at its own address "
    "and try again there.", "create": "Create", "save": "Save",
    "saved": "Saved.", "not_saved": "Not saved yet.", "details": "Issue details", "articles": "Articles",
    "article": "Article {n}", "add_article": "Add article", "remove": "Remove", "up": "Move up", "down": "Move down",
    "contacts": "Contacts", "add_contact": "Add contact", "image": "Image", "look": "Look",
    "body_hint": "A new line starting with – begins a list; an empty line a paragraph",
    "errors_title": "Please correct these fields:", "preview": "Preview", "dark": "Dark",
    "conflict_title": "The file was changed meanwhile", "conflict_text": "While you were editing, the file on disk "
    "changed. Nothing was overwritten. Your version is kept at {kept}.", "on_disk": "Version on disk",
    "yours": "Your version", "take_mine": "Save my version", "open_disk": "Open the version on disk",
    "no_findings": "No problems found.", "errors": "Errors", "warnings": "Warnings", "infos": "Notes",
    "to_field": "to the field", "addresses": "Addresses (one per line)", "send_test": "Send test", "result": "Result",
    "sent_n": "{sent} sent, {failed} failed, {deferred} deferred", "list": "List", "plan": "Plan",
    "dest_smtp": "SMTP server {where} ({security})", "dest_outbox": "the outbox folder {where}/, one .eml file per recipient "
    "(no SMTP server is set up)", "dest_placeholder": "; from {address}, a placeholder until NEWSLETTER_FROM_ADDRESS is set",
    "security_starttls": "STARTTLS", "security_tls": "TLS", "security_none": "unencrypted",
    "will_send": "Recipients", "skipped": "Skipped", "confirm": "I want to send this issue to {n} recipients now.",
    "start_send": "Start sending", "stop": "Stop", "resume": "Continue sending", "running": "Sending",
    "stopped": "Stopped", "finished": "Finished", "check_errors": "The issue has check errors; fix them before sending.",
    "confirm_missing": "Please confirm the send.", "state": "State", "all": "all", "search": "Search",
    "filter": "Filter", "csv": "Download CSV", "email": "Email", "attempts": "Attempts", "reply": "Server reply",
    "queue_id": "Relay queue ID", "duplicate": "possible duplicate",
    "skipped_counts": "{sent} already sent · {suppressed} unsubscribed or bounced · {failed} failed before · "
    "{uncertain} without an answer from the server · {bad} invalid rows",
    "erased_skipped": "Not written to: {erased} erased on request · {late} without consent after the reconfirmation deadline",
    "no_consent": "{n} of {total} addresses have no proof of consent: add the columns consent_date and consent_source to "
    "the list (`newsletter subscribers` names the rows).",
    "interrupted": "{n} messages were under way when the last send stopped; they are sent again and may arrive twice.",
    "attention": "Needs your attention", "and_more": "and {n} more (all in the CSV file)", "recipients": "All recipients",
    **{f"delivery_{state.replace(' ', '_')}": state for state in (
        "pending", "sending", "sent", "deferred", "failed", "uncertain", "possible duplicates", "possible duplicate", "bounced",
        "unsubscribed", "unsubscribed since")},
    "nothing_sent": "Nothing has been sent for this issue yet.",
    "logout_hint": "Logged in",
    "f_subject": "Subject", "f_preheader": "Preheader", "f_date": "Date", "f_language": "Language",
    "f_newsletter": "Newsletter name", "f_publisher": "Publisher", "f_kicker": "Kicker",
    "f_claims": "Claims (one per line)", "f_named": "Greeting with name ({name})", "f_anonymous": "Greeting without name",
    "f_address": "Address (imprint)", "f_reason": "Why readers receive it", "f_imprint_url": "Imprint (link)",
    "f_privacy_url": "Privacy notice (link)",
    "f_title": "Title", "f_author": "Author", "f_body": "Text (Markdown)", "f_anchor": "Anchor",
    "f_upload": "Photo from this computer (taken in when you save; please fill in the description)",
    "f_url": "Image address (https://…)", "f_path": "or image file next to the issue (e.g. media/photo.jpg)",
    "f_alt": "Image description (alt text)", "f_width": "Width in pixels",
    "f_name": "Name", "f_role": "Role", "f_phone": "Phone", "f_email": "Email",
    "f_brand_color": "Brand colour (#8a1538)", "f_text_color": "Text colour", "f_muted_color": "Muted colour",
    "f_background_color": "Background colour", "f_content_color": "Content colour", "f_font_family": "Font",
    "f_logo_url": "Logo (https://…)", "f_logo_width": "Logo width in pixels",
}
# Part 2: Abonnenten, Posteingang, Einstellungen.
DE |= {
    "inbox_hint": "Liest das Antwort-Postfach: Unzustellbarkeitsmeldungen, Beschwerden (als Spam gemeldet) und Abmeldungen "
    "werden eingetragen und in den Ordner „Processed“ gelegt, automatische Antworten ebenso; alle anderen Mails bleiben "
    "für Sie liegen.",
    "inbox_from": "Postfach: {where}", "inbox_unset": "Kein Postfach eingerichtet (IMAP oder NEWSLETTER_INBOX_MAILDIR).",
    "fetch_now": "Jetzt abrufen", "fetched_title": "Ergebnis", "inbox_empty": "Keine neuen Mails.",
    "kind_bounce": "unzustellbar", "kind_unsubscribe": "Abmeldungen", "kind_autoreply": "automatische Antworten (beiseitegelegt)",
    "kind_other": "für Sie liegen gelassen", "kind_malformed": "unlesbar (liegen gelassen)",
    "letters_hint": "Diese Mails bleiben im Postfach; hier als reiner Text, ohne Bilder und Links.",
    "letter_from": "Von", "no_subject": "(kein Betreff)",
    "active": "aktiv", "unsubscribed": "abgemeldet", "bounced": "unzustellbar", "web_signups": "Anmeldungen über die Website",
    "state_active": "aktiv", "state_unsubscribed": "abgemeldet", "state_bounced": "unzustellbar",
    "no_lists": "Noch keine Listen. Importieren Sie Ihre Tabelle, um eine anzulegen.", "bad_rows": "ungültige Zeilen",
    "bad_rows_title": "Ungültige Zeilen", "line_n": "Zeile {n}", "addresses_title": "Adressen",
    "since_why": "Seit / Grund", "web_signup_at": "über die Website am {when}", "and_more_search": "und {n} weitere; "
    "grenzen Sie die Suche ein.", "nobody_found": "Keine Adresse gefunden.", "confirmed_at": "Bestätigt am",
    "consent_text": "Einwilligung", "export_active": "Aktive Adressen als CSV herunterladen",
    "add_title": "Eine Adresse hinzufügen", "consent_source": "Woher stammt die Einwilligung?",
    "consent_hint": "Zum Beispiel: unterschriebenes Formular vom Ehrenamtstag, E-Mail vom 3. Mai. Das heutige Datum "
    "wird als Datum der Einwilligung eingetragen.", "add_button": "Hinzufügen",
    "unsubscribe_title": "Eine Adresse abmelden", "reason": "Grund", "unsubscribe_hint": "Wird als Abmeldung durch die "
    "Koordination mit diesem Grund festgehalten. Die Adresse erhält keine Ausgabe mehr.", "unsubscribe_button": "Abmelden",
    "note_added": "Die Adresse wurde hinzugefügt.", "note_unsubscribed": "Die Adresse ist abgemeldet und erhält keine Ausgabe mehr.",
    "note_imported": "Die Liste wurde ersetzt.", "backup_kept": "Die alte Fassung ist gesichert unter {path}.",
    "import_title": "Tabelle importieren", "import_hint": "Laden Sie die Liste als CSV, Excel (.xlsx) oder LibreOffice (.ods) "
    "hoch. Die erste Zeile braucht eine Spalte „email“. Sie sehen erst, was sich ändern würde; ersetzt wird die Liste erst nach "
    "Ihrer Bestätigung.", "import_list": "Liste (vorhandene oder neuer Name)", "import_file": "Datei",
    "import_check": "Prüfen und Vorschau zeigen", "import_preview": "Vorschau: {file} → Liste {list}",
    "import_nothing_yet": "Noch ist nichts geändert.", "rows_read": "Zeilen gelesen", "new_rows": "neu",
    "changed_rows": "geändert (Name oder Spalten)", "unchanged_rows": "unverändert", "removed_rows": "entfallen",
    "bad_rows_import": "Diese Zeilen werden übernommen, aber nicht angeschrieben, bis sie korrigiert sind.",
    "staying_title": "Bleiben abgemeldet", "staying_text": "Diese Adressen stehen in der Tabelle, haben sich aber abgemeldet "
    "oder sind unzustellbar. Sie bleiben abgemeldet und erhalten nichts.",
    "import_confirm": "Liste {list} jetzt ersetzen", "cancel": "Abbrechen",
    "list_name_bad": "Ein Listenname besteht aus Buchstaben, Ziffern, - und _.", "file_missing": "Bitte wählen Sie eine Datei.",
    "subscribers": "Abonnenten", "inbox": "Posteingang", "settings": "Einstellungen",
    "connection_test": "Verbindung testen", "connection_hint": "Verbindet sich mit dem Server, verschlüsselt, meldet sich "
    "an und wieder ab. Es wird keine E-Mail versendet und im Postfach nichts verändert.",
    "test_smtp": "Versand-Server (SMTP) testen", "test_imap": "Postfach (IMAP) testen",
    "trial_smtp": "Versand-Server (SMTP)", "trial_imap": "Postfach (IMAP)", "trial_ok": "Die Verbindung funktioniert.",
    "trial_failed": "Fehlgeschlagen beim Schritt „{step}“.",
    "step_settings": "Einstellungen", "step_connect": "Verbindung", "step_tls": "Verschlüsselung (TLS)",
    "step_login": "Anmeldung", "step_folder": "Ordner", "step_quit": "Abmelden (QUIT)", "step_logout": "Abmelden (LOGOUT)",
    "outcome_ok": "in Ordnung", "outcome_failed": "fehlgeschlagen", "outcome_skipped": "übersprungen",
    "advice_no_host": "Tragen Sie NEWSLETTER_SMTP_HOST (und Port, Sicherheit, Benutzername, Passwort) in .env ein; bis dahin "
    "landen E-Mails im Ordner outbox/.",
    "advice_plaintext": "Mit NEWSLETTER_SMTP_SECURITY=none ginge das Passwort unverschlüsselt über das Netz. Wählen Sie starttls "
    "oder tls, oder setzen Sie NEWSLETTER_SMTP_ALLOW_PLAINTEXT_AUTH=true nur in einem vertrauenswürdigen Netz.",
    "advice_imap_plaintext": "Mit NEWSLETTER_IMAP_SECURITY=none ginge das Passwort des Postfachs unverschlüsselt über das "
    "Netz. Wählen Sie tls oder starttls, oder setzen Sie NEWSLETTER_IMAP_ALLOW_PLAINTEXT_AUTH=true nur in einem "
    "vertrauenswürdigen Netz.",
    "advice_unreachable": "Der Server ist nicht erreichbar. Prüfen Sie Servername und Port (NEWSLETTER_{svc}_HOST, "
    "NEWSLETTER_{svc}_PORT); vielleicht blockiert auch eine Firewall.",
    "advice_tls": "Die verschlüsselte Verbindung kam nicht zustande. Prüfen Sie NEWSLETTER_{svc}_SECURITY und den Port "
    "(tls: meist 465 bzw. 993, starttls: 587 bzw. 143); bei einem eigenen Zertifikat NEWSLETTER_SMTP_CA_FILE.",
    "advice_no_starttls": "Der Server bietet kein STARTTLS an. Nehmen Sie NEWSLETTER_SMTP_SECURITY=tls mit Port 465, oder "
    "fragen Sie den Anbieter nach dem STARTTLS-Port (587).",
    "advice_no_auth": "Der Server bietet auf dieser Verbindung keine Anmeldung an. Prüfen Sie NEWSLETTER_SMTP_SECURITY und "
    "den Port, oder entfernen Sie NEWSLETTER_SMTP_USERNAME.",
    "advice_credentials": "Der Server hat die Anmeldung abgelehnt. Prüfen Sie Benutzername und Passwort "
    "(NEWSLETTER_{svc}_USERNAME, NEWSLETTER_{svc}_PASSWORD); manche Anbieter verlangen ein eigenes App-Passwort.",
    "advice_unclean": "Der Server hat die Verbindung nicht sauber beendet; das Weitere funktioniert trotzdem wahrscheinlich.",
    "advice_imap_missing": "Tragen Sie NEWSLETTER_IMAP_HOST, NEWSLETTER_IMAP_USERNAME und NEWSLETTER_IMAP_PASSWORD in .env "
    "ein, um das Antwort-Postfach zu lesen (oder NEWSLETTER_INBOX_MAILDIR für einen lokalen Maildir-Ordner).",
    "advice_no_folder": "Diesen Ordner gibt es im Postfach nicht. Prüfen Sie NEWSLETTER_IMAP_FOLDER (meist INBOX).",
    "settings_in_effect": "Die geltenden Einstellungen", "settings_hint": "Ändern Sie sie in der Datei .env im "
    "Newsletter-Ordner und starten Sie die Redaktion neu. Passwörter werden nie angezeigt. In der Datei .env "
    "stehen Dezimalzahlen mit Punkt (2.5 statt 2,5) und ja/nein als true/false.",
    "variable": "Einstellung", "value": "Wert", "source": "Herkunft", "secret_set": "gesetzt (wird nicht angezeigt)",
    "not_set": "nicht gesetzt", "source_environment": "Umgebungsvariable", "source_env": "Datei .env",
    "source_given": "beim Start übergeben", "source_default": "Voreinstellung",
    "backup_title": "Sicherung", "backup_hint": "Eine Datei mit dem ganzen Newsletter-Ordner: Ausgaben mit Fotos, Listen, "
    "Vorlagen, Einstellungen und der Stand der Versände, dazu der Schlüssel der Abmeldelinks (ohne ihn gelten die schon "
    "verschickten Links nicht mehr). Passwörter sind nicht enthalten. Auf einem anderen Computer stellt "
    "„newsletter restore DATEI ORDNER“ alles in einem neuen Ordner wieder her. Bewahren Sie die Datei sicher auf: "
    "Sie enthält alle Adressen.", "backup_button": "Sicherung herunterladen",
    "backup_file": "newsletter-sicherung-{date}.tar.gz",
}
EN |= {
    "inbox_hint": "Reads the reply mailbox: bounces, complaints (reported as spam) and unsubscribe requests are recorded "
    "and moved to the folder 'Processed', automatic replies too; every other mail is left for you.",
    "inbox_from": "Mailbox: {where}", "inbox_unset": "No mailbox set up (IMAP or NEWSLETTER_INBOX_MAILDIR).",
    "fetch_now": "Fetch now", "fetched_title": "Result", "inbox_empty": "No new mail.", "kind_bounce": "bounces",
    "kind_unsubscribe": "unsubscribes", "kind_autoreply": "automatic replies (set aside)", "kind_other": "left for you",
    "kind_malformed": "unreadable (left in the mailbox)",
    "letters_hint": "These mails stay in the mailbox; shown here as plain text, without images and links.",
    "letter_from": "From", "no_subject": "(no subject)",
    "active": "active", "unsubscribed": "unsubscribed", "bounced": "bounced", "web_signups": "Sign-ups on the website",
    "state_active": "active", "state_unsubscribed": "unsubscribed", "state_bounced": "bounced",
    "no_lists": "No lists yet. Import your spreadsheet to make one.", "bad_rows": "invalid rows",
    "bad_rows_title": "Invalid rows", "line_n": "line {n}", "addresses_title": "Addresses", "since_why": "Since / reason",
    "web_signup_at": "on the website on {when}", "and_more_search": "and {n} more; narrow the search.",
    "nobody_found": "No address found.", "confirmed_at": "Confirmed", "consent_text": "Consent",
    "export_active": "Download the active addresses as CSV", "add_title": "Add one address",
    "consent_source": "Where does the consent come from?", "consent_hint": "For example: signed form from the volunteers' "
    "day, email of 3 May. Today's date is written as the date of consent.", "add_button": "Add",
    "unsubscribe_title": "Unsubscribe one address", "reason": "Reason", "unsubscribe_hint": "Recorded as unsubscribed by "
    "the coordinator, with this reason. The address gets no further issue.", "unsubscribe_button": "Unsubscribe",
    "note_added": "The address was added.", "note_unsubscribed": "The address is unsubscribed and gets no further issue.",
    "note_imported": "The list was replaced.", "backup_kept": "The old version is kept at {path}.",
    "import_title": "Import a spreadsheet", "import_hint": "Upload the list as CSV, Excel (.xlsx) or LibreOffice (.ods). "
    "The first row needs a column 'email'. You first see what would change; the list is replaced only after you confirm.",
    "import_list": "List (existing or new name)", "import_file": "File", "import_check": "Check and preview",
    "import_preview": "Preview: {file} → list {list}", "import_nothing_yet": "Nothing has changed yet.",
    "rows_read": "rows read", "new_rows": "new", "changed_rows": "changed (name or columns)", "unchanged_rows": "unchanged",
    "removed_rows": "removed", "bad_rows_import": "These rows are kept but not written to until they are fixed.",
    "staying_title": "Stay unsubscribed", "staying_text": "These addresses are in the spreadsheet but unsubscribed or "
    "bounced. They stay unsubscribed and get nothing.", "import_confirm": "Replace the list {list} now", "cancel": "Cancel",
    "list_name_bad": "A list name is letters, digits, - and _.", "file_missing": "Please choose a file.",
    "subscribers": "Subscribers", "inbox": "Inbox", "settings": "Settings",
    "connection_test": "Test the connection", "connection_hint": "Connects to the server, encrypts, logs in and out. "
    "No email is sent and nothing in the mailbox is changed.",
    "test_smtp": "Test the sending server (SMTP)", "test_imap": "Test the mailbox (IMAP)",
    "trial_smtp": "Sending server (SMTP)", "trial_imap": "Mailbox (IMAP)", "trial_ok": "The connection works.",
    "trial_failed": "Failed at the step “{step}”.",
    "step_settings": "Settings", "step_connect": "Connect", "step_tls": "Encryption (TLS)", "step_login": "Login",
    "step_folder": "Folder", "step_quit": "Goodbye (QUIT)", "step_logout": "Goodbye (LOGOUT)",
    "outcome_ok": "ok", "outcome_failed": "failed", "outcome_skipped": "skipped",
    "settings_in_effect": "The settings in effect", "settings_hint": "Change them in the file .env in the newsletter "
    "folder and restart the desk. Passwords are never shown.",
    "variable": "Setting", "value": "Value", "source": "Source", "secret_set": "set (not shown)", "not_set": "not set",
    "source_environment": "environment variable", "source_env": "file .env", "source_given": "given at start",
    "source_default": "default",
    "backup_title": "Backup", "backup_hint": "One file with the whole newsletter folder: issues with photos, lists, "
    "templates, settings and the state of the sends, and the secret of the unsubscribe links (without it the links "
    "already sent stop working). Passwords are left out. On another computer, “newsletter restore FILE FOLDER” brings "
    "it all back in a new folder. Keep the file safe: it holds every address.", "backup_button": "Download a backup",
    "backup_file": "newsletter-backup-{date}.tar.gz",
}
# Part 3: what the inbox trusts (complaints, lifted bounces, mail set aside unread).
DE |= {
    "delivery_complained": "beschwert", "state_complained": "beschwert", "complained": "beschwert",
    "kind_complaint": "Beschwerden", "kind_quarantined": "zurückgestellt, ungelesen (Ordner „Quarantine“)",
    "unbounce_button": "Zustellsperre aufheben", "note_unbounced": "Die Zustellsperre ist aufgehoben; die Adresse erhält "
    "wieder Ausgaben.",
}
EN |= {
    "delivery_complained": "complained", "state_complained": "complained", "complained": "complained",
    "kind_complaint": "complaints", "kind_quarantined": "set aside unread (folder 'Quarantine')",
    "unbounce_button": "Lift the bounce", "note_unbounced": "The bounce is lifted; the address gets issues again.",
}
TEXT = {"de": DE, "en": EN}


def language(request: Request) -> str:
    """The switch (a cookie) wins; otherwise the browser's first language; German when in doubt."""
    chosen = request.cookies.get("desk_lang") or request.headers.get("accept-language", "de")[:2].lower()
    return chosen if chosen in TEXT else "de"


WEEKDAYS = {"de": ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"), "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}


def moment(when: datetime, lang: str) -> str:
    """A time within the coming week as the page's language writes it: "Mo 07.12. 08:00"."""
    return f"{WEEKDAYS[lang][when.weekday()]} {when:%d.%m. %H:%M}"


def destination_text(where: Destination, t: dict[str, str]) -> str:
    """Where a send's mail goes, in the page's language."""
    if where.kind == "smtp":
        return t["dest_smtp"].format(where=where.where, security=t[f"security_{where.security}"])
    said = t["dest_outbox"].format(where=where.where)
    if where.placeholder:
        said = said.removesuffix(")") + t["dest_placeholder"].format(address=where.placeholder) + ")"
    return said
