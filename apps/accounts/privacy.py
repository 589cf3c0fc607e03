"""GDPR for account holders: the data export of a user, and account erasure by an admin.

The export is everything the platform holds about the caller's own account as one JSON
document, without any secret (password hash, key and secret hashes, webhook secrets, the MFA
secret and recovery codes are never in it). Erasure anonymises the personal fields, revokes
every credential, and keeps money records (ledger, invoices, payouts) as the law requires.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.common.errors import BusinessRuleError

from .models import ApiKey, MfaDevice, MfaRecoveryCode, PartnerCredential, User

EXPORT_FORMAT_VERSION = 1
AUDIT_EXPORT_LIMIT = 5000
ERASED = "[erased]"


def user_data_export(*, user: User) -> dict[str, Any]:
    from apps.audit.selectors import audit_entries_about_user, audit_entry_payload
    from apps.billing.api.wallets import wallet_rows
    from apps.billing.models import Invoice, Payout, Transaction, Wallet
    from apps.billing.serializers import InvoiceOutput, PayoutOutput, TransactionOutput
    from apps.campaigns.models import Ad, Advertiser, Campaign, ConversionGoal
    from apps.campaigns.serializers import (
        AdOutput,
        AdvertiserOutput,
        CampaignOutput,
        ConversionGoalOutput,
    )
    from apps.inventory.models import Publisher, Website, Zone
    from apps.inventory.serializers import PublisherOutput, WebsiteOutput, ZoneOutput
    from apps.partners.models import PartnerIntake
    from apps.webhooks.models import Webhook
    from apps.webhooks.serializers import WebhookOutput

    from .serializers import ApiKeyOutput, PartnerCredentialOutput, UserOutput

    advertiser = Advertiser.objects.filter(user=user).prefetch_related("managers").first()
    publisher = Publisher.objects.filter(user=user).first()
    wallets = list(Wallet.objects.filter(advertiser__user=user).select_related("advertiser"))
    device = MfaDevice.objects.filter(user=user).first()
    return {
        "format_version": EXPORT_FORMAT_VERSION,
        "generated_at": timezone.now().isoformat(),
        "profile": {**UserOutput(user).data, "deleted_at": user.deleted_at},
        "mfa": {
            "enabled": bool(device and device.is_confirmed),
            "recovery_codes_left": MfaRecoveryCode.objects.filter(
                user=user, used_at__isnull=True
            ).count(),
        },
        "api_keys": ApiKeyOutput(ApiKey.objects.filter(user=user), many=True).data,
        "partner_credentials": PartnerCredentialOutput(
            PartnerCredential.objects.filter(user=user).select_related("user"), many=True
        ).data,
        "partner_intakes": [
            {
                "campaign_id": str(intake.public_id),
                "reference_id": intake.reference_id,
                "target_url": intake.target_url,
                "material": intake.material,
                "created_at": intake.created_at,
                "finished_at": intake.finished_at,
            }
            for intake in PartnerIntake.objects.filter(partner=user)
        ],
        "advertiser": AdvertiserOutput(advertiser).data if advertiser else None,
        "campaigns": CampaignOutput(
            Campaign.objects.filter(advertiser__user=user, deleted_at__isnull=True), many=True
        ).data,
        "ads": AdOutput(
            Ad.objects.filter(
                campaign__advertiser__user=user, deleted_at__isnull=True
            ).select_related("campaign"),
            many=True,
        ).data,
        "conversion_goals": ConversionGoalOutput(
            ConversionGoal.objects.filter(advertiser__user=user, deleted_at__isnull=True),
            many=True,
        ).data,
        "publisher": PublisherOutput(publisher).data if publisher else None,
        "websites": WebsiteOutput(Website.objects.filter(publisher__user=user), many=True).data,
        "zones": ZoneOutput(
            Zone.objects.filter(website__publisher__user=user).select_related("website"),
            many=True,
        ).data,
        "webhooks": WebhookOutput(Webhook.objects.filter(owner=user), many=True).data,
        "wallets": wallet_rows(wallets) if wallets else [],
        "ledger": TransactionOutput(
            Transaction.objects.filter(wallet__in=wallets)
            .select_related("invoice", "payout")
            .order_by("created_at", "id"),
            many=True,
        ).data,
        "invoices": InvoiceOutput(
            Invoice.objects.filter(wallet__in=wallets).select_related("wallet__advertiser"),
            many=True,
        ).data,
        "payouts": PayoutOutput(
            Payout.objects.filter(publisher__user=user).select_related("publisher"), many=True
        ).data,
        "audit_entries": [
            audit_entry_payload(entry)
            for entry in audit_entries_about_user(user)[:AUDIT_EXPORT_LIMIT]
        ],
    }


@transaction.atomic
def user_erase(*, user: User, actor: User) -> User:
    """Anonymise ``user``'s personal data and revoke every credential; money records stay."""
    from auditlog.context import disable_auditlog
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from apps.audit.services import audit_record_update
    from apps.billing.models import Wallet
    from apps.campaigns.models import Advertiser
    from apps.inventory.models import Publisher
    from apps.webhooks.models import Webhook

    from .services import _revoke_credentials

    if user.pk == actor.pk:
        raise BusinessRuleError("You cannot erase your own account.", code="cannot_erase_self")
    old_email = user.email
    with disable_auditlog():  # the entries would keep the very values being erased
        user.email = f"erased-{user.pk}@erased.invalid"
        user.name = ""
        user.is_active = False
        user.deleted_at = user.deleted_at or timezone.now()
        user.set_unusable_password()  # also ends every dashboard session of the user
        user.save()
        _revoke_credentials(user)
        MfaDevice.objects.filter(user=user).delete()
        MfaRecoveryCode.objects.filter(user=user).delete()
        Advertiser.objects.filter(user=user).update(company=f"Erased account {user.pk}")
        Wallet.objects.filter(advertiser__user=user).update(
            billing_name="", billing_address="", vat_id=""
        )
        Publisher.objects.filter(user=user).update(
            name=f"Erased account {user.pk}", description="", payout_details={}
        )
        Webhook.objects.filter(owner=user).delete()
        user_type = ContentType.objects.get_for_model(User)
        for entry in LogEntry.objects.filter(content_type=user_type, object_pk=str(user.pk)):
            changes = entry.changes if isinstance(entry.changes, dict) else {}
            for field in ("email", "name"):
                if field in changes:
                    changes[field] = [ERASED, ERASED]
            entry.changes = changes
            entry.object_repr = user.email
            entry.save(update_fields=["changes", "object_repr"])
        LogEntry.objects.filter(actor_email=old_email).update(actor_email=user.email)
    audit_record_update(instance=user, changes={"erased": (False, True)})
    return user
