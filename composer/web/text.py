"""The web pages' words in German and English; the page's language follows ?lang= or the browser."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WebText:
    other_language: str
    privacy: str
    subscribe_title: str
    subscribe_intro: str
    email_label: str
    name_label: str
    list_label: str
    consent: str
    subscribe_button: str
    email_invalid: str
    consent_missing: str
    list_unknown: str
    check_mail_title: str
    check_mail: str
    confirmed_title: str
    confirmed: str
    unsubscribe_title: str
    unsubscribe_question: str
    unsubscribe_button: str
    unsubscribed_title: str
    unsubscribed: str
    undo_button: str
    resubscribed_title: str
    resubscribed: str
    invalid_title: str
    invalid_hint: str
    token_invalid: str
    token_expired: str
    token_purpose: str
    already_confirmed: str
    confirm_title: str
    confirm_question: str
    confirm_button: str
    still_bounced: str
    undo_refused: str
    forbidden_title: str
    forbidden: str
    too_many_title: str
    too_many: str
    capped_title: str
    capped: str
    not_found_title: str
    not_found: str
    unavailable: str


TEXT = {
    "de": WebText(
        other_language="English",
        privacy="Datenschutz",
        subscribe_title="Newsletter abonnieren",
        subscribe_intro="Tragen Sie Ihre E-Mail-Adresse ein. Sie bekommen dann eine E-Mail mit einem Link, "
                        "mit dem Sie die Anmeldung bestätigen.",
        email_label="E-Mail-Adresse (Pflichtfeld)",
        name_label="Name (freiwillig)",
        list_label="Verteiler",
        consent="Ich möchte den Newsletter per E-Mail erhalten. Meine Adresse wird nur dafür gespeichert; "
                "ich kann mich jederzeit über den Link in jeder Ausgabe abmelden.",
        subscribe_button="Anmelden",
        email_invalid="Bitte geben Sie eine gültige E-Mail-Adresse ein.",
        consent_missing="Bitte bestätigen Sie die Einwilligung mit dem Häkchen.",
        list_unknown="Diesen Verteiler gibt es nicht.",
        check_mail_title="Fast geschafft",
        check_mail="Wir haben eine E-Mail an {email} geschickt. Bitte klicken Sie auf den Link darin, "
                   "um Ihre Anmeldung zu bestätigen. Der Link gilt 7 Tage.",
        confirmed_title="Anmeldung bestätigt",
        confirmed="Danke! {email} erhält den Newsletter ab der nächsten Ausgabe.",
        unsubscribe_title="Newsletter abbestellen",
        unsubscribe_question="Möchten Sie den Newsletter für {email} abbestellen?",
        unsubscribe_button="Abbestellen",
        unsubscribed_title="Abgemeldet",
        unsubscribed="{email} erhält den Newsletter nicht mehr.",
        undo_button="Doch wieder anmelden",
        resubscribed_title="Wieder angemeldet",
        resubscribed="{email} erhält den Newsletter wieder.",
        invalid_title="Dieser Link funktioniert nicht",
        invalid_hint="Zur Anmeldung",
        token_invalid="Der Link ist unvollständig oder verändert. Bitte kopieren Sie ihn vollständig aus der E-Mail.",
        token_expired="Der Link ist abgelaufen. Bitte melden Sie sich noch einmal an.",
        token_purpose="Dieser Link ist für etwas anderes gedacht.",
        already_confirmed="Diese Anmeldung war schon bestätigt; es hat sich nichts geändert.",
        confirm_title="Anmeldung bestätigen",
        confirm_question="Soll {email} „{newsletter}“ per E-Mail erhalten? Dann bestätigen Sie bitte hier.",
        confirm_button="Anmeldung bestätigen",
        still_bounced="Aber: An {email} konnten wir zuletzt keine E-Mails zustellen, deshalb schicken wir vorerst "
                      "nichts dorthin. Bitte schreiben Sie uns, wenn das Postfach wieder funktioniert.",
        undo_refused="Das lässt sich hier nicht rückgängig machen: {email} wurde nicht mit diesem Link abgemeldet "
                     "(oder ist gar nicht abgemeldet). Melden Sie sich bitte neu an oder schreiben Sie uns.",
        forbidden_title="Bitte noch einmal versuchen",
        forbidden="Diese Anfrage kam nicht von unserer Seite oder die Seite war zu lange offen. Bitte laden Sie "
                  "die Seite neu und versuchen Sie es noch einmal.",
        too_many_title="Zu viele Versuche",
        too_many="Von Ihrem Anschluss kamen in kurzer Zeit zu viele Anmeldungen. Bitte versuchen Sie es in "
                 "{minutes} Minuten noch einmal.",
        capped_title="Gerade sehr viele Anmeldungen",
        capped="Es kamen gerade sehr viele Anmeldungen, deshalb verschicken wir vorerst keine Bestätigungs-E-Mails. "
               "Es wurde keine E-Mail verschickt. Bitte versuchen Sie es in ein paar Stunden noch einmal.",
        not_found_title="Seite nicht gefunden",
        not_found="Diese Seite gibt es nicht (mehr).",
        unavailable="Die Bestätigungs-E-Mail konnte gerade nicht verschickt werden. Bitte versuchen Sie es später "
                    "noch einmal.",
    ),
    "en": WebText(
        other_language="Deutsch",
        privacy="Privacy",
        subscribe_title="Subscribe to the newsletter",
        subscribe_intro="Enter your email address. You will get an email with a link to confirm.",
        email_label="Email address (required)",
        name_label="Name (optional)",
        list_label="List",
        consent="I want to receive the newsletter by email. My address is stored only for this; "
                "I can unsubscribe at any time with the link in every issue.",
        subscribe_button="Subscribe",
        email_invalid="Please enter a valid email address.",
        consent_missing="Please tick the box to give your consent.",
        list_unknown="There is no such list.",
        check_mail_title="Almost done",
        check_mail="We sent an email to {email}. Please click the link in it to confirm. The link works for 7 days.",
        confirmed_title="Subscription confirmed",
        confirmed="Thank you! {email} will receive the newsletter from the next issue on.",
        unsubscribe_title="Unsubscribe",
        unsubscribe_question="Do you want to stop the newsletter for {email}?",
        unsubscribe_button="Unsubscribe",
        unsubscribed_title="Unsubscribed",
        unsubscribed="{email} will not receive the newsletter any more.",
        undo_button="Subscribe again",
        resubscribed_title="Subscribed again",
        resubscribed="{email} will receive the newsletter again.",
        invalid_title="This link does not work",
        invalid_hint="Go to the sign-up page",
        token_invalid="The link is incomplete or was changed. Please copy all of it from the email.",
        token_expired="The link has expired. Please sign up again.",
        token_purpose="This link is meant for something else.",
        already_confirmed="This subscription had been confirmed before; nothing changed.",
        confirm_title="Confirm your subscription",
        confirm_question="Should {email} receive \"{newsletter}\" by email? Then please confirm here.",
        confirm_button="Confirm subscription",
        still_bounced="But: our last emails to {email} could not be delivered, so we send nothing there for now. "
                      "Please write to us when the mailbox works again.",
        undo_refused="This cannot be undone here: {email} was not unsubscribed with this link (or is not "
                     "unsubscribed at all). Please sign up again or write to us.",
        forbidden_title="Please try again",
        forbidden="This request did not come from our page, or the page was open too long. Please reload the page "
                  "and try again.",
        too_many_title="Too many attempts",
        too_many="Too many sign-ups came from your connection in a short time. Please try again in {minutes} minutes.",
        capped_title="Very many sign-ups just now",
        capped="Very many sign-ups came in just now, so we are not sending confirmation emails for a while. No email "
               "was sent. Please try again in a few hours.",
        not_found_title="Page not found",
        not_found="This page does not exist (any more).",
        unavailable="The confirmation email could not be sent just now. Please try again later.",
    ),
}
