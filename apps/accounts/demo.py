"""Demo accounts, one per role. Passwords are for local demos only."""

from .models import Role, User

DEMO_PASSWORD = "demo-pass-2026"
DEMO_USERS = [
    (Role.ADMIN, "admin@demo.local", "Ada Admin"),
    (Role.ADVERTISER, "advertiser@demo.local", "Avery Advertiser"),
    (Role.PUBLISHER, "publisher@demo.local", "Parker Publisher"),
    (Role.FINANCE, "finance@demo.local", "Finley Finance"),
    (Role.PARTNER, "partner@demo.local", "Pat Partner"),
]


def load() -> list[tuple[str, str, str]]:
    logins = []
    for role, email, name in DEMO_USERS:
        user, created = User.objects.get_or_create(
            email=email, defaults={"name": name, "role": role}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        logins.append((role.label, email, DEMO_PASSWORD))
    return logins
