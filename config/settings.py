"""Settings for Plan Delivery Tracker, read from the environment.

Every value that differs between a laptop and production comes from an environment
variable (or a ``.env`` file beside ``manage.py``). The defaults are the laptop's: an
embedded SQLite database under ``var/`` and ``DEBUG`` on. Production sets
``DEBUG=false``, ``SECRET_KEY``, ``ALLOWED_HOSTS`` and ``DATABASE_URL``.
"""

import importlib.util
from pathlib import Path

import environ
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _strict_bool(name: str, default: bool) -> bool:
    """Read a boolean that must be spelt true or false, so a typo cannot turn
    DEBUG on.
    """
    raw = env.str(name, default=str(default)).strip().lower()
    if raw not in {"true", "false"}:
        raise environ.ImproperlyConfigured(
            f"{name} must be true or false, not {raw!r}."
        )
    return raw == "true"


DEBUG = _strict_bool("DEBUG", default=True)

if DEBUG:
    # Only ever used on a developer's machine; production must set its own.
    SECRET_KEY = env.str(
        "SECRET_KEY", default="insecure-development-key-never-use-in-production"
    )
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
else:
    SECRET_KEY = env.str("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# A form refused for a missing or stale token gets the service's page, with a way back.
CSRF_FAILURE_VIEW = "core.errors.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "rest_framework",
    "django_filters",
    "oauth2_provider",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_htmx",
    "axes",
    # Two-factor sign-in for administrators and editors (docs/sign-in.md).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # The scheduler process (`manage.py crontask`) that runs the daily reminders.
    "crontask",
    # Background tasks queued in the database and run by `manage.py db_worker`.
    "django_tasks_db",
    # Sign-in with an organisation's identity provider (docs/sign-in.md).
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "core",
    "plans",
    "deliverables",
    "scrutiny",
    "core.accounts",
]

# The developer-only performance tools (`manage.py seed_scale`, `bench`, `bench_api`;
# docs/performance.md): installed on a developer's machine, or where PERF_TOOLS=true
# asks for them (`make bench`), never by default in production. They live with the
# tests (tests/perf/); the image leaves the folder out (.dockerignore), so DEBUG there
# does not ask for what is not present.
PERF_TOOLS = _strict_bool("PERF_TOOLS", default=False)
if PERF_TOOLS or (DEBUG and importlib.util.find_spec("tests.perf") is not None):
    INSTALLED_APPS.append("tests.perf")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # The service's 404 page for refused pages, with DEBUG on too (the demo).
    "core.errors.NotFoundPageMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(); then no page until a two-factor code is given.
    "django_otp.middleware.OTPMiddleware",
    "core.accounts.middleware.TwoFactorMiddleware",
    # Keeps the request for the audit log: who wrote, and from where.
    "core.audit.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Ends sessions left idle or signed in too long (after messages: it says why).
    "core.accounts.sessions.SessionLifetimeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # django-allauth asks for it (sign-in with an identity provider).
    "allauth.account.middleware.AccountMiddleware",
    # Last, as django-axes asks: it throttles repeated failed sign-ins.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Sign-in throttling: after 5 failures for a username from one address, wait an hour.
