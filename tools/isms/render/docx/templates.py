"""Write the Word templates into policy_templates/word/ (run: python -m isms.render.docx.templates).

The files are generated, then committed: an organisation may restyle them in Word (fonts, colours,
margins, logo on the cover) as long as the {{ ... }} tags of the frame stay. The build reads them from
the repository being built.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from isms.render.docx.frame import build_frame
from isms.render.docx.paths import template_paths
from isms.render.docx.reference import build_reference
from isms.render.ooxml import normalise


def write_templates(root: Path) -> list[Path]:
    reference = build_reference()
    frame = normalise(build_frame(reference))
    reference_path, frame_path = template_paths(root)
    reference_path.parent.mkdir(parents=True, exist_ok=True)
    reference_path.write_bytes(reference)
    frame_path.write_bytes(frame)
    return [reference_path, frame_path]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m isms.render.docx.templates", description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=".", help="repository root (default: the current folder)")
    args = parser.parse_args(argv)
    for path in write_templates(Path(args.root)):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
