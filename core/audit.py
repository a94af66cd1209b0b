"""The audit log: every write to the service's data, recorded as it happens.

Change logging is a cross-cutting concern (as NetBox does it), so no service writes its
own audit row: model signals record each save, delete and many-to-many change of our
models, of user accounts and of API credentials, and the sign-in signals record
sign-ins. Who acted and from where comes from the request, which ``AuditMiddleware``
keeps in a context variable; the user is read only when a write happens, because the
API authenticates (a bearer token) inside the view. Outside a request, commands and
tasks name the actor with ``acting(by=..., via="command")``.

Bulk writes that bypass the signals (``bulk_create``, a raw UPDATE) call
``record_many`` themselves, in the same transaction. The scale seeder
(``tests/perf/scale.py``) and the API benchmark's seeding write test data only and are
not audited, for speed.

Cost: one INSERT per write, no reads. The old values come from a copy of each row's
fields taken when it was loaded; the plan and organisation an event concerns come from
relations already in memory, or else from a subquery inside that same INSERT.

A file's content (bytes held in a row, such as an upload waiting for confirmation)
is never stored: the log keeps its name, size and SHA-256 checksum instead
(``core.changes.file_facts``), because nothing can ever delete an event.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import decimal
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import (
    user_logged_in,
    user_logged_out,
    user_login_failed,
)
from django.db import connections
from django.db.models import Model, Subquery
from django.db.models.signals import (
    m2m_changed,
    post_delete,
    post_init,
    post_migrate,
    post_save,
    pre_migrate,
)
from django.utils import timezone
from django.utils.functional import LazyObject, empty

from config.proxies import client_address
from core.actors import Writer, roles_of
from core.changes import file_facts
from core.models import AuditEvent

Action = AuditEvent.Action
Via = AuditEvent.Via

# The apps whose models are audited: each domain app registers itself at start-up
# (``register``, from its ``AppConfig.ready``), so the platform names none of them.
OUR_APPS: set[str] = set()
# Ours but not data anyone wrote: the log itself, and the answers kept for retried
# API requests.
NOT_AUDITED = {"core.AuditEvent", "core.IdempotencyRecord"}
# API credentials (django-oauth-toolkit): clients and the tokens issued to them.
CREDENTIALS = {"oauth2_provider.Application", "oauth2_provider.AccessToken"}
# Never stored, even hashed: a change to one reads "(changed)".
SECRET_FIELDS = {"password", "client_secret", "token", "token_checksum", "secret"}
LONGEST_VALUE = 500
# Where a row that holds a file's content keeps the file's name, first found first.
FILE_NAME_FIELDS = ("original_name", "name", "filename")

# For each model, where its plan and its organisation are: "pk" (itself), a
# foreign key on it ("plan"), or a path through others ("deliverable.plan"), as each
# app registers them. Models not named with a ``plan`` field belong to that plan.
WHERE: dict[str, tuple[str | None, str | None]] = {}


def is_audited(model: type[Model]) -> bool:
    """Whether writes to this model are recorded."""
    label = model._meta.label
    if label in NOT_AUDITED or model._meta.auto_created:
        return False
    if model.__name__.startswith("Historical"):  # simple-history's own rows
        return False
    if model._meta.app_label in OUR_APPS:
        return True
    return label in CREDENTIALS or label == settings.AUTH_USER_MODEL


# -- who is acting -------------------------------------------------------------


@dataclass
class _Context:
    """What is known about who is acting: a request (read lazily), or an actor
    named by ``acting``."""

    request: Any = None
    by: Writer | None = None
    via: str = Via.SYSTEM
    api_client: Any = None
    suspended: bool = False
    _who: _Who | None = field(default=None, repr=False)


@dataclass
class _Who:
    user: Any
    name: str
    api_client: Any
    via: str
    organisation_ids: list[int]
    address: str
    request: str
    user_agent: str

    def organisation_for(self, concerned: Any) -> int | None:
        """The actor's organisation: the client's; else the one the record belongs
        to, if the actor is a member of it; else their first."""
        if self.api_client is not None:
            return self.api_client.organisation_id
        if isinstance(concerned, int) and concerned in self.organisation_ids:
            return concerned
        return self.organisation_ids[0] if self.organisation_ids else None


_context: contextvars.ContextVar[_Context | None] = contextvars.ContextVar(
    "audit_context", default=None
)
# Set while ``migrate`` runs: data migrations may write before the table exists.
_migrating = False


@contextlib.contextmanager
def acting(
    *, by: Writer | None = None, via: str = Via.COMMAND, api_client: Any = None
) -> Iterator[None]:
    """Name who is acting for the writes inside the block, outside a web request.

    For management commands and background tasks::

        with audit.acting(by=user, via="command"):
            import_plan(...)
    """
    token = _context.set(_Context(by=by, via=via, api_client=api_client))
    try:
        yield
    finally:
        _context.reset(token)


@contextlib.contextmanager
def suspended() -> Iterator[None]:
    """Record nothing inside the block: for seeding test data only."""
    token = _context.set(_Context(suspended=True))
    try:
        yield
    finally:
        _context.reset(token)


class AuditMiddleware:
    """Keep the request where the audit log can find who acted, and from where."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        token = _context.set(_Context(request=request))
        try:
            return self.get_response(request)
        finally:
            _context.reset(token)


