"""Node version resolution: npm range semantics, LTS preference, nvm aliases, lifecycle."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dockgen.errors import VersionError
from dockgen.model import VersionHint
from dockgen.pins import default_pins, node_table_from_json
from dockgen.versions import _satisfies, _valid_range, pending_lts, resolve_node

TABLE = default_pins().node


def resolve(text: str, source: str = "package.json#engines.node") -> str:
    return resolve_node(TABLE, (VersionHint(source=source, text=text),))[0].resolved


def newest(prefix: str, lts_only: bool = True) -> str:
    return [r.version for r in TABLE.releases if r.version.startswith(prefix) and (r.lts or not lts_only)][-1]


def test_table_is_dated_and_knows_the_lts_lines() -> None:
    assert TABLE.generated >= "2026-11-01"
    assert TABLE.lines[24].codename == "Krypton" and TABLE.lines[24].lts_start == "24.11.0"
    assert TABLE.lines[22].codename == "Jod" and TABLE.lines[20].codename == "Iron"
    assert all(r.major % 2 == 0 for r in TABLE.releases if r.lts), "odd majors are never LTS"
    assert TABLE.is_eol(20) and not TABLE.is_eol(22)


def test_no_request_takes_the_newest_lts_release() -> None:
    choice, notices = resolve_node(TABLE, ())
    assert choice.resolved == [r.version for r in TABLE.releases if r.lts][-1]
    assert choice.lts and choice.requested is None and choice.source is None and not notices
    # Node 26 is LTS by schedule, but the table holds no LTS release of it: the plan says so
    assert "Node 26 is LTS by schedule" in (pending_lts(TABLE) or "")


@pytest.mark.parametrize(("text", "expected"), [
    (">=20 <23", "22."), ("^22", "22."), ("22.x", "22."), ("~24.11", "24.11."), ("20 || 22", "22."),
    (">=18", "24."), ("20.9.0 - 22.11.0", "22.11.0"), ("<21", "20."), ("v20", "20."), ("=22.11.0", "22.11.0"),
])
def test_ranges_resolve_to_the_newest_lts_patch(text: str, expected: str) -> None:
    got = resolve(text)
    assert got.startswith(expected)
    if expected.endswith("."):
        assert got == newest(expected)


def test_odd_major_is_not_lts_and_warns() -> None:
    choice, notices = resolve_node(TABLE, (VersionHint(source="package.json#engines.node", text="^25"),))
    assert choice.major == 25 and not choice.lts
    assert any("not LTS" in n.message for n in notices)
    assert any("end of life" in n.message for n in notices)


@pytest.mark.parametrize(("text", "major"), [("lts/*", 24), ("lts/iron", 20), ("lts/Jod", 22), ("lts/-1", 22),
                                             ("lts", 24), ("lts-krypton", 24)])
def test_nvm_and_asdf_aliases(text: str, major: int) -> None:
    assert resolve(text, ".nvmrc") == newest(f"{major}.")


def test_node_alias_means_newest_release_of_all() -> None:
    assert resolve("node", ".nvmrc") == TABLE.releases[-1].version


def test_exact_version_is_kept() -> None:
    assert resolve("22.11.0", ".node-version") == "22.11.0"


@pytest.mark.parametrize(("text", "msg"), [
    (">99", "no Node.js release satisfies"), ("junk!", "not a Node.js version or range"),
    ("lts/foo", "unknown LTS codename"), ("22.0.99", "does not exist"),
])
def test_bad_requests_are_clear_errors(text: str, msg: str) -> None:
    with pytest.raises(VersionError) as err:
        resolve(text)
    assert msg in err.value.message and err.value.hint


def test_first_hint_wins_and_conflicts_are_reported() -> None:
    hints = (VersionHint(source=".nvmrc", text="20"), VersionHint(source="package.json#engines.node", text=">=22"))
    choice, notices = resolve_node(TABLE, hints)
    assert choice.major == 20 and choice.source == ".nvmrc"
    assert any("engines.node" in n.message and ">=22" in n.message for n in notices)


def test_override_beats_every_hint() -> None:
    hints = (VersionHint(source=".nvmrc", text="20"),)
    choice, _ = resolve_node(TABLE, hints, override="22")
    assert choice.major == 22 and choice.source == "--node-version"


def test_lifecycle_uses_the_table_date_not_the_clock() -> None:
    data = json.loads((Path(__file__).parents[1] / "src/dockgen/data/node_releases.json").read_text())
    data["generated"] = "2025-01-01"
    old = node_table_from_json(data)
    assert not old.is_eol(20)
    assert old.is_eol(18) is False or old.lines[18].end_of_life <= "2025-01-01"


# -- npm's own semver as the reference for range semantics ---------------------------------------------

NPM_SEMVER = Path("/usr/lib/node_modules/npm/node_modules/semver")


def _npm_semver_dir() -> Path | None:
    node = shutil.which("node")
    if node is None:
        return None
    out = subprocess.run([node, "-p", "require.resolve('npm/package.json')"], capture_output=True, text=True,
                         cwd="/", env={"NODE_PATH": "/usr/lib/node_modules:/usr/local/lib/node_modules"})
    if out.returncode == 0:
        cand = Path(out.stdout.strip()).parent / "node_modules" / "semver"
        if cand.exists():
            return cand
    return NPM_SEMVER if NPM_SEMVER.exists() else None


RANGES = ["^20", "~20.1", "20.x", "20", ">=20.3 <22", ">=20.0.0 <20.5.0 || >=22", "20.1 - 22", "*", "",
          ">22.1.0", "<=22", "^20.10.0", "~22", "22.x || 24.x", "x", ">= 20", "=20.1.0", "v20", "^0.1",
          ">=18.17.0", "18 - 20", "20.*", "^20.x", "~20.x", ">20 <22", "<20.9.0", "22.1.x", "^24.0.0-0",
          ">=20.0.0-rc.1", "1.2.3 - 2.3", "^22 || ^24 || >=26", ">=20 <=20.10"]


def test_range_semantics_match_npm_semver() -> None:
    semver = _npm_semver_dir()
    if semver is None:
        pytest.skip("npm's semver package not found (no node/npm on this machine)")
    versions = [r.version for r in TABLE.releases]
    script = ("const s=require(process.argv[1]);const v=JSON.parse(process.argv[2]);"
              "const r=JSON.parse(process.argv[3]);"
              "console.log(JSON.stringify(r.map(x=>v.filter(y=>s.satisfies(y,x)))))")
    argv = ["node", "-e", script, str(semver), json.dumps(versions), json.dumps(RANGES)]
    out = subprocess.run(argv, capture_output=True, text=True, check=True)
    expected = json.loads(out.stdout)
    for rng, want in zip(RANGES, expected, strict=True):
        valid = _valid_range(rng)
        got = [r.version for r in TABLE.releases if valid is not None and _satisfies(r, valid)]
        assert got == want, f"range {rng!r}: dockgen {got[:3]}... != npm {want[:3]}..."


def _npm_satisfying(ranges: list[str]) -> list[list[str] | None]:
    """For each range, the table's releases npm's semver says satisfy it (None: invalid range)."""
    semver = _npm_semver_dir()
    if semver is None:
        pytest.skip("npm's semver package not found (no node/npm on this machine)")
    versions = [r.version for r in TABLE.releases]
    script = ("const s=require(process.argv[1]);const v=JSON.parse(process.argv[2]);"
              "const r=JSON.parse(process.argv[3]);"
              "console.log(JSON.stringify(r.map(x=>s.validRange(x)===null?null:v.filter(y=>s.satisfies(y,x)))))")
    argv = ["node", "-e", script, str(semver), json.dumps(versions), json.dumps(ranges)]
    result: list[list[str] | None] = json.loads(subprocess.run(argv, capture_output=True, text=True,
                                                               check=True).stdout)
    return result


def _generated_ranges(count: int, seed: int) -> list[str]:
    """Deterministic random ranges: carets, tildes, x-ranges, hyphens, prerelease bounds, ||."""
    rnd = random.Random(seed)

    def partial() -> str:
        parts = [rnd.choice(["x", "X", "*", *map(str, range(0, 30))]) for _ in range(rnd.randint(1, 3))]
        return "v" * rnd.randint(0, 1) + ".".join(parts) + rnd.choice(["", "", "", "-0", "-rc.1", "-beta"])

    def one_set() -> str:
        if rnd.random() < 0.2:
            return f"{partial()} - {partial()}"
        ops = ["", "", "^", "~", "~>", ">=", ">", "<", "<=", "=", ">= ", "< "]
        return " ".join(rnd.choice(ops) + partial() for _ in range(rnd.randint(1, 3)))

    return sorted({" || ".join(one_set() for _ in range(rnd.randint(1, 3))) for _ in range(count)})


def test_generated_ranges_match_npm_semver() -> None:
    """400 generated ranges compared with npm's own semver: validity and the releases they admit."""
    ranges = _generated_ranges(400, seed=20261129)
    expected = _npm_satisfying(ranges)
    for text, want in zip(ranges, expected, strict=True):
        parsed = _valid_range(text)
        if want is None:
            assert parsed is None, f"npm rejects {text!r}, dockgen accepts it"
            continue
        assert parsed is not None, f"npm accepts {text!r}, dockgen rejects it"
        got = [r.version for r in TABLE.releases if _satisfies(r, parsed)]
        assert got == want, f"{text!r}: dockgen {got[:4]}... npm {want[:4]}..."


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["^", "~", ">=", "<", ">", "<=", "="]), min_size=1, max_size=2),
       st.lists(st.integers(min_value=18, max_value=27), min_size=1, max_size=2),
       st.integers(0, 25))
