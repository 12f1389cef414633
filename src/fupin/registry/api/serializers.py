"""API shapes. No business rules here: the models' clean() and the services validate."""

from __future__ import annotations

from rest_framework import serializers

from fupin.core import masking
from fupin.core.fields import MultiCodeField

from ..models import Household, IncomeRecord, Member, WorkRecord


class MultiCodeSerializerField(serializers.ListField):
    child = serializers.CharField()


class MaskingMixin:
    """Personal data masked unless the requesting user's role may see it over the object's area. A masked value
    sent back unchanged in a PUT keeps the stored value."""

    pii_fields: tuple[str, ...] = ()

    def _area(self, instance) -> str:
        return instance.village_id if isinstance(instance, Household) else instance.household.village_id

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        area = self._area(instance)
        for f in self.pii_fields:
            if f in data and data[f] and not masking.may_see(request.user, f, area):
                data[f] = masking.mask_value(f, data[f])
            elif f in data and data[f] and "_pii_log" in self.context:
                self.context["_pii_log"].add(f)
        return data

    def to_internal_value(self, data):
        if self.instance is not None and hasattr(data, "items"):
            data = dict(data.items())
            for f in self.pii_fields:
                stored = getattr(self.instance, f, None)
                if f in data and stored and data[f] == masking.mask_value(f, stored):
                    data.pop(f)
        return super().to_internal_value(data)


MEMBER_READONLY = ("is_active", "left_reason", "left_date", "left_note", "joined_reason", "joined_date")


class MemberSerializer(MaskingMixin, serializers.ModelSerializer):
    pii_fields = ("id_number", "phone")
    household = serializers.PrimaryKeyRelatedField(queryset=Household.objects.all(), label="农户")
    joined_reason = serializers.CharField(required=False, allow_blank=True, label="增加原因")
    joined_date = serializers.DateField(required=False, allow_null=True, label="增加日期")
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = Member
        exclude = ["created_by", "updated_by", "extra"]
        read_only_fields = ["is_active", "left_reason", "left_date", "left_note", "created_at", "updated_at"]
        # Both follow from a resident ID number; the model checks they agree when given.
        extra_kwargs = {"sex": {"required": False}, "birth_date": {"required": False}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "household" in self.fields:
            from fupin.accounts.scoping import restrict

            self.fields["household"].queryset = restrict(Household.objects.all(), request.user, "view")
        if self.instance is not None and not isinstance(self.instance, list | tuple) and "household" in self.fields:
            self.fields["household"].read_only = True


class HeadSerializer(MemberSerializer):
    household = None
    joined_reason = None
    joined_date = None
    version = None

    class Meta(MemberSerializer.Meta):
        exclude = ["created_by", "updated_by", "extra", "household", "relationship", "version"]


class HouseholdSerializer(MaskingMixin, serializers.ModelSerializer):
    pii_fields = ("phone", "bank_account", "head_id_number")
    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping,
                                MultiCodeField: MultiCodeSerializerField}
    head = HeadSerializer(write_only=True, required=False, label="户主", help_text="新建农户时必填")
    village_name = serializers.CharField(source="village.name", read_only=True)
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = Household
        exclude = ["created_by", "updated_by"]
        read_only_fields = ["is_active", "cancel_reason", "cancel_date", "created_at", "updated_at", "extra"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "village" in self.fields and not self.fields["village"].read_only:
            from fupin.accounts.scoping import restrict
            from fupin.areas.models import Area

            self.fields["village"].queryset = restrict(Area.objects.filter(level=5), request.user, "view")
        self.fields["number"].required = False


class HouseholdListSerializer(MaskingMixin, serializers.ModelSerializer):
    """The list: summary columns only (one query, no members)."""

    pii_fields = ("phone", "head_id_number")
    village_name = serializers.CharField(source="village.name", read_only=True)
    risk_types = MultiCodeSerializerField(read_only=True)

    class Meta:
        model = Household
        fields = ["id", "number", "village", "village_name", "head_name", "head_id_number", "size", "household_type",
                  "monitor_kind", "risk_types", "monitor_identified_month", "risk_eliminated", "elimination_way",
                  "eliminated_month", "income_year", "per_capita_income", "phone", "is_active", "version",
                  "updated_at"]


class IncomeSerializer(serializers.ModelSerializer):
    household = serializers.PrimaryKeyRelatedField(queryset=Household.objects.all(), label="农户")
    household_size = serializers.IntegerField(required=False, min_value=1, label="家庭人口数")
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = IncomeRecord
        exclude = ["created_by", "updated_by"]
        read_only_fields = ["net_income", "per_capita_income", "created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            from fupin.accounts.scoping import restrict

            self.fields["household"].queryset = restrict(Household.objects.all(), request.user, "view")
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            self.fields["household"].read_only = True
            self.fields["year"].read_only = True


class WorkRecordSerializer(serializers.ModelSerializer):
    member = serializers.PrimaryKeyRelatedField(queryset=Member.objects.all(), label="成员")
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = WorkRecord
        exclude = ["created_by", "updated_by"]
        read_only_fields = ["created_at", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            from fupin.accounts.scoping import restrict

            self.fields["member"].queryset = restrict(Member.objects.all(), request.user, "view")


class MemberRemoveSerializer(serializers.Serializer):
    version = serializers.IntegerField(label="版本")
    left_reason = serializers.ChoiceField(choices=Member._meta.get_field("left_reason").choices, label="减少原因")
    left_date = serializers.DateField(label="减少日期")
    left_note = serializers.CharField(required=False, allow_blank=True, max_length=200, label="说明")
    new_head = serializers.IntegerField(required=False, allow_null=True, label="新户主成员ID")
