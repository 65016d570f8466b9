"""A throwaway PostgreSQL server for tests and benchmarks: Debian's binaries, a fresh
cluster in a temporary folder, a free local port, a unix socket in that folder.

``.ci/install-postgres`` installs the binaries. PostgreSQL refuses to run as root, so
under root the cluster belongs to an unprivileged user (``postgres`` from the Debian
package, else ``nobody``); that is also why the folder comes from ``tempfile`` (under
/tmp, which every user can enter) rather than from pytest's private tmp folder.
"""

from __future__ import annotations

import glob
import logging
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

LOGGER = logging.getLogger(__name__)

SETUP_HINT = ("PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin "
              "or on PATH: run `.ci/install-postgres` (installs Debian's postgresql package)")

# The server runs with the locale that makes text search treat every script's letters
# as letters and lower-case them (with "C" only ASCII letters would be words).
LOCALE = "C.UTF-8"
SUPERUSER = "storyline"


class ClusterError(RuntimeError):
    """The test server could not be set up; the message says what to do."""


def find_binaries() -> Path:
    """The folder holding initdb and pg_ctl (the newest Debian version first)."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
                        reverse=True)
    for folder in candidates:
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).resolve().parent
    raise ClusterError(SETUP_HINT)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_user() -> str | None:
    """Who runs the server: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise ClusterError("running as root and neither a 'postgres' nor a 'nobody' user exists "
                       "to own the test cluster; run `.ci/install-postgres`")


class TempCluster:
    """A PostgreSQL cluster for one test session or one benchmark run.

    Example::

        with TempCluster() as cluster:
            url = cluster.create_database("t1")
    """

    def __init__(self, *, durable: bool = False) -> None:
        # Tests do not need data to survive a power cut; fsync off makes CREATE DATABASE
        # and commits cheap. Benchmarks pass durable=True to measure the real thing.
        self.durable = durable
        self.bin = find_binaries()
        self.user = _server_user()
        self.root = Path(tempfile.mkdtemp(prefix="storyline-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = 0
        self.started = False

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = list(args)
        if self.user is not None:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            raise ClusterError(f"{' '.join(args)} failed ({result.returncode}):\n"
                               f"{result.stdout}{result.stderr}{log}")
        return result

    def start(self) -> TempCluster:
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> TempCluster:
        if self.user is not None:
            shutil.chown(self.root, user=self.user)
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", SUPERUSER,
                  "--auth=trust", "--encoding=UTF8", f"--locale={LOCALE}", "--no-instructions")
        options = [f"-c listen_addresses=127.0.0.1 -k {self.root}",
                   "-c max_connections=50 -c shared_buffers=128MB"]
        if not self.durable:
            options.append("-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        for attempt in range(3):  # another process may take the free port first
            self.port = free_port()
            try:
                self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
                          "-w", "-t", "60", "-o", f"-p {self.port} " + " ".join(options), "start")
                break
            except ClusterError:
                if attempt == 2:
                    raise
                time.sleep(0.2)
        self.started = True
        LOGGER.info("PostgreSQL test server on port %d in %s", self.port, self.root)
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create an empty database and return its URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        try:
            if self.started:
                self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
                self.started = False
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> TempCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
