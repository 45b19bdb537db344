"""The mails of an account, in text and HTML, carrying the project's name.

Each builder takes the link (with its token) and gives an Email; `PRODUCT` is the name people
see (the template's renaming changes it with the project's name).
"""

from __future__ import annotations

from html import escape
from uuid import UUID

from application.shared.ports.email import Email

PRODUCT = "Portico"

_HTML = """<!doctype html>
<html lang="en"><body style="font-family: sans-serif; line-height: 1.5">
<h1 style="font-size: 1.3em">{title}</h1>
<p>{intro}</p>
<p><a href="{link}" style="font-weight: bold">{action}</a></p>
<p style="color: #555">{outro}</p>
<p style="color: #555">{product}</p>
</body></html>
"""

_TEXT = """{title}

{intro}

{action}: {link}

{outro}

{product}
"""


def _mail(
    id: UUID, to: str, name: str, link: str, *, title: str, intro: str, action: str, outro: str
) -> Email:
    text = _TEXT.format(
        title=title, intro=intro, action=action, link=link, outro=outro, product=PRODUCT
    )
    html = _HTML.format(
        title=escape(title),
        intro=escape(intro),
        action=escape(action),
        link=escape(link, quote=True),
        outro=escape(outro),
        product=escape(PRODUCT),
    )
    return Email(id=id, to=to, subject=title, text=text, html=html, links={name: link})


def verification_mail(id: UUID, to: str, link: str, *, valid_hours: int) -> Email:
    return _mail(
        id,
        to,
        "verify",
        link,
        title=f"Confirm your email address for {PRODUCT}",
        intro=f"Someone opened a {PRODUCT} account with this address. If it was you, "
        "confirm it with the link below.",
        action="Confirm my address",
        outro=f"The link works once, for {valid_hours} hours. "
        "If you did not sign up, ignore this mail.",
    )


def password_reset_mail(id: UUID, to: str, link: str, *, valid_minutes: int) -> Email:
    return _mail(
        id,
        to,
        "reset",
        link,
        title=f"Reset your {PRODUCT} password",
        intro=f"Someone asked to reset the password of the {PRODUCT} account with this "
        "address. If it was you, choose a new password with the link below; every "
        "session of the account will end.",
        action="Choose a new password",
        outro=f"The link works once, for {valid_minutes} minutes. If you did not ask, "
        "ignore this mail: your password stays as it is.",
    )


def email_changed_mail(id: UUID, to: str, new_email: str, link: str) -> Email:
    """To the previous address of an account whose holder gave it a new one."""
    return _mail(
        id,
        to,
        "reset",
        link,
        title=f"Your {PRODUCT} account has a new address",
        intro=f"The address of your {PRODUCT} account was changed from this one to "
        f"{new_email}, by someone who knew its password. If it was you, nothing more to do.",
        action="Reset the password",
        outro="If it was not you, reset the password now (with the new address) and tell us.",
    )


def account_exists_mail(id: UUID, to: str, link: str) -> Email:
    """To the owner of an address someone signed up with again; `link` asks for a reset."""
    return _mail(
        id,
        to,
        "reset",
        link,
        title=f"Your {PRODUCT} account",
        intro=f"Someone tried to open a {PRODUCT} account with this address, which already "
        "has one. If it was you, sign in with your password; if you forgot it, reset it.",
        action="Reset my password",
        outro="If it was not you, ignore this mail: nothing changed.",
    )
