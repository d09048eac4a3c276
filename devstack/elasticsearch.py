"""Run a real single-node Elasticsearch 9 on this machine, without Docker.

The node comes from the ``integ-test-zip`` distribution on Maven Central (no
bundled JDK, so a Java 21+ runtime is required) and runs as a dedicated
non-root system user, because Elasticsearch refuses to run as root.

Layout of one node's ``base_dir`` (everything owned by the Elasticsearch user)::

    config/   private copy of the distribution's config (keystore is written here)
    data/     path.data
    logs/     path.logs, gc.log, console.log (stdout + stderr of the process)
    tmp/      ES_TMPDIR

The distribution itself is shared read-only between nodes in ``cache_dir``.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

ES_VERSION = "9.2.0"

ES_USER = "catalog-es"
MIN_JAVA_MAJOR = 21
TEMURIN_25_HOME = Path("/usr/lib/jvm/temurin-25-jdk-amd64")
JVM_ROOT = Path("/usr/lib/jvm")
MAVEN_ARTIFACT = "org.elasticsearch.distribution.integ-test-zip:elasticsearch:{version}:zip"
STOP_GRACE_SECONDS = 30.0
LOG_TAIL_LINES = 40


class ElasticsearchUnavailable(RuntimeError):
    """Elasticsearch could not be fetched, started or reached."""


def find_java_home() -> Path | None:
    """Return a Java home able to run Elasticsearch 9 (Java 21+), or None."""
    explicit = os.environ.get("ES_JAVA_HOME")
    if explicit and _java_binary(Path(explicit)).is_file():
        return Path(explicit)
    candidates: list[Path] = []
    if java_home := os.environ.get("JAVA_HOME"):
        candidates.append(Path(java_home))
    candidates.append(TEMURIN_25_HOME)
    if JVM_ROOT.is_dir():
        candidates.extend(sorted(JVM_ROOT.iterdir()))
    for candidate in candidates:
        major = _java_major_version(candidate)
        if major is not None and major >= MIN_JAVA_MAJOR:
            return candidate
    return None


def ensure_distribution(*, cache_dir: Path, version: str = ES_VERSION) -> Path:
    """Fetch and unpack the Elasticsearch distribution into cache_dir once; return its home."""
    cache_dir = Path(cache_dir).resolve()
    cache_dir.mkdir(parents=True, exist_ok=True)
    home = cache_dir / f"elasticsearch-{version}"
    if _is_complete_home(home):
        return home
    with _exclusive_lock(cache_dir / f".elasticsearch-{version}.lock"):
        if _is_complete_home(home):
            return home
        archive = cache_dir / f"elasticsearch-{version}.zip"
        if not archive.is_file():
            _download_distribution(cache_dir=cache_dir, version=version, archive=archive)
        _unpack_distribution(archive=archive, home=home, version=version)
    return home


class ElasticsearchNode:
    """One single-node Elasticsearch cluster bound to loopback, security off."""

    def __init__(
        self,
        *,
        base_dir: Path,
        port: int,
        cache_dir: Path,
        heap: str = "512m",
        version: str = ES_VERSION,
    ) -> None:
        self.base_dir = Path(base_dir).absolute()
        self.port = port
        self.cache_dir = Path(cache_dir).absolute()
        self.heap = heap
        self.version = version
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Return the HTTP address of the node."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def _console_log(self) -> Path:
        return self.base_dir / "logs" / "console.log"

    def start(self, *, timeout: float = 180.0) -> None:
        """Start the node and wait until cluster health is yellow or green."""
        if self._process is not None and self._process.poll() is None:
            return
        if _port_is_open(self.port):
            raise ElasticsearchUnavailable(
                f"port {self.port} on 127.0.0.1 is already in use; "
                "stop whatever listens there or pick another port"
            )
        java_home = find_java_home()
        if java_home is None:
            raise ElasticsearchUnavailable(
                f"no Java {MIN_JAVA_MAJOR}+ found (checked ES_JAVA_HOME, JAVA_HOME, "
                f"{TEMURIN_25_HOME} and {JVM_ROOT}/*); install one or set ES_JAVA_HOME"
            )
        try:
            es_home = ensure_distribution(cache_dir=self.cache_dir, version=self.version)
        except OSError as error:
            raise ElasticsearchUnavailable(
                f"cannot unpack Elasticsearch {self.version} into {self.cache_dir}: {error}"
            ) from error
        # Elasticsearch refuses to run as root: root hands the node to a system user.
        owner = _ensure_system_user(ES_USER) if os.geteuid() == 0 else None
        try:
            self._prepare_base_dir(es_home=es_home, owner=owner)
            if owner is not None:
                _make_readable_by_others(es_home)
                _make_traversable(es_home.parent)
                _make_traversable(self.base_dir.parent)
        except OSError as error:
            raise ElasticsearchUnavailable(
                f"cannot prepare {self.base_dir} for Elasticsearch: {error}"
            ) from error

        command = [str(es_home / "bin" / "elasticsearch"), *self._settings_arguments(es_home)]
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.base_dir),
            "LANG": "C.UTF-8",
            "ES_JAVA_HOME": str(java_home),
            "ES_PATH_CONF": str(self.base_dir / "config"),
            "ES_TMPDIR": str(self.base_dir / "tmp"),
            "ES_JAVA_OPTS": f"-Xms{self.heap} -Xmx{self.heap}",
            # The launcher JVM leaks temp dirs (JVM ergonomics probes) into java.io.tmpdir.
            "CLI_JAVA_OPTS": f"-Djava.io.tmpdir={self.base_dir / 'tmp'} -XX:-UsePerfData",
        }
        identity = {} if owner is None else {"user": owner[0], "group": owner[1], "extra_groups": []}
        try:
            with self._console_log.open("ab") as console:
                self._process = subprocess.Popen(
                    command,
                    cwd=self.base_dir,
                    env=environment,
                    stdin=subprocess.DEVNULL,
                    stdout=console,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    **identity,
                )
        except OSError as error:
            raise ElasticsearchUnavailable(
                f"cannot run {' '.join(command)}: {error}"
            ) from error
        atexit.register(self.stop)
        try:
            self._wait_until_healthy(self._process, command=command, timeout=timeout)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Terminate the node's process group, waiting a bounded time before killing it."""
        process = self._process
        if process is None:
            return
        atexit.unregister(self.stop)
        self._process = None
        # The launcher and the server JVM it spawns share one process group.
        _signal_group(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_GRACE_SECONDS)
        while _group_is_alive(process.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if process.poll() is None or _group_is_alive(process.pid):
            _signal_group(process.pid, signal.SIGKILL)
            process.wait(timeout=STOP_GRACE_SECONDS)

    def _settings_arguments(self, es_home: Path) -> list[str]:
        settings = {
            "cluster.name": "catalog-devstack",
            "node.name": "devstack",
            "discovery.type": "single-node",
            "network.host": "127.0.0.1",
            "http.port": str(self.port),
            "transport.port": "0",
            "path.data": str(self.base_dir / "data"),
            "path.logs": str(self.base_dir / "logs"),
            "xpack.security.enabled": "false",
            "cluster.routing.allocation.disk.threshold_enabled": "false",
            "action.destructive_requires_name": "false",
            "ingest.geoip.downloader.enabled": "false",
        }
        if (es_home / "modules" / "x-pack-ml").is_dir():
            settings["xpack.ml.enabled"] = "false"
        if not (es_home / "modules" / "ingest-geoip").is_dir():
            del settings["ingest.geoip.downloader.enabled"]
        return [f"-E{key}={value}" for key, value in settings.items()]

    def _prepare_base_dir(self, *, es_home: Path, owner: tuple[int, int] | None) -> None:
        for name in ("data", "logs", "tmp"):
            (self.base_dir / name).mkdir(parents=True, exist_ok=True)
        config_dir = self.base_dir / "config"
        if not (config_dir / "jvm.options").is_file():
            shutil.copytree(es_home / "config", config_dir, dirs_exist_ok=True)
        (config_dir / "jvm.options.d").mkdir(exist_ok=True)
        logs_dir = self.base_dir / "logs"
        # The stock options write gc.log / hs_err / heap dumps relative to the
        # working directory, which the launcher sets to the (read-only) ES home.
        (config_dir / "jvm.options.d" / "devstack.options").write_text(
            f"-Xlog:gc*,gc+age=trace,safepoint:file={logs_dir}/gc.log"
            ":utctime,level,pid,tags:filecount=4,filesize=16m\n"
            f"-XX:ErrorFile={logs_dir}/hs_err_pid%p.log\n"
            f"-XX:HeapDumpPath={logs_dir}\n"
        )
        jvm_options = config_dir / "jvm.options"
        jvm_options.write_text(
            re.sub(r"(?m)^-Xlog:gc\*.*file=gc\.log.*$\n?", "", jvm_options.read_text())
        )
        if owner is not None:
            for path in (self.base_dir, *_walk(self.base_dir)):
                os.chown(path, *owner, follow_symlinks=False)

    def _wait_until_healthy(
        self, process: subprocess.Popen[bytes], *, command: list[str], timeout: float
    ) -> None:
        deadline = time.monotonic() + timeout
        health_url = f"{self.url}/_cluster/health?wait_for_status=yellow&timeout=1s"
        while True:
            if process.poll() is not None:
                raise ElasticsearchUnavailable(
                    f"Elasticsearch exited with code {process.returncode} during startup\n"
                    f"command: {' '.join(command)}\n{self._log_tail()}"
                )
            status = _cluster_status(health_url)
            if status in {"yellow", "green"}:
                return
            if time.monotonic() >= deadline:
                raise ElasticsearchUnavailable(
                    f"Elasticsearch at {self.url} not healthy after {timeout:.0f}s "
                    f"(last status: {status or 'no answer'})\n"
                    f"command: {' '.join(command)}\n{self._log_tail()}"
                )
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.5)

    def _log_tail(self) -> str:
        sections = []
        for log in (self._console_log, self.base_dir / "logs" / "catalog-devstack.log"):
            if log.is_file():
                lines = log.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:]
                sections.append(f"--- tail of {log} ---\n" + "\n".join(lines))
        return "\n".join(sections) or f"(no logs under {self.base_dir / 'logs'})"


