from __future__ import annotations

import django_filters as df
from rest_framework import serializers, viewsets

from fupin.core.api import ScopedViewSetMixin

from .models import Area


class AreaSerializer(serializers.ModelSerializer):
    level_label = serializers.CharField(read_only=True)
    parent = serializers.CharField(source="parent_id", read_only=True, allow_null=True)

    class Meta:
        model = Area
        fields = ["code", "name", "level", "level_label", "parent", "is_poverty_county", "is_poverty_village",
                  "poverty_exit_year"]


class AreaFilter(df.FilterSet):
    search = df.CharFilter(field_name="name", lookup_expr="icontains", label="名称包含")
    parent = df.CharFilter(field_name="parent_id", label="上级区划代码")
    level = df.NumberFilter(label="级别(1-5)")

    class Meta:
        model = Area
        fields = ["search", "parent", "level", "is_poverty_village", "is_poverty_county"]


class AreaViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """行政区划（只读）。按12位区划代码访问：`/api/areas/450206100000/`；`?search=` 名称，`?parent=` 上级代码。"""

    queryset = Area.objects.all().order_by("code")
    serializer_class = AreaSerializer
    filterset_class = AreaFilter
    lookup_field = "code"
    lookup_value_regex = r"\d{12}"
