"""Give every existing advertiser a unique client slug made from its company name."""

from django.db import migrations


def fill_client_slugs(apps, schema_editor):
    from apps.campaigns.slugs import client_slug_base, client_slug_unique

    Advertiser = apps.get_model("campaigns", "Advertiser")
    taken = set(
        Advertiser.objects.exclude(client_slug__isnull=True)
        .exclude(client_slug="")
        .values_list("client_slug", flat=True)
    )
    missing = Advertiser.objects.filter(client_slug__isnull=True) | Advertiser.objects.filter(
        client_slug=""
    )
    for advertiser in missing.select_related("user").order_by("id"):
        base = client_slug_base(advertiser.company or advertiser.user.email.split("@")[0])
        slug = client_slug_unique(base, taken.__contains__)
        taken.add(slug)
        Advertiser.objects.filter(pk=advertiser.pk).update(client_slug=slug)


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0002_advertiser_client_slug"),
    ]

    operations = [
        migrations.RunPython(fill_client_slugs, migrations.RunPython.noop),
    ]
