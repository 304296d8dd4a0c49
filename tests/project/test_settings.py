"""Settings: read once from the variables traded has always used, nowhere else, a bad one refused in one line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import SecretStr

from billing.settings import DEFAULT_DATABASE_URL, Settings, load_settings, read_environment
from billing.settings_model import variable_names
from pricing.errors import TradedError
from tests.support import cli_refused

ROOT = Path(__file__).resolve().parents[2]
READS_ENVIRONMENT = re.compile(r"\bos\.environ\b|\bgetenv\b|\bfrom os import [^\n]*\benviron\b")


def test_nothing_below_the_cli_reads_the_environment_but_billing_settings() -> None:
    found = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
             for package in ("pricing", "contracts", "invoices", "billing")
             for path in sorted((ROOT / package).rglob("*.py")) if path != ROOT / "billing" / "settings.py"
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if READS_ENVIRONMENT.search(line)]
    assert found == []


def test_the_variables_traded_has_always_read_keep_their_names() -> None:
    assert {"TRADED_DATABASE_URL", "TRADED_USER", "TRADED_AS_OF", "STRIPE_API_KEY", "STRIPE_WEBHOOK_SECRET",
            "STRIPE_API_BASE", "TRADED_ALLOW_LIVE_STRIPE", "TRADED_PAYMENT_RETURN_URL",
            "TRADED_FAIL_AFTER_INVOICES", "TRADED_BILL_RUN_BATCH"} <= variable_names()


def test_each_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    values = {"TRADED_DATABASE_URL": "sqlite:///elsewhere.db", "TRADED_USER": "finance.officer",
              "STRIPE_API_KEY": "sk_test_k", "STRIPE_WEBHOOK_SECRET": "whsec_s",
              "STRIPE_API_BASE": "http://127.0.0.1:8420", "TRADED_SMTP_HOST": "smtp.northshire.example",
              "TRADED_SMTP_PORT": "465", "TRADED_SMTP_STARTTLS": "false", "TRADED_SMTP_PASSWORD": "pw",
              "TRADED_MAIL_FROM": "traded@northshire.example", "TRADED_PORTAL_URL": "https://pay.example/",
              "TRADED_PORTAL_SECRET_KEY": "portal"}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    s = load_settings()
    assert (s.database_url, s.user, s.stripe_api_base, s.smtp_host, s.smtp_port, s.smtp_starttls, s.mail_from,
            s.portal_url, s.return_url) == (
        "sqlite:///elsewhere.db", "finance.officer", "http://127.0.0.1:8420", "smtp.northshire.example", 465,
        False, "traded@northshire.example", "https://pay.example", "https://pay.example/paid")
    secrets = (s.stripe_api_key, s.stripe_webhook_secret, s.smtp_password, s.portal_secret_key)
    assert [x.get_secret_value() for x in secrets if isinstance(x, SecretStr)] == ["sk_test_k", "whsec_s", "pw",
                                                                                  "portal"]
    assert not {"sk_test_k", "whsec_s", "portal"} & set(re.findall(r"[\w]+", repr(s)))


def test_defaults_and_blank_means_unset() -> None:
    s = load_settings({"TRADED_DATABASE_URL": "", "STRIPE_API_KEY": "  ", "TRADED_USER": ""})
    assert s == load_settings({})
    assert (s.database_url, s.user, s.stripe_api_key, s.smtp_port, s.smtp_starttls, s.portal_url, s.return_url) == (
        DEFAULT_DATABASE_URL, None, None, 587, True, "http://127.0.0.1:8000", "http://127.0.0.1:8000/paid")
    assert s.stripe_key_problem() == "Stripe is not configured: set STRIPE_API_KEY (a sk_test_ key for testing)."
    assert isinstance(s, Settings)


def test_the_variables_are_the_models_fields() -> None:
    assert all(name.startswith(("TRADED_", "STRIPE_")) for name in variable_names())


def test_a_mapping_is_read_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADED_USER", "from.the.environment")
    assert load_settings({}).user is None
    assert load_settings().user == "from.the.environment"


@pytest.mark.parametrize(("name", "value", "why"), [
    ("TRADED_SMTP_PORT", "twenty-five", "bad setting TRADED_SMTP_PORT: input should be a valid integer"),
    ("TRADED_SMTP_PORT", "70000", "bad setting TRADED_SMTP_PORT: input should be less than or equal to 65535"),
    ("TRADED_SMTP_STARTTLS", "perhaps", "bad setting TRADED_SMTP_STARTTLS: input should be a valid boolean"),
    ("TRADED_PORTAL_URL", "pay.example", "bad setting TRADED_PORTAL_URL: must be an http:// or https:// address"),
])
def test_a_bad_value_is_refused_in_one_line_naming_it(name: str, value: str, why: str) -> None:
    with pytest.raises(TradedError) as refused:
        load_settings({name: value})
    assert refused.value.code == "bad_setting"
    assert refused.value.message.startswith(why)
    assert "\n" not in refused.value.message and value not in refused.value.message


def test_the_cli_refuses_a_bad_setting_in_one_line(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_k")
    monkeypatch.setenv("TRADED_SMTP_PORT", "twenty-five")
    err = cli_refused(db_url, "stripe", "bank-details", "100279")
    assert err["code"] == "bad_setting" and err["message"].startswith("bad setting TRADED_SMTP_PORT: ")


def test_the_database_user_and_as_of_are_read_without_the_model() -> None:
    env = read_environment({"TRADED_DATABASE_URL": "sqlite:///x.db", "TRADED_USER": "", "TRADED_AS_OF": "2025-09-01",
                            "TRADED_SMTP_PORT": "not checked until a command needs it", "HOME": "/root"})
    assert (env.database_url, env.user, env.as_of) == ("sqlite:///x.db", None, "2025-09-01")
    assert "HOME" not in env.values


def test_the_cli_finds_its_database_in_traded_database_url(tmp_path: Path) -> None:
    from cli.main import cli

    target = tmp_path / "from-env.db"
    result = CliRunner().invoke(cli, ["--json", "db", "upgrade"], env={"TRADED_DATABASE_URL": f"sqlite:///{target}"})
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["revision"] and target.exists()


def test_the_cli_reads_traded_as_of_like_its_option(tmp_path: Path) -> None:
    from cli.main import cli

    result = CliRunner().invoke(cli, ["--db", f"sqlite:///{tmp_path / 'a.db'}", "school", "list"],
                                env={"TRADED_AS_OF": "2025-02-30"})
    assert result.exit_code == 2 and "--as-of:" in result.output