def _via_path(path: str) -> str:
    if path.startswith(("/api/", "/o/")):
        return Via.API
    if path.startswith("/admin/"):
        return Via.ADMIN
    return Via.BROWSER


def _where_from(request: Any) -> tuple[str, str, str]:
    if request is None:
        return "", "", ""
    return (
        (client_address(request) or "")[:64],
        f"{request.method} {request.path}"[:300],
        request.META.get("HTTP_USER_AGENT", "")[:200],
    )


def _organisation_ids(user: Any) -> list[int]:
    return sorted(roles_of(user)) if user is not None else []


def _who(context: _Context | None, request: Any = None) -> _Who:
    """Who is acting now. Kept for the rest of the request once it is known, since
    the API names its user (from the token) only as the view starts."""
    if context is None:
        context = _Context(request=request)
    if context._who is not None:
        return context._who
    request = context.request
    if request is None:
        user, client, via = context.by, context.api_client, context.via
        if not getattr(user, "is_authenticated", False):
            user = None
        known = True
    else:
        user = getattr(request, "user", None)
        if not getattr(user, "is_authenticated", False):
            user = None
        user = _unwrapped(user)
        token = getattr(request, "auth", None)
        application = getattr(token, "application", None)
        client = getattr(application, "api_client", None) if application else None
        via = _via_path(request.path)
        # Before the API has read the token, the user is not known yet.
        known = user is not None or not via == Via.API
    address, line, agent = _where_from(request)
    name = ""
    if client is not None:
        name = client.name
    elif user is not None:
        name = user.get_username()
    who = _Who(
        user=user,
        name=name[:150],
        api_client=client,
        via=via,
        organisation_ids=_organisation_ids(user),
        address=address,
        request=line,
        user_agent=agent,
    )
    if known:
        context._who = who
    return who


# -- what changed ----------------------------------------------------------------


def _file_name(row: dict[str, Any]) -> str:
    """The name of the file whose content a row holds, from its own fields."""
    for name in FILE_NAME_FIELDS:
        value = row.get(name)
        if isinstance(value, str) and value:
            return value[:LONGEST_VALUE]
    return ""


