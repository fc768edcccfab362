"""The library's words in German for the German desk: the check's findings, what the inbox did, and why an
address gets nothing. The library (and `newsletter check`, `inbox`) words them in English; here each known
wording is matched and said again in German, the names, addresses and numbers in it kept as they are. A
wording not (yet) known here is shown as it is, so nothing is ever hidden."""

from __future__ import annotations

import re
from collections.abc import Callable

from starlette.requests import Request

from composer.desk.german_findings import FINDINGS
from composer.desk.language import language

INBOX = [
    (r"automatic reply from (?P<who>\S+) \((?P<subject>.*)\): set aside, not a bounce",
     r"automatische Antwort von \g<who> (\g<subject>): beiseitegelegt, keine Unzustellbarkeit"),
    (r"(?P<email>\S+): unsubscribe \(by the token in the unsubscribe link\)", r"\g<email>: abgemeldet (über den Abmeldelink)"),
    (r"(?P<email>\S+): unsubscribe \(by mail from (?P<sender>\S+)\)", r"\g<email>: abgemeldet (per Mail von \g<sender>)"),
    (r"(?P<email>\S+): permanent bounce (?P<status>\S*) for (?P<issue>.+): stop sending",
     r"\g<email>: dauerhaft unzustellbar (\g<status>) bei \g<issue>: wird nicht mehr angeschrieben"),
    (r"(?P<email>\S+): temporary bounce (?P<status>\S*), now in (?P<n>\d+) issues: stop sending",
     r"\g<email>: vorübergehend unzustellbar (\g<status>), jetzt bei \g<n> Ausgaben: wird nicht mehr angeschrieben"),
    (r"(?P<email>\S+): temporary bounce (?P<status>\S*) for (?P<issue>.+): count it \((?P<n>\S+) of (?P<limit>\d+)\)",
     r"\g<email>: vorübergehend unzustellbar (\g<status>) bei \g<issue>: gezählt (\g<n> von \g<limit>)"),
    (r"bounce without an address: set aside", "Unzustellbarkeitsmeldung ohne Adresse: beiseitegelegt"),
    (r"unsubscribe without an address: set aside", "Abmeldung ohne Adresse: beiseitegelegt"),
    (r"(?P<kind>\w+) without an address: set aside", r"\g<kind> ohne Adresse: beiseitegelegt"),
    (r"message (?P<n>\d+): cannot be read \((?P<why>.*)\); left in the mailbox",
     r"Nachricht \g<n>: nicht lesbar (\g<why>); bleibt im Postfach"),
    (r"(?P<email>\S+): complaint \((?P<kind>\S+) report\) about (?P<issue>.+): stop sending",
     r"\g<email>: hat sich beschwert (\g<kind>-Meldung) über \g<issue>: wird nicht mehr angeschrieben"),
    (r"message (?P<n>\d+) \((?P<name>.*)\): (?P<why>.*); set aside unread into (?P<folder>\S+)",
     r"Nachricht \g<n> (\g<name>): \g<why>; ungelesen in den Ordner \g<folder> gelegt"),
]
REASONS = [
    (r"asked to unsubscribe", "hat um Abmeldung gebeten"),
    (r"unsubscribed by the coordinator", "von der Koordination abgemeldet"),
    (r"unsubscribed by the coordinator: (?P<why>.+)", r"von der Koordination abgemeldet: \g<why>"),
    (r"unsubscribed by the link in the newsletter", "über den Link im Newsletter abgemeldet"),
    (r"bounced permanently: (?P<status>.*)", r"dauerhaft unzustellbar: \g<status>"),
    (r"bounced temporarily in (?P<n>\d+) issues", r"bei \g<n> Ausgaben vorübergehend unzustellbar"),
    (r"complained: (?P<kind>\S+) report about (?P<issue>.+)", r"hat sich beschwert (\g<kind>-Meldung) über \g<issue>"),
]

