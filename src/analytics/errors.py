"""The suite's errors: each one a user can cause carries the exit code the CLI ends with.

Anything else that escapes is a bug in the suite, not a user's mistake: the CLI reports it
as an internal error (exit 1) and writes the traceback to a file.
"""

from __future__ import annotations


class AnalyticsError(Exception):
    """An error the user can act on: the message says what and where, ``exit_code`` how
    the ``analytics`` command ends."""

    exit_code = 1


class UsageError(AnalyticsError, ValueError):
    """Bad arguments: a period, a policy file, an option, a patient id."""

    exit_code = 2


class ExportError(AnalyticsError):
    """An export that cannot be read: missing, not an export, a table or column missing."""

    exit_code = 3


class RunError(AnalyticsError):
    """A run that failed: the message names the notebook, the cell and the error."""

    exit_code = 4


class RunLocked(AnalyticsError):
    """Another run of the same month is writing it now."""

    exit_code = 5


class OutputError(AnalyticsError):
    """The reports cannot be written: the folder is a file, read-only, or the disk is full."""

    exit_code = 6

    @staticmethod
    def describe(error: OSError) -> str:
        """One line for a failed write: what and where, nothing replaced."""
        where = f" ({error.filename})" if error.filename else ""
        return f"cannot write the reports{where}: {error.strerror}; nothing was replaced"


EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_CODES = {
    EXIT_OK: "success",
    EXIT_INTERNAL: "internal error: a bug in the suite; the traceback is written to a file "
    "named on stderr",
    UsageError.exit_code: "bad arguments: a period that is not YYYY-MM or that the export "
    "does not cover, a policy file that cannot be read or would change a figure silently, a "
    "bad option",
    ExportError.exit_code: "the export cannot be read: missing path, not an export, a "
    "required table or column missing, a file that is not what its name says",
    RunError.exit_code: "a report notebook failed: nothing was replaced, the failed "
    "notebooks are kept",
    RunLocked.exit_code: "another run of the same month is in progress",
    OutputError.exit_code: "the reports cannot be written (--out is a file or read-only, the "
    "disk is full): nothing was replaced",
}
