import re

from django.urls import reverse

from ..factories import totp_code


def sign_in_via_pages(client, email, password, *, code=None, ip="10.0.0.1"):
    """Signs in through allauth's real pages (not force_login), as a browser would."""
    response = client.post(reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=ip)
    if response.status_code == 302 and response.url == reverse("mfa_authenticate"):
        response = client.post(reverse("mfa_authenticate"), {"code": code or totp_code()}, REMOTE_ADDR=ip)
    return response


def is_signed_in(client) -> bool:
    response = client.get(reverse("migration-list"))
    return response.status_code == 200


def reset_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", message.body).group(1)
