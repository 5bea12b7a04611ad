"""Who is asking: a personal token (`Authorization: Bearer cc_…`), or the signed-in session of the
browsable pages, whose writes need the CSRF token as every form of the site does."""

from django.utils import timezone
from rest_framework import authentication, exceptions

from accounts.policy import mfa_setup_needed

from .tokens import token_find, token_touch


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() != self.keyword.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send the token as 'Authorization: Bearer <token>'.")
        token = token_find(header[1])
        now = timezone.now()
        # One message for an unknown token, so a guess learns nothing; expiry and revocation are
        # named, because only the holder of a real secret can see them.
        if token is None:
            raise exceptions.AuthenticationFailed("This token is not recognised.")
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("This token was revoked. Create a new one on your account page.")
        if not token.is_usable(now):
            raise exceptions.AuthenticationFailed("This token has expired. Create a new one on your account page.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("This token's account is not active.")
        if mfa_setup_needed(token.user):
            # Their role must use two-factor authentication and they have none set up (any more).
            raise exceptions.AuthenticationFailed("Set up two-factor authentication to use your API tokens again.")
        token_touch(token=token, now=now)
        return token.user, token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'
