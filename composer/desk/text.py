"""The desk's words, German first; English for a browser that asks for it or a coordinator who switches."""

from __future__ import annotations

from starlette.requests import Request

DE = {
    "desk": "Die Redaktion", "issues": "Ausgaben", "new_issue": "Neue Ausgabe", "edit": "Bearbeiten",
    "check": "Prüfen", "test_send": "Testversand", "send": "Versand", "status": "Status", "language": "English",
    "login": "Anmelden", "password": "Passwort", "login_link_bad": "Dieser Anmeldelink ist ungültig oder wurde schon benutzt. "
    "Starten Sie die Redaktion neu und öffnen Sie den neuen Link aus dem Terminal.",
    "login_wrong": "Das Passwort stimmt nicht.", "login_limited": "Zu viele Versuche. Bitte warten Sie 15 Minuten.",
    "draft": "Entwurf", "sent_of": "{sent} von {total} versendet", "failures": "{n} fehlgeschlagen",
    "file_name": "Dateiname (z. B. 2021-01)", "create": "Anlegen", "save": "Speichern", "saved": "Gespeichert.",
    "not_saved": "Noch nicht gespeichert.", "details": "Angaben zur Ausgabe", "articles": "Artikel",
    "article": "Artikel {n}", "add_article": "Artikel hinzufügen", "remove": "Entfernen", "up": "Nach oben",
    "down": "Nach unten", "contacts": "Ansprechpersonen", "add_contact": "Ansprechperson hinzufügen",
    "image": "Bild", "look": "Aussehen", "errors_title": "Bitte korrigieren Sie diese Angaben:",
    "preview": "Vorschau", "dark": "Dunkel", "conflict_title": "Die Datei wurde inzwischen geändert",
    "conflict_text": "Während Sie bearbeitet haben, wurde die Datei auf der Festplatte geändert. Nichts wurde "
    "überschrieben. Ihre Fassung ist gesichert unter {kept}.",
    "on_disk": "Fassung auf der Festplatte", "yours": "Ihre Fassung", "take_mine": "Meine Fassung speichern",
    "open_disk": "Fassung auf der Festplatte öffnen", "no_findings": "Keine Probleme gefunden.",
    "errors": "Fehler", "warnings": "Warnungen", "infos": "Hinweise", "to_field": "zum Feld",
    "addresses": "Adressen (eine pro Zeile)", "send_test": "Testversand starten", "result": "Ergebnis",
    "sent_n": "{sent} versendet, {failed} fehlgeschlagen, {deferred} zurückgestellt", "list": "Liste",
    "plan": "Plan", "will_send": "Empfänger", "skipped": "Übersprungen", "confirm": "Ich will diese Ausgabe jetzt an "
    "{n} Empfänger versenden.", "start_send": "Versand starten", "stop": "Anhalten", "resume": "Versand fortsetzen",
    "running": "Versand läuft", "stopped": "Angehalten", "finished": "Fertig", "check_errors": "Die Ausgabe hat "
    "Prüffehler; erst nach ihrer Korrektur kann sie versendet werden.", "confirm_missing": "Bitte bestätigen Sie den Versand.",
    "state": "Status", "all": "alle", "search": "Suchen", "filter": "Filtern", "csv": "CSV herunterladen",
    "email": "E-Mail", "attempts": "Versuche", "reply": "Antwort des Servers", "duplicate": "mögliche Doppelsendung",
    "skipped_counts": "{sent} schon erhalten · {suppressed} abgemeldet oder unzustellbar · {failed} früher fehlgeschlagen "
    "· {uncertain} ohne Antwort des Servers · {bad} ungültige Zeilen",
    "interrupted": "{n} Nachrichten waren unterwegs, als der letzte Versand abbrach; sie werden erneut gesendet und "
    "kommen vielleicht doppelt an.",
    "attention": "Braucht Ihre Aufmerksamkeit", "and_more": "und {n} weitere (alle in der CSV-Datei)",
    "recipients": "Alle Empfänger",
    "nothing_sent": "An diese Ausgabe wurde noch nichts versendet.", "logout_hint": "Angemeldet",
    "f_subject": "Betreff", "f_preheader": "Vorschautext", "f_date": "Datum", "f_language": "Sprache",
    "f_newsletter": "Name des Newsletters", "f_publisher": "Herausgeber", "f_kicker": "Dachzeile",
    "f_claims": "Leitsprüche (einer pro Zeile)", "f_named": "Anrede mit Name ({name})", "f_anonymous": "Anrede ohne Name",
    "f_address": "Anschrift (Impressum)", "f_reason": "Warum Leser den Newsletter erhalten", "f_imprint_url": "Impressum (Link)",
    "f_title": "Titel", "f_author": "Autorin/Autor", "f_body": "Text (Markdown)", "f_anchor": "Sprungmarke",
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
    "login_limited": "Too many attempts. Please wait 15 minutes.", "draft": "draft", "sent_of": "{sent} of {total} sent",
    "failures": "{n} failed", "file_name": "File name (e.g. 2021-01)", "create": "Create", "save": "Save",
    "saved": "Saved.", "not_saved": "Not saved yet.", "details": "Issue details", "articles": "Articles",
    "article": "Article {n}", "add_article": "Add article", "remove": "Remove", "up": "Move up", "down": "Move down",
    "contacts": "Contacts", "add_contact": "Add contact", "image": "Image", "look": "Look",
    "errors_title": "Please correct these fields:", "preview": "Preview", "dark": "Dark",
    "conflict_title": "The file was changed meanwhile", "conflict_text": "While you were editing, the file on disk "
    "changed. Nothing was overwritten. Your version is kept at {kept}.", "on_disk": "Version on disk",
    "yours": "Your version", "take_mine": "Save my version", "open_disk": "Open the version on disk",
    "no_findings": "No problems found.", "errors": "Errors", "warnings": "Warnings", "infos": "Notes",
    "to_field": "to the field", "addresses": "Addresses (one per line)", "send_test": "Send test", "result": "Result",
    "sent_n": "{sent} sent, {failed} failed, {deferred} deferred", "list": "List", "plan": "Plan",
    "will_send": "Recipients", "skipped": "Skipped", "confirm": "I want to send this issue to {n} recipients now.",
    "start_send": "Start sending", "stop": "Stop", "resume": "Continue sending", "running": "Sending",
    "stopped": "Stopped", "finished": "Finished", "check_errors": "The issue has check errors; fix them before sending.",
    "confirm_missing": "Please confirm the send.", "state": "State", "all": "all", "search": "Search",
    "filter": "Filter", "csv": "Download CSV", "email": "Email", "attempts": "Attempts", "reply": "Server reply",
    "duplicate": "possible duplicate",
    "skipped_counts": "{sent} already sent · {suppressed} unsubscribed or bounced · {failed} failed before · "
    "{uncertain} without an answer from the server · {bad} invalid rows",
    "interrupted": "{n} messages were under way when the last send stopped; they are sent again and may arrive twice.",
    "attention": "Needs your attention", "and_more": "and {n} more (all in the CSV file)", "recipients": "All recipients",
    "nothing_sent": "Nothing has been sent for this issue yet.",
    "logout_hint": "Logged in",
    "f_subject": "Subject", "f_preheader": "Preheader", "f_date": "Date", "f_language": "Language",
    "f_newsletter": "Newsletter name", "f_publisher": "Publisher", "f_kicker": "Kicker",
    "f_claims": "Claims (one per line)", "f_named": "Greeting with name ({name})", "f_anonymous": "Greeting without name",
    "f_address": "Address (imprint)", "f_reason": "Why readers receive it", "f_imprint_url": "Imprint (link)",
    "f_title": "Title", "f_author": "Author", "f_body": "Text (Markdown)", "f_anchor": "Anchor",
    "f_url": "Image address (https://…)", "f_path": "or image file next to the issue (e.g. media/photo.jpg)",
    "f_alt": "Image description (alt text)", "f_width": "Width in pixels",
    "f_name": "Name", "f_role": "Role", "f_phone": "Phone", "f_email": "Email",
    "f_brand_color": "Brand colour (#8a1538)", "f_text_color": "Text colour", "f_muted_color": "Muted colour",
    "f_background_color": "Background colour", "f_content_color": "Content colour", "f_font_family": "Font",
    "f_logo_url": "Logo (https://…)", "f_logo_width": "Logo width in pixels",
}
TEXT = {"de": DE, "en": EN}


def language(request: Request) -> str:
    """The switch (a cookie) wins; otherwise the browser's first language; German when in doubt."""
    chosen = request.cookies.get("desk_lang") or request.headers.get("accept-language", "de")[:2].lower()
    return chosen if chosen in TEXT else "de"
