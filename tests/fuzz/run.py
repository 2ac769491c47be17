#!/usr/bin/env python3
"""Fuzzes the HTTP API against its contract (infra/openapi.yaml) with Schemathesis.

Starts the `dev-server` binary on a free port (it starts its own AWS emulators), onboards
one user of each role through the API and the emails at /_dev/emails, as a person would
(a customer, a partner invited by it, and that partner impersonating a customer it
created), then runs Schemathesis once per role with a fixed seed and a bounded number of
examples. Checks: no 5xx, every status code, content type and body as documented. Prints
each role's outcome and the whole duration; exits non-zero on any failure.

Usage: tests/fuzz/run.py DEV_SERVER_BINARY [--examples N]
"""

import argparse
import base64
import hashlib
import hmac
import json
import struct
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPEC = os.path.join(ROOT, "infra", "openapi.yaml")
ADMIN_EMAIL = "admin@fuzz-portal.com"
ADMIN_PASSWORD = "fuzzing admin passphrase 2026"
PASSWORD = "velvet trombone harbour sunrise"
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
SEED = 20260101


def totp(secret):
    """The RFC 6238 code of a base32 secret now (SHA-1, six digits, 30 s), at least two
    seconds before it changes (Cognito and the emulator accept only the current step)."""
    if time.time() % 30 >= 28:
        time.sleep(30 - time.time() % 30)
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Api:
    def __init__(self, base):
        self.base = base
        self.secrets = {}

    def call(self, method, path, body=None, token=None, headers=None, form=False):
        data = None
        all_headers = dict(headers or {})
        if body is not None:
            if form:
                data = urllib.parse.urlencode(body).encode()
                all_headers["content-type"] = "application/x-www-form-urlencoded"
            else:
                data = json.dumps(body).encode()
                all_headers["content-type"] = "application/json"
        if token:
            all_headers["authorization"] = f"Bearer {token}"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=all_headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def json(self, method, path, body=None, token=None, want=200, **kw):
        status, text = self.call(method, path, body, token, **kw)
        if status != want:
            raise SystemExit(f"{method} {path}: want {want}, got {status}: {text}")
        return json.loads(text) if text else {}

    def email_link(self, to, subject, path):
        for _ in range(150):
            emails = self.json("GET", "/_dev/emails?" + urllib.parse.urlencode({"to": to}))
            for email in reversed(emails):
                if subject in email["subject"]:
                    return next(link for link in email["links"] if path in link)
            time.sleep(0.2)
        raise SystemExit(f"no email {subject!r} to {to}")

    def login(self, email, password=PASSWORD):
        """The access token of a login; an admin's first login enrols an authenticator app
        (admins must have TOTP), whose secret later logins' codes come from."""
        answer = self.json("POST", "/auth/login", {"email": email, "password": password})
        if "challenge" not in answer:
            return answer["access_token"]
        if "totp" in answer:
            self.secrets[email] = answer["totp"]["secret_code"]
        body = {"challenge_session": answer["challenge_session"], "code": totp(self.secrets[email])}
        return self.json("POST", "/auth/login/mfa", body)["access_token"]

    def set_password(self, email, subject):
        link = self.email_link(email, subject, "token=")
        token = link.split("token=")[1]
        path = urllib.parse.urlparse(link).path
        self.json("POST", path, {"token": token, "password": PASSWORD, "confirm_password": PASSWORD})

    def approve(self, admin, email):
        items = self.json("GET", "/admin/approvals?status=pending&limit=100", token=admin)["items"]
        request_id = next(i["request_id"] for i in items if i["email"] == email)
        self.json("POST", f"/admin/approvals/{request_id}/approve", token=admin)


def sign_up(email, business, invitation=None):
    body = {"business_name": business, "business_website": "https://example.org", "first_name": "Ada",
            "last_name": "Lovelace", "email": email, "privacy_policy": True, "terms": True}
    if invitation:
        body["invitation"] = invitation
    return body


def onboard_partner(api, admin, customer, email, business):
    """A partner invited by `customer`, signed up through the invitation, approved, with a
    password; its access token."""
    api.json("POST", "/partners/invitations", {"business_name": business, "email": email,
                                               "partner_type": "reseller"}, token=customer, want=201)
    invitation = api.email_link(email, "invites you", "invitation=").split("invitation=")[1]
    api.json("POST", "/signup", sign_up(email, business, invitation), want=202)
    api.approve(admin, email)
    api.set_password(email, "set your password")
    return api.login(email)


