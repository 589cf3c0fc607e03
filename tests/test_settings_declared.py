"""Settings are declared once: in ``adplatform/settings``, with their defaults, and in the
README's configuration table; the code reads them as ``settings.NAME``, never restating a
default with ``getattr(settings, "NAME", default)``."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
BASE = (ROOT / "adplatform" / "settings" / "base.py").read_text()
README = (ROOT / "README.md").read_text()
# NAME = env.kind("ENV_NAME", ...) (or wrapped, e.g. tuple(env.list("ENV_NAME", ...)))
FROM_ENVIRONMENT = dict(
    re.findall(r'^([A-Z][A-Z0-9_]+)\s*=\s*(?:\w+\(\s*)?env\.\w+\(\s*"([A-Z0-9_]+)"', BASE, re.M)
)


def _code_files():
    for path in sorted((ROOT / "apps").rglob("*.py")):
        if "tests" not in path.parts and "migrations" not in path.parts:
            yield path


def _read_by_code() -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for path in _code_files():
        for name in re.findall(r"\bsettings\.([A-Z][A-Z0-9_]+)", path.read_text()):
            names.setdefault(name, []).append(str(path.relative_to(ROOT)))
    return names


def test_no_setting_restates_its_default():
    offenders = [
        str(path.relative_to(ROOT))
        for path in _code_files()
        if re.search(r"getattr\(\s*(django_)?settings\s*,", path.read_text())
    ]
    assert not offenders, f"read these as settings.NAME (declared in settings/base.py): {offenders}"


def test_every_setting_the_code_reads_is_declared():
    missing = {
        name: where for name, where in _read_by_code().items() if not hasattr(settings, name)
    }
    assert not missing, missing


def test_every_environment_setting_the_code_reads_is_in_the_readme_table():
    undocumented = sorted(
        FROM_ENVIRONMENT[name]
        for name in _read_by_code()
        if name in FROM_ENVIRONMENT and f"`{FROM_ENVIRONMENT[name]}`" not in README
    )
    assert not undocumented, f"add to the README's configuration table: {undocumented}"
