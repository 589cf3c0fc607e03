"""What a partner sent when it created a campaign through the partner API (seed 002)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class PartnerIntake(models.Model):
    """One per campaign made through ``POST /api/campaign``.

    ``public_id`` is the opaque ``campaign_id`` the partner is given; ``ad_ids`` are the draft
    creatives made from the material, which the advertiser (or the partner acting for it)
    confirms on the finishing page before the campaign is submitted.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    campaign = models.OneToOneField(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="partner_intake"
    )
    partner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    credential = models.ForeignKey(
        "accounts.PartnerCredential", null=True, blank=True, on_delete=models.SET_NULL
    )
    reference_id = models.CharField(max_length=200)
    target_url = models.URLField(max_length=2000)
    material = models.JSONField(default=list)
    unusable_material = models.JSONField(default=list, blank=True)
    ad_ids = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.reference_id} → campaign {self.campaign_id}"

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None
