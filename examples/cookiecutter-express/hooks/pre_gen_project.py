"""cookiecutter pre-generation hook: refuse answers the project cannot use, before anything is made."""

import re
import sys
from urllib.parse import unquote

# the answers arrive URL-quoted, so no quote or backslash in them can break this file
slug = unquote("{{ cookiecutter.project_slug | urlencode }}")
port = unquote("{{ cookiecutter.port | urlencode }}")

if not re.fullmatch(r"[a-z0-9][a-z0-9._-]{0,213}", slug):
    sys.exit(f"project_slug {slug!r} is not an npm package name: lowercase letters, digits, '.', '_' and '-' "
             "(set project_slug=..., or a project_name of letters, digits and spaces)")
# ASCII digits only, no leading zero: the port goes into server.js as a number, where 08080 is a SyntaxError
if not (re.fullmatch(r"[1-9][0-9]{0,4}", port, re.ASCII) and int(port) <= 65535):
    sys.exit(f"port {port!r} is not a TCP port: use 1-65535, written without leading zeros")
