"""Schemathesis hooks for majlis's CI run (loaded through SCHEMATHESIS_HOOKS).

- A real login supplies the bearer token, and a 401 (after a generated
  logout ended the session) logs in again.
- A PATCH of the account the run signs in with never changes its password,
  disables or demotes it (that would lock the run out of the authenticated
  routes, which tests nothing about the API).
- A well-formed `site` (query or body) becomes `default`, the one site the
  run has: a random well-formed id is a documented 404 `site_not_found`,
  and would keep most submissions from reaching validation and storage.
  Malformed ones stay as generated (the negative tests need them).
- A webhook's URL that the schema allows and that names an http(s) host
  becomes `http://127.0.0.1:1/hook` (the server runs with
  MAJLIS_WEBHOOK_ALLOW_PRIVATE=on): deliveries fail at once on this
  machine instead of reaching whatever host Schemathesis made up. URLs
  the schema refuses stay as generated.
"""

import os
import re

import requests
import schemathesis

BASE = os.environ["MAJLIS_ST_BASE"]
EMAIL = os.environ["MAJLIS_ST_EMAIL"]
PASSWORD = os.environ["MAJLIS_ST_PASSWORD"]
SELF_ID = int(os.environ.get("MAJLIS_ST_SELF_ID", "1"))


@schemathesis.auth(refresh_interval=60)
class ModeratorLogin:
    def get(self, case, ctx):
        r = requests.post(
            f"{BASE}/api/v1/auth/login",
            json={"email": EMAIL, "password": PASSWORD},
            # The run's own generated logins fail from 127.0.0.1 and are
            # throttled per address; the moderator signs in from another
            # address (the server trusts 127.0.0.1 as a proxy in this run).
            headers={"X-Forwarded-For": "203.0.113.7"},
            timeout=10,
        )
        if r.status_code != 200:
            raise RuntimeError(f"login answered {r.status_code}: {r.text[:300]}")
        return r.json()["token"]

    def set(self, case, data, ctx):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


SITE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
WEBHOOK_SINK = "http://127.0.0.1:1/hook"


def harmless_webhook_url(value):
    if (
        isinstance(value, str)
        and 1 <= len(value) <= 2000
        and not CONTROL.search(value)
        and re.match(r"(?i)^https?://[^/?#\s]", value)
    ):
        return WEBHOOK_SINK
    return value


def existing_site(value):
    return "default" if isinstance(value, str) and SITE.match(value) else value


@schemathesis.hook
def before_call(ctx, case, kwargs):
    if isinstance(case.query, dict) and "site" in case.query:
        case.query["site"] = existing_site(case.query["site"])
    if isinstance(case.body, dict) and "site" in case.body and case.operation.path != "/api/v1/admin/sites":
        case.body["site"] = existing_site(case.body["site"])
    if case.operation.path.startswith("/api/v1/admin/webhooks") and isinstance(case.body, dict) and "url" in case.body:
        case.body["url"] = harmless_webhook_url(case.body["url"])
    # Every request of every phase passes here. A PATCH of the run's own
    # account keeps its target but loses the fields that would lock the run
    # out (a new password, disabling, a demotion); what is left is tested.
    op = case.operation
    if op.method.upper() != "PATCH" or op.path != "/api/v1/admin/moderators/{id}":
        return
    params = case.path_parameters or {}
    if str(params.get("id")) == str(SELF_ID) and isinstance(case.body, dict):
        case.body = {
            k: v for k, v in case.body.items() if k not in ("password", "disabled", "role")
        }
