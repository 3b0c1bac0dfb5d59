"""The API reference of ``shared_sms`` from its docstrings (pdoc): ``make docs`` runs
``python tools/build_api_docs.py build/docs/api``.

``shared_sms`` loads its constructs on first use (``__getattr__``), so that the command line
starts without aws-cdk-lib; pdoc reads a module's ``__dict__``, so the public names are loaded
into it first. Only the names in ``shared_sms.__all__`` are documented.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import pdoc

import shared_sms


def build(output: Path) -> Path:
    """Write the HTML reference into ``output``; returns the page of ``shared_sms``."""
    namespace = vars(shared_sms)
    for name in shared_sms.__all__:
        namespace[name] = getattr(shared_sms, name)
    pdoc.render.configure(docformat="restructuredtext", footer_text=f"shared-sms {shared_sms.__version__}")
    pdoc.pdoc("shared_sms", output_directory=output)
    return output / "shared_sms.html"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0] if __doc__ else None)
    parser.add_argument("output", type=Path, help="folder for the HTML (created; existing pages are overwritten)")
    args = parser.parse_args(argv)
    print(f"API reference: {build(args.output)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