AXES_FAILURE_LIMIT = env.int("SIGN_IN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Failed sign-ins are counted in the database (django-axes' default handler), so every
# app server sees them. Behind a load balancer, each request comes from the balancer's
# address: TRUSTED_PROXY_COUNT says how many proxies append to X-Forwarded-For, so that
# the sign-in lockout and the API throttle see the visitor's own address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "config.proxies.client_address"

# Sign-in with an organisation's identity provider (docs/sign-in.md): django-allauth
# is only the OpenID Connect client (discovery, state, PKCE, the ID token's signature,
# issuer, audience and expiry); each organisation's provider is a row of
# plans.IdentityProvider, and plans.sign_in decides who may come in.
SOCIALACCOUNT_ADAPTER = "plans.sign_in.adapter.IdentityProviderAdapter"
SOCIALACCOUNT_OPENID_CONNECT_URL_PREFIX = "oidc"
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = 10

# Two-factor sign-in (docs/sign-in.md): optional for administrators, editors and
# superusers, or compulsory for them with REQUIRE_TWO_FACTOR_FOR=editors.
REQUIRE_TWO_FACTOR_FOR = env.str("REQUIRE_TWO_FACTOR_FOR", default="").strip().lower()
if REQUIRE_TWO_FACTOR_FOR not in {"", "editors"}:
    raise environ.ImproperlyConfigured(
        "REQUIRE_TWO_FACTOR_FOR must be empty or editors, "
        f"not {REQUIRE_TWO_FACTOR_FOR!r}."
    )

# Content Security Policy: our own origin only, scripts by nonce, no inline styles.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# The service's name and brand colour, for organisations that run their own copy.
SERVICE_NAME = env.str("SERVICE_NAME", default="Plan Delivery Tracker")
BRAND_COLOUR = env.str("BRAND_COLOUR", default="#1d70b8")
PHASE = env.str("PHASE", default="Beta")
# The name authenticator apps show beside a two-factor code.
OTP_TOTP_ISSUER = SERVICE_NAME

ROOT_URLCONF = "config.urls"

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
                "django.template.context_processors.csp",
                "core.context_processors.service",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

DATABASES = {
    "default": env.db(
        "DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"
    ),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # No JIT compiling: it spends ~10 ms on a page's short queries whose estimated
    # cost is high only for subplans that never run (the scope rules' EXISTS), and a
    # service of short queries never gains from it.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    # Each app server process keeps its connection between requests for this many
    # seconds (0: a new one every request), checked before reuse, so that a database
    # restarted meanwhile costs a reconnection, not an error.
    DATABASES["default"].setdefault(
        "CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60)
    )
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
elif DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The embedded database lets one writer in at a time (docs/reliability.md). So
    # that people at once wait their turn rather than get "database is locked":
    # write-ahead logging, so that readers and the writer do not block each other;
    # every transaction (so every request: ATOMIC_REQUESTS) takes the write lock as
    # it begins, because SQLite refuses at once, without waiting, a transaction that
    # read before another's write and then writes itself; and a wait of up to a
    # minute for that lock, so that a burst queues rather than fails (a ?timeout= on
    # DATABASE_URL overrides it). synchronous stays FULL, so that a write once
    # answered survives a power cut.
    for option, value in {
        "init_command": "PRAGMA journal_mode=WAL",
        "transaction_mode": "IMMEDIATE",
        "timeout": 60,
    }.items():
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault(option, value)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Nothing that matters lives in one app server's memory or disk, so that any number of
# them can serve behind a load balancer (docs/performance.md, "Scaling out").
# Sessions are rows in the database.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# How long a signed-in session lasts, in minutes (docs/sign-in.md, "Sessions"): it ends
# after this long without activity, shorter for superusers, staff, administrators and
# editors; and, however active, this long after signing in.
SESSION_IDLE_TIMEOUT_STAFF = env.int("SESSION_IDLE_TIMEOUT_STAFF", default=30)
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=8 * 60)
SESSION_MAX_AGE = env.int("SESSION_MAX_AGE", default=12 * 60)
if min(SESSION_IDLE_TIMEOUT_STAFF, SESSION_IDLE_TIMEOUT, SESSION_MAX_AGE) < 1:
    raise environ.ImproperlyConfigured(
        "SESSION_IDLE_TIMEOUT_STAFF, SESSION_IDLE_TIMEOUT and SESSION_MAX_AGE are "
        "minutes: give each as a whole number, 1 or more."
    )
# The cookie (and the session's row) lasts no longer than that either.
SESSION_COOKIE_AGE = SESSION_MAX_AGE * 60


def _caches() -> dict:
    """The cache every app server shares (the API's throttle counts): a table in the
    database unless CACHE_URL (any cache URL django-environ reads) or REDIS_URL says
    otherwise. The table is made by the migrations; after pointing CACHE_URL at another
    table, run ``manage.py createcachetable``."""
    if env.str("CACHE_URL", default=""):
        return {"default": env.cache_url("CACHE_URL")}
    if env.str("REDIS_URL", default=""):
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": env.str("REDIS_URL"),
            }
        }
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "tracker_cache",
            # The throttle keeps a row per API client (or person using the API);
            # beyond this many rows, expired ones go and then a third of the rest.
            "OPTIONS": {"MAX_ENTRIES": 10000},
        }
    }


CACHES = _caches()

