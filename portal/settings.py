"""Settings, all read from the environment (DESIGN.md section 7).

Defaults make a fresh checkout run on SQLite with tasks executed in-process; production sets
DATABASE_URL, CELERY_BROKER_URL, DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS.
"""

import datetime as dt
import re
import warnings
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

import django_stubs_ext
import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

from negotiation.policy import Kind as ReliefKind  # pure: no models, safe in settings

# Django's generic classes (ModelAdmin[Program], ModelForm[Payment], ...) are generic in
# their type stubs only; this lets them be subscripted at run time too, as the stubs type them.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()


def env_decimal(name: str, default: str) -> Decimal:
    """A decimal setting; a value that is not a number stops start-up with its name."""
    raw = env.str(name, default=default)
    try:
        return Decimal(raw)
    except InvalidOperation as error:
        raise ImproperlyConfigured(f"{name} must be a decimal number, not {raw!r}.") from error


def env_dates(name: str, default: list[str]) -> frozenset[dt.date]:
    """Days given as ISO dates separated by commas; one that is not a date stops start-up."""
    days = set()
    for raw in env.list(name, default=default):
        try:
            days.add(dt.date.fromisoformat(raw.strip()))
        except ValueError as error:
            raise ImproperlyConfigured(f"{name}: {raw!r} is not a date (YYYY-MM-DD).") from error
    return frozenset(days)


def env_days(name: str, default: int) -> int:
    """A number of days above 0; anything else (0, "-5", "180d", "1.5") stops start-up with
    its name, rather than a job quietly keeping data for ever or deleting it at once."""
    raw = env.str(name, default=str(default)).strip()
    if not re.fullmatch(r"[0-9]+", raw) or int(raw) == 0:
        raise ImproperlyConfigured(f"{name} must be a whole number of days above 0, not {raw!r}.")
    return int(raw)


DEBUG = env.bool("DJANGO_DEBUG", default=False)

_DEV_SECRET_KEY = "dev-only-insecure-key-never-used-in-production-0123456789abcdef"
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off.")
    SECRET_KEY = _DEV_SECRET_KEY

# Keyed hash for national ID numbers: its own key, so that rotating SECRET_KEY does not
# orphan every stored hash. Required in production; development uses a fixed dev key.
NATIONAL_ID_HASH_KEY = env.str("NATIONAL_ID_HASH_KEY", default="")
if not NATIONAL_ID_HASH_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("NATIONAL_ID_HASH_KEY is required when DJANGO_DEBUG is off.")
    NATIONAL_ID_HASH_KEY = "dev-only-national-id-hash-key"

# How many reverse proxies (load balancer, ingress) stand in front of the web processes:
# the audit trail takes the client's address from X-Forwarded-For accordingly.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # The staff site, with a second factor (negotiation/staffsite.py, django-otp).
    "negotiation.apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles: `runserver` leaves static files to WhiteNoise, as production does.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_celery_beat",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "negotiation",
]

MIDDLEWARE = [
    "negotiation.requestid.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files, compressed and with a far-future lifetime for hashed names (STORAGES).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Every page's HTML gzip-compressed (a fifth of its size on a slow phone network), after
    # WhiteNoise so the static files keep their own precompressed Brotli and gzip copies.
    # Django pads each compressed response with random bytes ("Heal the Breach"), which
    # with the CSRF token masked per response answers BREACH (docs/SECURITY.md).
    "django.middleware.gzip.GZipMiddleware",
    # The Content-Security-Policy of every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): the staff site admits only a sign-in confirmed by a code.
    "django_otp.middleware.OTPMiddleware",
    "negotiation.badinput.RefuseNulBytesMiddleware",
    "negotiation.language.DebtorLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "negotiation.sessions.SessionLimitsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    # Last, as django-axes asks: it turns a lockout raised in authenticate into its page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "django.template.context_processors.i18n",
                "negotiation.context_processors.inbox",
                "negotiation.context_processors.vocabulary",
                "negotiation.context_processors.session_timeout",
                "negotiation.context_processors.text_size",
                "negotiation.context_processors.debtor_zone",
            ],
        },
    },
]

DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections: a web or worker thread keeps its connection for DB_CONN_MAX_AGE
# seconds instead of opening one per request (with PostgreSQL a new connection costs more than
# a small page: /healthz was 3-4 times faster with them, docs/PERFORMANCE.md), and checks it
# is still alive before reusing it after a request (a restarted database or a pooler that
# dropped it is reconnected, not an error). 0 opens one a request, as behind PgBouncer in
# transaction mode, where the pooler keeps the connections instead (docs/DEPLOY.md).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("TEST", {})
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo runs the web server, a worker and beat on one SQLite file: take the write
    # lock when a transaction starts and wait for it, instead of failing with "database is
    # locked" when two processes upgrade their read locks at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "negotiation.User"
# django-axes first: it refuses an account or an address that is resting before any
# password is checked, then counts the failures of the backend after it.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "negotiation.auth.EmailOrUsernameBackend",
]
# Argon2id for every new or changed password, at a cost chosen on purpose (OWASP's Password
# Storage Cheat Sheet, its second of five equally strong settings: 19 MiB, 2 passes, 1 lane;
# negotiation/passwords.py says why, bench/passwords.py measures it). A password hashed
# otherwise, or with other Argon2 costs, is rehashed at its next sign-in.
ARGON2_MEMORY_KIB = env.int("ARGON2_MEMORY_KIB", default=19_456)
ARGON2_TIME_COST = env.int("ARGON2_TIME_COST", default=2)
ARGON2_PARALLELISM = env.int("ARGON2_PARALLELISM", default=1)
PASSWORD_HASHERS = [
    "negotiation.passwords.PortalArgon2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Wrong passwords (django-axes, on the debtor's and the staff sign-in alike): after
# AXES_FAILURE_LIMIT for one account (its email, number and username count as one:
# negotiation.auth.lockout_key) or from one address, signing in rests for
# AXES_COOLOFF_MINUTES. The failures are kept in the database (shared by every process).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_MINUTES = env.int("AXES_COOLOFF_MINUTES", default=30)
AXES_COOLOFF_TIME = dt.timedelta(minutes=AXES_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "negotiation.auth.lockout_key"
AXES_CLIENT_IP_CALLABLE = "negotiation.http.client_ip"
AXES_LOCKOUT_CALLABLE = "negotiation.views.errors.signing_in_paused"
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are in the audit trail already
AXES_SENSITIVE_PARAMETERS = ["username", "password"]
# How often a form may be sent (negotiation/ratelimits.py, django-ratelimit): by address
# before signing in, by person after; over it, a calm 429 page and nothing done. The counts
# are in the cache: CACHE_URL must be a shared one (Redis) where several processes serve.
RATELIMIT_VIEW = "negotiation.views.errors.too_many_requests"
# django-ratelimit's own cache checks: its error for the in-process cache (LocMem) is
# replaced by negotiation.E005, which asks for a shared cache only where it matters (DEBUG
# off); its warning for Django's own RedisCache is moot (that cache increments atomically).
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]
RATE_SIGN_IN = env.str("RATE_SIGN_IN", default="20/m")
RATE_IDENTITY_CHECK = env.str("RATE_IDENTITY_CHECK", default="10/m")
RATE_CODE_ENTRY = env.str("RATE_CODE_ENTRY", default="10/m")
RATE_RESET_REQUEST = env.str("RATE_RESET_REQUEST", default="5/m")
RATE_PREVIEW = env.str("RATE_PREVIEW", default="120/m")
RATE_REQUEST_FORM = env.str("RATE_REQUEST_FORM", default="20/m")
RATE_UPLOAD = env.str("RATE_UPLOAD", default="30/h")
# Starting an online payment (each start opens a checkout at the provider), per person.
RATE_PAYMENT_START = env.str("RATE_PAYMENT_START", default="10/h")
AXES_VERBOSE = False
# Staff sign in with a password and then a code from an authenticator app (TOTP, django-otp;
# negotiation/staffsite.py). The app shows this name beside the code. After a wrong code
# each next try waits twice as long (1 s, 2 s, 4 s ...); a recovery code works once.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Debt relief staff")
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# How long the code step waits after the password, and how many recovery codes are given.
STAFF_CODE_STEP_MINUTES = env.int("STAFF_CODE_STEP_MINUTES", default=5)
STAFF_RECOVERY_CODES = 10
AXES_ENABLE_ADMIN = False  # a pause is lifted with manage.py axes_reset_username / axes_reset_ip
# Django's rules in the portal's own words (negotiation/passwords.py).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "negotiation.passwords.UserAttributeSimilarityValidator"},
    {"NAME": "negotiation.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "negotiation.passwords.CommonPasswordValidator"},
    {"NAME": "negotiation.passwords.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "negotiation:dashboard"
LOGOUT_REDIRECT_URL = "login"

# Where debtors reach the portal, for the links in invitations and password resets (sent by
# email and SMS, outside any request). HTTPS in production (`manage.py check --deploy`).
PORTAL_URL = env.str("PORTAL_URL", default="http://127.0.0.1:8000").rstrip("/")
# The bank's name in each language: the sender of every text message (【…】 in Chinese) and
# the letterhead of letters. The demo's is a made-up bank, which `check --deploy` refuses
# (negotiation.E012): production sets the bank's own.
DEMO_BANK_NAME, DEMO_BANK_NAME_ZH = "Harbour Bank", "海港银行"
BANK_NAME = env.str("BANK_NAME", default=DEMO_BANK_NAME)
BANK_NAME_ZH = env.str("BANK_NAME_ZH", default=DEMO_BANK_NAME_ZH)
# An invitation link works once, for this many hours (services.onboarding).
INVITATION_VALID_HOURS = env.int("INVITATION_VALID_HOURS", default=72)
# A password-reset link works once (Django's token changes with the password), this long.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_VALID_MINUTES", default=60) * 60
# Identity checks (national ID and a card's last four digits): after this many answers that
# did not match within a day, the link (an invitation, or a debtor's reset) pauses for
# IDENTITY_CHECK_LOCK_MINUTES after each further one; the same from one client address
# after IDENTITY_CHECK_MAX_FAILURES_PER_IP (higher: many people share an address).
IDENTITY_CHECK_MAX_FAILURES = env.int("IDENTITY_CHECK_MAX_FAILURES", default=5)
IDENTITY_CHECK_MAX_FAILURES_PER_IP = env.int("IDENTITY_CHECK_MAX_FAILURES_PER_IP", default=20)
IDENTITY_CHECK_LOCK_MINUTES = env.int("IDENTITY_CHECK_LOCK_MINUTES", default=30)

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "negotiation" / "locale"]
# Dates as each language writes them: 15 January 2027, 2027年1月15日.
FORMAT_MODULE_PATH = ["portal.formats"]
# Whose law the consequences of arrears are explained under (ConsequenceRule.jurisdiction).
CONSEQUENCE_JURISDICTION = env.str("CONSEQUENCE_JURISDICTION", default="CN")
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATIC_MANIFEST = env.bool("STATIC_MANIFEST", default=not DEBUG)
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
if not STATIC_MANIFEST:
    # Plain names come from static/ itself: no collected STATIC_ROOT is expected to exist.
    warnings.filterwarnings("ignore", message=f"No directory at: {re.escape(str(STATIC_ROOT))}")
# Files served at the site's root: /favicon.ico, for browsers that ask there.
WHITENOISE_ROOT = BASE_DIR / "site-root"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Debtors' documents: a storage with no public URL, read only through permission-checked
# views. Any Django storage works here (S3-compatible in production): change the backend.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "private-media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
    },
    # Production (DEBUG off): `collectstatic` writes every file under a name with a hash of
    # its content, and a gzip and a Brotli copy beside it; WhiteNoise serves the hashed names
    # for ten years (immutable). With DEBUG, or STATIC_MANIFEST=0 (the tests, which never run
    # collectstatic), the plain names, read from static/ itself (WHITENOISE_USE_FINDERS).
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
DOCUMENT_MAX_BYTES = env.int("DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)
# How much one request and one debtor may hold, so nobody fills the bank's storage.
DOCUMENTS_PER_REQUEST = env.int("DOCUMENTS_PER_REQUEST", default=20)
DOCUMENTS_PER_DEBTOR = env.int("DOCUMENTS_PER_DEBTOR", default=100)
DOCUMENT_BYTES_PER_DEBTOR = env.int("DOCUMENT_BYTES_PER_DEBTOR", default=300 * 1024 * 1024)
# The bank's seal on every signed agreement (negotiation/seal.py): its private key and
# certificate as PEM files, kept out of the code (a secret store mounts them). In the demo
# and the tests a self-signed pair is generated in the private media folder instead;
# ``check --deploy`` refuses that and a missing key (negotiation.E009).
AGREEMENT_SEAL_KEY = env.str("AGREEMENT_SEAL_KEY", default="")
AGREEMENT_SEAL_CERTIFICATE = env.str("AGREEMENT_SEAL_CERTIFICATE", default="")
AGREEMENT_SEAL_KEY_PASSPHRASE = env.str("AGREEMENT_SEAL_KEY_PASSPHRASE", default="")
AGREEMENT_SEAL_GENERATE = env.bool("AGREEMENT_SEAL_GENERATE", default=DEBUG)
AGREEMENT_SEAL_LOCATION = env.str("AGREEMENT_SEAL_LOCATION", default="")
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=200 * 1024 * 1024)  # a bank file upload
# The cache carries an import's progress from the worker to the staff's page: Redis where
# a worker runs (CACHE_URL=redis://...), the process's memory otherwise (tasks run inline).
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
FILE_UPLOAD_PERMISSIONS = 0o640

ADMIN_URL = env.str("ADMIN_URL", default="staff/")
if not ADMIN_URL.endswith("/"):
    raise ImproperlyConfigured("ADMIN_URL must end with a slash, e.g. 'staff/'.")

vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="relief@bank.example")
# The console backends print whole messages (names, links, numbers) to the log: with DEBUG
# off they stop the deploy (negotiation.E006) unless a test or staging deployment says so.
ALLOW_CONSOLE_MESSAGES = env.bool("ALLOW_CONSOLE_MESSAGES", default=False)
# Text messages: a class with ``send`` (negotiation/sms.py). Console or file in development;
# a provider's backend in production is this setting and nothing else.
SMS_BACKEND = env.str("SMS_BACKEND", default="console")
SMS_FILE_PATH = env.path("SMS_FILE_PATH", default=BASE_DIR / "sms-outbox.jsonl")

