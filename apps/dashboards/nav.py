"""The navigation of each role: (label, url name) pairs, read by the base layout.

Each role's package owns its own entry; the layout shows the entries of the signed-in user's role.
"""

from apps.accounts.models import Role

_ADVERTISER = [
    ("Campaigns", "advertiser:home"),
    ("Ads", "advertiser:ads"),
    ("Conversion goals", "advertiser:goals"),
    ("Reports", "advertiser:reports"),
    ("Billing", "billing_ui:wallet"),
]

NAV: dict[int, list[tuple[str, str]]] = {
    Role.ADVERTISER: _ADVERTISER,
    Role.PUBLISHER: [
        ("Earnings", "publisher:home"),
        ("Websites", "publisher:websites"),
        ("Zones", "publisher:zones"),
        ("Reports", "publisher:reports"),
        ("Payouts", "billing_ui:payouts"),
        ("Payout settings", "publisher:payout"),
    ],
    Role.ADMIN: [
        ("Network overview", "staff:home"),
        ("Approvals", "staff:approvals"),
        ("Advertisers", "staff:advertisers"),
        ("Campaigns", "staff:campaigns"),
        ("Users", "staff:users"),
        ("Partner credentials", "staff:partner_credentials"),
        ("Platform settings", "staff:settings"),
        ("Finance", "finance:home"),
        ("Django admin", "staff:admin_links"),
    ],
    Role.FINANCE: [
        ("Overview", "finance:home"),
        ("Invoices", "finance:invoices"),
        ("Wallets", "finance:wallets"),
        ("Payouts", "finance:payouts"),
        ("Financial report", "finance:report"),
    ],
    # Partners work on the advertisers they manage, through the advertiser pages.
    Role.PARTNER: _ADVERTISER,
}
ACCOUNT_NAV: list[tuple[str, str]] = [
    ("Profile", "accounts:profile"),
    ("API keys", "accounts:api_keys"),
    ("Webhooks", "accounts:webhooks"),
]
