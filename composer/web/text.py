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
    confirm_subject: str
    confirm_body: str


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
        confirm_subject="Bitte bestätigen Sie Ihre Anmeldung",
        confirm_body="Guten Tag{name},\n\nbitte bestätigen Sie Ihre Anmeldung zum Newsletter „{newsletter}“ mit "
                     "diesem Link:\n\n{url}\n\nDer Link gilt 7 Tage. Wenn Sie sich nicht angemeldet haben, "
                     "müssen Sie nichts tun: Ohne Bestätigung erhalten Sie keine E-Mails von uns.\n",
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
        confirm_subject="Please confirm your subscription",
        confirm_body="Hello{name},\n\nplease confirm your subscription to the newsletter \"{newsletter}\" with this "
                     "link:\n\n{url}\n\nThe link works for 7 days. If you did not sign up, do nothing: without "
                     "confirmation you will get no email from us.\n",
    ),
}