def _plain(value: Any, row: dict[str, Any] | None = None) -> Any:
    """A value as JSON can hold it, shortened; a file's content (bytes) as its
    name (from ``row``, the fields it came with), size and checksum."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return file_facts(bytes(value), name=_file_name(row or {}))
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | dict):
        text = str(value)
        return value if len(text) <= LONGEST_VALUE else text[:LONGEST_VALUE] + "…"
    if hasattr(value, "name") and hasattr(value, "storage"):  # a stored file
        value = value.name or ""
    text = str(value)
    return text if len(text) <= LONGEST_VALUE else text[:LONGEST_VALUE] + "…"


_MISSING = object()


def _fields(model: type[Model]) -> list[Any]:
    cached = _FIELDS.get(model)
    if cached is None:
        cached = [
            f
            for f in model._meta.concrete_fields
            if not f.primary_key and not getattr(f, "auto_now", False)
        ]
        _FIELDS[model] = cached
    return cached


_FIELDS: dict[type[Model], list[Any]] = {}


def _changes(
    instance: Model, action: str, update_fields: Iterable[str] | None = None
) -> dict[str, list[Any]]:
    """The fields written, as {"name": [old, new]}, compared with the row as it was
    loaded (or last saved)."""
    now = instance.__dict__
    was = getattr(instance, "_audit_was", None)
    # The fields an old value came with: a file's name is read from them.
    was_row = now if action == Action.DELETED else (was or now)
    only = set(update_fields) if update_fields else None
    changes: dict[str, list[Any]] = {}
    for f in _fields(type(instance)):
        if only is not None and f.name not in only and f.attname not in only:
            continue
        new = now.get(f.attname, _MISSING)
        if action == Action.CREATED:
            if new is _MISSING or new is None or new == "" or new == []:
                continue
            old = None
        elif action == Action.DELETED:
            old, new = new, None
            if old is _MISSING or old is None or old == "":
                continue
        else:
            old = was.get(f.attname, _MISSING) if was is not None else _MISSING
            if new is _MISSING or (old is not _MISSING and old == new):
                continue
            if old is _MISSING:
                old = None
        if f.name in SECRET_FIELDS:
            if action == Action.CREATED:
                changes[f.name] = [None, "(set)"]
            elif action == Action.CHANGED:
                changes[f.name] = ["(hidden)", "(changed)"]
            continue
        changes[f.name] = [_plain(old, was_row), _plain(new, now)]
    return changes


class _WouldRead(Exception):
    pass


def _refuse_reads(execute, sql, params, many, context):  # noqa: ARG001
    raise _WouldRead


def _text(instance: Model) -> str:
    """The record's own words (its ``str``) when they need no query; else its kind
    and id."""
    connection = connections[instance._state.db or "default"]
    try:
        with connection.execute_wrapper(_refuse_reads):
            text = str(instance)
    except Exception:  # noqa: BLE001 - any failure falls back to kind and id
        text = f"{instance._meta.verbose_name} {instance.pk}"
    return text[:300]


def _resolve(instance: Model, path: str | None) -> Any:
    """The id at the end of ``path`` ("deliverable.plan"), from relations already in
    memory; where one is not, a subquery that the event's INSERT runs itself."""
    if path is None:
        return None
    if path == "pk":
        return instance.pk
    *hops, last = path.split(".")
    obj: Any = instance
    for index, hop in enumerate(hops):
        relation = obj._meta.get_field(hop)
        if relation.is_cached(obj):
            obj = relation.get_cached_value(obj)
            if obj is None:
                return None
            continue
        key = getattr(obj, relation.attname)
        if key is None:
            return None
        rest = "__".join([*hops[index + 1 :], last])
        return Subquery(
            relation.related_model._base_manager.filter(pk=key).values(rest)[:1]
        )
    return getattr(obj, obj._meta.get_field(last).attname)


def _where(model: type[Model]) -> tuple[str | None, str | None]:
    found = WHERE.get(model._meta.label)
    if found is None:
        names = {f.name for f in model._meta.concrete_fields}
        found = WHERE[model._meta.label] = ("plan" if "plan" in names else None, None)
    return found


def _unwrapped(obj: Any) -> Any:
    """The object itself, not a lazy stand-in (``request.user``)."""
    while isinstance(obj, LazyObject):  # may be wrapped more than once
        if obj._wrapped is empty:
            obj._setup()
        obj = obj._wrapped
    return obj