# Paying online (negotiation/payproviders.py): the providers debtors may pay through, each a
# short name (``sandbox``) or the dotted path of a ``PaymentProvider`` class, which reads its
# own secrets from the environment. None in production until the bank adds one; the
# sandbox plays a provider on this server, in test mode: refused with DEBUG off
# (``check --deploy``, negotiation.E011) unless PAYMENTS_SANDBOX_ENABLED says so on purpose.
PAYMENT_PROVIDERS = env.list("PAYMENT_PROVIDERS", default=["sandbox"] if DEBUG else [])
PAYMENTS_SANDBOX_ENABLED = env.bool("PAYMENTS_SANDBOX_ENABLED", default=DEBUG)
# The key the sandbox signs its notifications with (HMAC-SHA256); by default one derived
# from SECRET_KEY, which is enough for a simulation that moves no money.
PAYMENT_SANDBOX_SECRET = env.str("PAYMENT_SANDBOX_SECRET", default="")
# A provider's notification is refused when its signed time is further than this from ours
# (a recorded notification replayed later), in seconds.
PAYMENT_WEBHOOK_TOLERANCE_SECONDS = env.int("PAYMENT_WEBHOOK_TOLERANCE_SECONDS", default=300)
# How long the portal shows a started payment as waiting before it expires it (a late
# confirmation is still recorded).
PAYMENT_INTENT_MINUTES = env.int("PAYMENT_INTENT_MINUTES", default=30)
# The name the provider's page shows the debtor as the one they pay.
PAYMENT_MERCHANT_NAME = env.str("PAYMENT_MERCHANT_NAME", default="Example Bank card services")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Celery: with no broker configured, tasks run eagerly in the web process (DESIGN.md section 8).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_RESULT_EXPIRES = None  # no results are kept, so beat has nothing to clean up
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# With the broker down, queueing a task gives up within about two seconds (the work is in
# the database: the dispatcher and the jobs pick it up), so a staff action never stalls.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
# A queue per kind of work, so each can have its own workers on its own machines
# (docs/DEPLOY.md): messages go out however long a night job or an import runs, and a PDF
# storm does not hold up either. A worker started without -Q takes every queue (`make
# worker`); `celery -A portal worker -Q messages` takes one. A task not named here goes to
# the default queue, which every worker without -Q also takes.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES_BY_KIND: dict[str, list[str]] = {
    "messages": [
        "notifications.send",
        "notifications.send_batch",
        "negotiation.tasks.send_due_notifications",
    ],
    "documents": [
        "agreements.store_signed",
        "agreements.store_signed_amendment",
        "letters.issue_payoff",
    ],
    "imports": ["imports.run", "imports.invite"],
    "jobs": [
        "negotiation.tasks.expire_counter_offers",
        "negotiation.tasks.follow_plans",
        "negotiation.tasks.refresh_aging",
        "negotiation.tasks.escalate_overdue_requests",
        "negotiation.tasks.expire_payment_intents",
        "negotiation.tasks.purge_identity_records",
        "negotiation.tasks.purge_expired_personal_data",
        "negotiation.tasks.export_due_debits",
    ],
}
CELERY_TASK_ROUTES = {
    task: {"queue": queue} for queue, tasks in CELERY_TASK_QUEUES_BY_KIND.items() for task in tasks
}
CELERY_TASK_QUEUES = [
    Queue(name) for name in (CELERY_TASK_DEFAULT_QUEUE, *CELERY_TASK_QUEUES_BY_KIND)
]
# Scheduled jobs, run by `make beat` (one beat process for the whole deployment). The
# schedule lives in the database (django-celery-beat) so staff can change it in the admin;
# these are the defaults installed on migrate when an entry is missing, never overwriting
# an edit (negotiation/schedules.py).
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
DEFAULT_PERIODIC_TASKS: dict[str, dict[str, Any]] = {
    # Every five minutes: emails and SMS held for contact hours go out from 08:00.
    "send-due-notifications": {
        "task": "negotiation.tasks.send_due_notifications",
        "every_seconds": 300,
    },
    # Hourly: an offer closes within the hour after its date.
    "expire-counter-offers": {
        "task": "negotiation.tasks.expire_counter_offers",
        "every_seconds": 3600,
    },
    # Hourly: a late answer reaches a supervisor within the hour.
    "escalate-overdue-requests": {
        "task": "negotiation.tasks.escalate_overdue_requests",
        "every_seconds": 3600,
    },
    # Just after midnight: the new day's days past due and stages.
    "refresh-aging": {
        "task": "negotiation.tasks.refresh_aging",
        "crontab": {"hour": "0", "minute": "15"},
    },
    # Every morning, before the day's contacts: overdue, broken, expired, reminders.
    "follow-plans": {
        "task": "negotiation.tasks.follow_plans",
        "crontab": {"hour": "6", "minute": "0"},
    },
    # Every morning, before the follow-up: the day's due debits for the bank's core system.
    "export-due-debits": {
        "task": "negotiation.tasks.export_due_debits",
        "crontab": {"hour": "5", "minute": "30"},
    },
    # Every five minutes: online payments whose provider never answered stop showing as
    # waiting (services.intents.expire_payment_intents).
    "expire-payment-intents": {
        "task": "negotiation.tasks.expire_payment_intents",
        "every_seconds": 300,
    },
    # Nightly: identity-check failures and one-time codes no limit reads any more.
    "purge-identity-records": {
        "task": "negotiation.tasks.purge_identity_records",
        "crontab": {"hour": "3", "minute": "30"},
    },
    # Nightly, when no one works on requests: what the retention periods below let go.
    "purge-expired-personal-data": {
        "task": "negotiation.tasks.purge_expired_personal_data",
        "crontab": {"hour": "3", "minute": "45"},
    },
}

