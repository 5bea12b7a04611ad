"""Settings for Cutover Coordinator, read from the environment.

Defaults run locally with no configuration (SQLite, console email, an embedded
filesystem broker). Production turns on through DATABASE_URL, REDIS_URL, the
EMAIL_* values and HTTPS=true; see .env.example.
"""

import datetime
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# The development key only ever serves a laptop: `check --deploy` refuses it
# (see cutover/checks.py), and docker-compose.yml requires a real one.
DEV_SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"  # noqa: S105 (refused by check --deploy)
SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# PORT is where `make run` serves; links in emails follow it unless SITE_URL says otherwise.
SITE_URL = env_str("SITE_URL", f"http://127.0.0.1:{env_int('PORT', 8000)}").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "django_htmx",
    "template_partials",
    "simple_history",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "axes",
    "csp",
    # Ours: the cutover ground floor, the domain apps, then the apps on top.
    "cutover",
    "practices",
    "systems",
    "tasks",
    "reentry",
    "accounts",
    "reminders",
    "coordinator",
    "dashboard",
    "programme",
    "audit",
    "api",
    "calendars",
    "printouts",
    "lifecycle",
    "demo",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    # Pages compressed for browsers that ask (a 50-task plan: 54 KiB to about 7 KiB over NHS networks).
    # First, so it compresses what every other middleware wrote; Django adds random bytes to each
    # compressed page against BREACH, and static files come precompressed from whitenoise.
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The policy header goes on every response, including the lockout page Axes builds last.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # After messages and htmx (they explain a sign-out and redirect htmx requests properly).
    "accounts.middleware.SessionTimeoutMiddleware",
    "accounts.middleware.MfaRequiredMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Every answer under /api/ is marked not to be stored by any cache (api/middleware.py).
    "api.middleware.ApiNoStoreMiddleware",
    "axes.middleware.AxesMiddleware",  # Axes documents it as the last one.
]

