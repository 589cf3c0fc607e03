"""Demo inventory: the demo publisher, approved, with a news site and zones of each kind."""

from decimal import Decimal

from django.utils import timezone

from apps.accounts.demo import DEMO_USERS
from apps.accounts.models import Role, User
from apps.common.events import inventory_changed

from .models import PayoutMethod, Publisher, PublisherStatus, Website, Zone

DEMO_PUBLISHER_EMAIL = next(email for role, email, _ in DEMO_USERS if role == Role.PUBLISHER)
DEMO_ADMIN_EMAIL = next(email for role, email, _ in DEMO_USERS if role == Role.ADMIN)
DEMO_WEBSITE = {"name": "Demo News", "url": "https://news.demo.local", "category": "news"}
DEMO_ZONES = [
    # name, type, width, height, floor price (CPM)
    ("Leaderboard", "banner", 728, 90, "0.50"),
    ("Sidebar", "banner", 300, 250, "1.00"),
    ("Text links", "text", None, None, "0.05"),
    ("Native feed", "native", None, None, "0.25"),
    ("Pre-roll", "video", 640, 360, "1.00"),
]


def load() -> list:
    user = User.objects.get(email=DEMO_PUBLISHER_EMAIL)
    publisher, _ = Publisher.objects.get_or_create(
        user=user,
        defaults={
            "name": "Demo Publisher",
            "website_url": DEMO_WEBSITE["url"],
            "description": "The demo publisher: a news site with one zone of each kind.",
        },
    )
    if publisher.payout_method == PayoutMethod.NONE:  # where its demo payouts go
        publisher.payout_method = PayoutMethod.BANK_TRANSFER
        publisher.payout_details = {
            "account_holder": "Demo Publisher Ltd",
            "iban": "DE89 3704 0044 0532 0130 00",
            "bic": "COBADEFFXXX",
            "bank_name": "Demo Bank",
        }
        publisher.save(update_fields=["payout_method", "payout_details", "updated_at"])
    if publisher.status != PublisherStatus.APPROVED:
        publisher.status = PublisherStatus.APPROVED
        publisher.reviewed_at = timezone.now()
        publisher.reviewed_by = User.objects.filter(email=DEMO_ADMIN_EMAIL).first()
        publisher.save()
    website, _ = Website.objects.get_or_create(
        publisher=publisher,
        name=DEMO_WEBSITE["name"],
        defaults={"url": DEMO_WEBSITE["url"], "category": DEMO_WEBSITE["category"]},
    )
    for name, zone_type, width, height, floor in DEMO_ZONES:
        Zone.objects.get_or_create(
            website=website,
            name=name,
            defaults={
                "type": zone_type,
                "width": width,
                "height": height,
                "floor_price": Decimal(floor),
            },
        )
    _pending_publisher()
    inventory_changed(kind="all")
    return []


PENDING_PUBLISHER_EMAIL = "newsite@demo.local"


def _pending_publisher() -> None:
    """A publisher who signed up and waits for approval (the admin's approvals queue)."""
    from apps.accounts.services import user_create

    if User.objects.filter(email=PENDING_PUBLISHER_EMAIL).exists():
        return
    user = user_create(
        email=PENDING_PUBLISHER_EMAIL,
        password="demo-pass-2026",
        name="Nia Newsite",
        role=Role.PUBLISHER,
    )
    Publisher.objects.filter(user=user).update(
        name="Newsite Weekly",
        website_url="https://newsite.demo.local",
        description="A new local news site asking to join the network.",
    )