# Business settings: editable per deployment, never buried in code.
# Time to answer a request, in business days (Monday to Friday), by kind of relief.
RELIEF_SLA_BUSINESS_DAYS = {
    ReliefKind.INSTALLMENT: env.int("RELIEF_SLA_DAYS_INSTALLMENT", default=2),
    ReliefKind.DEFERRAL: env.int("RELIEF_SLA_DAYS_DEFERRAL", default=1),
    ReliefKind.INTEREST_FREEZE: env.int("RELIEF_SLA_DAYS_INTEREST_FREEZE", default=3),
}
# How long a counter-offer stays open for the debtor unless the specialist sets a date.
COUNTER_OFFER_DAYS = env.int("COUNTER_OFFER_DAYS", default=14)
# How far ahead a debtor may promise a payment (reminders rest until the day promised).
PROMISE_MAX_DAYS = env.int("PROMISE_MAX_DAYS", default=14)
# Changing a signed plan by self-service (services.planchanges): a new payment day at most
# once in this many months; a change set out for signature lapses after this many hours
# unsigned; a request for another change is answered within this many business days.
PLAN_CHANGE_DAY_INTERVAL_MONTHS = env.int("PLAN_CHANGE_DAY_INTERVAL_MONTHS", default=6)
PLAN_CHANGE_SIGNATURE_HOURS = env.int("PLAN_CHANGE_SIGNATURE_HOURS", default=48)
PLAN_CHANGE_REQUEST_ANSWER_DAYS = env.int("PLAN_CHANGE_REQUEST_ANSWER_DAYS", default=3)
# Automatic repayment (services.mandates). The bank's core system needs this many business
# days' notice to stop a debit, or to take the first one of a new mandate; a cancellation
# later than that stops the debits after the next one (docs/ARCHITECTURE.md).
MANDATE_NOTICE_BUSINESS_DAYS = env.int("MANDATE_NOTICE_BUSINESS_DAYS", default=3)
# Business days are Monday to Friday except the public holidays below, plus the weekend days
# made working days (调休上班). Source: 国务院办公厅关于2026年部分节假日安排的通知 (the State
# Council's notice of 4 November 2025, Xinhua). 2027's notice is published each year around
# November: add its days then (docs/OPERATIONS.md, "Automatic repayment").
BANK_HOLIDAYS = env_dates(
    "BANK_HOLIDAYS",
    [
        *("2026-01-01", "2026-01-02", "2026-01-03"),  # New Year
        *(f"2026-02-{day}" for day in range(15, 24)),  # Spring Festival, 15-23 February
        *("2026-04-04", "2026-04-05", "2026-04-06"),  # Qingming
        *(f"2026-05-0{day}" for day in range(1, 6)),  # Labour Day, 1-5 May
        *("2026-06-19", "2026-06-20", "2026-06-21"),  # Dragon Boat
        *("2026-09-25", "2026-09-26", "2026-09-27"),  # Mid-Autumn
        *(f"2026-10-0{day}" for day in range(1, 8)),  # National Day, 1-7 October
    ],
)
BANK_MAKEUP_WORKDAYS = env_dates(
    "BANK_MAKEUP_WORKDAYS",
    ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"],
)
# Where the daily file of due debits for the bank's core system is written (private: it
# holds account numbers; docs/OPERATIONS.md says who takes it and when it goes).
DIRECT_DEBIT_EXPORT_DIR = Path(
    env.str("DIRECT_DEBIT_EXPORT_DIR", default=str(Path(str(PRIVATE_MEDIA_ROOT)) / "direct-debits"))
)
# Days a mandate's debit account number is kept after its last debit could be exported (so
# the day's export can be run again), before it is emptied (PIPL Art. 19).
MANDATE_ACCOUNT_NUMBER_KEEP_DAYS = env_days("MANDATE_ACCOUNT_NUMBER_KEEP_DAYS", 7)
# Disputes (services.disputes): answered within DISPUTE_ANSWER_DAYS calendar days of the day
# received; in a complex case extendable once, with the reason told to the debtor, to
# DISPUTE_EXTENDED_ANSWER_DAYS in all. Source: 银行业保险业消费投诉处理管理办法 (原中国银保监会令
# 2020年第3号), Art. 21 (15 days; up to 15 more for complex cases, with notice). An objection
# to what the credit report shows (征信异议) is answered within CREDIT_REPORT_OBJECTION_DAYS
# days: 征信业管理条例, Art. 25. Both are the law's maximum: a bank may answer sooner.
DISPUTE_ANSWER_DAYS = env.int("DISPUTE_ANSWER_DAYS", default=15)
DISPUTE_EXTENDED_ANSWER_DAYS = env.int("DISPUTE_EXTENDED_ANSWER_DAYS", default=30)
CREDIT_REPORT_OBJECTION_DAYS = env.int("CREDIT_REPORT_OBJECTION_DAYS", default=20)
if not 0 < DISPUTE_ANSWER_DAYS < DISPUTE_EXTENDED_ANSWER_DAYS:
    raise ImproperlyConfigured(
        "DISPUTE_ANSWER_DAYS must be above 0 and below DISPUTE_EXTENDED_ANSWER_DAYS."
    )
