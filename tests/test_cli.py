"""The command line: the same store calls as the Admin page, with one-line errors and nothing written."""

import subprocess
import sys

from icsdash.auth import parse_code
from icsdash.cli import main
from icsdash.store import Store

from conftest import write_config


def test_create_list_sign_in_revoke(tmp_path, capsys):
    config = write_config(tmp_path, seeded=False)
    assert main(["--config", str(config), "access", "create", "--role", "place_director", "--place",
                 "bolton", "--label", "Bolton lead"]) == 0
    code = capsys.readouterr().out.strip()
    lookup, _ = parse_code(code)
    store = Store.open(f"sqlite:///{tmp_path / 'icsdash.sqlite3'}")
    assert store.sign_in(code, client="cli-test").place_code == "bolton"
    assert main(["--config", str(config), "access", "list"]) == 0
    listing = capsys.readouterr().out
    assert lookup in listing and "Bolton lead" in listing and code not in listing
    assert main(["--config", str(config), "access", "revoke", lookup]) == 0
    assert store.access_codes()["revoked_at"].notna().all()
    audit = store.audit_entries()
    assert audit["action"].tolist() == ["create_access_code", "sign_in", "revoke_access_code"]
    assert audit.loc[audit.action != "sign_in", "actor"].str.startswith("command line").all()


def test_errors_are_one_line_and_write_nothing(tmp_path, capsys):
    config = write_config(tmp_path, seeded=False)
    assert main(["--config", str(config), "access", "create", "--role", "place_director", "--place",
                 "QOP-atlantis"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "icsdash: access code, place_code: 'QOP-atlantis' is not a known place code"
    assert Store.open(f"sqlite:///{tmp_path / 'icsdash.sqlite3'}").access_codes().empty
    assert main(["--config", str(tmp_path / "missing.yaml"), "round", "list"]) == 2
    assert "missing.yaml: file not found" in capsys.readouterr().err


def test_rounds(tmp_path, capsys):
    config = write_config(tmp_path, seeded=False)
    assert main(["--config", str(config), "round", "add", "2026/27"]) == 0
    assert main(["--config", str(config), "round", "add", "2026/27"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["--config", str(config), "round", "list"]) == 0
    assert capsys.readouterr().out.strip().splitlines() == ["2026/27"]


def test_installed_command_runs(tmp_path):
    config = write_config(tmp_path, seeded=False)
    done = subprocess.run([sys.executable, "-m", "icsdash.cli", "--config", str(config), "round", "list"],
                          capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout == "\n"
