"""The one error hierarchy of dockgen.

Core code raises these; only ``cli.py`` turns them into ``error: ...`` / ``hint: ...`` lines and an
exit code. Any other exception escaping the core is a bug and keeps its traceback.
"""

from __future__ import annotations


class ExitCode:
    """Documented exit codes of the ``dockgen`` command (also in the README)."""

    OK = 0
    ERROR = 1  # bad input: no manifest, malformed file, unsatisfiable range, unknown template...
    USAGE = 2  # bad command line (typer/click's own code)
    CONFLICT = 3  # init: an existing file differs and --force was not given; nothing was written
    DRIFT = 4  # init --check / dockgen check: the files on disk differ from what dockgen would write
    FINDINGS = 5  # migrate --check: findings at or above the threshold


class DockgenError(Exception):
    """An error the user can fix: one line of message, one line of hint."""

    exit_code: int = ExitCode.ERROR

    def __init__(self, message: str, hint: str | None = None, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message


class ManifestError(DockgenError):
    """A manifest or lockfile is missing, unreadable or malformed."""


class VersionError(DockgenError):
    """A runtime version request cannot be satisfied or understood."""


class TemplateError(DockgenError):
    """An unknown template, or a template that cannot serve this app."""


class PlanError(DockgenError):
    """The app cannot be planned (e.g. no way to start it was found)."""


class StampError(DockgenError):
    """A dockgen-stamp line (or the carry record it names) that dockgen cannot read back."""


class OptionError(DockgenError, TypeError):
    """An option of the Python API of the wrong type or out of range (also a TypeError, as Python's own
    argument errors are)."""
