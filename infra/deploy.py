#!/usr/bin/env python3
"""`make deploy`: builds and deploys the stack, then uploads the web console.

1. `make sam-build` (one `cargo lambda build` of every function, the artifacts template.yaml's
   CodeUri names) and `sam deploy` of template.yaml (parameters given with --parameter, else the
   stack's current values, else the template's defaults).
2. On the first deploy PortalUrl cannot be the distribution's URL yet (the distribution is
   created by that deploy), so the stack is deployed a second time with PortalUrl set to the
   ConsoleUrl output: "log in" links in emails and the API's CORS origin then point at the
   console. Later deploys keep it (or take --portal-url, for a custom domain).
3. The console is built (`npm run build` in web/), its `config.json` written for this stack,
   and every file uploaded to the ConsoleBucketName output with its Content-Type and
   Cache-Control: hashed assets first (a year, immutable), then `index.html` and
   `config.json` (never stored), so a visitor never gets an index.html whose assets are not
   there yet. Files of earlier builds outside assets/ are removed; old assets stay for pages
   still open (the bucket keeps replaced versions a week).
4. The ConsoleDistributionId output is invalidated.

Needs AWS credentials (the usual environment or profile) and runs the SAM CLI and npm. The
pure parts (parameters, upload plan, headers) are unit-tested in infra/test_deploy.py.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
DIST = WEB / "dist"

IMMUTABLE = "public, max-age=31536000, immutable"
NEVER_STORED = "no-store"
SHORT = "public, max-age=3600"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".txt": "text/plain; charset=utf-8",
}


def content_type(key: str) -> str:
    """The Content-Type of a console file."""
    suffix = Path(key).suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(key)[0] or "application/octet-stream"


def cache_control(key: str) -> str:
    """Hashed build output never changes; the entry page and the runtime configuration must
    be read again on every load, so a deployment takes effect at once."""
    if key.startswith("assets/"):
        return IMMUTABLE
    if key in ("index.html", "config.json"):
        return NEVER_STORED
    return SHORT


@dataclass(frozen=True)
class Upload:
    key: str
    path: Path
    content_type: str
    cache_control: str


def upload_plan(dist: Path) -> list[Upload]:
    """Every file of the build, assets first and index.html last. The build manifest
    (`.vite/`) is not served."""
    files = [p for p in dist.rglob("*") if p.is_file()]
    keys = sorted((p.relative_to(dist).as_posix(), p) for p in files)
    keys = [(k, p) for k, p in keys if not k.startswith(".vite/")]

    def order(item: tuple[str, Path]) -> tuple[int, str]:
        key = item[0]
        if key.startswith("assets/"):
            return (0, key)
        if key == "index.html":
            return (2, key)
        return (1, key)

    return [Upload(k, p, content_type(k), cache_control(k)) for k, p in sorted(keys, key=order)]


def stale_keys(existing: list[str], uploaded: list[str]) -> list[str]:
    """Files of earlier builds to remove: anything not uploaded now, except old assets (a page
    loaded before this deployment may still ask for them)."""
    now = set(uploaded)
    return sorted(k for k in existing if k not in now and not k.startswith("assets/"))


def config_json(api_base: str) -> str:
    """The console's runtime configuration for this stack."""
    return json.dumps({"apiBase": api_base}) + "\n"


def stack_outputs(stack: dict) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def stack_parameters(stack: dict) -> dict[str, str]:
    return {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])}


def parameter_overrides(current: dict[str, str], given: dict[str, str], portal_url: str | None) -> dict[str, str]:
    """The parameters of a deploy: what was given, else what the stack has now (sam deploy
    would otherwise fall back to the template's defaults), and PortalUrl when it is known."""
    merged = {**current, **given}
    if portal_url:
        merged["PortalUrl"] = portal_url
    return merged


def needs_portal_url(parameters: dict[str, str], outputs: dict[str, str], explicit: str | None) -> str | None:
    """The PortalUrl to deploy again with, if the stack's is not the console's yet."""
    wanted = explicit or outputs.get("ConsoleUrl")
    if wanted and parameters.get("PortalUrl") != wanted:
        return wanted
    return None