ROOT_URLCONF = "cutover.urls"
WSGI_APPLICATION = "cutover.wsgi.application"

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
                "accounts.context_processors.csp_nonce",
            ],
        },
    },
    {
        # Only for what a page renders many times (cutover/jinja2.py); everything else is above.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "cutover.jinja2.environment"},
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # Persistent connections: opening a PostgreSQL connection per request raised every page's
        # floor. The health check replaces a connection the server dropped before it is used.
        # (DATABASE_CONN_MAX_AGE: the older name of CONN_MAX_AGE, still read.)
        conn_max_age=env_int("CONN_MAX_AGE", env_int("DATABASE_CONN_MAX_AGE", 60)),
        conn_health_checks=env_bool("CONN_HEALTH_CHECKS", True),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiler judges the dashboard's query (a dozen small per-migration counts)
    # expensive at a few thousand migrations and spends seconds compiling a query that then runs in
    # tens of milliseconds. Short web queries never repay compiling, so it is off for this app.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
    # Prepared statements: psycopg prepares a query the fifth time a connection runs it, and from
    # then on PostgreSQL skips parsing and planning it, most of the time of a small query (the
    # plan's task query: planning 1.0 ms, running 0.3 ms). That needs the parameters sent apart
    # from the SQL (server-side binding). 0 turns them off, e.g. behind a pooler that cannot keep
    # them from one transaction to the next (PgBouncer before 1.21 in transaction mode).
    prepare_after = env_int("DATABASE_PREPARE_THRESHOLD", 5)
    DATABASES["default"]["OPTIONS"].update(
        server_side_binding=prepare_after > 0, prepare_threshold=prepare_after if prepare_after > 0 else None
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "practices.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"  # each role lands on its own home (coordinator.views.home)
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
FORMAT_MODULE_PATH = ["cutover.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Tests and `make run` serve straight from the finders, no collectstatic needed.
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", True)

# A form refused for a missing or stale CSRF token gets a page in the site layout saying what to do.
CSRF_FAILURE_VIEW = "cutover.errors.csrf_failure"

# Forms render NHS.UK design system markup through the project's own crispy-forms template pack
# (templates/nhsuk/): labels, hints, errors beside each field and an error summary linking to them.
CRISPY_ALLOWED_TEMPLATE_PACKS = ("nhsuk",)
CRISPY_TEMPLATE_PACK = "nhsuk"

# Email: console by default so `make run` shows what would be sent.
# Under DEBUG (make run) one console line per email, the full text in SENT_EMAILS_DIR
# (EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend prints it all instead).
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "demo.email_backend.OneLineEmailBackend" if DEBUG else "django.core.mail.backends.console.EmailBackend",
)
SENT_EMAILS_DIR = Path(env_str("SENT_EMAILS_DIR", str(BASE_DIR / "sent-emails")))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# A mail server that does not answer must not hold a web request (invitations are sent in it).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "sent-emails"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Cutover Coordinator <cutover@example.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# HTTPS=true turns on everything that only makes sense behind TLS.
HTTPS = env_bool("HTTPS", False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

# Celery: Redis when REDIS_URL is set, otherwise a broker that needs no server
# (kombu's filesystem transport) so `make run` works on a bare machine.
REDIS_URL = env_str("REDIS_URL")
BROKER_DIR = Path(env_str("BROKER_DIR", str(BASE_DIR / ".broker")))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # A broker host that does not answer (rather than refusing) must not hold a web request for
    # long: the reminders it would enqueue stay pending for the next sweep anyway.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 5}
else:
    CELERY_BROKER_URL = "filesystem://localhost//"  # a host named, or kombu warns on every connection
    # kombu expects its folders to exist; creating them here serves web, worker and beat alike.
    for folder in ("queue", "control"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
    }
# One cache shared by every web and Celery process: allauth keeps its rate limits and the TOTP
# codes already used in it, so a per-process cache would let a code work once per process and
# multiply every limit by the number of workers. Redis when REDIS_URL is set; otherwise a table
# in the database (created by cutover/migrations/0006_cache_table.py, so `migrate` is enough).
CACHE_TABLE = "cutover_cache"
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "cutover",
            # A Redis that does not answer fails a sign-in quickly rather than holding the worker.
            "OPTIONS": {"socket_connect_timeout": 5, "socket_timeout": 5},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CACHE_TABLE,
            "KEY_PREFIX": "cutover",
            # Culling deletes live entries once the table is full; anyone able to fill it (one entry
            # per address tried) could then make a used code work again. Keep the bound far above use.
            "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 100_000)},
        }
    }
# Each server process keeps the plan pages it built, by a fingerprint of their rows (tasks/plan_cache.py).
CACHES["plans"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "plans",
    "TIMEOUT": 24 * 60 * 60,
    "OPTIONS": {"MAX_ENTRIES": env_int("PLAN_CACHE_ENTRIES", 500)},
}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# The one beat schedule. Jobs decide from database state what is due, so nothing
# is ever scheduled with a long ETA (Redis would redeliver it).
CELERY_BEAT_SCHEDULE_FILENAME = env_str("CELERY_BEAT_SCHEDULE_FILENAME", str(BROKER_DIR / "celerybeat-schedule"))

# Cutover rules. The numbers come from the NHS England guidance; they are
# settings because suppliers and older guidance have used other values.
PLANNING_MEETING_DAYS_BEFORE_FDP = env_int("PLANNING_MEETING_DAYS_BEFORE_FDP", 28)
SWITCH_OFF_WORKING_DAYS_BEFORE_FDP = (2, 1)
LEGACY_SUPPORT_DAYS = env_int("LEGACY_SUPPORT_DAYS", 90)
MAX_CUTOVER_DAYS = env_int("MAX_CUTOVER_DAYS", 21)
# Dates outside these years (inclusive) are typing slips: refused by every form and the wave import.
PLANNABLE_YEARS = (2000, 2100)
DUE_SOON_DAYS = env_int("DUE_SOON_DAYS", 7)

# --- Reminders (the reminders app: rules in reminders/rules.py, Celery jobs in reminders/jobs.py) ---
# Lead times are days before the date they warn about. A lead time that lands on a
# weekend or bank holiday is sent on the working day before it (see reminders/timing.py).
REMINDER_LEAD_DAYS = {
    "planning_meeting_ahead": (42, 35),  # 6 and 5 weeks before FDP: book the planning meeting
    "legacy_support_ending": (30, 14, 7, 1),  # before legacy support ends
    # A week before each lifecycle date (cutover/timeline.py LIFECYCLE_DATES), to prepare for it.
    "order_ahead": (7,),
    "kickoff_ahead": (7,),
    "idp_ahead": (7,),
    "data_signoff_ahead": (7,),
}
REMINDER_ESCALATION_DAYS_AFTER = env_int("REMINDER_ESCALATION_DAYS_AFTER", 1)
# Third-party suppliers and the manager hear this many working days before FDP that links must go
# off, and again on the first day of the switch-off window.
REMINDER_THIRD_PARTY_WORKING_DAYS_BEFORE_FDP = env_int("REMINDER_THIRD_PARTY_WORKING_DAYS_BEFORE_FDP", 5)
# After go-live, the manager hears every this many days while entries are left to re-enter.
REMINDER_REENTRY_BACKLOG_EVERY_DAYS = env_int("REMINDER_REENTRY_BACKLOG_EVERY_DAYS", 7)
# The daily task digest lists overdue tasks and those due within this many working days.
REMINDER_DIGEST_WORKING_DAYS = env_int("REMINDER_DIGEST_WORKING_DAYS", 3)
try:
    REMINDER_SEND_TIME = datetime.time.fromisoformat(env_str("REMINDER_SEND_TIME", "07:30"))
except ValueError:
    raise ImproperlyConfigured("REMINDER_SEND_TIME must be a time like 07:30") from None
REMINDER_SWEEP_MINUTES = env_int("REMINDER_SWEEP_MINUTES", 5)
REMINDER_MAX_ATTEMPTS = env_int("REMINDER_MAX_ATTEMPTS", 5)
# Backoff after a failed send: 5, 10, 20, 40 minutes (doubling); the sweep re-enqueues the row when due.
REMINDER_RETRY_MINUTES = env_int("REMINDER_RETRY_MINUTES", 5)
# A pending row whose job was enqueued this long ago without being sent is enqueued again
# (the broker was down or lost the message).
REMINDER_REQUEUE_MINUTES = env_int("REMINDER_REQUEUE_MINUTES", 10)
# A row claimed this long ago and still "sending" belongs to a worker that died. Longer than
# CELERY_TASK_TIME_LIMIT, so a slow but living worker is never overtaken.
REMINDER_CLAIM_TIMEOUT_MINUTES = env_int("REMINDER_CLAIM_TIMEOUT_MINUTES", 15)
# --- Microsoft Teams (reminders/teams.py): messages to a channel through a Teams Workflows webhook ---
# Webhook URLs are stored encrypted with this Fernet key; make one with
#   python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"
# Unset, a key derived from SECRET_KEY is used, for development only (check --deploy refuses it).
TEAMS_WEBHOOK_KEY = env_str("TEAMS_WEBHOOK_KEY", "")
# The hosts a webhook may be on (a name, or any name ending ".name"). Teams Workflows webhooks are on
# Azure Logic Apps and Power Platform hosts; nothing else is posted to, so a webhook field can never
# be used to make the server call into its own network.
TEAMS_WEBHOOK_HOSTS = env_list("TEAMS_WEBHOOK_HOSTS", "logic.azure.com,api.powerplatform.com")
TEAMS_TIMEOUT_SECONDS = env_int("TEAMS_TIMEOUT_SECONDS", 10)
# Extra certificate authorities to trust for webhooks (a PEM file), e.g. behind an inspecting proxy.
TEAMS_CA_FILE = env_str("TEAMS_CA_FILE", "")
# Dashboard and wave import (dashboard app). The row limits keep a request short:
# files with at least IMPORT_BACKGROUND_ROWS rows are checked and created by a Celery job.
DASHBOARD_PAGE_SIZE = env_int("DASHBOARD_PAGE_SIZE", 50)
IMPORT_BACKGROUND_ROWS = env_int("IMPORT_BACKGROUND_ROWS", 200)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 10000)
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 5 * 1024 * 1024)
# A file of this many bytes or more (what an .xlsx unpacks to) is never read during a request:
# a Celery job reads it, in a worker with a memory limit (--max-memory-per-child).
IMPORT_BACKGROUND_BYTES = env_int("IMPORT_BACKGROUND_BYTES", 256 * 1024)
# What any upload may hold, whatever its format, so reading it takes bounded memory and time
# (dashboard/wave_file/limits.py checks an .xlsx archive against these before openpyxl opens it).
IMPORT_MAX_UNCOMPRESSED_BYTES = env_int("IMPORT_MAX_UNCOMPRESSED_BYTES", 20 * 1024 * 1024)
IMPORT_MAX_COMPRESSION_RATIO = env_int("IMPORT_MAX_COMPRESSION_RATIO", 100)
IMPORT_MAX_CELL_CHARS = env_int("IMPORT_MAX_CELL_CHARS", 2000)
IMPORT_MAX_COLUMNS = env_int("IMPORT_MAX_COLUMNS", 50)
# Checking a file of IMPORT_MAX_ROWS takes well under a minute; the job is stopped after this.
IMPORT_CHECK_TIME_LIMIT = env_int("IMPORT_CHECK_TIME_LIMIT", 300)
# Creating a wave of IMPORT_MAX_ROWS takes minutes, so its job may run longer than other jobs.
IMPORT_CREATE_TIME_LIMIT = env_int("IMPORT_CREATE_TIME_LIMIT", 1200)
# A batch being checked or created that has not moved on for this long belongs to a worker that
# died: the page says so and the user can go on. Longer than any import job may run.
IMPORT_STALLED_MINUTES = env_int("IMPORT_STALLED_MINUTES", 30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# People and third parties (practices app): how long an emailed invitation link works.
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 7)
# The migration page warns about links not yet switched off from this many working days before FDP.
THIRD_PARTY_WARNING_WORKING_DAYS_BEFORE_FDP = 3
# From this many working days before FDP, a migration whose practice has no linked systems recorded
# (and no word from the manager that it has none) is amber on the dashboard: every practice has some.
NO_LINKED_SYSTEMS_WORKING_DAYS = env_int("NO_LINKED_SYSTEMS_WORKING_DAYS", 15)
# Re-entry log (the reentry app): the one place that holds patient identifiers.
REENTRY_PAGE_SIZE = env_int("REENTRY_PAGE_SIZE", 25)
# ---- Trust: sign-in, two-factor authentication, sessions and headers (accounts app) ----

