"""ZIPs as a forger makes them: the members of a bundle or an archive read out, one changed,
dropped or added, and written again."""

from __future__ import annotations

import io
import zipfile


def members(data: bytes) -> dict[str, bytes]:
    """Every member of the ZIP `data`, by name."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def zipped(files: dict[str, bytes], change=None, drop: str | None = None, add=None) -> bytes:
    """`files` written as a ZIP: the member `change[0]` through `change[1]`, `drop` left out,
    the (name, content) `add` added at the end."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            if name == drop:
                continue
            if change and name == change[0]:
                content = change[1](content)
            archive.writestr(name, content)
        if add:
            archive.writestr(*add)
    return out.getvalue()
