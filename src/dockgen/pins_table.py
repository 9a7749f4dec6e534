"""dockgen's pins: the base images and tools it writes into Dockerfiles, and what it knows of them.

Node.js releases live in data/node_releases.json (scripts/refresh_node_table.py). Everything here was
checked by hand on AS_OF, from the source named beside it; bump AS_OF when refreshing. (A Python
module rather than TOML: importing tomllib would cost `dockgen detect` ~15 ms of start-up.)
"""

from __future__ import annotations

from typing import Any

AS_OF = "2026-11-29"

PINS: dict[str, Any] = {
    "as_of": AS_OF,
    "debian": {
        # Debian 13 "trixie" is stable (since 2025-08); official node/python images default to -trixie.
        "default_suite": "trixie",
        "suites": {
            # Debian's tini package (apt-cache policy tini in debian:<suite>-slim); ships tini and tini-static
            "trixie": {"version": 13, "tini": "0.19.0-3+b8"},
            "bookworm": {"version": 12, "tini": "0.19.0-1+b3"},
        },
    },
    "node": {
        # Node majors whose official images have each Debian suite's variants (docker-node versions.json)
        "images": {"trixie": [20, 22, 24, 26], "bookworm": [16, 18, 20, 22, 24, 26]},
        # gcr.io/distroless/nodejsNN-<distro>: the majors upstream builds per Debian release. Upstream builds
        # only debian13 now; nodejs*-debian12 stopped updating in Feb 2026 (used for Node 18/20 only).
        # Distroless images carry no version tags, only latest/nonroot/debug: pin a digest for byte-exact builds.
        "distroless": {"debian13": [22, 24, 26], "debian12": [18, 20, 22, 24], "tag": "nonroot"},
    },
    # node:<x.y.z>-alpine<version>; Alpine's tini package is 0.19.0-r3 since Alpine 3.19. 3.22 is the newest
    # Alpine of the node images dockgen could verify (the e2e stand-ins stop there); bump ALPINE_VERSION.
    "alpine": {"version": "3.22", "tini": "0.19.0-r3"},
    # npm's dist-tags.latest on AS_OF (npm view <pkg> dist-tags.latest)
    "tools": {"pnpm": "12.21.0", "yarn_classic": "1.22.22", "yarn_berry": "4.18.1", "corepack": "0.36.0",
              "bun": "1.4.5"},
    # pnpm for a pnpm-lock.yaml without a packageManager field: the newest release of the line that wrote that
    # lockfile version (npm view pnpm versions, 2026-12-05). 9.0 is written by pnpm 9 to 12; pnpm 10 is chosen
    # because it reads both approval settings (onlyBuiltDependencies, and allowBuilds in its late releases),
    # while pnpm 11+ ignores onlyBuiltDependencies and fails the install on unapproved build scripts
    # (ERR_PNPM_IGNORED_BUILDS), both checked here with pnpm 12.24.0. pnpm 10 refuses lockfile 6.0, 8 and 9
    # read it; only pnpm 7 installs a 5.4 lockfile frozen (checked with 7.33.7, 8.15.9, 9.15.9, 10.34.9).
    "pnpm_for_lockfile": {"5.3": "6.35.1", "5.4": "7.33.7", "6.0": "8.15.9", "6.1": "8.15.9", "9.0": "10.34.9"},
    # oven/bun images: <x.y.z>-slim and -debian are Debian bookworm (apt's tini is bookworm's), -distroless is
    # distroless (nonroot uid 65532, no shell). Bun's version: packageManager bun@x.y.z, else tools.bun.
    "bun": {"suite": "bookworm"},
    # Python. Debian point releases (/etc/debian_version of the stable images): the distroless python3
    # images run Debian's own CPython (debian13: 3.13, debian12: 3.11), so their builder is plain Debian.
    "python": {
        "debian": {"trixie": "13.8", "bookworm": "12.15"},
        "distroless": {"debian13": {"minor": "3.13", "deb": "3.13.5-2+deb13u5", "suite": "trixie"},
                       "debian12": {"minor": "3.11", "deb": "3.11.2-6+deb12u9", "suite": "bookworm"}},
        # official python:<x.y.z>-slim-<suite> images: trixie for 3.12+ (3.11 and older: bookworm)
        "slim_suite": {"3.9": "bookworm", "3.10": "bookworm", "3.11": "bookworm"},
        # PyPI's newest on AS_OF (pip index versions <pkg>)
        "tools": {"uv": "0.13.9", "poetry": "2.5.1", "poetry-plugin-export": "1.10.1", "pdm": "2.29.4",
                  "pdm-constraints": ["hishel<2"],
                  "pipenv": "2026.10.3", "pip": "26.3", "gunicorn": "27.0.1", "uvicorn": "0.54.0"},
        # headers a package compiled from source needs beyond gcc and CPython's (Debian names, bookworm and
        # trixie alike; each package's own build documentation): only when it has no wheel for the image
        "source_build": {"cffi": ["libffi-dev"], "pycairo": ["libcairo2-dev", "pkg-config"],
                         "python-ldap": ["libldap2-dev", "libsasl2-dev"],
                         "dbus-python": ["libdbus-1-dev", "libglib2.0-dev", "pkg-config"],
                         "mod-wsgi": ["apache2-dev"], "pyyaml": ["libyaml-dev"]},
        # Debian runtime/build packages for dependencies that link OS libraries, per suite
        "system": {
            "psycopg2": {"build": ["libpq-dev", "gcc"], "runtime": ["libpq5"]},
            "mysqlclient": {"build": ["default-libmysqlclient-dev", "pkg-config", "gcc"], "runtime": ["libmariadb3"]},
            "pillow": {"build": ["libjpeg62-turbo-dev", "zlib1g-dev"], "runtime": ["libjpeg62-turbo"]},
            "lxml": {"build": ["libxml2-dev", "libxslt1-dev"], "runtime": ["libxml2", "libxslt1.1"]},
        },
    },
    # static sites: nginxinc/nginx-unprivileged (uid 101, port 8080). 1.27.3 is the newest tag dockgen could
    # verify here (newer nginx releases exist upstream: bump NGINX_VERSION).
    "static": {"nginx_unprivileged": "1.27.3", "nginx_variant": "alpine-slim"},
}
