"""Generic access checks (after NetBox's ViewTestCases): each endpoint is tried by an anonymous user, a user
without any role, a user in the area whose role lacks the action, a permitted user and a user of another county.

An endpoint is described once (URL, method, body, who may) and every case runs against it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.test import Client

from fupin.core.models import ObjectChange


@dataclass
class Endpoint:
    name: str
    model: str                       # app_label.ModelName the endpoint serves (for the coverage meta-test)
    url: Callable[[dict], str]       # world -> URL
    method: str = "get"
    data: Callable[[dict], dict] | None = None
    permitted: str = "officer"       # user key allowed to do it
    in_area_denied: str | None = "viewer"  # sees the object but may not do this (None: no such user)
    ok: tuple[int, ...] = (200,)
    api: bool = False
    writes: bool = False             # a permitted call must leave a change-log row
    out_of_area: str = "other_county"
    # For endpoints that answer every user with their own list (lists, new-record forms, exports): a function
    # (world, body) -> True if the body shows the in-area object.
    listing: Callable[[dict, bytes], bool] | None = None

    def call(self, client, world):
        url = self.url(world)
        data = self.data(world) if self.data else None
        fn = getattr(client, self.method)
        if self.api and self.method in ("post", "put", "patch"):
            return fn(url, data, format="json")
        return fn(url, data) if data is not None else fn(url)


def post_data(form, **overrides) -> dict:
    """What a browser would post for an unbound form as rendered (its initial values), with overrides."""
    data = {}
    for name, bf in form.fields.items():
        value = form[name].value()
        if value is None:
            value = ""
        elif value is True or value is False:
            if type(bf).__name__ == "NullBooleanField":
                value = "true" if value else "false"
            elif not value:
                continue  # an unchecked checkbox is not posted
        elif isinstance(value, list | tuple):
            value = list(value)
        elif hasattr(value, "isoformat"):
            value = value.strftime("%Y-%m") if "month" in name else value.isoformat()
        data[name] = value
    data.update(overrides)
    return data


def ui_client(user=None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def check_anonymous(ep: Endpoint, world, api_client):
    r = ep.call(api_client() if ep.api else ui_client(), world)
    if ep.api:
        assert r.status_code == 401, (ep.name, r.status_code)
        assert "detail" in r.json()
    else:
        assert r.status_code == 302 and "/accounts/login/" in r["Location"], (ep.name, r.status_code)


# A create whose body names an object the user cannot see is refused as invalid (400: "对象不存在"), like an
# unknown id; anything else the user may not do is 403, and objects outside the user's areas are 404.
REFUSED = (400, 403, 404)


def check_no_role(ep: Endpoint, world, api_client):
    user = world["users"]["norole"]
    before = ObjectChange.objects.count()
    r = ep.call(api_client(user) if ep.api else ui_client(user), world)
    if ep.api and ep.method == "get" and "results" in (r.json() if r.status_code == 200 else {}):
        assert r.json()["count"] == 0, ep.name
    else:
        assert r.status_code in (REFUSED if ep.api and ep.method == "post" else (403, 404)), (ep.name, r.status_code)
    assert ObjectChange.objects.count() == before


def check_in_area_denied(ep: Endpoint, world, api_client):
    if ep.in_area_denied is None:
        return
    user = world["users"][ep.in_area_denied]
    before = ObjectChange.objects.count()
    r = ep.call(api_client(user) if ep.api else ui_client(user), world)
    assert r.status_code == 403, (ep.name, ep.in_area_denied, r.status_code)
    assert ObjectChange.objects.count() == before


def check_permitted(ep: Endpoint, world, api_client):
    user = world["users"][ep.permitted]
    before = ObjectChange.objects.count()
    r = ep.call(api_client(user) if ep.api else ui_client(user), world)
    assert r.status_code in ep.ok, (ep.name, r.status_code, getattr(r, "content", b"")[:500])
    if ep.writes:
        assert ObjectChange.objects.count() > before, f"{ep.name}: no change-log row written"


def check_out_of_area(ep: Endpoint, world, api_client):
    user = world["users"][ep.out_of_area]
    before = ObjectChange.objects.count()
    r = ep.call(api_client(user) if ep.api else ui_client(user), world)
    if ep.api and ep.method == "get" and r.status_code == 200 and "results" in r.json():
        ids = {str(x.get("id", x.get("code"))) for x in r.json()["results"]}
        assert not ids & world["in_area_ids"], ep.name
    elif ep.listing:
        # a list, form or export of the user's own areas: nothing of the other county in it
        assert r.status_code == 200, (ep.name, r.status_code)
        body = b"".join(r.streaming_content) if r.streaming else r.content
        assert not ep.listing(world, body), f"{ep.name}: shows data of another county"
    elif ep.api and ep.method == "post":
        assert r.status_code in REFUSED, (ep.name, r.status_code)
    else:
        assert r.status_code == 404, (ep.name, r.status_code)
    assert ObjectChange.objects.count() == before