AUTHENTICATION_BACKENDS = [
    # Refuses a locked-out email address and IP pair before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# People sign in with their email address; accounts come from administrators and invitations only.
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"login": "accounts.forms.LoginForm", "reset_password": "accounts.forms.ResetPasswordForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False  # no email to addresses we do not know
ACCOUNT_EMAIL_NOTIFICATIONS = True  # tell people when their password or two-factor set-up changes
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Cutover Coordinator: "
ACCOUNT_SESSION_REMEMBER = False  # the session cookie ends with the browser; see the lifetimes below
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False  # this session stays; every other one ends (accounts.signals)
# allauth's own limits stay as they are (per IP and per address or user, on sign-in, two-factor
# codes and password reset: see allauth's account app_settings.RATE_LIMITS). Axes adds a longer
# lock on an email address and IP pair on top; nothing here loosens allauth's defaults.
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT_MINUTES", 60) * 60
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1 if env_bool("BEHIND_PROXY", False) else 0)

MFA_ADAPTER = "accounts.adapter.MFAAdapter"
MFA_FORMS = {
    "authenticate": "accounts.forms.AuthenticateForm",
    "reauthenticate": "accounts.forms.ReauthenticateForm",
    "activate_totp": "accounts.forms.ActivateTOTPForm",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Cutover Coordinator"
# allauth refuses MFA to unverified addresses against sign-up squatting; sign-up is closed here.
MFA_ALLOW_UNVERIFIED_EMAIL = True
# Required for ICB, delivery-partner and admin users always; this makes it required for everyone.
MFA_REQUIRED_FOR_ALL = env_bool("MFA_REQUIRED_FOR_ALL", False)
USERSESSIONS_TRACK_ACTIVITY = False

# Login throttling: this many failures lock the email address and IP pair for a while.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "accounts.lockout.lockout_username"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip"
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"

# Sessions end after a spell without activity, and in any case after an absolute lifetime.
SESSION_IDLE_TIMEOUT = timedelta(minutes=env_int("SESSION_IDLE_MINUTES", 30))
SESSION_ABSOLUTE_LIFETIME = timedelta(hours=env_int("SESSION_MAX_HOURS", 12))
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_LIFETIME.total_seconds())

