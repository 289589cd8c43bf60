"""The launcher between the server and an execution kernel: a child subreaper (Linux).

    python -I -S reaper.py -- KERNEL_ARGV...

Started (by path, standard library only: it imports nothing of this package and runs isolated,
so no module of the kernel's environment can shadow what it uses) in place of the kernel, it

* makes itself a child subreaper (`prctl(PR_SET_CHILD_SUBREAPER, 1)`): every process of the
  kernel that is orphaned (double fork, daemonisation, a parent that died) is re-parented to it
  instead of to init, so whatever the kernel started stays its descendant and findable, however
  it changed its session, process group or environment;
* starts the kernel as its only child, same session and process group (so jupyter_client's
  group signals, interrupts included, reach the kernel as before), same environment (the
  allow-listed one the server built) but with JPY_PARENT_PID set to itself;
* reaps orphans as they die (it is their parent now: no zombies pile up);
* when the kernel exits, kills every descendant left, then exits the way the kernel did (same
  exit code, or the same signal), so the server sees the kernel's status;
* on SIGTERM / SIGHUP / SIGQUIT, or when its own parent (the server) is gone, kills its whole
  subtree, kernel included, then exits. SIGINT is left to the kernel (it gets the group's
  signal itself).

A subtree is killed by listing the descendants (from /proc) and sending SIGKILL, repeated until
two listings in a row find none alive. The server does the same from its side
(`processes.ProcessTree`) before it ever kills the launcher: once the launcher is gone, orphans
go to init again. Nothing here needs root. Limits: a process of the kernel's user can SIGKILL
the launcher itself (the server's marker/session sweep is then what is left), and processes
started through another service (cron, systemd-run, ssh) never were descendants.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import time

PR_SET_CHILD_SUBREAPER = 36
PR_GET_CHILD_SUBREAPER = 37
_EXIT_START_FAILED = 127
_KILL_DEADLINE_S = 10.0


def _prctl():
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (ImportError, OSError, AttributeError):
        return None
    return prctl


def subreaper_supported() -> bool:
    """Whether this system lets a process become a child subreaper (Linux >= 3.4; only asks,
    changes nothing)."""
    prctl = _prctl()
    if prctl is None:
        return False
    import ctypes

    value = ctypes.c_int(0)
    return prctl(PR_GET_CHILD_SUBREAPER, ctypes.byref(value), 0, 0, 0) == 0


def become_subreaper() -> str | None:
    """Make this process a child subreaper; None on success, else why not."""
    prctl = _prctl()
    if prctl is None:
        return f"prctl is not available on {sys.platform}"
    import ctypes

    if prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        return f"prctl(PR_SET_CHILD_SUBREAPER) failed: {os.strerror(ctypes.get_errno())}"
    return None


def command(argv: list[str]) -> list[str]:
    """The command line that runs `argv` under this launcher."""
    return [sys.executable, "-I", "-S", os.path.abspath(__file__), "--", *argv]


# --------------------------------------------------------------------------------------------
# /proc
# --------------------------------------------------------------------------------------------


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, ppid) of `pid`, None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return fields[0].decode(), int(fields[1])
    except (OSError, IndexError, ValueError):
        return None


def descendants(root: int) -> list[tuple[int, bool]]:
    """[(pid, is_zombie)] of every descendant of `root`, from /proc (Linux)."""
    children: dict[int, list[tuple[int, bool]]] = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return []
    for name in names:
        if not name.isdigit():
            continue
        st = _stat(int(name))
        if st is not None:
            children.setdefault(st[1], []).append((int(name), st[0] == "Z"))
    found: list[tuple[int, bool]] = []
    todo = [root]
    while todo:
        for entry in children.get(todo.pop(), ()):
            found.append(entry)
            todo.append(entry[0])
    return found


# --------------------------------------------------------------------------------------------
# The launcher
# --------------------------------------------------------------------------------------------


class _Launcher:
    def __init__(self, argv: list[str]):
        self.argv = argv
        self.me = os.getpid()
        self.parent = os.getppid()
        self.kernel: int | None = None
        self.kernel_status: int | None = None
        self.stop_signal: int | None = None

    # ---- reaping
    def reap(self) -> None:
        """Collect every child that has exited (the kernel's status is kept)."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            except InterruptedError:  # pragma: no cover - PEP 475 retries
                continue
            if pid == 0:
                return
            if pid == self.kernel:
                self.kernel_status = status

    def kill_subtree(self) -> bool:
        """SIGKILL every descendant until two listings in a row find none alive (a process
        forked while one listing was read shows in the next). True if none is left."""
        deadline = time.monotonic() + _KILL_DEADLINE_S
        clean = 0
        while clean < 2:
            self.reap()
            alive = [pid for pid, zombie in descendants(self.me) if not zombie]
            if alive:
                clean = 0
                for pid in alive:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
            else:
                clean += 1
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        self.reap()
        return True

    # ---- main
    def start(self) -> None:
        env = dict(os.environ)
        if "JPY_PARENT_PID" in env:  # the kernel's parent is this launcher now
            env["JPY_PARENT_PID"] = str(self.me)
        # Like subprocess.Popen(restore_signals=True): the kernel gets default dispositions for
        # what the Python runtime of this launcher ignores; caught signals reset on exec.
        restore = [getattr(signal, n) for n in ("SIGPIPE", "SIGXFZ", "SIGXFSZ") if hasattr(signal, n)]
        self.kernel = os.posix_spawnp(self.argv[0], self.argv, env, setsigdef=restore)

    def run(self) -> int:
        why = become_subreaper()
        if why is not None:
            print(f"jupyter_artifacts launcher: {why}; orphaned processes of the kernel are not "
                  "contained", file=sys.stderr, flush=True)  # fmt: skip
        wake_r, wake_w = os.pipe()  # not inherited by the kernel (PEP 446)
        os.set_blocking(wake_w, False)
        os.set_blocking(wake_r, False)
        signal.set_wakeup_fd(wake_w)

        def on_stop(signum, frame):
            self.stop_signal = signum

        for name in ("SIGTERM", "SIGHUP", "SIGQUIT"):
            signal.signal(getattr(signal, name), on_stop)
        # SIGINT (an interrupt, sent to the group) is the kernel's; SIGCHLD must be caught (not
        # ignored) for the wake-up fd to see it. Handlers reset to the default in the kernel.
        signal.signal(signal.SIGINT, lambda signum, frame: None)
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)

        try:
            self.start()
        except OSError as e:
            print(f"jupyter_artifacts launcher: failed to start {self.argv[0]!r}: {e}",
                  file=sys.stderr, flush=True)  # fmt: skip
            return _EXIT_START_FAILED

        while True:
            self.reap()
            if self.kernel_status is not None or self.stop_signal is not None:
                break
            if os.getppid() != self.parent:  # the server is gone: so are its kernels
                break
            try:
                select.select([wake_r], [], [], 1.0)
                while os.read(wake_r, 512):
                    pass
            except (BlockingIOError, InterruptedError):
                pass

        self.kill_subtree()
        if self.kernel_status is not None:
            if os.WIFSIGNALED(self.kernel_status):
                return -os.WTERMSIG(self.kernel_status)
            return os.waitstatus_to_exitcode(self.kernel_status)
        return -(self.stop_signal or signal.SIGTERM)


def _exit(code: int) -> None:
    """Exit with `code`; a negative one means: die of that signal, as the kernel did."""
    sys.stdout.flush()
    sys.stderr.flush()
    if code < 0:
        signum = -code
        signal.set_wakeup_fd(-1)
        try:
            signal.signal(signum, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, [signum])
            os.kill(os.getpid(), signum)
            time.sleep(0.1)
        except (OSError, ValueError):
            pass
        os._exit(128 + signum)
    os._exit(code & 0xFF)


def main(argv: list[str]) -> None:
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        print("usage: reaper.py -- KERNEL_ARGV...", file=sys.stderr)
        _exit(2)
    _exit(_Launcher(argv).run())


if __name__ == "__main__":
    main(sys.argv[1:])
