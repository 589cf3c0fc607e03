"""Who may use the inventory API: publishers (their own), admins (all), finance (read only)."""

from rest_framework.permissions import SAFE_METHODS

from apps.accounts.models import Role
from apps.accounts.permissions import HasRole


class CanUseInventory(HasRole):
    """Admin and publisher read and write (scoped by the selectors); finance only reads."""

    roles = (Role.ADMIN, Role.PUBLISHER, Role.FINANCE)
    message = "Inventory is for publishers, admins and finance (read only)."

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if request.user.role == Role.FINANCE and request.method not in SAFE_METHODS:
            self.message = "The finance role can read inventory but not change it."
            return False
        return True