# Extra support (services.support; DOMAIN.md, "Extra support"). For a debtor who said they
# need it: at most one reminder by email or SMS in SUPPORT_REMINDER_INTERVAL_DAYS, over all
# their accounts (instead of 7 per account in 7 days); every deadline the debtor must meet
# (a counter-offer's answer, signing a plan) SUPPORT_DEADLINE_FACTOR times as long (a
# counter-offer's 14 days become 28). Bank policy, in the spirit of FCA FG21/1 (flexible
# treatment, more time); the numbers are not set by any rule. What was said is kept
# RETENTION_SUPPORT_NEED_DAYS after the debtor last said it (PIPL Art. 19), then removed
# unless they say it again; the form tells them so.
SUPPORT_REMINDER_INTERVAL_DAYS = env.int("SUPPORT_REMINDER_INTERVAL_DAYS", default=3)
SUPPORT_DEADLINE_FACTOR = env.int("SUPPORT_DEADLINE_FACTOR", default=2)
RETENTION_SUPPORT_NEED_DAYS = env_days("RETENTION_SUPPORT_NEED_DAYS", 365)
if SUPPORT_REMINDER_INTERVAL_DAYS < 1 or SUPPORT_DEADLINE_FACTOR < 1:
    raise ImproperlyConfigured(
        "SUPPORT_REMINDER_INTERVAL_DAYS and SUPPORT_DEADLINE_FACTOR must be 1 or more."
    )
