"""A wallet for every advertiser made before billing existed (new ones get theirs on save)."""

from django.db import migrations


def wallets_create(apps, schema_editor):
    Advertiser = apps.get_model("campaigns", "Advertiser")
    Wallet = apps.get_model("billing", "Wallet")
    PlatformSetting = apps.get_model("accounts", "PlatformSetting")
    stored = PlatformSetting.objects.filter(key="default_wallet_mode").first()
    mode = stored.value if stored and stored.value in ("prepaid", "postpaid") else "postpaid"
    Wallet.objects.bulk_create(
        [
            Wallet(advertiser_id=advertiser_id, currency=currency, mode=mode)
            for advertiser_id, currency in Advertiser.objects.filter(wallet__isnull=True)
            .values_list("id", "currency")
        ]
    )


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0001_initial"),
        ("accounts", "0001_initial"),
        ("campaigns", "0001_initial"),
    ]

    operations = [migrations.RunPython(wallets_create, migrations.RunPython.noop)]
