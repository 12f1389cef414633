from django.urls import path

from . import views

app_name = "areas"
urlpatterns = [
    path("", views.browse, name="browse-root"),
    path("<str:code>/", views.browse, name="browse"),
]
