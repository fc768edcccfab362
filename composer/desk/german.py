"""The library's words in German for the German desk: the check's findings, what the inbox did, and why an
address gets nothing. The library (and `newsletter check`, `inbox`) words them in English; here each known
wording is matched and said again in German, the names, addresses and numbers in it kept as they are. A
wording not (yet) known here is shown as it is, so nothing is ever hidden."""

from __future__ import annotations

import re
from collections.abc import Callable

from starlette.requests import Request

from composer.desk.text import language
from composer.issue.starter import SAID

FINDINGS = [
    # checks/content.py
    (r"(?P<n>\d+) characters; phones cut it after about (?P<max>\d+)", r"\g<n> Zeichen; Telefone schneiden nach etwa \g<max> ab"),
    (r"all capitals look like shouting and like spam", "nur Großbuchstaben wirken wie Schreien und wie Spam"),
    (r"several exclamation marks look like spam", "mehrere Ausrufezeichen wirken wie Spam"),
    (r"repeats the subject or the first line; say something new",
     "wiederholt den Betreff oder die erste Zeile; sagen Sie hier etwas Neues"),
    (r"no postal address \(street, postcode, town\) for the imprint",
     "keine Postanschrift (Straße, Postleitzahl, Ort) für das Impressum"),
    (r"no imprint: add footer.imprint_url or an 'Impressum' line",
     "kein Impressum: ergänzen Sie footer.imprint_url oder eine Zeile „Impressum“"),
    (r"still the starter text of `newsletter new`; write your own before sending",
     "noch der Starttext einer neuen Ausgabe; schreiben Sie vor dem Versand Ihren eigenen"),
    (r"still the starter text of `newsletter init`; write your own before sending",
     "noch der Starttext von `newsletter init`; schreiben Sie vor dem Versand Ihren eigenen"),
    (r"the footer has no unsubscribe link; every newsletter needs one",
     "die Fußzeile hat keinen Abmeldelink; jeder Newsletter braucht einen"),
    (re.escape(SAID["newsletter"]), "noch der Platzhalter von `newsletter init`: tragen Sie hier den Namen Ihres "
                                     "Newsletters ein"),
    (re.escape(SAID["subject"]), "noch der Platzhalter von `newsletter init`: tragen Sie den Betreff ein, den Ihre "
                                  "Leser sehen"),
    (re.escape(SAID["publisher"]), "noch der Platzhalter von `newsletter init`: tragen Sie hier den Namen Ihrer Stelle "
                                    "ein (und bei `newsletter:`)"),
    (re.escape(SAID["footer.address"]), "noch der Platzhalter von `newsletter init`: tragen Sie die Postanschrift Ihrer "
                                        "Stelle (Name, Straße, Postleitzahl und Ort) für das Impressum ein"),
    (re.escape(SAID["footer.imprint_url"]), "noch der Platzhalter von `newsletter init`: der Link zu Ihrem Impressum (ein "
                                            "Absender in Deutschland braucht eines)"),
    (re.escape(SAID["footer.privacy_url"]), "noch der Platzhalter von `newsletter init`: der Link zu Ihrer "
                                            "Datenschutzerklärung (DSGVO Art. 13)"),
    (r"the address needs a street with its number, the postcode and the town, one after the other",
     "zur Anschrift gehören Straße mit Hausnummer, Postleitzahl und Ort, in dieser Reihenfolge"),
    (r"(?P<url>\S+) is an example address, not your office's page; link your own",
     r"\g<url> ist eine Beispieladresse, nicht die Seite Ihrer Stelle; verlinken Sie Ihre eigene"),
    (r"(?P<url>\S+) is not encrypted; link the https:// address",
     r"\g<url> ist unverschlüsselt; verlinken Sie die Adresse mit https://"),
    (r"the line (?P<line>.+) runs on from the line above; to keep it a line of its own, start it with – or leave an "
     r"empty line before it",
     r"die Zeile \g<line> wird an die Zeile darüber angehängt; soll sie eine eigene Zeile bleiben, beginnen Sie sie "
     r"mit – oder lassen Sie davor eine Zeile frei"),
    # checks/css.py
    (r"(?P<title>.+) \((?P<slug>[^()]+)\) is ignored by (?P<clients>.+)", r"\g<title> (\g<slug>) wird ignoriert von \g<clients>"),
    # checks/markup.py
    (r"(?P<kb>\d+) KB: Gmail cuts off emails over 102 KB; shorten the issue",
     r"\g<kb> KB: Gmail schneidet E-Mails über 102 KB ab; kürzen Sie die Ausgabe"),
    (r"(?P<kb>\d+) KB: close to Gmail's 102 KB limit, above which it cuts the email off",
     r"\g<kb> KB: nahe an der Grenze von 102 KB, ab der Gmail die E-Mail abschneidet"),
    (r"image (?P<src>.+) has no alt text; describe it for blind readers and blocked images",
     r"Bild \g<src> hat keinen Alternativtext; beschreiben Sie es für blinde Leser und für blockierte Bilder"),
    (r"image (?P<src>.+) has no width; Outlook shows it at its full size",
     r"Bild \g<src> hat keine Breite; Outlook zeigt es in voller Größe"),
    (r"image (?P<src>.+) is not loaded over https; many clients block it",
     r"Bild \g<src> wird nicht über https geladen; viele E-Mail-Programme blockieren es"),
    (r"link to (?P<href>.+) has no text to click on", r"der Link zu \g<href> hat keinen Text zum Anklicken"),
    (r"link (?P<href>.+) points to no anchor in the email", r"der Link \g<href> zeigt auf keine Sprungmarke in der E-Mail"),
    (r"link (?P<href>.+): (?P<address>.+) is not an email address", r"der Link \g<href>: \g<address> ist keine E-Mail-Adresse"),
    (r"link (?P<href>.+) is not a phone number", r"der Link \g<href> ist keine Telefonnummer"),
    (r"link (?P<href>.+) is not encrypted; use https:// if the site has it",
     r"der Link \g<href> ist unverschlüsselt; nehmen Sie https://, wenn die Seite es anbietet"),
    (r"link (?P<href>.+) is not a valid web address", r"der Link \g<href> ist keine gültige Webadresse"),
    (r"no color-scheme meta: dark-mode clients may invert colours badly",
     "keine Angabe color-scheme: im Dunkelmodus kehren E-Mail-Programme die Farben womöglich schlecht um"),
    (r"Outlook's conditional comments are missing; its layout will break",
     "die bedingten Kommentare für Outlook fehlen; dort zerfällt das Layout"),
    (r"the plain-text part is empty", "der Textteil ist leer"),
    (r"HTML left in the plain text: (?P<left>.+)", r"HTML im Textteil: \g<left>"),
    (r"line (?P<n>\d+) is over 998 bytes, which mail servers may break",
     r"Zeile \g<n> ist länger als 998 Bytes; Mailserver brechen sie womöglich um"),
    (r"the link (?P<href>.+) of the HTML is missing from the plain text", r"der Link \g<href> aus dem HTML fehlt im Textteil"),
    # checks/spam.py
    (r"SpamAssassin scores (?P<score>[-\d.]+) \(rules: (?P<rules>.*)\); below (?P<good>[\d.]+) is good",
     r"SpamAssassin vergibt \g<score> Punkte (Regeln: \g<rules>); unter \g<good> ist gut"),
    # issue/issuefile.py and issue/schema.py: the file and its fields
    (r"required, but missing", "Pflichtangabe, fehlt"),
    (r"unknown field \(a typo\? the README lists the fields\)", "unbekanntes Feld (ein Tippfehler? Das README nennt die Felder)"),
    (r"must not be empty", "darf nicht leer sein"),
    (r"needs at least one entry", "braucht mindestens einen Eintrag"),
    (r"not a phone number \(digits, spaces, '\+', '/', '-'\)", "keine Telefonnummer (Ziffern, Leerzeichen, „+“, „/“, „-“)"),
    (r"use only lowercase letters, digits and '-'", "nur Kleinbuchstaben, Ziffern und „-“"),
    (r"not a colour like #8a1538", "keine Farbe wie #8a1538"),
    (r"not a date; write it as YYYY-MM-DD, e.g. 2020-12-23", "kein Datum; schreiben Sie es als JJJJ-MM-TT, z. B. 2020-12-23"),
    (r"not a web address; write it as https://…", "keine Webadresse; schreiben Sie sie als https://…"),
    (r"not a valid email address", "keine gültige E-Mail-Adresse"),
    (r"must contain \{name\} where the subscriber's name goes", "muss {name} dort enthalten, wo der Name der Leser steht"),
    (r"(?P<size>\d+\.\d) MB of text; a field holds at most (?P<limit>\d+) MB: shorten it or split the article in two",
     r"\g<size> MB Text; ein Feld fasst höchstens \g<limit> MB: kürzen Sie ihn oder teilen Sie den Artikel in zwei"),
    (r"a brace that is no placeholder; (?P<advice>.+)", r"eine Klammer, die kein Platzhalter ist; \g<advice>"),
    (r"\{\{ and \}\} would reach every reader as they are; (?P<advice>.+)",
     r"{{ und }} kämen so, wie sie sind, bei allen Lesern an; \g<advice>"),
    (r"unknown placeholder \{(?P<name>[^}]*)\} \((?P<advice>.+)\)", r"unbekannter Platzhalter {\g<name>} (\g<advice>)"),
    (r"write \{name\} where the subscriber's name goes", "schreiben Sie {name} dort, wo der Name der Leser steht"),
    (r"no placeholders here: it is for subscribers without a name", "hier keine Platzhalter: dieser Text ist für Leser ohne Namen"),
    (r"must be a single line", "muss eine einzige Zeile sein"),
    (r"two articles use the anchor (?P<anchor>.+); give one a different anchor",
     r"zwei Artikel haben die Sprungmarke \g<anchor>; geben Sie einem eine andere"),
    (r"no such file; check the path", "diese Datei gibt es nicht; prüfen Sie den Pfad"),
    (r"the file must start with a line '---' that opens the issue's fields",
     "die Datei muss mit einer Zeile „---“ beginnen, die die Angaben zur Ausgabe eröffnet"),
    (r"the fields block opened here is never closed with (a line )?'---'",
     "der hier eröffnete Block mit Angaben wird nie mit einer Zeile „---“ geschlossen"),
    (r"text before the first article; start each article with '# Title'",
     "Text vor dem ersten Artikel; beginnen Sie jeden Artikel mit „# Titel“"),
    (r"set by the '# ' heading and the text below it, not in the fields block",
     "wird durch die Überschrift „# “ und den Text darunter gesetzt, nicht im Block mit Angaben"),
    (r"the fields block at the top is not closed: put a line '---' above this first article",
     "der Block mit Angaben oben ist nicht geschlossen: setzen Sie über diesen ersten Artikel eine Zeile „---“"),
    (r"an article heading without a title; write the title after '# ', or \\# for a literal '#'",
     "eine Artikelüberschrift ohne Titel; schreiben Sie den Titel hinter „# “, oder \\# für ein „#“ im Text"),
    (r"not a language code; write it like ar, fa, uk, tr or en", "kein Sprachkürzel; schreiben Sie es wie ar, fa, uk, tr oder en"),
    (r"not a picture file: name a \.jpg, \.png, \.gif or \.webp file",
     "keine Bilddatei: nennen Sie eine Datei mit .jpg, .png, .gif oder .webp"),
    # issue/photos.py: a photo too big to be decoded safely
    (r"(?P<file>.+): (?P<width>\d+)×(?P<height>\d+) pixels is more than 40 megapixels; make it smaller in a photo program "
     r"\(4000 pixels wide is plenty\) and use that",
     r"\g<file>: \g<width>×\g<height> Pixel sind mehr als 40 Megapixel; verkleinern Sie das Foto in einem Bildprogramm "
     r"(4000 Pixel Breite genügen) und nehmen Sie dieses"),
    (r"(?P<file>.+): far too many pixels to be read safely; use a photo of at most 40 megapixels",
     r"\g<file>: viel zu viele Pixel, um es sicher zu lesen; nehmen Sie ein Foto mit höchstens 40 Megapixeln"),
    (r"give either url \(a picture on the web\) or path \(a photo file next to the issue\), one of them",
     "geben Sie entweder url (ein Bild im Web) oder path (eine Fotodatei neben der Ausgabe) an, nur eines davon"),
    (r"not UTF-8 text \((?P<why>.*)\); save it as UTF-8", "kein UTF-8-Text (\\g<why>); speichern Sie die Datei als UTF-8"),
    (r"cannot be read: (?P<why>.+)", r"kann nicht gelesen werden: \g<why>"),
    # issue/yamlerrors.py: a broken fields block
    (r"a ':' is missing after the field name; write it as 'name: value'",
     "nach dem Namen der Angabe fehlt ein „:“; schreiben Sie „Name: Wert“"),
    (r"a space is missing after the ':'; write it as 'name: value'",
     "nach dem „:“ fehlt ein Leerzeichen; schreiben Sie „Name: Wert“"),
    (r"a tab is used here; indent and separate with spaces only",
     "hier steht ein Tabulator; rücken Sie nur mit Leerzeichen ein und trennen Sie nur mit Leerzeichen"),
    (r"not in line with the fields above it; fields that belong together start in the same column",
     "nicht bündig mit den Angaben darüber; Angaben, die zusammengehören, beginnen in derselben Spalte"),
    (r"the value holds ': '; put the whole value in quotes \(\"\.\.\.\"\)",
     "der Wert enthält „: “; setzen Sie den ganzen Wert in Anführungszeichen (\"…\")"),
    (r"the quote (?P<q>.) opened here is never closed; end the value with (?P=q) too",
     r"das hier geöffnete Anführungszeichen \g<q> wird nie geschlossen; beenden Sie den Wert auch mit \g<q>"),
    (r"text after the closing quote; put the whole value inside the quotes",
     "Text nach dem schließenden Anführungszeichen; setzen Sie den ganzen Wert in die Anführungszeichen"),
    (r"a backslash in double quotes starts a special character; use single quotes \('\.\.\.'\) or write \\\\",
     "ein Backslash in doppelten Anführungszeichen leitet ein Sonderzeichen ein; nehmen Sie einfache Anführungszeichen "
     r"('…') oder schreiben Sie \\\\"),
    (r"a value that starts with '(?P<open>.)' needs a closing '(?P<close>.)'; put the whole value in quotes \(\"\.\.\.\"\)",
     r"ein Wert, der mit „\g<open>“ beginnt, braucht ein schließendes „\g<close>“; setzen Sie den ganzen Wert in "
     r'Anführungszeichen ("…")'),
    (r"a value cannot start with '(?P<char>.+)'; put the whole value in quotes \(\"\.\.\.\"\)",
     r'ein Wert kann nicht mit „\g<char>“ beginnen; setzen Sie den ganzen Wert in Anführungszeichen ("…")'),
    (r"a list entry \('- '\) that belongs to no field; put it under its field, indented by two spaces",
     "ein Listeneintrag („- “), der zu keiner Angabe gehört; setzen Sie ihn unter seine Angabe, um zwei Leerzeichen "
     "eingerückt"),
    (r"the field name before the ':' is missing", "vor dem „:“ fehlt der Name der Angabe"),
    (r"this line cannot be read as 'name: value'; check its ':', quotes and indentation",
     "diese Zeile lässt sich nicht als „Name: Wert“ lesen; prüfen Sie „:“, Anführungszeichen und Einrückung"),
    (r"expected 'name: value' lines", "erwartet werden Zeilen „Name: Wert“"),
    (r"given twice; keep one", "doppelt angegeben; behalten Sie eine Angabe"),
]
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


PLACES = {"templates": "Vorlagen", "text part": "Textteil", "links": "Links", "spam": "Spam"}


def place_in_german(where: str) -> str:
    """`file:line: field` stays as it is (names in the file); the check's own places get German names."""
    return PLACES.get(where, where)


def wording(request: Request) -> Callable[[str, str], str]:
    """For a page's template: `say(text, table)` in German on a German page, as it is on an English one."""
    return in_german if language(request) == "de" else _as_it_is


def _as_it_is(text: str, table: str = "findings") -> str:
    return text