def _java_binary(java_home: Path) -> Path:
    return java_home / "bin" / "java"


def _java_major_version(java_home: Path) -> int | None:
    java = _java_binary(java_home)
    if not java.is_file():
        return None
    release = java_home / "release"
    if release.is_file():
        match = re.search(r'^JAVA_VERSION="(\d+)', release.read_text(errors="replace"), re.M)
        if match:
            return int(match.group(1))
    try:
        result = subprocess.run(
            [str(java), "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r'version "(\d+)', result.stderr)
    return int(match.group(1)) if match else None


def _is_complete_home(home: Path) -> bool:
    return (home / "bin" / "elasticsearch").is_file() and (home / "lib").is_dir()


@contextlib.contextmanager
def _exclusive_lock(lock_path: Path) -> Iterator[None]:
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _download_distribution(*, cache_dir: Path, version: str, archive: Path) -> None:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise ElasticsearchUnavailable(
            "Maven (mvn) is not on PATH; it is needed to fetch the Elasticsearch distribution"
        )
    with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".download-") as staging:
        command = [
            mvn,
            "-q",
            "-B",
            "-U",
            "-Dstyle.color=never",
            "dependency:copy",
            f"-Dartifact={MAVEN_ARTIFACT.format(version=version)}",
            f"-DoutputDirectory={staging}",
        ]
        try:
            result = subprocess.run(
                command, capture_output=True, text=True, timeout=900, check=False, cwd=staging
            )
        except subprocess.TimeoutExpired as error:
            raise ElasticsearchUnavailable(
                f"timed out after {error.timeout}s: {' '.join(command)}"
            ) from error
        downloaded = Path(staging) / archive.name
        if result.returncode != 0 or not downloaded.is_file():
            output = (result.stdout + result.stderr).strip().splitlines()[-LOG_TAIL_LINES:]
            raise ElasticsearchUnavailable(
                f"command failed (exit {result.returncode}): {' '.join(command)}\n"
                + "\n".join(output)
            )
        os.replace(downloaded, archive)


def _unpack_distribution(*, archive: Path, home: Path, version: str) -> None:
    staging = Path(tempfile.mkdtemp(dir=home.parent, prefix=".unpack-"))
    try:
        with zipfile.ZipFile(archive) as bundle:
            for member in bundle.infolist():
                extracted = Path(bundle.extract(member, staging))
                mode = (member.external_attr >> 16) & 0o777
                if mode:
                    extracted.chmod(mode)
        unpacked = staging / f"elasticsearch-{version}"
        if not _is_complete_home(unpacked):
            raise ElasticsearchUnavailable(
                f"{archive} does not contain elasticsearch-{version}/bin/elasticsearch"
            )
        _make_readable_by_others(unpacked)
        if home.exists():
            shutil.rmtree(home)
        os.replace(unpacked, home)
    except zipfile.BadZipFile as error:
        archive.unlink(missing_ok=True)
        raise ElasticsearchUnavailable(f"corrupt archive {archive} (deleted): {error}") from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _ensure_system_user(name: str) -> tuple[int, int]:
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        if os.geteuid() != 0:
            raise ElasticsearchUnavailable(
                f"system user {name!r} does not exist and only root can create it"
            ) from None
        command = [
            "useradd",
            "--system",
            "--user-group",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            "/usr/sbin/nologin",
            name,
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0 and not _user_exists(name):
            raise ElasticsearchUnavailable(
                f"command failed (exit {result.returncode}): {' '.join(command)}\n"
                f"{result.stderr.strip()}"
            ) from None
        entry = pwd.getpwnam(name)
    return entry.pw_uid, entry.pw_gid


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _walk(root: Path) -> Iterator[Path]:
    for directory, subdirectories, files in os.walk(root):
        for name in (*subdirectories, *files):
            yield Path(directory) / name


def _make_readable_by_others(root: Path) -> None:
    for path in (root, *_walk(root)):
        if path.is_symlink():
            continue
        mode = path.stat().st_mode
        wanted = mode | 0o004 | (0o001 if path.is_dir() or mode & 0o100 else 0)
        if wanted != mode:
            path.chmod(wanted)


def _make_traversable(directory: Path) -> None:
    """Add o+x to directory and every ancestor so the Elasticsearch user can reach it."""
    for path in (directory, *directory.parents):
        mode = path.stat().st_mode
        if not mode & 0o001:
            path.chmod(mode | 0o001)


def _port_is_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _cluster_status(health_url: str) -> str | None:
    try:
        with urllib.request.urlopen(health_url, timeout=5) as response:
            return json.load(response).get("status")
    except urllib.error.HTTPError as error:
        # 408 means wait_for_status timed out; the body still carries the status.
        with contextlib.suppress(ValueError):
            return json.load(error).get("status")
        return None
    except (OSError, ValueError):
        return None


def _group_is_alive(pgid: int) -> bool:
    """Return whether any non-zombie process is left in the process group."""
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        state, process_group = fields[0], int(fields[2])
        if process_group == pgid and state != "Z":
            return True
    return False


def _signal_group(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)


def _exit_on_signal(signum: int, frame: object) -> None:
    """Exit the interpreter so that the caller's finally block stops the node."""
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    # Ctrl-C must work even when started from a shell that ignores SIGINT for
    # background jobs; SIGTERM stops the node too instead of orphaning it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _exit_on_signal)
    repo_root = Path(__file__).resolve().parent.parent
    node = ElasticsearchNode(
        base_dir=repo_root / ".devstack" / "es",
        port=9299,
        cache_dir=repo_root / ".devstack" / "cache",
    )
    started = time.monotonic()
    node.start()
    print(f"Elasticsearch {ES_VERSION} ready at {node.url} ({time.monotonic() - started:.1f}s)")
    print("Press Ctrl-C to stop.", flush=True)
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        node.stop()
