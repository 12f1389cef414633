"""The rule families; importing this package fills :data:`fupin.quality.catalogue.CATALOGUE`.

One module per family of ../shared/QUALITY-RULES.md. Helpers shared by rules live in :mod:`.common`.
"""

from . import (  # noqa: F401
    contact,
    education,
    health,
    identity,
    labour,
    living,
    measures,
    monitoring,
    village,
    welfare,
)