# Background work (django.tasks): run at once in the process that asks for it on a
# laptop and in tests; in production TASKS_BACKEND=database queues it in the database
# for `manage.py db_worker` (django-tasks-db) to run.
_TASK_BACKENDS = {
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
_tasks_backend = env.str("TASKS_BACKEND", default="immediate").strip().lower()
if _tasks_backend not in _TASK_BACKENDS:
    raise environ.ImproperlyConfigured(
        f"TASKS_BACKEND must be one of {', '.join(_TASK_BACKENDS)}, "
        f"not {_tasks_backend!r}."
    )
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[_tasks_backend]}}

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": (
            "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
        )
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English")]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
# "5 January 2026", the style GOV.UK and policing plans use.
DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j F Y, g:i a"
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files, such as the evidence attached to progress updates: under var/media/
# on a laptop; in production a persistent volume (MEDIA_ROOT) or object storage. They
# are never served from a public URL: the app sends each file only to those who may see
# it.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
    # Evidence files, under MEDIA_ROOT/evidence/. To keep them in object storage
    # instead, install django-storages and use its backend with a private bucket, e.g.
    #   "evidence": {"BACKEND": "storages.backends.s3.S3Storage",
    #                "OPTIONS": {"bucket_name": "tracker-evidence", "default_acl": None,
    #                            "querystring_auth": True}},
    # with the credentials in the environment (AWS_ACCESS_KEY_ID...).
    "evidence": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"file_permissions_mode": 0o640},
    },
}
# Limits on evidence: the largest file accepted, and how many files and links one
# progress update may carry.
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=10 * 1024 * 1024)
EVIDENCE_MAX_PER_UPDATE = env.int("EVIDENCE_MAX_PER_UPDATE", default=10)
# Personal data: a deactivated account not signed in to for this many months is
# anonymised by `manage.py apply_retention` (docs/data-protection.md).
RETENTION_INACTIVE_MONTHS = env.int("RETENTION_INACTIVE_MONTHS", default=24)

LOGIN_URL = "sign-in"
LOGIN_REDIRECT_URL = "plans:list"
LOGOUT_REDIRECT_URL = "sign-in"
FORM_RENDERER = "core.forms.GovukFormRenderer"

# E-mail (reminders): printed to the console on a laptop; SMTP in production.
_mail_backend = env.str(
    "MAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
MAILERS = {"default": {"BACKEND": _mail_backend}}
if _mail_backend.endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": env.str("MAIL_HOST", default="localhost"),
        "port": env.int("MAIL_PORT", default=587),
        "username": env.str("MAIL_USERNAME", default=""),
        "password": env.str("MAIL_PASSWORD", default=""),
        "use_tls": _strict_bool("MAIL_USE_TLS", default=True),
    }
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="tracker@example.org")
# The site's own address, for links in e-mails.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")


def _time_of_day(name: str, default: str) -> tuple[int, int]:
    """Read a 24-hour time written HH:MM, such as 07:30."""
    raw = env.str(name, default=default).strip()
    hours, _, minutes = raw.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise environ.ImproperlyConfigured(f"{name} must be a time like 07:30.")
    if not (0 <= int(hours) <= 23 and 0 <= int(minutes) <= 59):
        raise environ.ImproperlyConfigured(f"{name} must be a time like 07:30.")
    return int(hours), int(minutes)


# When the scheduler sends the day's reminder e-mails, in TIME_ZONE (see
# docs/reminders.md).
REMINDER_TIME = _time_of_day("REMINDER_TIME", default="07:00")


def _response_days(name: str) -> dict[str, int | None]:
    """Days from publication to a recommendation's response, by source: pairs such
    as ``panel_report=42,other=none`` (docs/recommendations.md). A source left out
    keeps the service's default; HMICFRS's 56 days are set by law, not here."""
    days: dict[str, int | None] = {}
    for pair in filter(None, (p.strip() for p in env.str(name, default="").split(","))):
        source, _, value = (part.strip().lower() for part in pair.partition("="))
        if source not in {"panel_report", "annual_review", "other"} or not (
            value.isdigit() or value == "none"
        ):
            raise environ.ImproperlyConfigured(
                f"{name} must be pairs like panel_report=42,other=none, for the "
                "sources panel_report, annual_review and other."
            )
        days[source] = None if value == "none" else int(value)
    return days