def parse_parameters(pairs: list[str]) -> dict[str, str]:
    parsed = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SystemExit(f"--parameter takes KEY=VALUE, not {pair!r}")
        parsed[key] = value
    return parsed


# ---- the side effects ---------------------------------------------------------------------


def run(command: list[str], cwd: Path = ROOT) -> None:
    print("$", " ".join(command), flush=True)
    subprocess.run(command, cwd=cwd, check=True)


def describe(cloudformation, stack_name: str) -> dict | None:
    from botocore.exceptions import ClientError

    try:
        return cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    except ClientError as error:
        if "does not exist" in str(error):
            return None
        raise


def sam_deploy(args, overrides: dict[str, str]) -> None:
    command = [
        "sam", "deploy",
        "--template-file", "template.yaml",
        "--stack-name", args.stack_name,
        "--region", args.region,
        "--capabilities", "CAPABILITY_IAM",
        "--resolve-s3",
        "--no-confirm-changeset",
        "--no-fail-on-empty-changeset",
    ]
    if overrides:
        command += ["--parameter-overrides", *[f"{k}={v}" for k, v in sorted(overrides.items())]]
    run(command)


def upload_console(s3, bucket: str, api_base: str, dist: Path = DIST) -> list[str]:
    """Uploads a build with this stack's config.json and removes stale files; returns the
    uploaded keys."""
    (dist / "config.json").write_text(config_json(api_base), encoding="utf-8")
    plan = upload_plan(dist)
    for item in plan:
        print(f"  upload {item.key} ({item.cache_control})", flush=True)
        s3.upload_file(
            str(item.path), bucket, item.key,
            ExtraArgs={"ContentType": item.content_type, "CacheControl": item.cache_control},
        )
    existing = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        existing += [o["Key"] for o in page.get("Contents", [])]
    for key in stale_keys(existing, [item.key for item in plan]):
        print(f"  remove {key}", flush=True)
        s3.delete_object(Bucket=bucket, Key=key)
    return [item.key for item in plan]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack-name", required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument("--architecture", default=os.environ.get("ARCHITECTURE", "x86_64"), choices=["x86_64", "arm64"])
    parser.add_argument("--parameter", action="append", default=[], metavar="KEY=VALUE",
                        help="a template parameter (EmailFrom=..., SenderDomain=...); repeatable")
    parser.add_argument("--portal-url", help="the console's public origin, when a custom domain fronts the distribution")
    parser.add_argument("--api-base", default="/api", help="the API base the console calls (config.json)")
    parser.add_argument("--skip-build", action="store_true", help="deploy the artifacts target/lambda holds")
    args = parser.parse_args(argv)

    import boto3  # the deploy venv has it (the SAM CLI depends on it)

    session = boto3.session.Session(region_name=args.region)
    cloudformation = session.client("cloudformation")
    given = parse_parameters(args.parameter)
    given["Architecture"] = args.architecture

    if not args.skip_build:
        run(["make", "sam-build", f"ARCH={args.architecture}"])

    stack = describe(cloudformation, args.stack_name)
    current = stack_parameters(stack) if stack else {}
    sam_deploy(args, parameter_overrides(current, given, args.portal_url))

    stack = describe(cloudformation, args.stack_name)
    outputs = stack_outputs(stack)
    portal_url = needs_portal_url(stack_parameters(stack), outputs, args.portal_url)
    if portal_url:
        print(f"==> Setting PortalUrl to {portal_url} (email links and CORS)", flush=True)
        sam_deploy(args, parameter_overrides(stack_parameters(stack), given, portal_url))

    print("==> Building the console", flush=True)
    run(["npm", "run", "build"], cwd=WEB)
    print(f"==> Uploading the console to s3://{outputs['ConsoleBucketName']}", flush=True)
    upload_console(session.client("s3"), outputs["ConsoleBucketName"], args.api_base)
    print(f"==> Invalidating distribution {outputs['ConsoleDistributionId']}", flush=True)
    session.client("cloudfront").create_invalidation(
        DistributionId=outputs["ConsoleDistributionId"],
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": f"deploy-{time.time_ns()}"},
    )
    print(f"\nThe console: {outputs['ConsoleUrl']}/login (the API: {outputs['ConsoleUrl']}/api/health)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