ROWS = [
    (r"""(?P<q>['"])(?P<raw>.*)(?P=q) is not a valid email address \((?P<validator>.*)\)""",
     r"„\g<raw>“ ist keine gültige E-Mail-Adresse (\g<validator>)"),
    (r"no email address", "keine E-Mail-Adresse"),
    (r"(?P<email>\S+) is listed again \(first on line (?P<n>\d+)\); sent once",
     r"\g<email> steht doppelt in der Liste (zuerst in Zeile \g<n>); erhält die Ausgabe nur einmal"),
    (r"the name contains a line break; remove it", "der Name enthält einen Zeilenumbruch; entfernen Sie ihn"),
    (r'a quotation mark \("\) on this line is never closed, so lines (?P<first>\d+) to (?P<last>\d+) were read as one row; '
     r"remove the quotation mark or close it",
     r'ein Anführungszeichen (") in dieser Zeile wird nie geschlossen, darum wurden die Zeilen \g<first> bis \g<last> als '
     r"eine Zeile gelesen; entfernen oder schließen Sie es"),
]
# email-validator's reasons (its syntax.py and validate_email.py) that a typed or pasted address can meet
VALIDATOR = [
    (r"An email address must have an @-sign\.", "es fehlt das Zeichen @"),
    (r"There must be something before the @-sign\.", "vor dem @ fehlt etwas"),
    (r"There must be something after the @-sign\.", "nach dem @ fehlt etwas"),
    (r"The part after the @-sign is not valid\. It should have a period\.",
     "nach dem @ fehlt ein Punkt, wie in example.org"),
    (r"The part after the @-sign is not valid\. It is not within a valid top-level domain\.",
     "nach dem @ fehlt eine gültige Endung wie .de oder .org"),
    (r"An email address cannot have two periods in a row\.", "zwei Punkte hintereinander sind nicht möglich"),
    (r"An email address cannot start with a (?P<sign>period|hyphen)\.", r"am Anfang kann kein \g<sign> stehen"),
    (r"An email address cannot end with a (?P<sign>period|hyphen)\.", r"am Ende kann kein \g<sign> stehen"),
    (r"An email address cannot have a (?P<sign>period|hyphen) immediately (?P<side>before|after) the @-sign\.",
     r"direkt \g<side> dem @ kann kein \g<sign> stehen"),
    (r"An email address cannot have a period and a hyphen next to each other\.",
     "Punkt und Bindestrich können nicht nebeneinander stehen"),
    (r"An email address cannot have two letters followed by two dashes immediately after the @-sign or after a period, "
     r"except Punycode\.", "nach dem @ oder einem Punkt können nicht zwei Buchstaben und zwei Bindestriche folgen"),
    (r"The email address contains invalid characters before the @-sign: (?P<chars>.+)\.",
     r"vor dem @ stehen ungültige Zeichen: \g<chars>"),
    (r"The email address contains invalid characters before the @-sign\.", "vor dem @ stehen ungültige Zeichen"),
    (r"The part after the @-sign contains invalid characters: (?P<chars>.+)\.",
     r"nach dem @ stehen ungültige Zeichen: \g<chars>"),
    (r"The email address contains unsafe characters: (?P<chars>.+)\.",
     r"die Adresse enthält unsichtbare oder unsichere Zeichen: \g<chars>"),
    (r"The email address contains an invalid character\.", "die Adresse enthält ein ungültiges Zeichen"),
    (r"Internationalized characters before the @-sign are not supported: (?P<chars>.+)\.",
     r"vor dem @ sind Umlaute und andere Sonderzeichen nicht möglich: \g<chars>"),
    (r"Internationalized characters before the @-sign are not supported\.",
     "vor dem @ sind Umlaute und andere Sonderzeichen nicht möglich"),
    (r'The email address has the "full-width" at-sign \(@\) character instead of a regular at-sign\.',
     "statt des gewöhnlichen @ steht ein breites ＠; tippen Sie es neu"),
    (r'The email address has the "small commercial at" character instead of a regular at-sign\.',
     "statt des gewöhnlichen @ steht ein kleines ﹫; tippen Sie es neu"),
    (r"A display name and angle brackets around the email address are not permitted here\.",
     "hier nur die Adresse selbst, ohne Namen und spitze Klammern"),
    (r"Quoting the part before the @-sign is not allowed here\.", "Anführungszeichen vor dem @ sind hier nicht möglich"),
    (r"A bracketed IP address after the @-sign is not allowed here\.",
     "eine IP-Adresse in eckigen Klammern nach dem @ ist hier nicht möglich"),
    (r"The part after the @-sign is a special-use or reserved name that cannot be used with email\.",
     "nach dem @ steht ein reservierter Name, an den keine E-Mail gehen kann"),
    (r"The email address is too long (?P<side>before|after) the @-sign \((?P<n>\d+) (character|byte)s? too many"
     r"( after IDNA encoding)?\)\.", r"\g<side> dem @ ist die Adresse zu lang (\g<n> Zeichen zu viel)"),
    (r"The email address is too long \((?P<n>\d+) (character|byte)s? too many\)\.",
     r"die Adresse ist zu lang (\g<n> Zeichen zu viel)"),
    (r"After the @-sign, periods cannot be separated by so many characters \((?P<n>\d+) characters? too many\)\.",
     r"nach dem @ ist ein Teil zwischen zwei Punkten zu lang (\g<n> Zeichen zu viel)"),
    (r"The part after the @-sign (is not valid IDNA|contains invalid characters) \((?P<why>.*)\)\.",
     r"nach dem @ steht kein gültiger Domainname (\g<why>)"),
]
# the names email-validator gives the characters it cannot show
CHARACTERS = {"SPACE": "Leerzeichen", "NO-BREAK SPACE": "geschütztes Leerzeichen", "U+0009": "Tabulator",
              "ZERO WIDTH SPACE": "unsichtbares Leerzeichen", "SOFT HYPHEN": "unsichtbarer Trennstrich",
              "ZERO WIDTH JOINER": "unsichtbares Verbindungszeichen", "ZERO WIDTH NON-JOINER": "unsichtbares Trennzeichen",
              "U+000A": "Zeilenumbruch", "U+000D": "Zeilenumbruch"}

