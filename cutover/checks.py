from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def check_secret_key_is_not_the_development_one(app_configs, **kwargs):
    if settings.SECRET_KEY == settings.DEV_SECRET_KEY:
        return [
            Error(
                "SECRET_KEY is the development key.",
                hint="Set SECRET_KEY in the environment to a long random value.",
                id="cutover.E001",
            )
        ]
    return []


@register("static_manifest")
def check_static_manifest_exists(app_configs, **kwargs):
    """With STATIC_MANIFEST=true every {% static %} looks its file up in the manifest that
    collectstatic writes; without it every page answers 500. `migrate` runs this check, so a
    deployment that forgot collectstatic stops there, saying why, before any page is served."""
    from django.contrib.staticfiles.storage import staticfiles_storage

    manifest_name = getattr(staticfiles_storage, "manifest_name", None)
    if manifest_name is None or staticfiles_storage.exists(manifest_name):
        return []
    return [
        Error(
            f"STATIC_MANIFEST is on but {settings.STATIC_ROOT / manifest_name} does not exist.",
            hint="Run `python manage.py collectstatic` where the web server runs (the Dockerfile does it "
            "when the image is built), or leave STATIC_MANIFEST unset.",
            id="cutover.E002",
        )
    ]