# Contact rules (services.contacts.record_contact; DOMAIN.md, "Contact rules"). Unanswered
# calls to one number a day: China Banking Association, 金融机构个人消费类贷款催收工作指引（试行）
# (2026-01-30), "当天不宜超过6次". Calls that reach the debtor a day: the 2025 national standard
# on post-loan collection of online consumer credit (互联网金融 个人网络消费信贷 贷后催收风控指引),
# "主动有效通话每日不应超过3次". Failed calls in a row before the debtor counts as unreachable and
# their emergency contact may be asked for a call back: the 2026 guideline (as the issue gives
# it: see DOMAIN.md). The debtor's day is their own calendar day, in their time zone.
CONTACT_MAX_UNANSWERED_CALLS_PER_NUMBER = env.int(
    "CONTACT_MAX_UNANSWERED_CALLS_PER_NUMBER", default=6
)
CONTACT_MAX_EFFECTIVE_CALLS_PER_DEBTOR = env.int(
    "CONTACT_MAX_EFFECTIVE_CALLS_PER_DEBTOR", default=3
)
CONTACT_FAILED_CALLS_BEFORE_THIRD_PARTY = env.int(
    "CONTACT_FAILED_CALLS_BEFORE_THIRD_PARTY", default=3
)
if (
    min(
        CONTACT_MAX_UNANSWERED_CALLS_PER_NUMBER,
        CONTACT_MAX_EFFECTIVE_CALLS_PER_DEBTOR,
        CONTACT_FAILED_CALLS_BEFORE_THIRD_PARTY,
    )
    < 1
):
    raise ImproperlyConfigured("The CONTACT_ limits must be 1 or more.")