def _client_of_token(instance: Model) -> Any:
    """The client a token was issued to, if its relations are in memory (they are
    when it is issued; a revoked client's token names the person revoking)."""
    application = instance._state.fields_cache.get("application")
    if application is None:
        return None
    return application._state.fields_cache.get("api_client")


def build(
    instance: Model,
    action: str,
    changes: dict[str, Any] | None = None,
    *,
    who: _Who | None = None,
) -> AuditEvent:
    """The event recording ``action`` on ``instance`` by whoever is acting now."""
    instance = _unwrapped(instance)
    who = who or _who(_context.get())
    plan_path, organisation_path = _where(type(instance))
    organisation = _resolve(instance, organisation_path)
    client = who.api_client
    if client is None and instance._meta.label == "oauth2_provider.AccessToken":
        client = _client_of_token(instance)
    actor_organisation = (
        client.organisation_id
        if client is not None
        else who.organisation_for(organisation)
    )
    return AuditEvent(
        at=timezone.now(),
        actor=who.user,
        actor_name=who.name or (client.name if client else ""),
        api_client=client,
        via=who.via,
        actor_organisation_id=actor_organisation,
        organisation_id=organisation,
        plan_id=_resolve(instance, plan_path),
        action=action,
        object_type=instance._meta.label,
        object_id=str(instance.pk if instance.pk is not None else ""),
        object_text=_text(instance),
        changes=changes or {},
        address=who.address,
        request=who.request,
        user_agent=who.user_agent,
    )


def _recording() -> bool:
    if _migrating:
        return False
    context = _context.get()
    return not (context is not None and context.suspended)


def record(instance: Model, action: str, changes: dict[str, Any] | None = None) -> None:
    """Record one event now (one INSERT), in the caller's transaction."""
    if _recording():
        build(instance, action, changes).save(using=instance._state.db)


def record_many(
    instances: Iterable[Model], action: str, *, using: str | None = None
) -> list[AuditEvent]:
    """Record one event per row of a bulk write that bypassed the signals, with the
    fields each row changed, in one INSERT per 500 rows. Call it in the bulk write's
    own transaction, after the write."""
    if not _recording():
        return []
    who = _who(_context.get())
    events = []
    for instance in instances:
        events.append(build(instance, action, _changes(instance, action), who=who))
        _remember(type(instance), instance)
    return AuditEvent.objects.using(using).bulk_create(events, batch_size=500)


# -- the signals -------------------------------------------------------------------


def _remember(sender: Any, instance: Model, **kwargs: Any) -> None:
    # The row as loaded (a shallow copy of its fields), to tell what a save changed.
    instance._audit_was = instance.__dict__.copy()  # type: ignore[attr-defined]


def _saved(
    sender: Any,
    instance: Model,
    created: bool,
    update_fields: Any = None,
    raw: bool = False,
    **kwargs: Any,
) -> None:
    if raw:  # loading fixtures
        return
    if update_fields is not None and set(update_fields) == {"last_login"}:
        return  # a sign-in, recorded as one by _signed_in
    action = Action.CREATED if created else Action.CHANGED
    record(instance, action, _changes(instance, action, update_fields))
    _remember(sender, instance)


def _deleted(sender: Any, instance: Model, **kwargs: Any) -> None:
    token = sender._meta.label == "oauth2_provider.AccessToken"
    if token and instance.is_expired():  # type: ignore[attr-defined]
        return  # clearing out expired tokens is housekeeping, not a revocation
    record(instance, Action.DELETED, _changes(instance, Action.DELETED))


def _m2m_changed(
    sender: Any,
    instance: Model,
    action: str,
    reverse: bool,
    model: Any,
    pk_set: Any,
    **kwargs: Any,
) -> None:
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if not is_audited(type(instance)):
        return
    if action != "post_clear" and not pk_set:
        return
    name = _m2m_name(type(instance), sender, reverse)
    how = {"post_add": "added", "post_remove": "removed", "post_clear": "cleared"}
    values: Any = sorted(pk_set) if pk_set else []
    record(instance, Action.CHANGED, {name: {how[action]: values}})