# Days to respond to recommendations other than HMICFRS's (docs/recommendations.md).
RECOMMENDATION_RESPONSE_DAYS = _response_days("RECOMMENDATION_RESPONSE_DAYS")
# Webhooks (docs/webhooks.md). Endpoints must be HTTPS on public addresses. For
# development and testing only: networks (CIDRs, comma-separated) exempt from the
# public-address rule, and a CA bundle to trust instead of the system's (a local
# receiver's self-signed certificate). Never set these in production.
WEBHOOK_ALLOWED_NETWORKS = env.list("WEBHOOK_ALLOWED_NETWORKS", default=[])
WEBHOOK_CA_BUNDLE = env.str("WEBHOOK_CA_BUNDLE", default="") or None
# With Redis, schedulers take a lock there, so a second scheduler (on another machine)
# waits as a standby instead of enqueueing every task twice.
CRONTASK = {"REDIS_URL": env.str("REDIS_URL", default="") or None}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.api.authentication.ClientCredentialsAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.permissions.ApiAccess"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.Cursor",
    "DEFAULT_THROTTLE_CLASSES": ["core.api.throttling.PerClientThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "client": env.str("API_THROTTLE_RATE", default="1200/minute"),
    },
    # Counted in the shared cache (CACHES), so the rate holds across app servers.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT or None,
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.errors.problem_details",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # Refuses bodies too large (413) or nested too deep (400), as problems.
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.JSONParser"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# OAuth 2.0 client credentials for forces' systems (see docs/api.md).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER = {
    "SCOPES": {
        "read": "Read plans, deliverables and updates",
        "updates:write": "Push progress updates and indicator values",
        "plans:write": "Keep the plan's structure in step (editors)",
    },
    "SCOPES_BACKEND_CLASS": "core.api.oauth.ClientScopes",
    "OAUTH2_VALIDATOR_CLASS": "core.api.oauth.ClientValidator",
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.int("API_TOKEN_LIFETIME_SECONDS", default=3600),
    # Every behaviour of the OAuth 2.0 Security BCP (RFC 9700), ahead of DOT 4.0:
    # tokens stored hashed, never read from the query string, no implicit or password
    # grants, https redirect URIs only.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    # Client secrets are 48 random characters, not passwords: a fast salted hash
    # (plans.oauth.ClientSecretHasher), so a wrong one costs microseconds, not the
    # password hasher's 1.6 s. Secrets stored before are re-hashed on their next use.
    "CLIENT_SECRET_HASHER": "client_secret_sha256",
}
# The client-secret hasher must be listed to be used, after the password hashers so
# that people's passwords keep the strong one.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "plans.oauth.ClientSecretHasher",
]
# /o/token/ (docs/api.md): after this many failed client authentications from one
# address, or for one client id from anywhere, within the window (counted in the
# shared cache, from the first failure), it answers 429 with Retry-After and checks
# no secret until the window ends.
API_TOKEN_FAILURES_PER_ADDRESS = env.int("API_TOKEN_FAILURES_PER_ADDRESS", default=10)
API_TOKEN_FAILURES_PER_CLIENT = env.int("API_TOKEN_FAILURES_PER_CLIENT", default=30)
API_TOKEN_FAILURE_WINDOW_SECONDS = env.int(
    "API_TOKEN_FAILURE_WINDOW_SECONDS", default=900
)

SPECTACULAR_SETTINGS = {
    "TITLE": "Plan Delivery Tracker API",
    "DESCRIPTION": (
        "Read a policing plan's deliverables and push progress updates from a force's "
        "own systems. Authenticate with OAuth 2.0 client credentials: POST your client "
        "id and secret to /o/token/ with grant_type=client_credentials and the scopes "
        "you need (read, updates:write), then send the access token as "
        "'Authorization: Bearer <token>'. See docs/api.md for a worked example."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Swagger UI without deep links (it puts each operation's link inside the button
    # that opens it, a control within a control that screen readers cannot use) and
    # without colouring code (its theme's colours are too faint to read).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False, "syntaxHighlight": False},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "deliverables.models.Status",
        "RagEnum": "deliverables.models.Rag",
    },
}

# Production hardening: everything `manage.py check --deploy` asks for when DEBUG is
# off.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Behind a proxy that serves plain HTTP locally (docker-compose), SECURE_COOKIES=false.
SESSION_COOKIE_SECURE = _strict_bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = _strict_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # The PDF renderer reports every layout step at INFO.
    "loggers": {
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "ERROR"},
        # The scheduler logs each run of every job (one every few seconds).
        "apscheduler": {"level": "WARNING"},
    },
}