# Call backs the debtor books (services.callbacks; callbackslots): slots of this many
# minutes inside their contact hours, at least the lead time ahead, on the bank's working
# days up to this many days ahead, and at most this many booked in one slot across all
# debtors (what the team can call in the slot).
CALLBACK_SLOT_MINUTES = env.int("CALLBACK_SLOT_MINUTES", default=30)
CALLBACK_LEAD_MINUTES = env.int("CALLBACK_LEAD_MINUTES", default=60)
CALLBACK_DAYS_AHEAD = env.int("CALLBACK_DAYS_AHEAD", default=7)
CALLBACK_SLOT_CAPACITY = env.int("CALLBACK_SLOT_CAPACITY", default=4)
if min(CALLBACK_SLOT_MINUTES, CALLBACK_DAYS_AHEAD, CALLBACK_SLOT_CAPACITY) < 1 or (
    CALLBACK_LEAD_MINUTES < 0 or (60 % CALLBACK_SLOT_MINUTES and CALLBACK_SLOT_MINUTES % 60)
):
    raise ImproperlyConfigured(
        "The CALLBACK_ settings must be 1 or more (the lead time 0 or more), and a slot a "
        "whole part or a whole number of hours."
    )
# Affordability: the regular payment as a share of disposable income (income - expenses -
# dependents x allowance). The allowance per dependent per month is bank policy; a city's
# minimum living standard (城市居民最低生活保障标准, about ¥1,000 a month in large cities in
# 2025) is a floor to set it from. ``manage.py check`` refuses thresholds out of order.
AFFORDABILITY_FITS_MAX_RATIO = env_decimal("AFFORDABILITY_FITS_MAX_RATIO", "0.50")
AFFORDABILITY_TIGHT_MAX_RATIO = env_decimal("AFFORDABILITY_TIGHT_MAX_RATIO", "0.80")
AFFORDABILITY_DEPENDENT_ALLOWANCE = env_decimal("AFFORDABILITY_DEPENDENT_ALLOWANCE", "1000.00")
# The highest annual rate (by IRR, in percent) a program may make a debtor pay. Courts
# reduce card charges above 24% a year: SPC, 关于进一步加强金融审判工作的若干意见 (法发〔2017〕
# 22号), item 2. Program validation refuses bounds that could disclose more.
DISCLOSED_ANNUAL_RATE_CEILING = env_decimal("DISCLOSED_ANNUAL_RATE_CEILING", "24.00")
# Retention (PIPL Art. 19: kept no longer than its purpose needs; services.retention, nightly).
# Days after a request closes (rejected, withdrawn, expired, or its plan ended) until its
# documents are deleted, and until the debtor's own words and figures on it are removed. The
# plan, its signed agreement, the payments and the audit trail are the bank's records of the
# contract and are kept. Why these defaults: docs/OPERATIONS.md, "Retention".
RETENTION_DOCUMENT_DAYS = env_days("RETENTION_DOCUMENT_DAYS", 180)
RETENTION_REQUEST_DAYS = env_days("RETENTION_REQUEST_DAYS", 4 * 365 + 1)
if RETENTION_REQUEST_DAYS < RETENTION_DOCUMENT_DAYS:  # the proof must not outlive what it proves
    raise ImproperlyConfigured(
        "RETENTION_REQUEST_DAYS cannot be shorter than RETENTION_DOCUMENT_DAYS."
    )