# What holds a send back (send/quota.py), while the desk's send waits for it
HOLDS = [
    (r"planned start", "geplanter Start"),
    (r"sending hours \((?P<hours>.+)\)", r"Versandzeiten \g<hours>"),
    (r"daily limit \((?P<n>\d+)\)", r"Tagesgrenze des Anbieters: \g<n> Nachrichten"),
    (r"hourly limit \((?P<n>\d+)\)", r"Stundengrenze des Anbieters: \g<n> Nachrichten"),
]


# What a desk page's action was refused for (ComposerError and HTTPException texts).
ERRORS = [
    # Starlette's refusal of a form field too large to read (composer/desk/forms.py: READ_MAX_BYTES)
    (r"(?:Part|Field) exceeded maximum size of (?P<kb>\d+)KB\.",
     r"Ein Feld des Formulars ist größer als \g<kb> KB und wurde nicht gespeichert; kürzen Sie den Text."),
    # issue/scaffold.py: Neue Ausgabe
    (r"(?P<path>.+) exists already; choose another name or edit that file",
     r"\g<path> gibt es schon; wählen Sie einen anderen Namen oder bearbeiten Sie diese Datei"),
    (r"no issue in (?P<folder>.+)/ to start from; copy the example in the README",
     r"in \g<folder>/ gibt es keine Ausgabe, mit der die neue beginnen kann; kopieren Sie das Beispiel aus dem README"),
    (r"no issue in (?P<folder>.+)/ can be read to start from: each has errors \(`newsletter check (?P<file>.+)` names "
     r"them\); correct one, then try again",
     r"keine Ausgabe in \g<folder>/ lässt sich lesen, um mit ihr zu beginnen: jede hat Fehler („Prüfen“ nennt sie, etwa "
     r"für \g<file>); korrigieren Sie eine und versuchen Sie es noch einmal"),
    # audience/mailboxes.py: Posteingang
    (r"set NEWSLETTER_IMAP_HOST, NEWSLETTER_IMAP_USERNAME and NEWSLETTER_IMAP_PASSWORD, or read a local --maildir or --mbox",
     "kein Postfach eingerichtet: tragen Sie NEWSLETTER_IMAP_HOST, NEWSLETTER_IMAP_USERNAME und NEWSLETTER_IMAP_PASSWORD in "
     ".env ein, oder NEWSLETTER_INBOX_MAILDIR für einen lokalen Maildir-Ordner"),
    (r"(?P<where>.+): the IMAP server refused \((?P<why>.*)\); check NEWSLETTER_IMAP_USERNAME, NEWSLETTER_IMAP_PASSWORD "
     r"and NEWSLETTER_IMAP_FOLDER",
     r"\g<where>: der IMAP-Server hat abgelehnt (\g<why>); prüfen Sie NEWSLETTER_IMAP_USERNAME, NEWSLETTER_IMAP_PASSWORD "
     r"und NEWSLETTER_IMAP_FOLDER"),
    (r"cannot reach the IMAP server (?P<where>\S+): (?P<why>.*)",
     r"der IMAP-Server \g<where> ist nicht erreichbar: \g<why>"),
    (r"(?P<path>.+): not a Maildir \(it has no cur/ folder\)", r"\g<path>: kein Maildir-Ordner (ihm fehlt der Ordner cur/)"),
    # audience/roster.py: one address added or unsubscribed
    (r"say where the consent comes from \(e\.g\. a signed form, an email, the sign-up sheet of an event\)",
     "sagen Sie, woher die Einwilligung stammt (z. B. ein unterschriebenes Formular, eine E-Mail, die Anmeldeliste einer "
     "Veranstaltung)"),
    (r"the name and the consent source must be one line each", "Name und Herkunft der Einwilligung müssen je eine Zeile sein"),
    (r"(?P<email>\S+) is on the list (?P<list>\S+) already", r"\g<email> steht schon in der Liste \g<list>"),
    (r"(?P<email>\S+) is (?P<kind>unsubscribed|bounced|complained) since (?P<since>\S+) \((?P<reason>.*)\); it is not added, so that "
     r"nobody is written to against their wish\. A new sign-up on the web lifts it",
     r"\g<email> ist seit \g<since> \g<kind> (\g<reason>); die Adresse wird nicht hinzugefügt, damit "
     r"niemand gegen seinen Willen angeschrieben wird. Eine neue Anmeldung über die Website hebt das auf"),
    (r"give a reason for the unsubscribe \(e\.g\. 'asked by phone on 3 May'\)",
     "nennen Sie einen Grund für die Abmeldung (z. B. „am 3. Mai telefonisch darum gebeten“)"),
    (r"(?P<email>\S+) is not bounced; it gets the next issue if it is on a list",
     r"\g<email> ist nicht als unzustellbar gesperrt; die Adresse erhält die nächste Ausgabe, wenn sie in einer Liste steht"),
    (r"(?P<email>\S+) is (?P<kind>unsubscribed|complained), not bounced \((?P<reason>.*)\); only a new sign-up of its own "
     r"lifts that",
     r"\g<email> ist \g<kind>, nicht unzustellbar (\g<reason>); das hebt nur eine neue Anmeldung der Person selbst auf"),
    (r"(?P<email>\S+) was unsubscribed or bounced already; it gets no issue either way",
     r"\g<email> war schon abgemeldet oder unzustellbar; die Adresse erhält so oder so keine Ausgabe"),
    # audience/importing.py and spreadsheets.py: a spreadsheet imported
    (r"this import is unknown; upload the file again", "dieser Import ist unbekannt; laden Sie die Datei noch einmal hoch"),
    (r"this import was confirmed already or is unknown; upload the file again",
     "dieser Import wurde schon bestätigt oder ist unbekannt; laden Sie die Datei noch einmal hoch"),
    (r"(?P<path>.+) was changed after the preview; upload the file again to see what it would change now",
     r"\g<path> wurde nach der Vorschau geändert; laden Sie die Datei noch einmal hoch, um zu sehen, was sie jetzt ändern würde"),
    (r"(?P<where>.+): the first row needs a column named 'email' \(found: (?P<found>.*)\)",
     r"\g<where>: die erste Zeile braucht eine Spalte „email“ (gefunden: \g<found>)"),
    (r"(?P<file>.+): not a spreadsheet this tool reads; save the list as CSV, \.xlsx or \.ods",
     r"\g<file>: keine Tabelle, die hier gelesen werden kann; speichern Sie die Liste als CSV, .xlsx oder .ods"),
    (r"(?P<file>.+): neither UTF-8 nor Windows text; export it as 'CSV UTF-8'",
     r"\g<file>: weder UTF-8- noch Windows-Text; exportieren Sie die Tabelle als „CSV UTF-8“"),
    (r"(?P<file>.+): larger than (?P<mb>\d+) MB; is this the subscriber list\?",
     r"\g<file>: größer als \g<mb> MB; ist das die Abonnentenliste?"),
    (r"(?P<file>.+): cannot be read as a (?P<kind>\w+) spreadsheet \((?P<why>.*)\); save it again from the spreadsheet "
     r"program, or export it as CSV UTF-8",
     r"\g<file>: lässt sich nicht als \g<kind>-Tabelle lesen (\g<why>); speichern Sie sie im Tabellenprogramm neu oder "
     r"exportieren Sie sie als CSV UTF-8"),
    (r"(?P<file>.+): more than (?P<n>\d+) rows; split the list, or delete what is below it",
     r"\g<file>: mehr als \g<n> Zeilen; teilen Sie die Liste auf oder löschen Sie, was unter ihr steht"),
    (r"(?P<file>.+): row (?P<row>\d+) has a value in column (?P<column>\d+); at most (?P<n>\d+) columns are read, so delete "
     r"what is right of the list",
     r"\g<file>: Zeile \g<row> hat einen Wert in Spalte \g<column>; gelesen werden höchstens \g<n> Spalten, löschen Sie "
     r"also, was rechts neben der Liste steht"),
    (r"(?P<file>.+): row (?P<row>\d+), column (?P<column>\d+) holds more than (?P<n>\d+) characters; is this the subscriber "
     r"list\?",
     r"\g<file>: Zeile \g<row>, Spalte \g<column> enthält mehr als \g<n> Zeichen; ist das die Abonnentenliste?"),
    (r"(?P<file>.+): more than (?P<mb>\d+) MB of text; is this the subscriber list\?",
     r"\g<file>: mehr als \g<mb> MB Text; ist das die Abonnentenliste?"),
    (r"(?P<file>.+): (?P<n>\d+) files packed in it, more than (?P<max>\d+); save it again from the spreadsheet program, or "
     r"export it as CSV UTF-8",
     r"\g<file>: enthält \g<n> gepackte Dateien, mehr als \g<max>; speichern Sie sie im Tabellenprogramm neu oder "
     r"exportieren Sie sie als CSV UTF-8"),
    (r"(?P<file>.+): unpacked it would be (?P<mb>\d+) MB, more than (?P<max>\d+) MB; save it again from the spreadsheet "
     r"program, or export it as CSV UTF-8",
     r"\g<file>: entpackt wäre sie \g<mb> MB groß, mehr als \g<max> MB; speichern Sie sie im Tabellenprogramm neu oder "
     r"exportieren Sie sie als CSV UTF-8"),
    (r"(?P<file>.+): its texts take (?P<mb>\d+) MB unpacked, more than (?P<max>\d+) MB; is this the subscriber list\?",
     r"\g<file>: ihre Texte sind entpackt \g<mb> MB groß, mehr als \g<max> MB; ist das die Abonnentenliste?"),
    (r"(?P<file>.+): the import was stopped because the desk is shutting down",
     r"\g<file>: der Import wurde abgebrochen, weil die Redaktion beendet wird"),
    (r"(?P<file>.+): reading it took longer than (?P<n>\d+) seconds; export it as CSV UTF-8 and import that",
     r"\g<file>: das Lesen dauerte länger als \g<n> Sekunden; exportieren Sie die Tabelle als CSV UTF-8 und importieren "
     r"Sie diese"),
    # state/store.py: Versand
    (r"another send is running on this send state; wait for it to finish",
     "ein anderer Versand läuft gerade; warten Sie, bis er fertig ist"),
    (r"(?P<folder>.+): the disk is full \((?P<free>\d+) MB free\); free at least (?P<need>\d+) MB there, then run the "
     r"same command again: it goes on where this one stopped, and names whoever may get a message twice a possible "
     r"duplicate",
     r"\g<folder>: der Datenträger ist voll (\g<free> MB frei); schaffen Sie dort mindestens \g<need> MB Platz und "
     r"starten Sie den Versand dann erneut: er macht weiter, wo er stehen blieb, und nennt alle, die eine Nachricht "
     r"vielleicht doppelt bekommen haben"),
    # the desk's own faults (context.internal_error) and refusals (HTTPException)
    (r"internal error: (?P<what>[\s\S]+) \(please report this\)",
     r"interner Fehler der Redaktion: \g<what> (bitte melden Sie ihn der Person, die die Redaktion betreut)"),
    (r"(?P<path>\S+) does not exist", r"\g<path> gibt es nicht"),
    (r"that kept version does not exist", "diese gesicherte Fassung gibt es nicht"),
    (r"(?P<name>'.*') is not a list name", r"\g<name> ist kein Listenname"),
    (r"Not Found", "Diese Seite gibt es nicht."),
    (r"Method Not Allowed", "Diese Seite lässt sich so nicht aufrufen."),
    (r"the form is outdated or not from this desk; reload the page and try again",
     "das Formular ist veraltet oder stammt nicht aus dieser Redaktion; laden Sie die Seite neu und versuchen Sie es noch "
     "einmal"),
]


