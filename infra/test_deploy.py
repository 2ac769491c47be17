"""Tests of infra/deploy.py (run by `make test` with the dev venv, whose moto stands in for S3)."""

import json
import tempfile
import unittest
from pathlib import Path

import deploy


class Headers(unittest.TestCase):
    def test_hashed_assets_are_immutable_and_the_entry_and_config_never_stored(self):
        self.assertEqual(deploy.cache_control("assets/index-1a2b.js"), "public, max-age=31536000, immutable")
        self.assertEqual(deploy.cache_control("index.html"), "no-store")
        self.assertEqual(deploy.cache_control("config.json"), "no-store")
        self.assertEqual(deploy.cache_control("favicon.svg"), "public, max-age=3600")

    def test_content_types(self):
        self.assertEqual(deploy.content_type("assets/index.js"), "text/javascript; charset=utf-8")
        self.assertEqual(deploy.content_type("index.html"), "text/html; charset=utf-8")
        self.assertEqual(deploy.content_type("favicon.svg"), "image/svg+xml")
        self.assertEqual(deploy.content_type("config.json"), "application/json")
        self.assertEqual(deploy.content_type("LICENSE"), "application/octet-stream")


class Uploads(unittest.TestCase):
    def test_assets_go_first_index_last_and_the_manifest_stays_home(self):
        with tempfile.TemporaryDirectory() as root:
            dist = Path(root)
            for name in ["index.html", "config.json", "favicon.svg", "assets/index-1.js", "assets/index-1.css", ".vite/manifest.json"]:
                (dist / name).parent.mkdir(parents=True, exist_ok=True)
                (dist / name).write_text("x")
            keys = [u.key for u in deploy.upload_plan(dist)]
        self.assertEqual(keys, ["assets/index-1.css", "assets/index-1.js", "config.json", "favicon.svg", "index.html"])

    def test_old_assets_stay_for_open_pages_and_other_old_files_go(self):
        existing = ["assets/old.js", "assets/new.js", "index.html", "robots.txt", "config.json"]
        uploaded = ["assets/new.js", "index.html", "config.json"]
        self.assertEqual(deploy.stale_keys(existing, uploaded), ["robots.txt"])

    def test_the_config_names_the_api_base(self):
        self.assertEqual(json.loads(deploy.config_json("/api")), {"apiBase": "/api"})


class Parameters(unittest.TestCase):
    STACK = {
        "Parameters": [
            {"ParameterKey": "EmailFrom", "ParameterValue": "portal@acme.example"},
            {"ParameterKey": "PortalUrl", "ParameterValue": "https://portal.example.com"},
        ],
        "Outputs": [
            {"OutputKey": "ConsoleUrl", "OutputValue": "https://d111111abcdef8.cloudfront.net"},
            {"OutputKey": "ConsoleBucketName", "OutputValue": "portal-consolebucket-1"},
        ],
    }

    def test_given_values_win_then_the_stacks_current_ones(self):
        current = deploy.stack_parameters(self.STACK)
        merged = deploy.parameter_overrides(current, {"Architecture": "x86_64", "EmailFrom": "no-reply@acme.example"}, None)
        self.assertEqual(
            merged,
            {"EmailFrom": "no-reply@acme.example", "PortalUrl": "https://portal.example.com", "Architecture": "x86_64"},
        )
        self.assertEqual(deploy.parameter_overrides({}, {}, "https://x.example")["PortalUrl"], "https://x.example")

    def test_the_first_deploy_points_portal_url_at_the_console_and_later_ones_keep_it(self):
        parameters = deploy.stack_parameters(self.STACK)
        outputs = deploy.stack_outputs(self.STACK)
        self.assertEqual(deploy.needs_portal_url(parameters, outputs, None), "https://d111111abcdef8.cloudfront.net")
        parameters["PortalUrl"] = "https://d111111abcdef8.cloudfront.net"
        self.assertIsNone(deploy.needs_portal_url(parameters, outputs, None))
        self.assertEqual(deploy.needs_portal_url(parameters, outputs, "https://portal.acme.example"), "https://portal.acme.example")

    def test_parameters_are_key_value_pairs(self):
        self.assertEqual(deploy.parse_parameters(["EmailFrom=a@b.example", "LogLevel=info,portal=debug"]),
                         {"EmailFrom": "a@b.example", "LogLevel": "info,portal=debug"})
        with self.assertRaises(SystemExit):
            deploy.parse_parameters(["EmailFrom"])


class UploadToS3(unittest.TestCase):
    def test_a_build_is_uploaded_with_its_headers_and_this_stacks_config(self):
        import boto3
        from moto import mock_aws

        with mock_aws(), tempfile.TemporaryDirectory() as root:
            dist = Path(root)
            for name, text in {"index.html": "<!doctype html>", "assets/index-2.js": "export {};", "config.json": "{}"}.items():
                (dist / name).parent.mkdir(parents=True, exist_ok=True)
                (dist / name).write_text(text)
            s3 = boto3.client("s3", region_name="us-east-1")
            s3.create_bucket(Bucket="console")
            for old in ["assets/index-1.js", "robots.txt"]:
                s3.put_object(Bucket="console", Key=old, Body=b"old")

            uploaded = deploy.upload_console(s3, "console", "/api", dist)

            self.assertEqual(uploaded, ["assets/index-2.js", "config.json", "index.html"])
            index = s3.get_object(Bucket="console", Key="index.html")
            self.assertEqual((index["ContentType"], index["CacheControl"]), ("text/html; charset=utf-8", "no-store"))
            asset = s3.get_object(Bucket="console", Key="assets/index-2.js")
            self.assertEqual(asset["CacheControl"], "public, max-age=31536000, immutable")
            config = s3.get_object(Bucket="console", Key="config.json")
            self.assertEqual(json.loads(config["Body"].read()), {"apiBase": "/api"})
            keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="console")["Contents"])
            self.assertEqual(keys, ["assets/index-1.js", "assets/index-2.js", "config.json", "index.html"])


if __name__ == "__main__":
    unittest.main()