SESSION_COOKIE_HTTPONLY = True
# Idle timeout: a session ends SESSION_COOKIE_AGE after the last request (the expiry is
# moved on at most once a minute, negotiation/sessions.py), and SESSION_ABSOLUTE_SECONDS
# after signing in whatever the activity.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=30 * 60)
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_ABSOLUTE_SECONDS", default=12 * 3600)
SESSION_RENEW_AFTER_SECONDS = 60
# Every page of a signed-in person warns this long before the idle timeout or the cap, and
# keeps what was typed on it (static/js/session-timeout.js); "Stay signed in" starts the
# idle clock again (the cap cannot be moved).
SESSION_WARNING_SECONDS = env.int("SESSION_WARNING_SECONDS", default=120)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
LANGUAGE_COOKIE_SAMESITE: Literal["Lax"] = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
# What no page of the portal uses, so no script could ask for it.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)
# Every page, the debtor's and the staff site, loads its scripts, styles, images and fonts
# from the portal itself and nothing else: no inline script or style anywhere (the templates
# are scanned for them, tests/unit/test_templates_inline.py), so a script injected into a page
# does not run. No data: images either: Bootstrap's own (the select arrow, the tick of a
# checkbox, the menu icon) are files beside it (named by frontend/portal-bootstrap.scss), and the
# staff's set-up QR code is SVG markup in the page. No page may be framed, no form posted away.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # __Host-: the browser sends them only over HTTPS, for this host, path / (no subdomain
    # can set or read them). Only where they are Secure, as the prefix requires.
    if SESSION_COOKIE_SECURE:
        SESSION_COOKIE_NAME = "__Host-sessionid"
    if CSRF_COOKIE_SECURE:
        CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # The load balancer's health check speaks plain HTTP to the web process.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # No log line holds an email, a resident ID, a card or a phone number (logredact).
    "filters": {"personal_data": {"()": "negotiation.logredact.RedactPersonalData"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["personal_data"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint narrates every step of every PDF at INFO, and fontTools every subset.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