Table = list[tuple[re.Pattern[str], str]]
DECIMAL = re.compile(r"[-+]?\d+\.\d+")


def compiled(table: list[tuple[str, str]]) -> Table:
    return [(re.compile(pattern), german) for pattern, german in table]


_TABLES = {"findings": compiled(FINDINGS), "inbox": compiled(INBOX), "reasons": compiled(REASONS), "rows": compiled(ROWS),
           "holds": compiled(HOLDS), "errors": compiled(ERRORS + ROWS)}
_VALIDATOR = compiled(VALIDATOR)


def in_german(message: str, table: str = "findings") -> str:
    return say_in(_TABLES[table], message)


# Parts of a message that are wordings of their own (an unsubscribe's reason inside a refusal), said in German too.
INNER: dict[str, Callable[[str], str]] = {
    "reason": lambda reason: say_in(_TABLES["reasons"], reason),
    "kind": lambda kind: {"unsubscribed": "abgemeldet", "bounced": "unzustellbar", "complained": "beschwert"}.get(kind, kind),
    "validator": lambda why: say_in(_VALIDATOR, why),
    "advice": lambda advice: say_in(_TABLES["findings"], advice),
    "chars": lambda chars: ", ".join(CHARACTERS.get(c, c) for c in chars.split(", ")),
    "sign": lambda sign: {"period": "Punkt", "hyphen": "Bindestrich"}.get(sign, sign),
    "side": lambda side: {"before": "vor", "after": "nach"}.get(side, side),
}


def say_in(table: Table, message: str) -> str:
    """The first wording of the table that matches the whole message, said in German; else the message as it is."""
    for pattern, german in table:
        match = pattern.fullmatch(message)
        if match:
            for name, inner in INNER.items():
                if match.groupdict().get(name) is not None:
                    german = german.replace(rf"\g<{name}>", inner(match[name]).replace("\\", "\\\\"))
            said = match.expand(german).replace("(unknown issue)", "(unbekannte Ausgabe)")
            for number in {g for g in match.groups() if g and DECIMAL.fullmatch(g)}:  # German writes 2,5 for 2.5
                said = said.replace(number, number.replace(".", ","))
            return said
    return message


def wording(request: Request) -> Callable[[str, str], str]:
    """For a page's template: `say(text, table)` in German on a German page, as it is on an English one."""
    return in_german if language(request) == "de" else _as_it_is


def _as_it_is(text: str, table: str = "findings") -> str:
    return text
