"""The application factory: `flask --app app run` serves all four panels; `flask --app app <command>`
runs the operations commands (migrate, seed-demo, worker, scheduler, run-all)."""
from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import Babel
from flask_babel import gettext as _
from flask_login import LoginManager
from flask_wtf.csrf import CSRFError, CSRFProtect

from tenants import CATALOGS
from tenants.accounts import auth, totp
from tenants.accounts import sessions as login_sessions
from tenants.calendar import JST
from tenants.crypto import SecretBox
from tenants.db import make_engine, make_session_factory
from tenants.errors import NotFound
from tenants.settings import load_settings
from web import headers, panels, request_guard, rights
from web.panels import Panel, panel_for

LOCALES = ("ja", "en")


def create_app(config: dict | None = None) -> Flask:
    config = dict(config or {})
    settings = load_settings({k.lower(): v for k, v in config.items() if k.isupper() and k in _SETTING_KEYS})
    app = Flask(__name__, instance_path=str(settings.instance_path))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
        BABEL_DEFAULT_LOCALE=settings.default_locale,
        BABEL_DEFAULT_TIMEZONE="Asia/Tokyo",
        BABEL_TRANSLATION_DIRECTORIES=str(CATALOGS),
        WTF_CSRF_TIME_LIMIT=None,
        SETTINGS=settings,
    )
    app.config.update({k: v for k, v in config.items() if k not in _SETTING_KEYS})

    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    app.extensions["panel.engine"] = engine
    app.extensions["panel.sessions"] = sessions
    app.extensions["panel.box"] = SecretBox(settings.encryption_keys)

    import workers.runtime
    workers.runtime.configure(settings, sessions)

    if settings.trusted_proxies:  # the client's own address, as the proxies in front report it
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies)

    request_guard.install(app)
    headers.install(app)
    csrf = CSRFProtect(app)
    Babel(app, locale_selector=_select_locale)
    _init_login(app, sessions)
    rights.install(app)
    _register_blueprints(app)
    from panel.api import bp as api_bp
    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)  # bearer tokens only: the API never reads the session cookie
    _register_errors(app)
    _register_template_helpers(app, settings)

    from workers.cli import register_commands
    register_commands(app)
    return app


def serving_app(config: dict | None = None) -> Flask:
    """The app as a long-running web process serves it (`make run`; gunicorn 'app:serving_app()').

    After start-up every object the app made (models, mappers, templates, catalogs: about 150,000)
    is moved out of the garbage collector's sight with gc.freeze(); otherwise each full collection
    walks them all, about every 150 requests, and the request that triggers it waits ~80 ms.
    Tests use create_app() directly: they make many apps, which must stay collectable.
    """
    import gc

    app = create_app(config)
    gc.collect()
    gc.freeze()
    return app


_SETTING_KEYS = {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ENCRYPTION_KEYS", "INSTANCE_PATH",
                 "SMTP_HOST", "SMTP_PORT", "MAIL_FROM", "PROVIDER_NAME", "MONITOR_INTERVAL_MINUTES",
                 "SESSION_IDLE_MINUTES", "SESSION_MAX_HOURS", "TRUSTED_PROXIES", "SSH_FROM_ADDRESS", "PUBLIC_URL",
                 "ACME_DIRECTORY", "ACME_CONTACT", "ACME_CA_BUNDLE"}


def _select_locale():
    lang = session.get("lang")
    if lang in LOCALES:
        return lang
    return current_app.config.get("BABEL_DEFAULT_LOCALE", "ja")


def _init_login(app: Flask, sessions) -> None:
    manager = LoginManager(app)
    manager.session_protection = "basic"

    settings = app.config["SETTINGS"]
    lifetime = login_sessions.Lifetime(idle=timedelta(minutes=settings.session_idle_minutes),
                                       absolute=timedelta(hours=settings.session_max_hours))

    @manager.user_loader
    def load_principal(token: str):
        from tenants.tenancy import Scope

        s = sessions().bind_scope(Scope.system())
        try:
            principal = login_sessions.principal_for_session(s, token, lifetime)
            if principal is None:
                return None
            principal.must_enrol_totp = totp.must_enrol(s, principal)
            # Loaded with what the layouts show; detach: the request's own scoped session does the rest.
            s.expunge_all()
            return principal
        finally:
            s.close()

    @manager.unauthorized_handler
    def unauthorized():
        panel = panel_for(request.path)
        target = panel.login if panel in (panels.PROVIDER, panels.MANAGED) else panels.RESELLER.login
        return redirect(url_for(target, next=request.full_path.rstrip("?")))


