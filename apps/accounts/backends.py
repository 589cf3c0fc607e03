from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    """Email + password login that refuses soft-deleted and inactive users."""

    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and getattr(user, "deleted_at", None) is None
