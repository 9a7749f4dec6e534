"""Monorepos (issue 10): the workspace root is found from a member, the root's lockfile and context are used,
installs take only what the member needs, and `init --all` writes every app and a docker-bake.hcl.
Plans only; tests/e2e/test_real_apps.py builds and runs these apps with the engine."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dockgen.api import detect, generate, generate_all, plan
from dockgen.cli import main
from dockgen.errors import PlanError
from dockgen.model import NodeFacts, PythonFacts
from dockgen.workspace import find_root, matches

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real"


def tree(tmp_path: Path, case: str) -> Path:
    return Path(shutil.copytree(REAL / case / "app", tmp_path / case))


@pytest.mark.parametrize(("rel", "patterns", "hit"), [
    ("apps/api", ["apps/*"], True), ("apps/api", ["packages/*"], False), ("a/b/c", ["a/**"], True),
    ("a", ["a/**"], False), ("apps/api", ["apps/*", "!apps/api"], False), ("apps/api", ["./apps/api/"], True),
    ("apps/api/nested", ["apps/*"], False), ("x", ["**"], True),
])
def test_workspace_globs(rel: str, patterns: list[str], hit: bool) -> None:
    assert matches(rel, patterns) is hit


@pytest.mark.parametrize(("case", "member", "tool", "local"), [
    ("pnpm-workspace-ts", "apps/api", "pnpm", ["packages/core"]),
    ("npm-workspaces", "apps/api", "npm", ["packages/shared"]),
    ("yarn-berry-workspaces", "packages/server", "yarn", ["packages/greeter"]),
    ("bun-workspaces", "apps/server", "bun", ["packages/utils"]),
    ("turbo-pnpm", "apps/api", "pnpm", ["packages/logger"]),
    ("py-uv-workspace", "packages/api", "uv", ["packages/pricing"]),
])
def test_a_member_finds_its_workspace(case: str, member: str, tool: str, local: list[str]) -> None:
    app = REAL / case / "app" / member
    found = find_root(app)
    assert found is not None and found[0] == (REAL / case / "app").resolve() and found[1] == tool
    facts = detect(app)
    assert facts.workspace is not None and facts.workspace.member == member
    assert [p.dir for p in facts.workspace.local] == local
    assert facts.lockfile is not None  # the root's: a member has none of its own
    built = plan(facts)
    assert built.context == "../.." and built.dockerfile == f"{member}/Dockerfile"
    assert built.ignore_file == "Dockerfile.dockerignore" and built.run_dir == f"/app/{member}"


def test_a_plain_app_is_no_workspace_member() -> None:
    assert find_root(REAL / "express-generator-npm" / "app") is None
    assert detect(REAL / "express-generator-npm" / "app").workspace is None


def test_pnpm_member_installs_only_its_closure_and_builds_its_packages_first(tmp_path: Path) -> None:
    built = plan(detect(REAL / "pnpm-workspace-ts" / "app" / "apps" / "api"))
    install = built.install
    assert "--filter api..." in install.install_prod and "--prod" in install.install_prod
    assert "--filter api... --filter ." in install.install_all
    assert "apps/worker-http/package.json" not in install.manifest_files  # not needed by api
    assert {"packages/core/package.json", "apps/api/package.json", "pnpm-lock.yaml"} <= set(install.manifest_files)
    assert built.build_command is not None and built.build_command.startswith("pnpm --dir packages/core run build")
    copies = [(c.sources[0], c.from_stage) for c in built.runtime_copies]
    assert ("/app/packages/core", "build") in copies and ("/app/packages/core/node_modules", "deps") in copies
    assert built.cmd[-1] == "src/server.js"


def test_npm_member_uses_workspace_flags() -> None:
    built = plan(detect(REAL / "npm-workspaces" / "app" / "apps" / "api"))
    assert "--workspace apps/api" in built.install.install_prod and "--omit=dev" in built.install.install_prod
    assert built.build_command is None and built.layout == "deps+runtime"
    assert ("packages/shared", None) in [(c.sources[0], c.from_stage) for c in built.runtime_copies]


def test_turborepo_is_pruned() -> None:
    built = plan(detect(REAL / "turbo-pnpm" / "app" / "apps" / "api"))
    assert built.install.prune == "turbo prune api --docker"
    assert built.workspace is not None and built.workspace.turbo
    assert any(s.startswith(f"npm install -g turbo@{built.workspace.turbo}") for s in built.install.setup)
    assert built.build_command is not None and built.build_command.startswith("turbo run build --filter=api")
    from dockgen.api import render

    dockerfile = render(built)[0].content
    assert "FROM base AS prune" in dockerfile and "COPY --from=prune /app/out/json/ ./" in dockerfile


def test_uv_member_syncs_its_package() -> None:
    facts = detect(REAL / "py-uv-workspace" / "app" / "packages" / "api")
    assert isinstance(facts, PythonFacts)
    built = plan(facts)
    assert built.install.install_prod == "uv sync --locked --no-dev --package api --no-install-workspace"
    assert built.install.install_project == "uv sync --locked --no-dev --package api --no-editable"
    assert "packages/pricing/pyproject.toml" in built.install.manifest_files


def test_init_inside_a_member_and_with_app_write_the_same_files(tmp_path: Path) -> None:
    root = tree(tmp_path, "pnpm-workspace-ts")
    a = generate(root / "apps" / "api", dry_run=True)
    other = tree(tmp_path / "2", "pnpm-workspace-ts")
    code = 0
    try:
        main([ "init", str(other), "--app", "apps/api", "--json", "--no-record"])
    except SystemExit as exc:
        code = int(exc.code or 0)
    assert code == 0
    written = (other / "apps" / "api" / "Dockerfile").read_text(encoding="utf-8")
    assert [f.content for f in a.files if f.path == "Dockerfile"] == [written]
    assert (other / "apps" / "api" / "Dockerfile.dockerignore").is_file()
    assert not (other / ".dockerignore").exists()  # nothing is written outside the member


def test_the_workspace_root_says_which_apps_to_pick(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tree(tmp_path, "pnpm-workspace-ts")
    with pytest.raises(SystemExit) as exc:
        main(["init", str(root), "--dry-run"])
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "workspace root" in err and "--app apps/api" in err and "--all" in err


def test_init_all_writes_each_app_and_a_bake_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tree(tmp_path, "pnpm-workspace-ts")
    done = generate_all(root)
    assert [a.member for a in done.apps] == ["apps/api", "apps/worker-http"]
    assert done.skipped == [("packages/core", "no start script: a library")]
    bake = (root / "docker-bake.hcl").read_text(encoding="utf-8")
    assert 'dockerfile = "apps/api/Dockerfile"' in bake and 'targets = ["api", "worker-http"]' in bake
    with pytest.raises(SystemExit) as exc:
        main(["init", str(root), "--all", "--check", "--json"])
    assert exc.value.code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["bake"]["status"] == "identical"
    assert all(f["status"] == "identical" for a in report["apps"] for f in a["files"])


def test_member_ignore_file_is_measured_from_the_root(tmp_path: Path) -> None:
    root = tree(tmp_path, "turbo-pnpm")
    done = generate(root / "apps" / "api")
    ignore = next(f.content for f in done.files if f.path == "Dockerfile.dockerignore")
    assert "apps/api/Dockerfile" in ignore and "**/node_modules" in ignore
    assert done.context.sent_files > 5  # the whole workspace root was measured


def test_a_library_member_cannot_be_started(tmp_path: Path) -> None:
    facts = detect(REAL / "py-uv-workspace" / "app" / "packages" / "pricing")
    with pytest.raises(PlanError):
        plan(facts)
    assert isinstance(detect(REAL / "npm-workspaces" / "app" / "packages" / "shared"), NodeFacts)
