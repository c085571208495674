"""Moto's per-request costs that do not depend on what a request asks, paid once instead.

Measured with cProfile under gold's rollout chain (see `localcloud.bench`), moto's server spent
most of each call on work whose answer never changes while the server runs:
- `MotoDispatcher`: moto's `DomainDispatcherApplication` finds the backend app of a request
  by listing moto's package directory (one `stat` per service, ~175 per request) and trying
  every service's URL regex, under a lock every request takes. The answer depends only on
  the host name the request is mapped to, so it is kept per host name. Each backend app is
  a Flask app whose only work is to route to moto's view and wrap its answer; the
  dispatcher matches the route itself and runs the view exactly as moto's Flask view does
  (`convert_to_flask_response`), without Flask's request context. Anything else (no
  matching route, moto's own `/moto-api`, an app with Flask hooks) still goes through Flask.
- `BackendDict.__getitem__` takes moto's global backend lock and copies the list of every
  account id to test membership, on every lookup (several per request): linear in accounts.
  An account that already has backends is now answered with one dict lookup; creating one
  still goes through moto's locked path.
- `BaseResponse.call_action` lists the response class's methods with `inspect.getmembers`
  (hundreds for EC2) to check that the action exists; the list is kept per class. Classes
  are patched by each module's `install()` in `build_app`, before the first request, which
  is the only time the list may change.
- The response serializer finds each output member's value by asking six alias providers
  for candidate attribute names (a new provider object per member, per candidate), then
  matches the member's path against every response transformer of the service (about twenty
  for EC2) with `str.endswith`. Which names are candidates depends only on the value's class,
  the member's shape (and the structure holding it) and the member name, and which
  transformer applies only on the path, so both are worked out once with moto's own code and
  reused; values are still read from each object, and transformers still run, per response.
- xmltodict checks every element name of every answer character by character; names come
  from botocore's models, so each is checked once.
- Request ids are drawn one character at a time (`random.choice` 52 times); `random.choices`
  draws the same distribution in one call.
"""

from __future__ import annotations

from typing import Any, Callable

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app


class MotoDispatcher(DomainDispatcherApplication):
    """moto's dispatcher with the backend of each host name looked up once, calling moto's views directly."""

    def __init__(self) -> None:
        super().__init__(create_backend_app)
        self._backend_of: dict[str | None, Any] = {}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        app = self.get_application(environ)
        view = _view_of(app, environ)
        if view is None:
            return app(environ, start_response)
        return _answer(app, view, environ, start_response)

    def get_backend_for_host(self, host: str | None) -> Any:
        """The backend serving `host` (e.g. `ec2.ap-northeast-1.amazonaws.com`), cached."""
        try:
            return self._backend_of[host]
        except KeyError:
            backend = super().get_backend_for_host(host)
            self._backend_of[host] = backend
            return backend


def _view_of(app: Any, environ: dict[str, Any]) -> Any:
    """moto's view for the request, or None when Flask itself must answer."""
    from moto.core.utils import convert_to_flask_response
    from werkzeug.exceptions import HTTPException

    hooks = (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs, app.url_value_preprocessors)
    if getattr(app, "service", None) == "moto_api" or any(hooks):
        return None
    try:
        endpoint, _ = app.url_map.bind_to_environ(environ).match()
    except HTTPException:
        # 404, 405 and slash redirects: Flask's own answers.
        return None
    view = app.view_functions.get(endpoint)
    return view if isinstance(view, convert_to_flask_response) else None


