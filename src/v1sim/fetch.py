"""``v1sim fetch``: download a release (the Allen V1 network) and keep a sha256 manifest of every file.

The manifest (JSON, by default ``DEST/sha256.json``) maps each file's path relative to ``DEST`` to the record of
its first download: ``{"sha256", "bytes", "url", "first_downloaded"}``. Rules:

* a file downloaded for the first time is recorded;
* a file already present whose checksum matches its record is not downloaded again (it is verified);
* a file downloaded again (because it was deleted, or with ``refresh=True``) must have its recorded checksum:
  a changed file is refused and the copy on disk, if any, is left as it was;
* a local file that no longer matches its record is refused (delete it to download it again);
* a checksum pinned by the caller (``expected``, ``release.sha256`` in the pipeline's config) must match.

Every download streams into a temporary file beside its target, hashed on the way, and is renamed into place
only once it is complete and checked: an interrupted or refused download leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import logging
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any

from tqdm import tqdm

from v1sim.errors import V1SimInputError
from v1sim.provenance import write_json

log = logging.getLogger(__name__)

MANIFEST_NAME = "sha256.json"
SCHEMES = ("http", "https", "file")
CHUNK_BYTES = 1 << 20
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_RECORD_KEYS = ("sha256", "bytes", "url", "first_downloaded")


def fetch_release(
    url: str,
    files: Iterable[str],
    dest: str | Path,
    manifest: str | Path | None = None,
    *,
    expected: Mapping[str, str] | None = None,
    refresh: bool = False,
    progress: bool = True,
    timeout: float = 60.0,
) -> dict[str, dict[str, Any]]:
    """Download each path in ``files`` (relative to the base ``url``) into ``dest``, checking its sha256.

    ``manifest`` defaults to ``dest/sha256.json``; ``expected`` pins checksums (relative path -> sha256);
    ``refresh`` downloads files already present again to check that the remote copy has not changed.
    Returns, for each file, its manifest record plus ``path`` (where it is) and ``status`` (``downloaded``,
    ``verified``, ``refreshed`` — downloaded again, identical to its record, ``repaired`` — a damaged local copy
    replaced, when refreshing, by a download identical to its record, or ``recorded`` — present without a
    record and identical to the remote copy).
    Raises :class:`V1SimInputError` naming the URL or file and the field on any problem; the manifest keeps
    the records of the files fetched before the problem.
    """
    base = check_base_url(url)
    dest = Path(dest)
    manifest = dest / MANIFEST_NAME if manifest is None else Path(manifest)
    rels = list(dict.fromkeys(check_relative_path(f) for f in files))
    pins = _check_pins(expected or {}, rels)
    for rel in rels:
        if (dest / rel).resolve() == manifest.resolve():
            raise V1SimInputError(rel, None, f"is the checksum manifest's own path ({manifest})")
    records = load_manifest(manifest)
    wanted = (dest, manifest.parent, *((dest / rel).parent for rel in rels))
    made = [missing for folder in wanted for missing in _missing_folders(folder)]
    try:
        return _fetch_all(base, rels, dest, manifest, records, pins, refresh, progress, timeout)
    except BaseException:
        # a failed fetch leaves no folder it made that stayed empty (files fetched before stay, recorded)
        for folder in sorted(set(made), key=lambda f: len(f.parts), reverse=True):
            _remove_empty_tree(folder)
        raise


def _missing_folders(folder: Path) -> list[Path]:
    """``folder`` and its ancestors that do not exist yet (the folders a ``mkdir -p`` would make)."""
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    return missing


def _remove_empty_tree(folder: Path) -> None:
    """Remove ``folder`` and its subfolders, bottom up, as far as they hold no file."""
    if not folder.is_dir():
        return
    for sub in sorted((p for p in folder.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):
            sub.rmdir()
    with contextlib.suppress(OSError):
        folder.rmdir()


def _fetch_all(
    base: str,
    rels: list[str],
    dest: Path,
    manifest: Path,
    records: dict[str, Any],
    pins: dict[str, str],
    refresh: bool,
    progress: bool,
    timeout: float,
) -> dict[str, dict[str, Any]]:
    dest.mkdir(parents=True, exist_ok=True)
    manifest.parent.mkdir(parents=True, exist_ok=True)
    result: dict[str, dict[str, Any]] = {}
    for rel in rels:
        record, status = _fetch_one(
            rel,
            f"{base}/{urllib.parse.quote(rel)}",
            dest / rel,
            records.get(rel),
            pins.get(rel),
            manifest=manifest,
            refresh=refresh,
            progress=progress,
            timeout=timeout,
        )
        if records.get(rel) != record:
            records[rel] = record
            write_json(manifest, records)
        log.info("%s: %s (sha256 %s)", rel, status, record["sha256"])
        result[rel] = {**record, "path": str(dest / rel), "status": status}
    write_json(manifest, records)
    return result


def summary_line(result: Mapping[str, Mapping[str, Any]], manifest: str | Path) -> str:
    """One line: how many files, how big, what was done, where the manifest is."""
    counts: dict[str, int] = {}
    for entry in result.values():
        counts[entry["status"]] = counts.get(entry["status"], 0) + 1
    done = ", ".join(f"{n} {status}" for status, n in counts.items()) or "nothing to fetch"
    total = sum(int(entry["bytes"]) for entry in result.values())
    return f"fetched {len(result)} file(s), {_human_bytes(total)} ({done}); checksums in {manifest}"


def check_base_url(url: str) -> str:
    """The base URL without a trailing slash; only http(s):// and file:// are accepted."""
    if not isinstance(url, str) or not url:
        raise V1SimInputError(None, "url", "no base URL given (http://, https:// or file://)")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise V1SimInputError(url, "url", "not an http://, https:// or file:// URL")
    if parts.query or parts.fragment:
        raise V1SimInputError(url, "url", "a base URL cannot have a query (?...) or fragment (#...)")
    return url.rstrip("/")


