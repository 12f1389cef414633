"""Role definitions from configuration (``fupin/config/roles.yaml``)."""

from __future__ import annotations

import functools

import yaml

from fupin.core.codes import CONFIG_DIR


@functools.cache
def role_definitions() -> dict[str, dict]:
    return yaml.safe_load((CONFIG_DIR / "roles.yaml").read_text(encoding="utf-8"))


def sync_roles(**_kwargs) -> None:
    """Upsert the Role table from configuration (connected to post_migrate)."""
    from .models import Role

    for code, spec in role_definitions().items():
        Role.objects.update_or_create(
            code=code,
            defaults={"name": spec["name"], "description": spec.get("description", ""),
                      "permissions": list(spec["permissions"])},
        )