# Content Security Policy: nothing inline; our own scripts carry the request's nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        # The authenticator QR code is a data: image.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
LOGGING["loggers"]["axes"] = {"level": "WARNING"}  # failures and lockouts, not every successful sign-in

# ---- Trust: audit, the activity page and data retention (audit app; reentry/retention.py) ----
ACTIVITY_PAGE_SIZE = env_int("ACTIVITY_PAGE_SIZE", 50)
# Days the re-entry log keeps patient identifiers after legacy support has ended and nothing is
# left to re-enter (whichever is later); then the daily job below removes them.
REENTRY_RETENTION_DAYS = env_int("REENTRY_RETENTION_DAYS", 30)

# ---- Scheduled jobs: the one beat schedule (exactly one beat runs it) ----
CELERY_BEAT_SCHEDULE = {
    "reminders-sweep": {
        "task": "cutover.jobs.sweep_reminders",
        "schedule": REMINDER_SWEEP_MINUTES * 60,
        # A sweep not started within one interval is pointless: the next one does the same work.
        "options": {"expires": REMINDER_SWEEP_MINUTES * 60},
    },
    # Migrations that turned red, to the Teams channels that chose it (dashboard/rag_watch.py).
    "dashboard-rag-watch": {
        "task": "dashboard.jobs.watch_rag",
        "schedule": REMINDER_SWEEP_MINUTES * 60,
        "options": {"expires": REMINDER_SWEEP_MINUTES * 60},
    },
    "reentry-purge-identifiers": {
        "task": "reentry.jobs.purge_identifiers",
        "schedule": crontab(hour=2, minute=30),  # London time (CELERY_TIMEZONE), when nobody is re-entering
        "options": {"expires": 6 * 60 * 60},  # a run missed by hours waits for tomorrow's
    },
}


# The REST API (api/): personal tokens, then the browsable pages' session with its CSRF check.
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 90)
API_TOKEN_MAX_DAYS = env_int("API_TOKEN_MAX_DAYS", 366)
# Requests per token (or per signed-in session) counted in the shared cache (CACHES), so every
# server process counts together.
API_RATE = env_str("API_RATE", "120/minute")
API_PAGE_SIZE = env_int("API_PAGE_SIZE", 50)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerTokenThrottle"],
    "DEFAULT_PAGINATION_CLASS": None,
    "EXCEPTION_HANDLER": "api.problems.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Cutover Coordinator API",
    "DESCRIPTION": (
        "Read a practice's migration as the dashboard shows it (stage, RAG and its reasons, counts), its "
        "tasks and linked systems; tick a task or record a linked system's step. A token acts with exactly "
        "its owner's access. Patient identifiers are never part of any answer: the re-entry log is counts only."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {},
    # Swagger UI and Redoc from the drf-spectacular-sidecar package's static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
}
