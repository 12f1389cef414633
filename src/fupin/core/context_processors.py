from django.conf import settings

from fupin import __version__


def fupin(request):
    return {"FUPIN_VERSION": __version__, "FUPIN_DEBUG": settings.DEBUG}
