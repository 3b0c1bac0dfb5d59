"""Where the function's code asset lives, in a source checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path

# Files in the code directory that are not part of the deployed function.
ASSET_EXCLUDES = ["__pycache__", "*.pyc", "*.pyi", ".mypy_cache", ".pytest_cache"]


def function_code_dir() -> Path:
    """The directory holding ``index.py``.

    A wheel ships the repository's ``lambda/`` folder as ``shared_sms/function_code``;
    a source checkout (or an editable install) uses ``lambda/`` itself.
    """
    packaged = Path(__file__).parent / "function_code"
    if (packaged / "index.py").is_file():
        return packaged
    source = Path(__file__).resolve().parents[2] / "lambda"
    if (source / "index.py").is_file():
        return source
    raise FileNotFoundError(
        f"shared_sms cannot find its function code: looked in {packaged} and {source}; "
        "reinstall the package (pip install shared-sms) or run from a full checkout"
    )
