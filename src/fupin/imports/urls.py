from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.ImportListView.as_view(), name="list"),
    path("template.xlsx", views.TemplateView.as_view(), name="template"),
    path("persons/export/", views.PersonExportView.as_view(), name="person-export"),
    path("<uuid:pk>/", views.ImportDetailView.as_view(), name="detail"),
    path("<uuid:pk>/load/", views.ImportLoadView.as_view(), name="load"),
    path("<uuid:pk>/discard/", views.ImportDiscardView.as_view(), name="discard"),
    path("<uuid:pk>/errors.xlsx", views.ImportErrorsView.as_view(), name="errors"),
]
