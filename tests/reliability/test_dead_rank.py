"""A rank that dies mid-epoch ends the whole distributed job quickly, with
a message naming it, and ``--resume`` continues from the last checkpoint;
a rank that hangs is given up after ``env_cfg.dist_cfg.timeout``.

``tools/dist_train.sh CONFIG 2`` on CPU (gloo); rank 1 SIGKILLs (or
SIGSTOPs) itself before iteration 4, the second of epoch 2 (batch 2: 5
samples per rank, 3 iterations per epoch), after ``epoch_1.pth`` was saved.
"""
import os
import re
import signal
import subprocess
import threading
import time

from reliability_utils import (PYTHON, RELIABLE, REPO_ROOT, data_options,
                               free_port, run_tool)

from lsta_mm.compat import safe_torch_load

#: The job must end this soon after the rank died (the issue's bound).
BOUND_S = 60


def _dist_train(work_dir, ann_file, *flags, options=()):
    return [
        'bash', 'tools/dist_train.sh', RELIABLE, '2', '--work-dir', work_dir,
        *flags, '--cfg-options', *data_options(ann_file),
        'train_dataloader.batch_size=2', *options
    ]


def _env(plugin_env, **extra):
    return dict(plugin_env, PORT=str(free_port()), PYTHON=PYTHON, **extra)


class _Job:
    """A tool run in the background; each output line with its time."""

    def __init__(self, args, env):
        self.port = env['PORT']
        self.proc = subprocess.Popen([str(a) for a in args],
                                     cwd=REPO_ROOT,
                                     env=env,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT,
                                     text=True)
        self.lines = []
        self.ended = None
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append((time.monotonic(), line))

    @property
    def output(self):
        return ''.join(line for _, line in self.lines)

    def time_of(self, marker, timeout=0.0):
        """When a line containing ``marker`` was printed (waits up to
        ``timeout`` seconds for it)."""
        deadline = time.monotonic() + timeout
        while True:
            times = [at for at, line in self.lines if marker in line]
            if times:
                return times[0]
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.kill()
                raise AssertionError(f'{marker!r} never printed:\n' +
                                     self.output[-4000:])
            time.sleep(0.05)

    def wait(self, timeout):
        try:
            status = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f'still running after {timeout} s:\n' +
                                 self.output[-4000:])
        self.ended = time.monotonic()
        self._reader.join(timeout=10)
        return status

    def kill(self):
        """SIGKILL torchrun and its workers (each in a session of its own,
        found by this job's MASTER_PORT)."""
        self.proc.kill()
        for pid in os.listdir('/proc'):
            try:
                with open(f'/proc/{pid}/environ', 'rb') as handle:
                    environ = handle.read().split(b'\0')
            except (OSError, ValueError):
                continue
            if f'MASTER_PORT={self.port}'.encode() in environ:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self.proc.wait()


def test_dead_rank_ends_the_job_and_resume_continues(tmp_path, tiny_ann_file,
                                                     plugin_env):
    work_dir = tmp_path / 'dead'
    env = _env(plugin_env, LSTA_TEST_KILL='iter:4', LSTA_TEST_KILL_RANK='1')
    job = _Job(_dist_train(work_dir, tiny_ann_file), env)
    status = job.wait(timeout=240)
    out = job.output
    after_death = job.ended - job.time_of('KillSwitchHook: SIGKILL')
    print(f'the job ended {after_death:.2f} s after rank 1 died')

    assert status != 0
    assert after_death < BOUND_S, f'{after_death:.1f} s after the death'
    # torchrun names the dead rank ...
    root_cause = out.split('Root Cause (first observed failure)')[1]
    assert re.search(r'rank\s*:\s*1 \(local_rank: 1\)', root_cause)
    assert 'SIGKILL' in root_cause
    # ... and the surviving rank says why it stops, in one line
    assert re.search(
        r'^\[lsta_mm\] error: rank 0 of 2: a collective operation failed '
        r'\(.+\): another rank died or stopped responding', out, re.M), out
    assert (work_dir / 'last_checkpoint').read_text() == str(work_dir /
                                                             'epoch_1.pth')

    env = _env(plugin_env)
    out = run_tool(_dist_train(work_dir, tiny_ann_file, '--resume'), env)
    assert 'resumed epoch: 1' in out
    assert safe_torch_load(str(work_dir / 'epoch_3.pth'))['meta']['epoch'] == 3


def test_hung_rank_fails_after_the_process_group_timeout(
        tmp_path, tiny_ann_file, plugin_env):
    """Alive but silent (SIGSTOP): nothing closes a connection, so only the
    collective timeout ends rank 0's wait. (torchrun would SIGKILL the
    stopped rank 30 s later; the test lets it continue instead, and it
    fails on its next collective.)"""
    env = _env(plugin_env, LSTA_TEST_KILL='stop:4', LSTA_TEST_KILL_RANK='1')
    job = _Job(
        _dist_train(
            tmp_path / 'hung',
            tiny_ann_file,
            options=['env_cfg.dist_cfg.timeout=5']), env)
    stopped = job.time_of('KillSwitchHook: SIGSTOP', timeout=180)
    survivor = '[lsta_mm] error: rank 0 of 2: a collective operation failed'
    waited = job.time_of(survivor, timeout=60) - stopped
    pid = re.search(r'SIGSTOP before iteration 4 \(pid (\d+)\)', job.output)
    os.kill(int(pid.group(1)), signal.SIGCONT)
    status = job.wait(timeout=60)
    print(f'rank 0 gave up {waited:.2f} s after rank 1 hung')

    assert 5 <= waited < 20
    assert '(Timed out waiting 5000ms' in job.output
    assert status != 0
