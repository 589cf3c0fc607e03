"""Campaign-side writes: advertisers, campaigns, ads and conversion goals.

Every write validates with the model's ``full_clean()`` (DB constraints back the invariants),
records its domain events in the same transaction, and bumps the inventory version when what
can serve may have changed.
"""

from .ads import (
    ad_admin_saved,
    ad_approve,
    ad_create,
    ad_delete,
    ad_payload,
    ad_reject,
    ad_review,
    ad_update,
    ads_auto_approve,
)
from .advertisers import (
    advertiser_acting,
    advertiser_create,
    advertiser_ensure,
    advertiser_update,
)
from .campaigns import (
    campaign_activate,
    campaign_admin_saved,
    campaign_create,
    campaign_delete,
    campaign_pause,
    campaign_payload,
    campaign_transition,
    campaign_update,
    source_reference_id,
)
from .goals import conversion_goal_create, conversion_goal_delete, conversion_goal_update

__all__ = [
    "ad_admin_saved",
    "ad_approve",
    "ad_create",
    "ad_delete",
    "ad_payload",
    "ad_reject",
    "ad_review",
    "ad_update",
    "ads_auto_approve",
    "advertiser_acting",
    "advertiser_create",
    "advertiser_ensure",
    "advertiser_update",
    "campaign_activate",
    "campaign_admin_saved",
    "campaign_create",
    "campaign_delete",
    "campaign_pause",
    "campaign_payload",
    "campaign_transition",
    "campaign_update",
    "conversion_goal_create",
    "conversion_goal_delete",
    "conversion_goal_update",
    "source_reference_id",
]
