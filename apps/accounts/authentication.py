"""``Authorization: Bearer`` with an API key (``ak_…``) or a JWT; sessions for dashboards."""

from __future__ import annotations

from rest_framework.authentication import (
    BaseAuthentication,
    SessionAuthentication,
    get_authorization_header,
)
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from .partner_credentials import CREDENTIAL_CLAIM, partner_credential_is_live
from .services import api_key_authenticate, jwt_is_revoked

KEY_MARKER = "ak_"


class BearerAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def __init__(self) -> None:
        self._jwt = JWTAuthentication()

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("Malformed Authorization header: expected 'Bearer <token>'.")
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed("Invalid token.")
        if raw.startswith(KEY_MARKER):
            api_key = api_key_authenticate(raw_key=raw)
            if api_key is None:
                raise AuthenticationFailed("Invalid or revoked API key.", code="invalid_api_key")
            return api_key.user, api_key
        return self._authenticate_jwt(raw)

    def _authenticate_jwt(self, raw: str):
        try:
            token = self._jwt.get_validated_token(raw.encode())
            user = self._jwt.get_user(token)
        except (InvalidToken, TokenError, AuthenticationFailed):
            raise AuthenticationFailed("Invalid or expired token.", code="invalid_token")
        if user.deleted_at is not None or jwt_is_revoked(jti=token["jti"]):
            raise AuthenticationFailed("Invalid or expired token.", code="invalid_token")
        credential_id = token.get(CREDENTIAL_CLAIM)
        if credential_id is not None and not partner_credential_is_live(credential_id):
            raise AuthenticationFailed("Invalid or expired token.", code="invalid_token")
        return user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class CsrfSessionAuthentication(SessionAuthentication):
    """Session login (dashboards, browsable docs) with CSRF, refusing soft-deleted users."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and getattr(result[0], "deleted_at", None) is not None:
            return None
        return result
