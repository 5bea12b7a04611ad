"""STATIC_MANIFEST without collected files must stop a deployment at `migrate`, not 500 every page."""

import json

from django.core.checks import run_checks

MANIFEST_STORAGE = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


def _manifest_errors():
    return [error.id for error in run_checks(tags=["static_manifest"])]


def test_a_missing_manifest_is_a_check_error(settings, tmp_path):
    settings.STORAGES = MANIFEST_STORAGE
    settings.STATIC_ROOT = tmp_path
    assert _manifest_errors() == ["cutover.E002"]


def test_a_collected_manifest_passes(settings, tmp_path):
    settings.STORAGES = MANIFEST_STORAGE
    settings.STATIC_ROOT = tmp_path
    (tmp_path / "staticfiles.json").write_text(json.dumps({"paths": {}, "version": "1.1"}))
    assert _manifest_errors() == []


def test_without_the_manifest_setting_nothing_is_needed(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    assert _manifest_errors() == []
