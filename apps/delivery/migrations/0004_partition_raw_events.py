"""PostgreSQL: raw event tables partitioned by day (see apps/delivery/partitions.py)."""

from django.db import migrations


def partition(apps, schema_editor):
    from apps.delivery import partitions

    if schema_editor.connection.vendor != "postgresql":
        return
    for table in partitions.RAW_TABLES:
        if not partitions.partitioned(table):
            partitions.table_partition(table)
    partitions.partitions_ensure()


class Migration(migrations.Migration):
    atomic = True
    dependencies = [("delivery", "0003_serve_context_change_log_geo_rollup")]
    operations = [migrations.RunPython(partition, migrations.RunPython.noop)]
