"""The ``fupin`` console script: Django's manage.py with Fupin's own commands (seed, token, areas ...)."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["fupin", *(argv if argv is not None else sys.argv[1:])])


if __name__ == "__main__":
    main()
