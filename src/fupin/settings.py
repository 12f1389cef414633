"""Django settings for Fupin.

Everything that differs between a county laptop and a provincial cluster comes from the environment:

- ``DATABASE_URL``   database (default: a SQLite file under the data dir)
- ``FUPIN_DATA_DIR`` where the SQLite file, uploads, exports and the generated secret key live (default ``./var``)
- ``FUPIN_SECRET_KEY``, ``FUPIN_DEBUG``, ``FUPIN_ALLOWED_HOSTS``
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("FUPIN_DATA_DIR", Path.cwd() / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """Use FUPIN_SECRET_KEY, else a key generated once and kept in the data dir (never in the repo)."""
    if os.environ.get("FUPIN_SECRET_KEY"):
        return os.environ["FUPIN_SECRET_KEY"]
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("FUPIN_DEBUG", False)
ALLOWED_HOSTS = os.environ.get("FUPIN_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("FUPIN_CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000,http://localhost:8000").split(",") if o
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "fupin.core",
    "fupin.areas",
    "fupin.accounts",
    "fupin.registry",
    "fupin.assistance",
    "fupin.imports",
    "fupin.quality",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "fupin.core.middleware.RequestContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fupin.urls"
WSGI_APPLICATION = "fupin.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fupin.core.context_processors.fupin",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'fupin.sqlite3'}"),
        conn_max_age=int(os.environ.get("FUPIN_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one writer writes; IMMEDIATE avoids "database is locked" on upgrade of a
    # read transaction to a write one. Both are what a laptop deployment with a worker process needs.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA busy_timeout=10000; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not :memory:: the bulk loader (ADBC) opens its own connection to the database file.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get(
        "FUPIN_TEST_SQLITE_NAME", str(DATA_DIR / "test-sqlite.sqlite3"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Failed-login throttling (django-axes): lock a username+IP pair after 5 failures for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("FUPIN_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("FUPIN_LOGIN_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": DATA_DIR / "media"}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files straight from the package (no collectstatic step for the laptop deployment).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_AGE = 8 * 3600
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "fupin.core.api.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "fupin.core.api.exception_handler",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Fupin API — 扶贫对象动态管理与防返贫监测系统",
    "DESCRIPTION": "区划、农户、成员、收入等接口。认证：`Authorization: Token <key>`（`fupin token 用户名` 生成）。",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One named enum per code list (several fields share a list, e.g. 致贫原因).
    "ENUM_NAME_OVERRIDES": {
        "".join(p.title() for p in name.split("_")) + "Enum": [(i.code, i.label) for i in cl.items]
        for name, cl in __import__("fupin.core.codes", fromlist=["all_lists"]).all_lists().items()
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("FUPIN_LOG_LEVEL", "WARNING")},
}

# --- Fupin configuration -------------------------------------------------------------------------------------
# Page sizes of lists in the UI and the API.
FUPIN_PAGE_SIZE = int(os.environ.get("FUPIN_PAGE_SIZE", "50"))
FUPIN_API_MAX_PAGE_SIZE = int(os.environ.get("FUPIN_API_MAX_PAGE_SIZE", "1000"))
# Rows at most in one synchronous XLSX export from the list page (larger exports become jobs in the import issue).
FUPIN_EXPORT_MAX_ROWS = int(os.environ.get("FUPIN_EXPORT_MAX_ROWS", "200000"))
# Days a village has to rectify a problem found by a data-quality run (the "overdue" share counts past this).
FUPIN_QUALITY_DUE_DAYS = int(os.environ.get("FUPIN_QUALITY_DUE_DAYS", "30"))
# A data-quality run over more persons than this reads its area in chunks of whole villages (bounded memory).
FUPIN_QUALITY_CHUNK_PERSONS = int(os.environ.get("FUPIN_QUALITY_CHUNK_PERSONS", "2000000"))
# PostgreSQL memory for the sorts, hash joins and index builds of one million-row batch transaction (an import,
# a quality run's write), set for that transaction only; the server's defaults (4 MB / 64 MB) spill them to disk.
FUPIN_PG_BATCH_MEMORY = os.environ.get("FUPIN_PG_BATCH_MEMORY", "256MB")
# Uploaded evidence (exemption documents): under the data dir, served only through scoped views, never as /media/.
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
FUPIN_EXPORT_DIR = DATA_DIR / "exports"

# Background jobs (imports, later rule runs and reports): django-tasks with its database backend, run by
# `fupin worker`. Under pytest (and with FUPIN_TASKS_BACKEND=immediate) tasks run at once, in the request.
_tasks_backend = os.environ.get("FUPIN_TASKS_BACKEND", "immediate" if os.environ.get("PYTEST_VERSION") else "database")
TASKS = {
    "default": {
        "BACKEND": {"immediate": "django_tasks.backends.immediate.ImmediateBackend",
                    "database": "django_tasks_db.DatabaseBackend"}.get(_tasks_backend, _tasks_backend),
    }
}
