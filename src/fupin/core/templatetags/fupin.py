from django import template
from django.utils.html import format_html

from fupin.core import codes, masking

register = template.Library()


@register.filter
def code_label(code, list_name):
    """``{{ h.household_type|code_label:"household_type" }}``"""
    return codes.label(list_name, code, "")


@register.filter
def code_labels(values, list_name):
    return "、".join(codes.label(list_name, c) for c in (values or []))


@register.filter
def masked(value, field):
    return masking.mask_value(field, value)


@register.filter
def yesno_cn(value):
    if value is None or value == "":
        return "—"
    return "是" if value else "否"


@register.simple_tag
def type_badge(code):
    if not code:
        return ""
    colour = codes.get("household_type").attr(code, "colour", "grey")
    return format_html('<span class="badge badge-type-{}">{}</span>', colour, codes.label("household_type", code))


@register.filter
def month(value):
    return value.strftime("%Y-%m") if value else "—"


@register.filter
def dash(value):
    return "—" if value in (None, "", []) else value
