from rest_framework.routers import DefaultRouter

from fupin.areas.api import AreaViewSet
from fupin.quality.api import ProblemViewSet, RuleViewSet, RunViewSet
from fupin.registry.api.views import HouseholdViewSet, IncomeViewSet, MemberViewSet, WorkRecordViewSet

router = DefaultRouter()
router.register("areas", AreaViewSet, basename="area")
router.register("households", HouseholdViewSet, basename="household")
router.register("members", MemberViewSet, basename="member")
router.register("incomes", IncomeViewSet, basename="income")
router.register("work-records", WorkRecordViewSet, basename="workrecord")
router.register("quality/problems", ProblemViewSet, basename="quality-problem")
router.register("quality/runs", RunViewSet, basename="quality-run")
router.register("quality/rules", RuleViewSet, basename="quality-rule")

urlpatterns = router.urls
