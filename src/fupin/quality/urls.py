from django.urls import path

from . import views

app_name = "quality"

urlpatterns = [
    path("", views.OverviewView.as_view(), name="overview-root"),
    path("areas/<str:code>/", views.OverviewView.as_view(), name="overview"),
    path("problems/", views.ProblemListView.as_view(), name="problems"),
    path("problems/export.xlsx", views.ProblemExportView.as_view(), name="problems-export"),
    path("problems/<int:pk>/", views.ProblemDetailView.as_view(), name="problem"),
    path("problems/<int:pk>/evidence/", views.EvidenceView.as_view(), name="evidence"),
    path("rules/", views.RuleListView.as_view(), name="rules"),
    path("rules/<str:code>/", views.RuleDetailView.as_view(), name="rule"),
    path("runs/", views.RunListView.as_view(), name="runs"),
    path("runs/<int:pk>/", views.RunDetailView.as_view(), name="run"),
    path("jobs/<uuid:pk>/", views.JobView.as_view(), name="job"),
]
