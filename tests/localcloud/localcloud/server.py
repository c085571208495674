"""The WSGI application: control endpoints, fault injection, request log, and routing to moto or Image Builder.

Flow of one request:
1. `/_localcloud/*` is answered here and never logged, delayed or faulted.
2. Otherwise the request is named (service/region from the SigV4 scope, action from the
   body, `X-Amz-Target` or the REST route) and its account found from the access key. Due
   steps of instance refreshes run, and instances RunInstances launched that could not start
   (a KMS key their volumes need) are terminated.
3. `latency_ms` is slept; then a throttling error, a 5xx, an AssumeRole denial, a request the
   service's model refuses (`validation`), a KMS denial (key policies and grants,
   `localcloud.kms_access`) or (with `enforce_iam`) an IAM denial may answer instead of the
   service. The request is kept as the one the thread answers (`iam_enforce.answering`) for
   emulations that act on its caller's behalf (EC2 using a KMS key at launch, Parameter Store
   describing an `aws:ec2:image` value).
4. Image Builder requests go to `localcloud.imagebuilder.app`, RAM requests to
   `localcloud.ram.app`; everything else to moto.
5. The answered status and the time taken are appended to the request log.
"""

from __future__ import annotations

import importlib
import json
import random
import sys
import threading
import time
import traceback
from http import HTTPStatus
from typing import Any, Callable, Iterable

from localcloud import (
    accounts,
    allowed_images,
    ami_ancestry,
    ami_protection,
    autoscaling_activities,
    autoscaling_groups,
    autoscaling_refresh,
    ebs_encryption,
    ec2_fixes,
    ec2_lifecycle,
    ec2_resolve,
    encrypted_launches,
    fastpath,
    iam_enforce,
    iam_fixes,
    image_references,
    image_usage_reports,
    kms_access,
    kms_grants,
    kms_keys,
    launch_templates,
    organizations,
    propagation,
    protocols,
    ram,
    ssm_fixes,
    sts_fixes,
    validation,
)
from localcloud.control import CONFIG, REQUESTS, ConfigError
from localcloud.imagebuilder import sharing as imagebuilder_sharing
from localcloud.topology import TOPOLOGY

StartResponse = Callable[..., Any]
_PREFIX = "/_localcloud/"


def _reply(
    start_response: StartResponse, status: int, headers: list[tuple[str, str]], body: bytes, exc_info: Any = None
) -> list[bytes]:
    start_response(f"{status} {HTTPStatus(status).phrase}", headers + [("Content-Length", str(len(body)))], exc_info)
    return [body]


def _json(start_response: StartResponse, status: int, value: Any) -> list[bytes]:
    return _reply(start_response, status, [("Content-Type", "application/json")], json.dumps(value).encode())