def _register_blueprints(app: Flask) -> None:
    import web
    from enduser import bp as enduser_bp
    from panel.managed import bp as managed_bp
    from panel.provider import bp as provider_bp
    from panel.reseller import bp as reseller_bp
    from web.db import close_db

    app.register_blueprint(web.bp)
    app.register_blueprint(provider_bp)
    app.register_blueprint(reseller_bp)
    app.register_blueprint(enduser_bp)
    app.register_blueprint(managed_bp)
    app.teardown_appcontext(close_db)

    @app.get("/")
    def index():
        from web.db import system_session

        s = system_session()
        try:
            reseller = auth.reseller_for_host(s, request.host.split(":")[0])
        finally:
            s.close()
        if reseller is not None:  # the reseller's own host name serves only its end-user panel
            return redirect(url_for("enduser.login", code=reseller.code))
        return render_template("index.html")

    @app.get("/lang/<lang>")
    def set_language(lang):
        from web.auth import safe_next

        if lang in LOCALES:
            session["lang"] = lang
        return redirect(safe_next(url_for("index")))

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}


def _enduser_reseller():
    """The reseller whose end-user panel this path is in, even when no route matched."""
    if g.get("reseller") is None and panel_for(request.path) is panels.ENDUSER and "\x00" not in request.path:
        from web.db import system_session

        code = request.path.split("/")[2]
        s = system_session()
        try:
            reseller = auth.reseller_for_code(s, code)
            if reseller is not None:
                s.expunge(reseller)
                g.reseller = reseller
        finally:
            s.close()
    return g.get("reseller")


def _panel() -> Panel | None:
    """This request's panel; the end-user panel only under a reseller code that exists."""
    panel = panel_for(request.path)
    if panel is panels.ENDUSER and _enduser_reseller() is None:
        return None
    return panel


def _layout_for_path() -> str:
    panel = _panel()
    return panel.layout if panel else "plain.html"


def _home_for_path() -> str:
    panel = _panel()
    if panel is None:
        return url_for("index")
    return url_for(panel.home, code=g.reseller.code) if panel is panels.ENDUSER else url_for(panel.home)


def _register_errors(app: Flask) -> None:
    def render_error(code: int, title: str, message: str, back: str | None = None):
        return render_template("errors/error.html", layout=_layout_for_path(), code=code, title=title,
                               message=message, home=_home_for_path(), back=back), code

    @app.errorhandler(404)
    @app.errorhandler(NotFound)
    def not_found(_e):
        if request.path.startswith("/api/"):  # the API answers in its one JSON error shape
            from panel.api import error_response

            return error_response(404, "not_found", _("There is nothing here, or it is not yours to see."))
        return render_error(404, _("Not found"), _("There is nothing here, or it is not yours to see."))

    @app.errorhandler(403)
    def forbidden(_e):
        return render_error(403, _("Forbidden"), _("You may not do this."))

    @app.errorhandler(CSRFError)
    def csrf_error(_e):
        return render_error(400, _("Form expired"), _("The form was too old or not sent from this site. "
                                                       "Go back, reload the page and try again."))

    @app.errorhandler(headers.ForeignOrigin)
    def foreign_origin(e):
        return render_error(400, _("Form expired"), str(e.description))

    @app.errorhandler(request_guard.UnacceptableCharacter)
    def unacceptable_character(e):
        if request.path.startswith("/api/"):
            from panel.api import error_response

            return error_response(400, "invalid_character", str(e.description), e.field)
        return render_error(400, _("Character not allowed"), str(e.description))

    @app.errorhandler(413)
    def too_large(_e):
        # Every upload form posts to its own page, so the request's path leads back to it.
        limit = request.max_content_length or 0
        return render_error(413, _("Too large"), _("The upload is larger than this form accepts: at most %(mb)s MB. "
                                                   "Nothing was saved. Go back and choose a smaller file.",
                                                   mb=limit // (1024 * 1024)), back=request.path)

    @app.errorhandler(500)
    def server_error(_e):
        return render_error(500, _("Something went wrong"),
                            _("The error has been logged. Nothing you sent was saved; please try again."))


def _register_template_helpers(app: Flask, settings) -> None:
    @app.template_filter("jst")
    def jst(value, fmt="%Y-%m-%d %H:%M"):
        return value.astimezone(JST).strftime(fmt) if value else ""

    @app.context_processor
    def common():
        from flask_babel import get_locale

        return {"provider_name": settings.provider_name, "current_locale": str(get_locale() or "ja")}