def _answer(app: Any, view: Any, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
    """What moto's `convert_to_flask_response.__call__` does, with the request built from `environ`."""
    from botocore.exceptions import ClientError
    from flask import Response
    from moto.moto_api import recorder

    request = app.request_class(environ)
    try:
        recorder._record_request(request)
        result = view.callback(request, request.raw_url, dict(request.headers))
    except ClientError as exc:
        result = 400, {}, exc.response["Error"]["Message"]
    if len(result) == 3:
        status, headers, content = result
    else:
        status, headers, content = 200, {}, result
    response = Response(response=content, status=status, headers=headers)
    if request.method == "HEAD" and "content-length" in headers:
        response.headers["Content-Length"] = headers["content-length"]
    return response(environ, start_response)


def install() -> None:
    """Patch moto's backend lookups, action check and value picking; idempotent."""
    import moto.core.responses as responses
    from moto.core.base_backend import BackendDict
    from moto.core.serialize import ResponseSerializer

    if getattr(BackendDict.__getitem__, "_localcloud", False):
        return
    BackendDict.__getitem__ = _existing_first(BackendDict.__getitem__)
    responses.method_names_from_class = _per_class(responses.method_names_from_class)
    ResponseSerializer.get_value = _remembered_names(ResponseSerializer.get_value)
    _check_names_once()
    _draw_strings_at_once()


def _existing_first(lookup: Callable[[Any, str], Any]) -> Callable[[Any, str], Any]:
    def __getitem__(self: Any, account_id: str) -> Any:
        found = dict.get(self, account_id)
        return found if found is not None else lookup(self, account_id)

    __getitem__._localcloud = True  # type: ignore[attr-defined]
    return __getitem__


def _per_class(names_of: Callable[[Any], list[str]]) -> Callable[[Any], frozenset[str]]:
    known: dict[Any, frozenset[str]] = {}

    def method_names_from_class(clazz: Any) -> frozenset[str]:
        names = known.get(clazz)
        if names is None:
            # Two threads may both build it on the first request; both get the same answer.
            names = known[clazz] = frozenset(names_of(clazz))
        return names

    return method_names_from_class


def _remembered_names(pick: Callable[..., Any]) -> Callable[..., Any]:
    from moto.core.serialize import (
        DEFAULT_ALIAS_PROVIDERS,
        MISSING,
        AttributePickerContext,
        XFormedAttributePicker,
    )
    from moto.core.utils import get_value as value_of

    # (value class, member shape, its structure, member name) -> attribute names to try, in order.
    names: dict[tuple[Any, ...], tuple[str, ...]] = {}
    # (transformer table, its size, member path) -> the transformer's path, or None.
    transforms: dict[tuple[int, int, str], Any] = {}

    def get_value(self: Any, value: Any, key: str, shape: Any) -> Any:
        picker = self._value_picker
        if type(picker) is not XFormedAttributePicker or picker.alias_providers is not DEFAULT_ALIAS_PROVIDERS:
            return pick(self, value, key, shape)
        found_key = (type(value), shape, getattr(shape, "parent", None), key)
        candidates = names.get(found_key)
        if candidates is None:
            context = AttributePickerContext(obj=value, key=key, shape=shape)
            candidates = names[found_key] = tuple(picker.get_possible_keys(context))
        result = None
        for candidate in candidates:
            result = value_of(value, candidate, MISSING)
            if result is not MISSING:
                break
        else:
            result = None
        table = picker.response_transformers
        if not table:
            return result
        # moto's AttributePicker builds this path and applies the first transformer it ends with.
        path = ".".join(self.path) + "." + key
        table_key = (id(table), len(table), path)
        matched = transforms.get(table_key, MISSING)
        # A table may gain entries at run time (moto's VPC peering adds one), hence its size in
        # the key; an entry that went away is looked for again.
        if matched is MISSING or (matched is not None and matched not in table):
            matched = transforms[table_key] = next((p for p in table if path.endswith(p)), None)
        return table[matched](result) if matched is not None else result

    get_value._localcloud = True  # type: ignore[attr-defined]
    return get_value


def _check_names_once() -> None:
    import xmltodict

    check = xmltodict._validate_name
    valid: set[tuple[Any, str]] = set()

    def _validate_name(value: Any, kind: str) -> None:
        if (value, kind) in valid:
            return
        check(value, kind)  # raises for an invalid name, which is never remembered
        valid.add((value, kind))

    xmltodict._validate_name = _validate_name


def _draw_strings_at_once() -> None:
    import string

    from moto.moto_api._internal.moto_random import MotoRandom

    def get_random_string(self: Any, length: int = 20, include_digits: bool = True, lower_case: bool = False) -> str:
        pool = string.ascii_letters + (string.digits if include_digits else "")
        drawn = "".join(self.choices(pool, k=length))
        return drawn.lower() if lower_case else drawn

    MotoRandom.get_random_string = get_random_string
