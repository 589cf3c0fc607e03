"""The navigation of each role: (label, url name) pairs, read by the base layout.

Each role's package owns its own entry; the layout shows the entries of the signed-in user's role.
"""

from apps.accounts.models import Role

NAV: dict[int, list[tuple[str, str]]] = {
    Role.ADVERTISER: [],
    Role.PUBLISHER: [],
    Role.ADMIN: [],
    Role.FINANCE: [],
    Role.PARTNER: [],
}
ACCOUNT_NAV: list[tuple[str, str]] = []
