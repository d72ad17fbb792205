"""Downloading the release: sha256 recorded on first download, changed files refused, the Snakemake rule."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import http.server
import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.snakemake_jobs import snakemake
from v1sim.cli import main
from v1sim.errors import V1SimInputError
from v1sim.fetch import fetch_release, load_manifest

BIN = Path(sys.executable).parent
FILES = ["network/v1_nodes.h5", "network/v1_node_types.csv", "config.json"]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    """A release folder to download from: a binary file, a CSV, a JSON config."""
    root = tmp_path / "remote"
    (root / "network").mkdir(parents=True)
    (root / "network" / "v1_nodes.h5").write_bytes(bytes(range(256)) * 5000)  # > 1 MiB: several chunks
    (root / "network" / "v1_node_types.csv").write_text("node_type_id pop_name\n100 e4Rorb\n")
    (root / "config.json").write_text('{"networks": {}}\n')
    return root


def _fetch(remote: Path, dest: Path, files: list[str] = FILES, **kwargs) -> dict:
    return fetch_release(remote.as_uri(), files, dest, dest / "sha256.json", progress=False, **kwargs)


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``folder``: its bytes and modification time (ns)."""
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_first_download_records_every_sha256(remote: Path, tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    result = _fetch(remote, dest)
    manifest = json.loads((dest / "sha256.json").read_text())
    assert list(manifest) == FILES
    for rel in FILES:
        assert (dest / rel).read_bytes() == (remote / rel).read_bytes()
        record = manifest[rel]
        assert record["sha256"] == _sha(remote / rel)
        assert record["bytes"] == (remote / rel).stat().st_size
        assert record["url"] == f"{remote.as_uri()}/{rel}"
        assert datetime.fromisoformat(record["first_downloaded"]).tzinfo is not None
        assert result[rel]["status"] == "downloaded"
        assert result[rel]["sha256"] == record["sha256"]
    assert not [p for p in dest.rglob("*") if ".part-" in p.name or ".tmp-" in p.name]


def test_a_second_run_downloads_nothing(remote: Path, tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    _fetch(remote, dest)
    before = _snapshot(dest)
    shutil.rmtree(remote)  # nothing may be fetched: the files are verified where they are
    result = _fetch(remote, dest)
    assert {entry["status"] for entry in result.values()} == {"verified"}
    after = _snapshot(dest)
    assert {k: v[0] for k, v in after.items()} == {k: v[0] for k, v in before.items()}
    assert {k: v[1] for k, v in after.items() if k != "sha256.json"} == {
        k: v[1] for k, v in before.items() if k != "sha256.json"
    }


def test_a_changed_remote_file_is_refused_and_the_earlier_file_kept(remote: Path, tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    _fetch(remote, dest)
    recorded = load_manifest(dest / "sha256.json")
    before = _snapshot(dest)
    (remote / "network" / "v1_node_types.csv").write_text("node_type_id pop_name\n100 e4Scnn1a\n")
    with pytest.raises(V1SimInputError) as info:
        _fetch(remote, dest, refresh=True)
    message = info.value.message
    assert "\n" not in message
    assert message.startswith(f"{remote.as_uri()}/network/v1_node_types.csv: sha256: checksum changed since")
    assert recorded["network/v1_node_types.csv"]["first_downloaded"] in message
    assert f"recorded {recorded['network/v1_node_types.csv']['sha256']}" in message
    assert f"now {_sha(remote / 'network' / 'v1_node_types.csv')}" in message
    assert _snapshot(dest) == before  # the earlier file, the manifest: untouched, no partial download


def test_a_changed_remote_file_is_refused_after_the_local_copy_was_deleted(
    remote: Path, tmp_path: Path
) -> None:
    dest = tmp_path / "dest"
    _fetch(remote, dest)
    manifest = (dest / "sha256.json").read_text()
    (dest / "config.json").unlink()
    (remote / "config.json").write_text('{"networks": {"nodes": []}}\n')
    with pytest.raises(V1SimInputError, match=r"config\.json: sha256: checksum changed since first download"):
        _fetch(remote, dest)
    assert not (dest / "config.json").exists()
    assert (dest / "sha256.json").read_text() == manifest
    assert not [p for p in dest.rglob("*") if ".part-" in p.name]


def test_an_unchanged_remote_file_is_downloaded_again_when_deleted_or_refreshed(
    remote: Path, tmp_path: Path
) -> None:
    dest = tmp_path / "dest"
    first = _fetch(remote, dest)
    (dest / "config.json").unlink()
    again = _fetch(remote, dest)
    assert again["config.json"]["status"] == "downloaded"
    assert again["config.json"]["first_downloaded"] == first["config.json"]["first_downloaded"]
    before = _snapshot(dest)
    refreshed = _fetch(remote, dest, refresh=True)
    assert {entry["status"] for entry in refreshed.values()} == {"refreshed"}
    assert {k: v for k, v in _snapshot(dest).items() if k != "sha256.json"} == {
        k: v for k, v in before.items() if k != "sha256.json"
    }
    (dest / "config.json").write_text("damaged\n")  # refreshing replaces a damaged copy by the recorded bytes
    assert _fetch(remote, dest, refresh=True)["config.json"]["status"] == "repaired"
    assert (dest / "config.json").read_bytes() == (remote / "config.json").read_bytes()


def test_a_local_file_that_no_longer_matches_its_record_is_an_error(remote: Path, tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    _fetch(remote, dest)
    (dest / "network" / "v1_node_types.csv").write_text("edited by hand\n")
    with pytest.raises(V1SimInputError) as info:
        _fetch(remote, dest)
    assert info.value.path == str(dest / "network" / "v1_node_types.csv")
    assert info.value.field == "sha256"
    assert "no longer matches its record" in info.value.message
    assert (dest / "network" / "v1_node_types.csv").read_text() == "edited by hand\n"


def test_a_file_present_without_a_record_is_kept_only_if_identical(remote: Path, tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    _fetch(remote, dest)
    (dest / "sha256.json").unlink()  # the manifest was lost: the files are compared with the remote copies
    result = _fetch(remote, dest)
    assert {entry["status"] for entry in result.values()} == {"recorded"}
    assert load_manifest(dest / "sha256.json")["config.json"]["sha256"] == _sha(remote / "config.json")

    (dest / "sha256.json").unlink()
    (dest / "config.json").write_text("{}\n")
    with pytest.raises(V1SimInputError, match="exists without a record"):
        _fetch(remote, dest)
    assert (dest / "config.json").read_text() == "{}\n"


def test_a_missing_remote_file_is_an_error_naming_its_url(remote: Path, tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    with pytest.raises(V1SimInputError) as info:
        _fetch(remote, dest, files=["config.json", "network/v1_v1_edges.h5"])
    assert info.value.message == f"{remote.as_uri()}/network/v1_v1_edges.h5: not found (no such file)"
    assert not (dest / "network" / "v1_v1_edges.h5").exists()
    assert list(load_manifest(dest / "sha256.json")) == ["config.json"]  # what was fetched stays recorded


def test_a_pinned_checksum_must_match(remote: Path, tmp_path: Path) -> None:
    dest = tmp_path / "dest"
    with pytest.raises(V1SimInputError) as info:
        _fetch(remote, dest, expected={"config.json": "0" * 64})
    assert info.value.field == "sha256"
    assert "does not match the pinned checksum" in info.value.message
    assert not (dest / "config.json").exists()

    good = {"config.json": _sha(remote / "config.json").upper()}
    assert _fetch(remote, dest, expected=good)["config.json"]["status"] == "downloaded"
    with pytest.raises(V1SimInputError, match=r"pinned 1{64}, recorded"):  # a pin added later is checked too
        _fetch(remote, dest, expected={"config.json": "1" * 64})


@pytest.mark.parametrize(
    ("url", "files", "expected", "match"),
    [
        ("ftp://example.org/v1", ["a"], None, "not an http://, https:// or file:// URL"),
        (None, ["a"], {"b": "0" * 64}, "not to be downloaded"),
        (None, ["/etc/passwd"], None, "relative to the release root"),
        (None, ["network/../../x"], None, "relative to the release root"),
        (None, ["sha256.json"], None, "checksum manifest's own path"),
        (None, ["a"], {"a": "abc"}, "not 64 hex digits"),
    ],
)
def test_bad_arguments_are_refused(
    remote: Path, tmp_path: Path, url: str | None, files: list[str], expected: dict | None, match: str
) -> None:
    with pytest.raises(V1SimInputError, match=match):
        fetch_release(url or remote.as_uri(), files, tmp_path / "dest", expected=expected, progress=False)
    assert not (tmp_path / "dest" / "sha256.json").exists()


def test_a_malformed_manifest_is_named(remote: Path, tmp_path: Path) -> None:
    (tmp_path / "dest").mkdir()
    (tmp_path / "dest" / "sha256.json").write_text('{"config.json": {"sha256": "x"}}')
    with pytest.raises(V1SimInputError, match=r"sha256\.json: config\.json\.sha256: record has no valid"):
        _fetch(remote, tmp_path / "dest")


@contextlib.contextmanager
def _http_server(root: Path) -> Iterator[str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=root))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_http_download_and_404(remote: Path, tmp_path: Path) -> None:
    with _http_server(remote) as url:
        result = fetch_release(url, FILES, tmp_path / "dest", progress=False)
        assert result["network/v1_nodes.h5"]["sha256"] == _sha(remote / "network" / "v1_nodes.h5")
        assert result["config.json"]["url"] == f"{url}config.json"
        with pytest.raises(V1SimInputError) as info:
            fetch_release(url, ["missing.h5"], tmp_path / "dest", progress=False)
    assert info.value.message == f"{url}missing.h5: not found (HTTP 404)"


def test_command_line(remote: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dest = tmp_path / "dest"
    argv = ["fetch", remote.as_uri(), str(dest), *FILES, "--no-progress"]
    assert main([*argv, "--manifest", str(tmp_path / "sums.json")]) == 0
    assert "fetched 3 file(s)" in capsys.readouterr().out
    assert set(load_manifest(tmp_path / "sums.json")) == set(FILES)
    (remote / "config.json").write_text("{}\n")
    assert main([*argv, "--manifest", str(tmp_path / "sums.json"), "--refresh"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"v1sim fetch: error: {remote.as_uri()}/config.json: sha256: checksum changed")
    assert main([*argv, "--sha256", f"config.json={'0' * 64}"]) == 2  # default manifest: dest/sha256.json
    assert "config.json: sha256: does not match the pinned checksum" in capsys.readouterr().err
    assert "config.json" not in load_manifest(dest / "sha256.json")


# The Snakemake rule.


def _snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    if not (workdir / "config.yaml").exists():
        shutil.copy(REPO / "config.yaml", workdir / "config.yaml")
    return snakemake(workdir, *args)


def _release(remote: Path, **extra: str) -> str:
    fields = {"url": remote.as_uri(), "files": f"[{', '.join(FILES)}]", "dest": "downloads/allen_v1", **extra}
    return "release={" + ", ".join(f"{k}: {v}" for k, v in fields.items()) + "}"


def test_snakemake_download_release(remote: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    result = _snakemake(work, "--cores", "1", "download_release", "--config", _release(remote))
    assert result.returncode == 0, result.stderr[-3000:]
    dest = work / "downloads" / "allen_v1"
    manifest = json.loads((dest / "sha256.json").read_text())
    assert {rel: record["sha256"] for rel, record in manifest.items()} == {
        rel: _sha(remote / rel) for rel in FILES
    }
    assert all((dest / rel).read_bytes() == (remote / rel).read_bytes() for rel in FILES)
    log = work / "results" / "release" / "logs" / "download_release.log"
    assert "fetched 3 file(s)" in log.read_text()
    assert (work / "results" / "release" / "benchmarks" / "download_release.tsv").exists()

    again = _snakemake(work, "--cores", "1", "download_release", "--config", _release(remote))
    assert again.returncode == 0
    assert "Nothing to be done" in again.stdout + again.stderr

    before = _snapshot(dest)
    (remote / "config.json").write_text('{"changed": true}\n')
    refused = _snakemake(
        work, "--cores", "1", "download_release", "--config", _release(remote, refresh="true")
    )
    assert refused.returncode != 0
    assert f"{remote.as_uri()}/config.json: sha256: checksum changed since first download" in refused.stderr
    assert {k: v[0] for k, v in _snapshot(dest).items()} == {k: v[0] for k, v in before.items()}


def test_the_default_target_never_downloads(remote: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    result = _snakemake(work, "--cores", "1", "-n", "--config", _release(remote))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "convert" in result.stdout
    assert "download_release" not in result.stdout + result.stderr


def test_download_release_without_a_url_says_so(tmp_path: Path) -> None:
    result = _snakemake(tmp_path, "--cores", "1", "download_release")
    assert result.returncode != 0
    assert "config.yaml: release.url: not set" in result.stderr
