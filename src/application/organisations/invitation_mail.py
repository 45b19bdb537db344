"""The invitation mail, in text and HTML."""

from __future__ import annotations

from html import escape
from uuid import UUID

from application.shared.ports.email import Email

PRODUCT = "Portico"


def invitation_mail(
    id: UUID, to: str, link: str, *, organisation: str, role: str, valid_days: int
) -> Email:
    title = f"You are invited to {organisation} on {PRODUCT}"
    intro = (
        f"You are invited to join {organisation} as {role}. Sign in to {PRODUCT} with this "
        "address (verified), then accept or decline with the link below."
    )
    outro = f"The link works once, for {valid_days} days. If you do not know why, ignore it."
    text = f"{title}\n\n{intro}\n\nAnswer the invitation: {link}\n\n{outro}\n\n{PRODUCT}\n"
    html = (
        '<!doctype html>\n<html lang="en"><body style="font-family: sans-serif">\n'
        f"<h1>{escape(title)}</h1>\n<p>{escape(intro)}</p>\n"
        f'<p><a href="{escape(link, quote=True)}">Answer the invitation</a></p>\n'
        f"<p>{escape(outro)}</p>\n<p>{escape(PRODUCT)}</p>\n</body></html>\n"
    )
    return Email(id=id, to=to, subject=title, text=text, html=html, links={"invitation": link})