class LocalCloud:
    """The WSGI app `serve` runs; `moto_app` answers every AWS call not handled here."""

    def __init__(self, moto_app: Callable[..., Iterable[bytes]], account_of: Callable[[str], str]) -> None:
        self._moto = moto_app
        self._account_of = account_of
        self._random = random.Random()
        self._random_lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        # moto reads the undecoded path from RAW_URI (werkzeug's name); waitress calls it REQUEST_URI.
        environ.setdefault("RAW_URI", environ.get("REQUEST_URI", ""))
        path = environ.get("PATH_INFO", "")
        if path.startswith(_PREFIX):
            return self._control(environ, start_response, path[len(_PREFIX):])
        if path.startswith("/moto-api"):
            return self._moto(environ, start_response)

        started = time.monotonic()
        call = protocols.identify(environ)
        account = self._account_of(call.access_key) if call.access_key else TOPOLOGY.caller_account
        with iam_enforce.answering(call, account, environ):
            return self._serve(call, account, started, environ, start_response)

    def _serve(
        self, call: protocols.Call, account: str, started: float, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        autoscaling_refresh.advance()
        encrypted_launches.settle()

        status_seen: list[int] = []

        def recording_start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            status_seen.append(int(status.split(" ", 1)[0]))
            return start_response(status, headers, exc_info)

        if CONFIG.latency_ms:
            time.sleep(CONFIG.latency_ms / 1000.0)
        try:
            chunks = self._answer(call, account, environ, recording_start_response)
        except Exception:
            # A bug in an emulation must still give the client an AWS-shaped 500 and a log entry.
            traceback.print_exc(file=sys.stderr)
            status, headers, payload = protocols.server_error(call.service, environ, unavailable=False)
            chunks = _reply(recording_start_response, status, headers, payload, sys.exc_info())
        if call.service in ("iam", "organizations"):
            iam_enforce.observe(call, account)
        REQUESTS.append(
            {
                "service": call.service,
                "action": call.action,
                "account": account,
                "region": call.region,
                "status": status_seen[-1] if status_seen else 500,
                "ms": round((time.monotonic() - started) * 1000.0, 3),
            }
        )
        return chunks

    def _answer(self, call: protocols.Call, account: str, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        injected = self._fault(call, environ) or sts_fixes.denied(call, account, environ)
        if injected is None:
            injected = validation.check(call, environ)
        if injected is None and call.service == "kms":
            # Key policies and grants decide whatever enforce_iam says; IAM policies only under it.
            injected = kms_access.check(call, account, environ)
        elif injected is None and CONFIG.enforce_iam:
            injected = iam_enforce.check(call, account, environ)
        if injected is None and call.service == "sts" and call.action == "DecodeAuthorizationMessage":
            injected = iam_enforce.decode_authorization_message(call, environ)
        if injected is not None:
            return _reply(start_response, *injected)
        if call.service == "imagebuilder":
            body = self._imagebuilder(environ, start_response, account, call.region)
        elif call.service == "ram":
            body = ram.app(environ, start_response, account, call.region)
        else:
            body = self._moto(environ, start_response)
        # The body is gathered here so that `ms` covers producing it, not only the headers.
        try:
            return list(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

    def _draw(self, rate: float) -> bool:
        with self._random_lock:
            return rate > 0 and self._random.random() < rate

    def _fault(self, call: protocols.Call, environ: dict[str, Any]) -> protocols.Response | None:
        if self._draw(CONFIG.throttle_rate):
            return protocols.throttling(call.service, environ)
        if self._draw(CONFIG.error_rate):
            return protocols.server_error(call.service, environ, unavailable=self._draw(0.5))
        return None

    def _imagebuilder(self, environ: dict[str, Any], start_response: StartResponse, account: str, region: str) -> Iterable[bytes]:
        try:
            module = importlib.import_module("localcloud.imagebuilder")
        except ModuleNotFoundError as err:
            if err.name != "localcloud.imagebuilder":
                raise
            module = None
        app = getattr(module, "app", None)
        if app is None:
            message = "localcloud: the Image Builder emulation (localcloud.imagebuilder.app) is not installed"
            return _reply(start_response, 501, [("Content-Type", "application/json")], json.dumps({"message": message}).encode())
        return app(environ, start_response, account, region)

    def _control(self, environ: dict[str, Any], start_response: StartResponse, name: str) -> list[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        # Read every body, used or not: an unread body left on a kept-alive connection makes
        # the server wait for bytes the client already considers sent.
        raw = protocols.read_body(environ) if environ.get("CONTENT_LENGTH") else b""
        if name == "requests" and method == "GET":
            return _json(start_response, 200, REQUESTS.entries())
        if name == "config" and method == "GET":
            return _json(start_response, 200, CONFIG.as_dict())
        if name == "config" and method == "POST":
            try:
                values = json.loads(raw or b"{}")
            except ValueError as err:
                return _json(start_response, 400, {"error": f"config body is not JSON: {err}"})
            try:
                CONFIG.update(values)
            except ConfigError as err:
                return _json(start_response, 400, {"error": str(err)})
            return _json(start_response, 200, CONFIG.as_dict())
        if name == "config/reset" and method == "POST":
            CONFIG.reset()
            return _json(start_response, 200, CONFIG.as_dict())
        if name == "reset" and method == "POST":
            REQUESTS.clear()
            return _json(start_response, 200, {"cleared": True})
        if name == "topology" and method == "GET":
            return _json(start_response, 200, organizations.topology_json())
        known = "GET requests, GET/POST config, POST config/reset, POST reset, GET topology"
        return _json(start_response, 404, {"error": f"no control endpoint {method} {_PREFIX}{name}; known: {known}"})


def build_app() -> LocalCloud:
    """Patch moto, seed the topology into it and wrap its dispatcher; call once per process."""
    fastpath.install()
    account_of = accounts.install()
    ec2_fixes.install()
    ssm_fixes.install()
    # Auto Scaling's launch path first: the lifecycle checks wrap whatever launches instances.
    autoscaling_refresh.install()
    ec2_lifecycle.install()
    ami_protection.install()
    allowed_images.install()
    image_references.install()
    image_usage_reports.install()
    ebs_encryption.install()
    encrypted_launches.install()
    launch_templates.install()
    # Last of the EC2 patches: a `resolve:ssm:` image id is resolved before any other launch check.
    ec2_resolve.install()
    iam_fixes.install()
    propagation.install()
    kms_keys.install()
    kms_grants.install()
    organizations.install()
    autoscaling_groups.install()
    autoscaling_activities.install()
    imagebuilder_sharing.install()
    ami_ancestry.install()
    organizations.seed()
    return LocalCloud(fastpath.MotoDispatcher(), account_of)
