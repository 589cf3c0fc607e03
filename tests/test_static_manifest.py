"""Production's static files storage (hashed names + a manifest) must build from ``static/``.

``adplatform.settings.production`` uses WhiteNoise's ``CompressedManifestStaticFilesStorage``,
whose post-processing rewrites references between files and fails on one that points at a
file not shipped (a vendored library's ``sourceMappingURL``, for instance); the Dockerfile
and ``make serve-prod`` run ``collectstatic`` with it. The test runs Django's manifest storage,
where that post-processing lives, without WhiteNoise's compression (slow, and not the point).
"""

from django.core.management import call_command
from django.test import override_settings


def test_collectstatic_with_the_production_storage(tmp_path, settings):
    storages = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage",
        },
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", "--noinput", verbosity=0)
    assert (tmp_path / "staticfiles.json").exists()