def test_resolution_always_satisfies_the_range(ops: list[str], majors: list[int], minor: int) -> None:
    text = " ".join(f"{op}{m}.{minor}" for op, m in zip(ops, majors, strict=False))
    try:
        choice, _ = resolve_node(TABLE, (VersionHint(source="engines", text=text),))
    except VersionError:
        valid = _valid_range(text)
        assert valid is None or not any(_satisfies(r, valid) for r in TABLE.releases)
        return
    release = TABLE.find(choice.resolved)
    rng = _valid_range(text)
    assert release is not None and rng is not None and _satisfies(release, rng)
    lts = [r for r in TABLE.releases if r.lts and _satisfies(r, rng)]
    if lts:
        assert release == lts[-1]


@pytest.mark.parametrize("text", ["16.x", ">=14 <17", "lts/gallium"])
def test_an_end_of_life_line_the_table_knows_gives_its_newest_release(text: str) -> None:
    choice, notices = resolve_node(default_pins().node, (VersionHint(source="package.json#engines.node", text=text),))
    assert choice.resolved == "16.20.2"
    assert any("end of life" in n.message for n in notices)


@pytest.mark.parametrize("text", ["14.x", "^12.0.0", "lts/fermium", "0.10"])
def test_a_line_older_than_the_table_gets_the_oldest_supported_lts_with_a_warning(text: str) -> None:
    table = default_pins().node
    choice, notices = resolve_node(table, (VersionHint(source=".nvmrc", text=text),))
    assert choice.lts and not table.is_eol(choice.major)
    assert choice.major == min(m for m in table.lts_lines() if not table.is_eol(m))
    assert any("older than any release dockgen knows" in n.message for n in notices)