def onboard(api):
    """Returns the headers of each role: admin, customer, partner, impersonating partner."""
    admin = api.login(ADMIN_EMAIL, ADMIN_PASSWORD)
    customer_email = "owner@globex-fuzz.com"
    api.json("POST", "/signup", sign_up(customer_email, "Globex"), want=202)
    api.approve(admin, customer_email)
    api.set_password(customer_email, "set your password")
    customer = api.login(customer_email)

    partner = onboard_partner(api, admin, customer, "pat@pat-resellers-fuzz.com", "Pat Resellers")
    customers = api.json("GET", "/partner/customers", token=partner)["items"]
    api.json("PUT", "/partner/active-business", {"business_id": customers[0]["business_id"]}, token=partner)

    # Another partner impersonates a customer of its own: one the fuzzed partner cannot reach
    # (it could lock it, which ends every impersonation of it, as it should).
    other = onboard_partner(api, admin, customer, "vic@vic-managed-fuzz.com", "Vic Managed")
    managed = api.json("POST", "/partner/customers", {"business_name": "Initech", "first_name": "Bill",
                                                      "last_name": "Lumbergh", "email": "bill@initech-fuzz.com",
                                                      "status": "activated"}, token=other, want=201)
    started = api.json("POST", f"/partner/customers/{managed['business_id']}/impersonation", token=other, want=201)
    return {
        "admin": [f"Authorization: Bearer {admin}"],
        "customer": [f"Authorization: Bearer {customer}"],
        "partner": [f"Authorization: Bearer {partner}"],
        "impersonating partner": [f"Authorization: Bearer {other}",
                                  f"X-Impersonation-Token: {started['impersonation_token']}"],
    }


def still_signed_in(api, headers):
    """Whether the role's token (and impersonation) still opens a signed-in route."""
    extra = dict(h.split(": ", 1) for h in headers)
    status, _ = api.call("GET", "/catalog?limit=1", headers=extra)
    return status == 200


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dev_server")
    parser.add_argument("--examples", type=int, default=int(os.environ.get("FUZZ_EXAMPLES", "35")))
    args = parser.parse_args()
    started_at = time.monotonic()
    port = free_port()
    env = dict(os.environ, PORT=str(port), ADMIN_EMAIL=ADMIN_EMAIL, ADMIN_PASSWORD=ADMIN_PASSWORD,
               RUST_LOG=os.environ.get("RUST_LOG", "warn"),
               # As .cargo/config.toml sets for cargo: unoptimised handler futures are large.
               RUST_MIN_STACK="16777216")
    log = tempfile.NamedTemporaryFile("w+", prefix="dev-server-", suffix=".log", delete=False)
    server = subprocess.Popen([args.dev_server], env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    api = Api(f"http://127.0.0.1:{port}")
    failed = []
    try:
        for _ in range(600):
            if server.poll() is not None:
                raise SystemExit(f"dev-server exited with {server.returncode}; see {log.name}")
            try:
                if api.call("GET", "/health")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            raise SystemExit("dev-server did not answer /health within 120 s")
        roles = onboard(api)
        st = os.path.join(os.path.dirname(sys.executable), "schemathesis")
        # Logout ends every session of the account, and ending an impersonation ends the
        # impersonating role's: fuzzed with the others, they would leave the role's token refused
        # for the rest of its run. They are fuzzed last, once per role.
        enders = ["logout", "endImpersonation"]
        everything_else = [arg for op in enders for arg in ("--exclude-operation-id", op)]
        session_enders = [arg for op in enders for arg in ("--include-operation-id", op)]
        for phase, selection in (("every operation but those ending sessions", everything_else),
                                 ("the operations ending sessions", session_enders)):
            for role, headers in roles.items():
                role_started = time.monotonic()
                command = [st, "run", SPEC, "--url", api.base, "--checks", CHECKS, "--mode", "positive",
                           "--seed", str(SEED), "--max-examples", str(args.examples),
                           "--workers", "2", "--no-color",
                           # The emulator serves one request at a time: on a loaded 2-core
                           # machine an answer can take longer than the 10 s default; a hang
                           # still fails.
                           "--request-timeout", "30", *selection]
                for header in headers:
                    command += ["-H", header]
                result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
                took = time.monotonic() - role_started
                print(f"==> schemathesis as {role} ({phase}): exit {result.returncode} in {took:.0f} s")
                summary = [l for l in result.stdout.splitlines() if l.strip()][-12:]
                print("\n".join("    " + l for l in summary))
                if result.returncode != 0:
                    failed.append(f"{role} ({phase})")
                    print(result.stdout[-20000:])
                if selection is everything_else and not still_signed_in(api, headers):
                    failed.append(f"{role} (its session ended while fuzzing, so the run proved little)")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    print(f"==> fuzzing took {time.monotonic() - started_at:.0f} s; failed roles: {failed or 'none'}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
