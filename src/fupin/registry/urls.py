from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("households/", views.HouseholdListView.as_view(), name="household-list"),
    path("households/export.xlsx", views.HouseholdExportView.as_view(), name="household-export"),
    path("households/new/", views.HouseholdCreateView.as_view(), name="household-create"),
    path("households/<int:pk>/", views.HouseholdDetailView.as_view(), name="household-detail"),
    path("households/<int:pk>/edit/", views.HouseholdEditView.as_view(), name="household-edit"),
    path("households/<int:pk>/cancel/", views.HouseholdCancelView.as_view(), name="household-cancel"),
    path("households/<int:pk>/print/", views.HouseholdPrintView.as_view(), name="household-print"),
    path("households/<int:pk>/members/new/", views.MemberAddView.as_view(), name="member-add"),
    path("households/<int:pk>/incomes/new/", views.IncomeEditView.as_view(), name="income-add"),
    path("households/<int:pk>/incomes/<int:year>/", views.IncomeEditView.as_view(), name="income-edit"),
    path("members/<int:pk>/edit/", views.MemberEditView.as_view(), name="member-edit"),
    path("members/<int:pk>/remove/", views.MemberRemoveView.as_view(), name="member-remove"),
    path("reveal/<str:kind>/<int:pk>/<str:field>/", views.RevealView.as_view(), name="reveal"),
    path("groups/options/", views.GroupOptionsView.as_view(), name="group-options"),
]
