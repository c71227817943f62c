"""All configuration, read once from the environment (and an optional ``.env`` file)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_MARKERS = ("changeme", "change-me", "replace-me", "xxx")


class Settings(BaseSettings):
    """Every variable is mirrored, with its default, in ``.env.example``."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    environment: Literal["development", "production"] = Field(
        default="development", alias="NETRA_ENV"
    )
    data_dir: Path = Field(default=Path("data"), alias="NETRA_DATA_DIR")
    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    # Group commit: turns arriving together share one transaction, at most TURN_BATCH_MAX of
    # them; TURN_BATCHES transactions at once (0: 1 on SQLite, 2 on PostgreSQL), a further one
    # only when more turns wait than one batch takes.
    turn_batch_max: int = Field(default=32, ge=1, alias="TURN_BATCH_MAX")
    turn_batches: int = Field(default=0, ge=0, alias="TURN_BATCHES")
    host: str = Field(default="127.0.0.1", alias="NETRA_HOST")
    port: int = Field(default=8000, alias="NETRA_PORT")
    log_level: str = Field(default="INFO", alias="NETRA_LOG_LEVEL")

    identity_keys: SecretStr | None = Field(default=None, alias="NETRA_IDENTITY_KEYS")
    blind_index_key: SecretStr | None = Field(default=None, alias="NETRA_BLIND_INDEX_KEY")
    content_keys: SecretStr | None = Field(default=None, alias="NETRA_CONTENT_KEYS")

    conversation_idle_minutes: int = Field(
        default=30, ge=1, alias="NETRA_CONVERSATION_IDLE_MINUTES"
    )
    draft_retention_days: int = Field(default=7, ge=1, alias="NETRA_DRAFT_RETENTION_DAYS")
    reporting_window_days: int = Field(default=7, ge=1, alias="NETRA_REPORTING_WINDOW_DAYS")
    max_tickets_per_day: int = Field(default=5, ge=1, alias="NETRA_MAX_TICKETS_PER_DAY")
    status_max_failures: int = Field(default=5, ge=1, alias="NETRA_STATUS_MAX_FAILURES")
    status_lockout_minutes: int = Field(default=60, ge=1, alias="NETRA_STATUS_LOCKOUT_MINUTES")
    description_max_chars: int = Field(default=3000, ge=100, alias="NETRA_DESCRIPTION_MAX_CHARS")
    evidence_max_items: int = Field(default=10, ge=1, alias="NETRA_EVIDENCE_MAX_ITEMS")
    # The election calendar (stages, polling day, re-votes): a file in storage/data/calendar
    # by name, or a path to a TOML file of the same shape.
    election_calendar: str = Field(default="pilkada-2024", alias="NETRA_ELECTION_CALENDAR")

    # Bawaslu side: dashboard sessions, login throttling, the legal processing window.
    dashboard_session_hours: int = Field(default=12, ge=1, alias="NETRA_DASHBOARD_SESSION_HOURS")
    login_max_failures: int = Field(default=5, ge=1, alias="NETRA_LOGIN_MAX_FAILURES")
    login_lockout_minutes: int = Field(default=15, ge=1, alias="NETRA_LOGIN_LOCKOUT_MINUTES")
    processing_days: int = Field(default=3, ge=1, alias="NETRA_PROCESSING_DAYS")
    info_extension_days: int = Field(default=2, ge=0, alias="NETRA_INFO_EXTENSION_DAYS")

    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    telegram_webhook_secret: SecretStr | None = Field(default=None, alias="TELEGRAM_WEBHOOK_SECRET")
    telegram_api_base_url: str = Field(
        default="https://api.telegram.org", alias="TELEGRAM_API_BASE_URL"
    )
    public_base_url: str | None = Field(default=None, alias="PUBLIC_BASE_URL")

    # WhatsApp through Twilio: off unless the account SID, token and sender are all set.
    twilio_account_sid: str | None = Field(default=None, alias="TWILIO_ACCOUNT_SID")
    twilio_auth_token: SecretStr | None = Field(default=None, alias="TWILIO_AUTH_TOKEN")
    twilio_whatsapp_from: str | None = Field(default=None, alias="TWILIO_WHATSAPP_FROM")
    twilio_api_base_url: str = Field(default="https://api.twilio.com", alias="TWILIO_API_BASE_URL")
    # Media is fetched only from this origin (default: the API base URL's); nothing else.
    twilio_media_host: str | None = Field(default=None, alias="TWILIO_MEDIA_HOST")
    # Hosts Twilio may redirect a media download to (suffix match); the token is not sent there.
    twilio_media_redirect_hosts: str = Field(
        default="twiliocdn.com", alias="TWILIO_MEDIA_REDIRECT_HOSTS"
    )
    # Approved templates (ContentSid) sent outside WhatsApp's 24-hour window instead of text.
    twilio_template_notify: str | None = Field(default=None, alias="TWILIO_TEMPLATE_NOTIFY")
    twilio_template_notify_en: str | None = Field(default=None, alias="TWILIO_TEMPLATE_NOTIFY_EN")

    # --- web chat ---
    # How long a browser keeps its conversation (the cookie), renewed by each message.
    web_cookie_hours: int = Field(default=72, ge=1, le=24 * 30, alias="NETRA_WEB_COOKIE_HOURS")
    # Header carrying the client address when a reverse proxy is in front (e.g.
    # X-Forwarded-For); unset means the socket peer, since any client can forge the header.
    web_proxy_header: str | None = Field(default=None, alias="NETRA_WEB_PROXY_HEADER")
    web_new_chats_per_hour: int = Field(default=10, ge=1, alias="NETRA_WEB_NEW_CHATS_PER_HOUR")
    web_new_chats_total_per_hour: int = Field(
        default=600, ge=1, alias="NETRA_WEB_NEW_CHATS_TOTAL_PER_HOUR"
    )
    web_messages_per_minute: int = Field(default=60, ge=1, alias="NETRA_WEB_MESSAGES_PER_MINUTE")
    web_messages_total_per_minute: int = Field(
        default=1200, ge=1, alias="NETRA_WEB_MESSAGES_TOTAL_PER_MINUTE"
    )
    web_uploads_per_hour: int = Field(default=40, ge=1, alias="NETRA_WEB_UPLOADS_PER_HOUR")
    web_uploads_total_per_hour: int = Field(
        default=2000, ge=1, alias="NETRA_WEB_UPLOADS_TOTAL_PER_HOUR"
    )
    # Longest wait of one long-poll request for pushed messages (questions, status notices).
    web_poll_seconds: int = Field(default=25, ge=1, le=55, alias="NETRA_WEB_POLL_SECONDS")

    # --- dashboard accounts ---
    # Failed logins from one client address (any accounts) within NETRA_LOGIN_LOCKOUT_MINUTES
    # before that address is refused for a while: guessing across many accounts is stopped too.
    login_address_max_failures: int = Field(
        default=20, ge=1, alias="NETRA_LOGIN_ADDRESS_MAX_FAILURES"
    )
    # Office passphrase tries (reveal or re-seal of a sealed identity). Each runs scrypt with
    # 128 MiB, so at most this many at once in one process; a try waits up to 10 s for a free
    # slot, then the officer is told to try again.
    unlock_max_concurrent: int = Field(default=2, ge=1, alias="NETRA_UNLOCK_MAX_CONCURRENT")
    # Wrong passphrases within NETRA_UNLOCK_LOCKOUT_MINUTES before further tries are refused
    # unchecked: per officer, and per office key whoever tries (a team cannot pool guesses).
    unlock_officer_max_failures: int = Field(
        default=5, ge=1, alias="NETRA_UNLOCK_OFFICER_MAX_FAILURES"
    )
    unlock_key_max_failures: int = Field(default=10, ge=1, alias="NETRA_UNLOCK_KEY_MAX_FAILURES")
    unlock_lockout_minutes: int = Field(default=15, ge=1, alias="NETRA_UNLOCK_LOCKOUT_MINUTES")

    # --- operator ---
    # Who runs this Netra: the web chat's header and title, the consent text, and the sender
    # every reminder broadcast names (e.g. "Bawaslu Kota Bekasi").
    operator_name: str = Field(default="Bawaslu RI melalui Netra", alias="NETRA_OPERATOR_NAME")
    # A PNG/SVG/JPEG logo file shown beside the name; unset shows Netra's own mark.
    operator_logo_file: Path | None = Field(default=None, alias="NETRA_OPERATOR_LOGO_FILE")

    # --- platform rates ---
    # Replies to a reporter's own message go out at once, at most this many per second in one
    # chat after a burst of TELEGRAM_CHAT_BURST (Telegram asks ~1/s per chat, bursts allowed).
    telegram_chat_rate: float = Field(default=1.0, gt=0, alias="TELEGRAM_CHAT_RATE")
    telegram_chat_burst: int = Field(default=20, ge=1, alias="TELEGRAM_CHAT_BURST")
    # Bulk rates (TELEGRAM_BULK_RATE, TWILIO_WHATSAPP_MPS) are defined with the broadcasts below.

    # --- daily digest for Bawaslu offices (Telegram and e-mail) ---
    # Hour (office's own time zone) of the morning edition, and of the evening edition sent on
    # round-the-clock days (quiet period, polling day) of the election calendar.
    digest_hour: int = Field(default=7, ge=0, le=23, alias="NETRA_DIGEST_HOUR")
    digest_evening_hour: int = Field(default=19, ge=0, le=23, alias="NETRA_DIGEST_EVENING_HOUR")
    # A digest claimed this long after its hour (the process was down) is marked late.
    digest_late_minutes: int = Field(default=30, ge=1, alias="NETRA_DIGEST_LATE_MINUTES")
    smtp_host: str | None = Field(default=None, alias="SMTP_HOST")
    smtp_port: int = Field(default=587, ge=1, le=65535, alias="SMTP_PORT")
    smtp_username: str | None = Field(default=None, alias="SMTP_USERNAME")
    smtp_password: SecretStr | None = Field(default=None, alias="SMTP_PASSWORD")
    smtp_starttls: bool = Field(default=True, alias="SMTP_STARTTLS")
    mail_from: str = Field(default="netra@localhost", alias="NETRA_MAIL_FROM")
    # --- retention and crypto-shredding (issue 10) ---
    # Days after a ticket is closed, per closing status, before the reporter's identity, the
    # evidence and the free text are shredded (statistics and an audit entry stay).
    retention_selesai_days: int = Field(default=365, ge=1, alias="NETRA_RETENTION_SELESAI_DAYS")
    retention_tidak_ditindaklanjuti_days: int = Field(
        default=180, ge=1, alias="NETRA_RETENTION_TIDAK_DITINDAKLANJUTI_DAYS"
    )
    # A reporter identity no ticket, draft, subscription or waiting reply needs is deleted after
    # this many days of silence (a Telegram/WhatsApp subscriber's goes at once on opting out).
    retention_idle_identity_days: int = Field(
        default=1, ge=1, alias="NETRA_RETENTION_IDLE_IDENTITY_DAYS"
    )
    # Platform message ids kept to recognise retries; sent outbox rows.
    retention_dedup_days: int = Field(default=3, ge=1, alias="NETRA_RETENTION_DEDUP_DAYS")
    retention_sent_outbox_days: int = Field(
        default=7, ge=1, alias="NETRA_RETENTION_SENT_OUTBOX_DAYS"
    )

    # --- reminder broadcasts (issue 13) ---
    # Platform rates for bulk sends, shared by every process through the database.
    telegram_bulk_rate: float = Field(default=30.0, gt=0, alias="TELEGRAM_BULK_RATE")
    twilio_whatsapp_mps: float = Field(default=10.0, gt=0, alias="TWILIO_WHATSAPP_MPS")
    # The part of each rate broadcasts may use; the rest stays free for conversation replies,
    # which also go first whenever any are waiting.
    broadcast_rate_share: float = Field(default=0.8, gt=0, le=1, alias="NETRA_BROADCAST_RATE_SHARE")
    # Sending hours in the subscriber's own time zone (local hour, start inclusive, end exclusive).
    broadcast_hours_start: int = Field(default=7, ge=0, le=23, alias="NETRA_BROADCAST_HOURS_START")
    broadcast_hours_end: int = Field(default=20, ge=1, le=24, alias="NETRA_BROADCAST_HOURS_END")

    # --- listing and jobs at a million tickets ---
    # Rows per statement (and per commit) when the escalation job works through a backlog.
    escalation_batch: int = Field(default=500, ge=1, le=10_000, alias="NETRA_ESCALATION_BATCH")
    # Spent records (sent outbox rows, dedup records) are deleted in batches of this many rows,
    # each batch its own transaction; their periods are NETRA_RETENTION_*_DAYS above.
    purge_batch: int = Field(default=5000, ge=1, le=100_000, alias="NETRA_PURGE_BATCH")

    # --- routing, facts and clocks (issue 9) ---
    # Count the day the reporter learned of it as day 0 (last day = learned + 7) instead of
    # day 1 (last day = learned + 6, the earlier and safe date told to reporters).
    learned_day_is_day_zero: bool = Field(default=False, alias="NETRA_LEARNED_DAY_IS_DAY_ZERO")
    # (``operator_name``, NETRA_OPERATOR_NAME, below is also named in the consent text.)

    @property
    def effective_database_url(self) -> str:
        """SQLite under the data directory unless ``DATABASE_URL`` names another database."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'netra.db').resolve()}"

    @model_validator(mode="after")
    def _refuse_placeholders_in_production(self) -> Settings:
        if self.environment != "production":
            return self
        for name in ("identity_keys", "blind_index_key", "content_keys"):
            env = str(type(self).model_fields[name].alias)
            value: SecretStr | None = getattr(self, name)
            if value is None:
                raise ValueError(
                    f"{env} must be set in production (generate keys with `netra keys generate`)"
                )
            if any(m in value.get_secret_value().lower() for m in PLACEHOLDER_MARKERS):
                raise ValueError(f"{env} still holds a placeholder value")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
