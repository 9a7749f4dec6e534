"""`dockgen migrate` on naive Dockerfiles (fixtures/migrate/<case>): expected findings, the migrated
Dockerfile and what was (not) carried over are goldens (`pytest --update-goldens`); every migrated
Dockerfile passes Docker's parser and hadolint; the already-good case has no findings and no change."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from dockgen.migrate import CATEGORIES, migrate
from dockgen.model import to_jsonable

from .conftest import FIXTURES, ROOT
from .dockerfile_checks import check_invariants, hadolint_findings

MIGRATE = ROOT / "fixtures" / "migrate"
CASES = sorted(p.parent.name for p in MIGRATE.glob("*/case.toml"))


def prepare(name: str, dest: Path) -> Path:
    case = tomllib.loads((MIGRATE / name / "case.toml").read_text(encoding="utf-8"))
    src = FIXTURES / case["app"] / "app" if "app" in case else MIGRATE / name / "app"
    shutil.copytree(src, dest)
    if case.get("dockerfile_from_golden"):
        for f in ("Dockerfile", ".dockerignore"):
            shutil.copy(FIXTURES / case["app"] / "expected" / f, dest / f)
    else:
        shutil.copy(MIGRATE / name / "Dockerfile", dest / "Dockerfile")
    return dest


@pytest.mark.parametrize("name", CASES)
def test_migration_golden(name: str, tmp_path: Path, update_goldens: bool) -> None:
    app = prepare(name, tmp_path / "app")
    result = migrate(app)
    got = {
        "findings.json": json.dumps([to_jsonable(f) for f in result.findings], indent=2, ensure_ascii=False) + "\n",
        "Dockerfile": result.files[0].content,
        "carried.txt": "kept:\n" + "".join(f"  {c}\n" for c in result.carried)
                       + "not carried:\n" + "".join(f"  {c}\n" for c in result.not_carried),
    }
    expected = MIGRATE / name / "expected"
    if update_goldens:
        expected.mkdir(exist_ok=True)
        for fname, text in got.items():
            (expected / fname).write_text(text, encoding="utf-8")
    for fname, text in got.items():
        assert (expected / fname).exists(), f"no golden {name}/{fname}: run pytest --update-goldens"
        assert (expected / fname).read_text(encoding="utf-8") == text, f"{name}/expected/{fname} differs"
    for f in result.findings:
        assert f.category in CATEGORIES and f.severity in ("info", "warning", "error") and f.message and f.fix


@pytest.mark.parametrize("name", CASES)
def test_migrated_dockerfile_is_clean(name: str, tmp_path: Path) -> None:
    result = migrate(prepare(name, tmp_path / "app"))
    plan = result.plan
    check_invariants(result.files[0].content, port=plan.port, init=plan.init or None)
    assert hadolint_findings(result.files[0].content) == []


def test_the_seed_v1_gets_every_checklist_finding(tmp_path: Path) -> None:
    result = migrate(prepare("seed-v1-express", tmp_path / "app"))
    rules = {f.rule for f in result.findings}
    assert {"root-user", "base-not-exact", "base-full-image", "single-stage", "sources-before-install",
            "no-init", "no-dockerignore", "dev-dependencies", "base-eol"} <= rules
    assert {f.category for f in result.findings} >= {"root-user", "pinning", "image-size", "cache", "signals",
                                                     "build-context"}
    assert result.plan.cmd[-1] == "bin/www" and result.plan.port == 3000 and result.plan.workdir == "/usr/src/app"


def test_already_good_has_no_findings_and_no_change(tmp_path: Path) -> None:
    result = migrate(prepare("already-good", tmp_path / "app"))
    assert result.findings == () and result.diff == ""


def test_carry_over_keeps_what_the_old_file_meant(tmp_path: Path) -> None:
    result = migrate(prepare("apt-chains", tmp_path / "app"))
    text = result.files[0].content
    for kept in ('LABEL maintainer="ops@example.com"', "ARG APP_VERSION=1.4.2", "VOLUME /usr/src/app/uploads",
                 "HEALTHCHECK --interval=30s", "EXPOSE 9229", "LOG_LEVEL=info"):
        assert kept in text, kept
    assert result.plan.template == "node-slim" and "imagemagick" in result.plan.runtime_packages
    assert "build-essential" in result.plan.builder_packages and "build-essential" not in result.plan.runtime_packages
    assert any("mkdir -p /usr/src/app/uploads" in n for n in result.not_carried)
    rules = {f.rule for f in result.findings}
    assert {"secret-in-env", "add-url", "apt-update-alone", "add-instead-of-copy", "user-not-numeric"} <= rules


def test_migrate_cli_write_check_and_sarif(tmp_path: Path) -> None:
    app = prepare("seed-v1-express", tmp_path / "app")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "dockgen", "migrate", str(app), *args], capture_output=True,
                              text=True, timeout=120)

    check = run("--check", "--fail-on", "error")
    assert check.returncode == 5 and "finding(s) at or above error" in check.stderr
    sarif = json.loads(run("--format", "sarif").stdout)
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} >= {"root-user", "no-init"}
    data = json.loads(run("--json").stdout)
    assert {"findings", "carried", "not_carried", "diff"} <= set(data)
    original = (app / "Dockerfile").read_text()
    written = run("--write")
    assert written.returncode == 0, written.stderr
    assert (app / "Dockerfile.bak").read_text() == original
    assert (app / ".dockerignore").exists()
    after = subprocess.run([sys.executable, "-m", "dockgen", "check", str(app)], capture_output=True, text=True)
    assert after.returncode == 0 and "current" in after.stdout
    again = run("--check")
    assert again.returncode == 0, again.stdout