def check_relative_path(name: str) -> str:
    """A file's path relative to the release root, normalised; absolute paths and ``..`` are refused."""
    if not isinstance(name, str) or not name.strip():
        raise V1SimInputError(repr(name), "files", "not a relative file path")
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or "\\" in name or str(path) in ("", "."):
        raise V1SimInputError(name, "files", "must be a path relative to the release root, without '..'")
    return str(path)


def sha256_file(path: str | Path, progress: bool = False) -> str:
    """The hex sha256 of a file, read in chunks."""
    path = Path(path)
    digest = hashlib.sha256()
    with (
        path.open("rb") as handle,
        tqdm(
            total=path.stat().st_size,
            unit="B",
            unit_scale=True,
            desc=f"sha256 {path.name}",
            disable=not progress,
        ) as bar,
    ):
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
            bar.update(len(chunk))
    return digest.hexdigest()


def load_manifest(manifest: str | Path) -> dict[str, dict[str, Any]]:
    """The records of a checksum manifest; an absent manifest has none. A malformed one is an error."""
    manifest = Path(manifest)
    if not manifest.exists():
        return {}
    try:
        data = json.loads(manifest.read_text())
    except json.JSONDecodeError as exc:
        raise V1SimInputError(manifest, None, f"not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise V1SimInputError(manifest, None, "must be a JSON object of relative path -> record")
    for rel, record in data.items():
        if not isinstance(record, dict) or not _SHA256.match(str(record.get("sha256", ""))):
            raise V1SimInputError(manifest, f"{rel}.sha256", "record has no valid sha256 (64 hex digits)")
    return data


def _check_pins(expected: Mapping[str, str], rels: list[str]) -> dict[str, str]:
    pins = {}
    for name, sha in expected.items():
        rel = check_relative_path(name)
        if rel not in rels:
            raise V1SimInputError(
                name, "sha256", "a checksum is pinned for a file that is not to be downloaded"
            )
        if not isinstance(sha, str) or not _SHA256.match(sha.lower()):
            raise V1SimInputError(name, "sha256", f"pinned checksum is not 64 hex digits: {sha!r}")
        pins[rel] = sha.lower()
    return pins


def _fetch_one(
    rel: str,
    file_url: str,
    target: Path,
    record: dict[str, Any] | None,
    pin: str | None,
    *,
    manifest: Path,
    refresh: bool,
    progress: bool,
    timeout: float,
) -> tuple[dict[str, Any], str]:
    """Fetch or verify one file; returns its manifest record and what was done."""
    if target.is_dir():
        raise V1SimInputError(target, None, "is a folder, where the release has a file")
    if target.exists() and record is not None and not refresh:
        local = sha256_file(target, progress=progress)
        if local != record["sha256"]:
            raise V1SimInputError(
                target,
                "sha256",
                f"the local copy no longer matches its record of {record.get('first_downloaded')} in "
                f"{manifest}: recorded {record['sha256']}, now {local}; delete it to download it again",
            )
        _check_pin(target, pin, local, "recorded")
        return record, "verified"

    tmp, sha, size = _download(file_url, target, progress=progress, timeout=timeout)
    try:
        if record is not None and sha != record["sha256"]:
            raise V1SimInputError(
                file_url,
                "sha256",
                f"checksum changed since first download on {record.get('first_downloaded')}: "
                f"recorded {record['sha256']}, now {sha}",
            )
        _check_pin(file_url, pin, sha, "downloaded")
        if record is not None:
            if not target.exists():
                tmp.replace(target)
                return record, "downloaded"
            if sha256_file(target, progress=progress) == sha:
                return record, "refreshed"  # the local copy is left as it is
            log.warning("%s: the local copy did not match its record; replaced by the download", target)
            tmp.replace(target)
            return record, "repaired"
        if target.exists():  # present but never recorded (the manifest was lost): keep it only if identical
            local = sha256_file(target, progress=progress)
            if local != sha:
                raise V1SimInputError(
                    target,
                    "sha256",
                    f"exists without a record in {manifest} and differs from {file_url}: local {local}, "
                    f"remote {sha}; delete it to download it again",
                )
            status = "recorded"
        else:
            tmp.replace(target)
            status = "downloaded"
    finally:
        tmp.unlink(missing_ok=True)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    return {"sha256": sha, "bytes": size, "url": file_url, "first_downloaded": now}, status


def _check_pin(where: str | Path, pin: str | None, sha: str, what: str) -> None:
    if pin is not None and sha != pin:
        raise V1SimInputError(
            where, "sha256", f"does not match the pinned checksum: pinned {pin}, {what} {sha}"
        )


def _download(url: str, target: Path, *, progress: bool, timeout: float) -> tuple[Path, str, int]:
    """Stream ``url`` into a temporary file beside ``target``; returns (temporary file, sha256, bytes)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.part-{os.getpid()}")
    digest = hashlib.sha256()
    size = 0
    try:
        with _open(url, timeout) as response, tmp.open("wb") as out:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            with tqdm(
                total=total,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc=target.name,
                disable=not progress,
            ) as bar:
                while chunk := response.read(CHUNK_BYTES):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
                    bar.update(len(chunk))
            out.flush()
            os.fsync(out.fileno())
        if total is not None and size != total:
            raise V1SimInputError(url, "Content-Length", f"download truncated: {size} of {total} bytes")
    except (OSError, http.client.HTTPException) as exc:
        tmp.unlink(missing_ok=True)
        raise V1SimInputError(url, None, f"download failed: {exc}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp, digest.hexdigest(), size


def _open(url: str, timeout: float) -> Any:
    """urlopen with one-line errors: a missing file (HTTP 404, no such local file) names the URL."""
    try:
        version = metadata.version("v1sim")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        version = "dev"
    request = urllib.request.Request(url, headers={"User-Agent": f"v1sim/{version}"})
    try:
        return urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code in (404, 410):
            raise V1SimInputError(url, None, f"not found (HTTP {exc.code})") from None
        raise V1SimInputError(url, None, f"download failed: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, FileNotFoundError):
            raise V1SimInputError(url, None, "not found (no such file)") from None
        raise V1SimInputError(url, None, f"download failed: {exc.reason}") from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise V1SimInputError(url, None, f"download failed: {exc}") from None


def _human_bytes(n: float) -> str:
    if n < 1000:
        return f"{n:.0f} B"
    for unit in ("KB", "MB", "GB"):
        n /= 1000
        if n < 1000 or unit == "GB":
            break
    return f"{n:.1f} {unit}"
