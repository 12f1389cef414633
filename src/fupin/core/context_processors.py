from django.conf import settings

from fupin import __version__


def fupin(request):
    user = getattr(request, "user", None)
    perms_import = perms_quality = False
    if user is not None and user.is_authenticated:
        from fupin.accounts.scoping import has_perm

        perms_import = has_perm(user, "registry.import")
        perms_quality = has_perm(user, "quality.view")
    return {"FUPIN_VERSION": __version__, "FUPIN_DEBUG": settings.DEBUG, "perms_import": perms_import,
            "perms_quality": perms_quality}
