from rest_framework.permissions import BasePermission

from .models import Role


class HasRole(BasePermission):
    """Allows authenticated users whose role is one of ``roles``."""

    roles: tuple[Role, ...] = ()
    message = "Your role does not allow this action."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.role in self.roles)


class IsAdmin(HasRole):
    roles = (Role.ADMIN,)
    message = "Admin role required."


class IsAdminOrFinance(HasRole):
    roles = (Role.ADMIN, Role.FINANCE)
    message = "Admin or finance role required."
