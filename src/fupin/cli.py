"""The ``fupin`` console script: Django's manage.py with Fupin's own commands (seed, token, areas ...)."""

import os
import sys

# Polars' allocator (jemalloc) keeps freed pages for ~10 s by default; a million-row import frees and allocates
# hundreds of MB per step, so without this the process's memory holds garbage for several steps at a time. Read
# when Polars loads, so it is set before anything imports it (an operator's own setting wins).
JEMALLOC_CONF = "background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:1000"


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("_RJEM_MALLOC_CONF", JEMALLOC_CONF)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["fupin", *(argv if argv is not None else sys.argv[1:])])


if __name__ == "__main__":
    main()