def _m2m_name(model: type[Model], through: Any, reverse: bool) -> str:
    for relation in model._meta.get_fields():
        if not relation.many_to_many:
            continue
        remote = getattr(relation, "remote_field", None) or relation
        if getattr(remote, "through", None) is through or (
            getattr(relation, "through", None) is through
        ):
            return relation.name
    return through._meta.model_name


def _request_of(request: Any) -> _Who:
    context = _context.get()
    if context is not None and context.request is request:
        context._who = None  # who is acting has just changed
        return _who(context)
    return _who(None, request=request)


def _signed_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is None or not _recording():
        return
    who = _request_of(request)
    build(user, Action.SIGNED_IN, who=who).save()


def _signed_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None or request is None or not _recording():
        return
    who = _request_of(request)
    if who.user is None:  # the request has already forgotten them
        user = _unwrapped(user)
        who.user, who.name = user, user.get_username()[:150]
        who.organisation_ids = _organisation_ids(user)
    build(user, Action.SIGNED_OUT, who=who).save()


def _sign_in_failed(sender: Any, credentials: Any, request: Any = None, **kw) -> None:
    """Recorded against the account tried, if there is one, so that its
    organisation's administrators see attempts on their people's accounts."""
    if request is None or not _recording():
        return
    User = get_user_model()
    tried = str((credentials or {}).get(User.USERNAME_FIELD, ""))[:150]
    account = User._default_manager.filter(**{User.USERNAME_FIELD: tried}).first()
    who = _who(None, request=request)
    who.user, who.name = None, tried
    who.organisation_ids = _organisation_ids(account)
    if account is not None:
        build(account, Action.SIGN_IN_FAILED, who=who).save()
        return
    event = build(User(username=tried), Action.SIGN_IN_FAILED, who=who)
    event.object_id = ""
    event.save()


def _before_migrate(**kwargs: Any) -> None:
    global _migrating
    _migrating = True


def _after_migrate(**kwargs: Any) -> None:
    global _migrating
    _migrating = False


def register(
    app_label: str,
    *,
    where: dict[str, tuple[str | None, str | None]],
    derived: tuple[str, ...] = (),
) -> None:
    """Record every write to this app's models (called from its ``AppConfig.ready``).

    ``where`` says, for a model whose plan or organisation is not its own ``plan``
    field, where they are: ``{"app.Model": (plan path, organisation path)}``.
    ``derived`` names models whose rows are worked out from others' and never
    written by a person: their writes are not recorded (the writes they follow
    are)."""
    NOT_AUDITED.update(derived)
    OUR_APPS.add(app_label)
    WHERE.update(where)
    for model in apps.get_app_config(app_label).get_models():
        if is_audited(model):
            _listen(model)


def _listen(model: type[Model]) -> None:
    uid = f"audit-{model._meta.label}"
    post_init.connect(_remember, sender=model, dispatch_uid=uid)
    post_save.connect(_saved, sender=model, dispatch_uid=uid)
    post_delete.connect(_deleted, sender=model, dispatch_uid=uid)
    for relation in model._meta.local_many_to_many:
        m2m_changed.connect(
            _m2m_changed,
            sender=relation.remote_field.through,
            dispatch_uid=f"{uid}-{relation.name}",
        )


def connect() -> None:
    """Listen to the accounts, API credentials and sign-ins (called once, from the
    platform's ``ready``); each domain app adds its own models with ``register``."""
    for model in apps.get_models():
        if is_audited(model):
            _listen(model)
    user_logged_in.connect(_signed_in, dispatch_uid="audit-signed-in")
    user_logged_out.connect(_signed_out, dispatch_uid="audit-signed-out")
    user_login_failed.connect(_sign_in_failed, dispatch_uid="audit-sign-in-failed")
    pre_migrate.connect(_before_migrate, dispatch_uid="audit-before-migrate")
    post_migrate.connect(_after_migrate, dispatch_uid="audit-after-migrate")
