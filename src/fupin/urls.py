from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from fupin.areas import views as area_views

urlpatterns = [
    path("", area_views.home, name="home"),
    path("accounts/", include("fupin.accounts.urls")),
    path("areas/", include("fupin.areas.urls")),
    path("registry/", include("fupin.registry.urls")),
    path("imports/", include("fupin.imports.urls")),
    path("quality/", include("fupin.quality.urls")),
    path("api/", include("fupin.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "Fupin 系统管理"
admin.site.site_title = "Fupin"
