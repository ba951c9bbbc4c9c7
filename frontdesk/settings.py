"""frontdesk's one settings module.

Every value comes from the environment with a default that makes a fresh checkout work on SQLite
under `var/`. Values that are unsafe in production (a missing secret key, demo accounts, open
hosts) fail loudly when FRONTDESK_DEBUG is off. Every variable is documented in
docs/configuration.md; `frontdesk/tests/test_configuration_docs.py` keeps that list complete.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from frontdesk.lib.env import envbool, envint, envlist, envsecret, envstr

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(envstr("FRONTDESK_VAR_DIR", str(BASE_DIR / "var"))).resolve()

DEBUG = envbool("FRONTDESK_DEBUG", True)

_secret = envsecret("FRONTDESK_SECRET_KEY", None)
if _secret is None:
    if not DEBUG:
        raise ImproperlyConfigured(
            "FRONTDESK_SECRET_KEY (or FRONTDESK_SECRET_KEY_FILE) is required when FRONTDESK_DEBUG is off"
        )
    _secret = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"  # noqa: S105
elif len(_secret) < 32:
    raise ImproperlyConfigured("FRONTDESK_SECRET_KEY must be at least 32 characters")
SECRET_KEY = _secret

ALLOWED_HOSTS = envlist("FRONTDESK_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = envlist("FRONTDESK_CSRF_TRUSTED_ORIGINS", [])
#: The address patients reach the portal at; links in invites and reset messages start with it.
BASE_URL = envstr("FRONTDESK_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

#: The clinic's default time zone (used when neither a patient nor a location has one).
INSTALLATION_TIME_ZONE = envstr("FRONTDESK_TIME_ZONE", "America/New_York")
CUSTOMER_IDENTIFIER = envstr("FRONTDESK_CUSTOMER_IDENTIFIER", "frontdesk")

#: Demo accounts (frontdesk demo) work only with DEBUG on, unless this forces them.
ALLOW_DEMO_ACCOUNTS = envbool("FRONTDESK_ALLOW_DEMO_ACCOUNTS", False) or DEBUG

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "constance",
    "django_tasks",
    "django_tasks_db",
    "frontdesk.audit",
    "frontdesk.events",
    "frontdesk.accounts",
    "frontdesk.clinic",
    "frontdesk.scheduling",
    "frontdesk.plugins",
    "frontdesk.fhir",
    "frontdesk.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "frontdesk.fhir.middleware.CorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "frontdesk.audit.middleware.RequestContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "frontdesk.accounts.middleware.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "frontdesk.urls"
WSGI_APPLICATION = "frontdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "frontdesk" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "frontdesk.portal.context_processors.portal",
            ],
        },
    },
]

# --- database -----------------------------------------------------------------------------------
DATABASE_URL = envstr("DATABASE_URL", f"sqlite:///{VAR_DIR / 'frontdesk.sqlite3'}")
try:
    _db = dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=envint("FRONTDESK_DB_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database address: {exc}") from None
# Server-side binding lets psycopg prepare a statement the second time a connection runs it, so
# PostgreSQL stops re-planning the same joins on every request (1-2 ms of a FHIR read). Off for a
# transaction-mode pooler that cannot keep prepared statements (pgbouncer before 1.21).
_prepared = envbool("FRONTDESK_DB_PREPARED_STATEMENTS", True)
if _db["ENGINE"] == "django.db.backends.postgresql" and _prepared:
    _db.setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=2)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside one writer; IMMEDIATE transactions take the write lock up front
    # so two writers queue on the busy timeout instead of failing half-way through.
    _db["CONN_MAX_AGE"] = 0
    if _db["NAME"] and _db["NAME"] != ":memory:":
        Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    _db["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    _db.setdefault("TEST", {})["NAME"] = str(VAR_DIR / "test-frontdesk.sqlite3")
# The plugin runner sets this before Django starts: its connections refuse every write, so plugin
# code (which may only read) cannot change data even through a sandbox escape.
DB_READ_ONLY = envbool("FRONTDESK_DB_READ_ONLY", False)
if DB_READ_ONLY:
    if _db["ENGINE"] == "django.db.backends.sqlite3":
        _db["OPTIONS"]["init_command"] = "PRAGMA query_only=ON; PRAGMA foreign_keys=ON;"
    else:
        _db.setdefault("OPTIONS", {})["options"] = "-c default_transaction_read_only=on"
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- accounts, passwords, sessions --------------------------------------------------------------
AUTH_USER_MODEL = "accounts.CanvasUser"
AUTHENTICATION_BACKENDS = ["frontdesk.accounts.backends.IdentifierBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

#: Minutes without a request after which a session ends.
SESSION_IDLE_TIMEOUT_MINUTES = envint("FRONTDESK_SESSION_IDLE_MINUTES", 30, minimum=1)
#: Hours after sign-in after which a session ends, however active.
SESSION_ABSOLUTE_TIMEOUT_HOURS = envint("FRONTDESK_SESSION_ABSOLUTE_HOURS", 12, minimum=1)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_COOKIES = envbool("FRONTDESK_SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "frontdesk_session"
CSRF_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

#: Lifetimes of single-use links and codes.
INVITE_TTL_HOURS = envint("FRONTDESK_INVITE_TTL_HOURS", 72, minimum=1)
PASSWORD_RESET_TTL_MINUTES = envint("FRONTDESK_PASSWORD_RESET_TTL_MINUTES", 60, minimum=5)
VERIFICATION_CODE_TTL_MINUTES = envint("FRONTDESK_VERIFICATION_CODE_TTL_MINUTES", 15, minimum=1)
#: Failed sign-ins allowed per login name, and per client address, within the window.
LOGIN_FAILURES_PER_ACCOUNT = envint("FRONTDESK_LOGIN_FAILURES_PER_ACCOUNT", 5, minimum=1)
LOGIN_FAILURES_PER_ADDRESS = envint("FRONTDESK_LOGIN_FAILURES_PER_ADDRESS", 20, minimum=1)
LOGIN_FAILURE_WINDOW_MINUTES = envint("FRONTDESK_LOGIN_FAILURE_WINDOW_MINUTES", 15, minimum=1)
#: Number of proxies in front of frontdesk whose X-Forwarded-For entries are trusted (0: none).
TRUSTED_PROXY_COUNT = envint("FRONTDESK_TRUSTED_PROXY_COUNT", 0, minimum=0)

# --- transport security -------------------------------------------------------------------------
SECURE_SSL_REDIRECT = envbool("FRONTDESK_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = envint("FRONTDESK_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- outbound email and SMS ---------------------------------------------------------------------
OUTBOX_DIR = VAR_DIR / "outbox"
EMAIL_BACKEND = envstr("FRONTDESK_EMAIL_BACKEND", "frontdesk.lib.mail.OutboxEmailBackend")
EMAIL_HOST = envstr("FRONTDESK_EMAIL_HOST", "localhost")
EMAIL_PORT = envint("FRONTDESK_EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = envstr("FRONTDESK_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envsecret("FRONTDESK_EMAIL_HOST_PASSWORD", "") or ""
EMAIL_USE_TLS = envbool("FRONTDESK_EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = envstr("FRONTDESK_FROM_EMAIL", "frontdesk <no-reply@frontdesk.invalid>")
SMS_BACKEND = envstr("FRONTDESK_SMS_BACKEND", "frontdesk.lib.sms.OutboxSmsBackend")
TWILIO_ACCOUNT_SID = envstr("FRONTDESK_TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = envsecret("FRONTDESK_TWILIO_AUTH_TOKEN", "") or ""
TWILIO_FROM_NUMBER = envstr("FRONTDESK_TWILIO_FROM_NUMBER", "")
#: Default region for phone numbers typed without a country code.
PHONE_REGION = envstr("FRONTDESK_PHONE_REGION", "US")

# --- background work ----------------------------------------------------------------------------
_tasks_backend = envstr("FRONTDESK_TASKS_BACKEND", "database")
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
if _tasks_backend not in _TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"FRONTDESK_TASKS_BACKEND must be one of {sorted(_TASK_BACKENDS)}, not {_tasks_backend!r}"
    )
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[_tasks_backend]}}
#: Seconds an outbox worker holds a claimed event before another worker may take it over.
EVENTS_CLAIM_LEASE_SECONDS = envint("FRONTDESK_EVENTS_LEASE_SECONDS", 60, minimum=5)
EVENTS_MAX_ATTEMPTS = envint("FRONTDESK_EVENTS_MAX_ATTEMPTS", 10, minimum=1)

# --- plugins ------------------------------------------------------------------------------------
PLUGINS_DIR = VAR_DIR / "plugins"
#: Unix socket the plugin runner listens on (portal pages and the events worker ask it questions).
PLUGIN_RUNNER_SOCKET = Path(envstr("FRONTDESK_PLUGIN_RUNNER_SOCKET", str(VAR_DIR / "plugin-runner.sock")))
#: Runner worker processes; each runs one handler call at a time.
PLUGIN_WORKERS = envint("FRONTDESK_PLUGIN_WORKERS", 2, minimum=1)
#: Per handler call: wall-clock and CPU milliseconds, and the worker's address-space limit.
PLUGIN_TIMEOUT_MS = envint("FRONTDESK_PLUGIN_TIMEOUT_MS", 250, minimum=10)
PLUGIN_CPU_MS = envint("FRONTDESK_PLUGIN_CPU_MS", 200, minimum=10)
PLUGIN_MEMORY_MB = envint("FRONTDESK_PLUGIN_MEMORY_MB", 768, minimum=128)
#: Largest answer (all effects' payloads) one handler call may return, in KiB.
PLUGIN_MAX_OUTPUT_KB = envint("FRONTDESK_PLUGIN_MAX_OUTPUT_KB", 512, minimum=1)
#: How long a portal page waits for the runner's answers before using its defaults.
PLUGIN_PAGE_TIMEOUT_MS = envint("FRONTDESK_PLUGIN_PAGE_TIMEOUT_MS", 1000, minimum=10)
#: How long the events worker waits for lifecycle handlers before retrying the event later.
PLUGIN_EVENT_TIMEOUT_MS = envint("FRONTDESK_PLUGIN_EVENT_TIMEOUT_MS", 10000, minimum=100)
#: Events caused by plugin effects, chained deeper than this, are not given to plugins again.
PLUGIN_MAX_CHAIN_DEPTH = envint("FRONTDESK_PLUGIN_MAX_CHAIN_DEPTH", 3, minimum=1)

# --- live settings (staff edit these in the back office, no restart) ----------------------------
CONSTANCE_BACKEND = "constance.backends.database.DatabaseBackend"
CONSTANCE_IGNORE_ADMIN_VERSION_CHECK = True
CONSTANCE_CONFIG = {
    "CLINIC_NAME": (
        "frontdesk clinic",
        "The clinic's name in the portal and in messages to patients.",
        str,
    ),
    "ENABLE_PATIENT_PORTAL": (True, "Patients can sign in to the portal.", bool),
    "PATIENT_APP_BANNER": (
        "",
        "HTML shown above the portal's sign-in form. Allowed: p, strong, em, a, lists, headings; no scripts, styles or event handlers.",
        "banner_html",
    ),
    "PATIENT_APP_MY_HEALTH": (True, "Show My Health (conditions, medications, allergies).", bool),
    "PATIENT_APP_CONSENTS": (True, "Ask patients to complete portal consents.", bool),
    "PATIENT_APP_APPOINTMENTS": (True, "Show appointments in the portal.", bool),
    "ALLOW_PATIENT_DOCUMENT_UPLOADS": (False, "Patients may upload documents.", bool),
    "LINK_PORTAL_USERS_BY_EMAIL_ONLY": (
        False,
        "Portal users are linked by email only: phone numbers cannot be linked and invites and resets go by email.",
        bool,
    ),
    "STRUCTURED_REASON_FOR_VISIT": (
        False,
        "Patients choose a structured reason for visit (with its allowed lengths) instead of typing one.",
        bool,
    ),
    "TELEHEALTH_LINK_PATTERN": (
        "",
        "Meeting link for telehealth visits when the provider has no personal room; {appointment_id} is replaced.",
        str,
    ),
    "JOIN_MINUTES_BEFORE": (15, "Patients see Join this many minutes before a telehealth visit starts.", int),
}
CONSTANCE_ADDITIONAL_FIELDS = {
    "banner_html": [
        "frontdesk.accounts.forms.BannerField",
        {
            "widget": "django.forms.Textarea",
            "widget_kwargs": {"attrs": {"rows": 6}},
            "required": False,
        },
    ],
}
CONSTANCE_CONFIG_FIELDSETS = {
    "Patient portal": (
        "CLINIC_NAME",
        "ENABLE_PATIENT_PORTAL",
        "PATIENT_APP_BANNER",
        "LINK_PORTAL_USERS_BY_EMAIL_ONLY",
    ),
    "Scheduling": ("STRUCTURED_REASON_FOR_VISIT", "TELEHEALTH_LINK_PATTERN", "JOIN_MINUTES_BEFORE"),
    "Portal sections": (
        "PATIENT_APP_MY_HEALTH",
        "PATIENT_APP_CONSENTS",
        "PATIENT_APP_APPOINTMENTS",
        "ALLOW_PATIENT_DOCUMENT_UPLOADS",
    ),
}

# --- static files, i18n, logging ----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every request without it
STATICFILES_DIRS = [BASE_DIR / "frontdesk" / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": VAR_DIR / "media"},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

LOG_LEVEL = envstr("FRONTDESK_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
