"""Who may use the campaign-side endpoints.

Advertisers, partners (for the advertisers they manage) and admins read and write; finance
reads everything and writes nothing; publishers have no access.
"""

from rest_framework.permissions import SAFE_METHODS

from apps.accounts.models import Role
from apps.accounts.permissions import HasRole

READ_ROLES = (Role.ADMIN, Role.ADVERTISER, Role.PARTNER, Role.FINANCE)
WRITE_ROLES = (Role.ADMIN, Role.ADVERTISER, Role.PARTNER)


class CanUseCampaigns(HasRole):
    roles = READ_ROLES
    message = "Your role does not allow this action."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in SAFE_METHODS:
            return user.role in READ_ROLES
        if user.role == Role.FINANCE:
            self.message = "Finance users have read-only access."
        return user.role in WRITE_ROLES
