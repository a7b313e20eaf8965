"""Start-up time and node memory of multi-process training on big files.

    python tools/analysis/scale_benchmark.py \
        --case ntu120 configs/lsta_ntu120_xsub_joint.py \
            data/scale/ntu120_3d.pkl \
        --case ntu120_store configs/lsta_ntu120_xsub_joint.py \
            data/scale/ntu120_3d.store \
        --ranks 1 2 4 --workers 2 --json scale.json

For every case (a config and an annotation file, pkl or store) and every
rank count R it launches ``torchrun --nproc_per_node R tools/train.py
CONFIG --launcher pytorch`` exactly as ``tools/dist_train.sh`` does (gloo
on a CPU machine), with the file as the train/val/test ``ann_file``,
``--workers`` persistent loader workers per rank, one thread per process,
and a narrow network (data, not compute, is measured). It reports

- start-up: seconds from launch to the end of the first training
  iteration (import, annotation load and checks in every rank, train and
  val datasets, worker start, one step), read from rank 0's log;
- the peak memory of the whole process tree (torchrun, ranks, workers),
  sampled every ``--interval`` s until ``--iters`` iterations are done:
  PSS (proportional set size: a page shared by k processes counts 1/k in
  each, so the sum is what the node holds) and RSS (a shared page counts
  in every process that maps it; the usual per-process figure).

A run is stopped, and reported as such, when the machine's available
memory falls below ``--min-free`` GiB, so that a configuration that would
exhaust the node does not take the machine down.
"""
import argparse
import datetime
import json
import os
import os.path as osp
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from typing import Dict, List, Optional, Sequence

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ITER_LINE = re.compile(r'Epoch\(train\)\s*\[1\]\s*\[\s*(\d+)/')
#: a narrow network: the measurement is about data, not compute
NARROW_MODEL = ('model.backbone.stage_channels=(12,24,48) '
                'model.cls_head.in_channels=48 '
                'model.backbone.spatial_cfg.num_scales=2').split()


def _children() -> Dict[int, List[int]]:
    tree: Dict[int, List[int]] = {}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open(f'/proc/{entry}/stat') as f:
                # the command name may hold spaces: ppid follows its ')'
                ppid = int(f.read().rsplit(')', 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def process_tree(root: int) -> List[int]:
    """``root`` and all its descendants."""
    tree, found, todo = _children(), [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(tree.get(pid, ()))
    return found


def tree_memory(root: int) -> Dict[str, float]:
    """Summed PSS and RSS (bytes) of a process tree."""
    total = dict(pss=0.0, rss=0.0, processes=0)
    for pid in process_tree(root):
        try:
            with open(f'/proc/{pid}/smaps_rollup') as f:
                text = f.read()
        except OSError:
            continue
        for key, name in (('pss', 'Pss:'), ('rss', 'Rss:')):
            match = re.search(rf'^{name}\s+(\d+) kB', text, re.M)
            if match:
                total[key] += int(match.group(1)) * 1024
        total['processes'] += 1
    return total


def available_memory() -> float:
    with open('/proc/meminfo') as f:
        match = re.search(r'^MemAvailable:\s+(\d+) kB', f.read(), re.M)
    return int(match.group(1)) * 1024


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def measure(config: str, ann_file: str, ranks: int, workers: int,
            iters: int, interval: float, min_free: float,
            timeout: float) -> Dict:
    """One launch; returns its start-up time and peak memory."""
    work_dir = tempfile.mkdtemp(prefix='scale_bench_')
    options = [
        f'{loader}.dataset.ann_file={ann_file}'
        for loader in ('train_dataloader', 'val_dataloader',
                       'test_dataloader')
    ] + [
        f'{loader}.{key}={value}'
        for loader in ('train_dataloader', 'val_dataloader')
        for key, value in (('num_workers', workers),
                           ('persistent_workers', workers > 0))
    ] + [
        'default_hooks.logger.interval=1',
        'randomness.seed=0',
    ] + NARROW_MODEL
    command = [
        sys.executable, '-m', 'torch.distributed.run',
        f'--nproc_per_node={ranks}', f'--master_port={_free_port()}',
        osp.join(ROOT, 'tools', 'train.py'), config, '--launcher', 'pytorch',
        '--work-dir', work_dir, '--cfg-options'
    ] + options
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1',
               PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    start = time.time()
    process = subprocess.Popen(command, cwd=ROOT, env=env,
                               stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    state = dict(first=None, done=None, lines=[])

    def read_log():
        for line in process.stdout:
            state['lines'].append(line)
            match = ITER_LINE.search(line)
            if match:
                now = time.time() - start
                if state['first'] is None:
                    state['first'] = now
                if int(match.group(1)) >= iters:
                    state['done'] = now

    reader = threading.Thread(target=read_log, daemon=True)
    reader.start()
    peak = dict(pss=0.0, rss=0.0, processes=0)
    stopped = None
    while process.poll() is None:
        memory = tree_memory(process.pid)
        for key in peak:
            peak[key] = max(peak[key], memory[key])
        if state['done'] is not None:
            break
        if available_memory() < min_free * 2**30:
            stopped = (f'stopped: the machine had under {min_free:g} GiB '
                       f'available')
            break
        if time.time() - start > timeout:
            stopped = f'stopped: no {iters} iterations in {timeout:g} s'
            break
        time.sleep(interval)
    # torchrun starts every rank in a session of its own: kill the tree
    for pid in reversed(process_tree(process.pid)):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait()
    reader.join(timeout=5)
    if stopped is None and state['done'] is None:
        tail = ''.join(state['lines'][-15:])
        stopped = f'failed (exit {process.returncode}):\n{tail}'
    return dict(
        ranks=ranks, workers=workers, startup_s=state['first'],
        peak_pss_gib=peak['pss'] / 2**30, peak_rss_gib=peak['rss'] / 2**30,
        processes=peak['processes'], stopped=stopped)


def _cell(value: Optional[float], fmt: str) -> str:
    return '-' if value is None else format(value, fmt)


def report(results: List[Dict], baselines: Sequence[str] = ()) -> str:
    """Markdown table; with ``baselines`` (names of cases run on a tiny
    file) a column of each run's peak PSS above that of the baseline with
    its config and rank count: the memory the annotation data costs."""
    base = {(r['config'], r['ranks']): r['peak_pss_gib'] for r in results
            if r['case'] in baselines and not r['stopped']}
    lines = [
        '| case | file | ranks | start-up to 1st iteration (s) | '
        'peak PSS of the tree (GiB) | peak RSS sum (GiB) | PSS / 1 rank |' +
        (' data: PSS above the tiny file (GiB) |' if base else ''),
        '|---|---|---|---|---|---|---|' + ('---|' if base else '')
    ]
    single = {(r['case'], r['kind']): r['peak_pss_gib'] for r in results
              if r['ranks'] == 1 and not r['stopped']}
    for r in results:
        one = single.get((r['case'], r['kind']))
        ratio = f'{r["peak_pss_gib"] / one:.2f}x' if one else '-'
        stop = f' ({r["stopped"].splitlines()[0]})' if r['stopped'] else ''
        key = (r['config'], r['ranks'])
        more = ('>' if r['stopped'] else '') + \
            f'{r["peak_pss_gib"] - base[key]:.2f}' if key in base else '-'
        lines.append(
            f'| {r["case"]} | {r["file_gib"]:.2f} GiB {r["kind"]} | '
            f'{r["ranks"]} | {_cell(r["startup_s"], ".1f")}{stop} | '
            f'{r["peak_pss_gib"]:.2f} | {r["peak_rss_gib"]:.2f} | {ratio} |' +
            (f' {more} |' if base else ''))
    return '\n'.join(lines)


def _size(path: str) -> int:
    if osp.isdir(path):
        return sum(osp.getsize(osp.join(path, f)) for f in os.listdir(path))
    return osp.getsize(path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n', 2)[2])
    parser.add_argument('--case', nargs=3, action='append',
                        metavar=('NAME', 'CONFIG', 'ANN_FILE'))
    parser.add_argument('--ranks', type=int, nargs='+', default=[1, 2, 4])
    parser.add_argument('--workers', type=int, default=2,
                        help='loader workers per rank (default 2)')
    parser.add_argument('--iters', type=int, default=5,
                        help='training iterations before a run is stopped')
    parser.add_argument('--interval', type=float, default=0.2)
    parser.add_argument('--min-free', type=float, default=1.5,
                        help='GiB of available memory below which a run '
                        'is stopped (default 1.5)')
    parser.add_argument('--timeout', type=float, default=1200)
    parser.add_argument('--json', help='write the results here')
    parser.add_argument('--baseline', metavar='NAME', nargs='+', default=(),
                        help='cases on a tiny file: the table adds each '
                        'run\'s PSS above the one with its config (the '
                        'data\'s share)')
    parser.add_argument('--report', metavar='JSON',
                        help='only print the table of an earlier --json')
    args = parser.parse_args(argv)
    if args.report:
        with open(args.report) as f:
            saved = json.load(f)
        print(saved['header'] + '\n' +
              report(saved['results'], args.baseline or
                     saved.get('baseline', ())))
        return 0
    if not args.case:
        parser.error('give at least one --case (or --report)')
    results = []
    for name, config, ann_file in args.case:
        for ranks in args.ranks:
            print(f'{name}: {ranks} rank(s) ...', flush=True)
            result = measure(config, osp.abspath(ann_file), ranks,
                             args.workers, args.iters, args.interval,
                             args.min_free, args.timeout)
            result.update(case=name, config=config, ann_file=ann_file,
                          kind='store' if osp.isdir(ann_file) else 'pkl',
                          file_gib=_size(ann_file) / 2**30)
            print(f'  start-up {_cell(result["startup_s"], ".1f")} s, '
                  f'peak PSS {result["peak_pss_gib"]:.2f} GiB, RSS sum '
                  f'{result["peak_rss_gib"]:.2f} GiB'
                  + (f'; {result["stopped"]}' if result['stopped'] else ''),
                  flush=True)
            results.append(result)
    table = report(results, args.baseline)
    header = (f'Date: {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC; '
              f'{os.cpu_count()} cores, '
              f'{available_memory() / 2**30:.1f} GiB available now; '
              f'{args.workers} loader workers per rank, one thread per '
              f'process; stopped after {args.iters} iterations.\n\n'
              f'Command: `python tools/analysis/scale_benchmark.py '
              f'{" ".join(sys.argv[1:] if argv is None else argv)}`\n')
    print('\n' + header + '\n' + table)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(header=header, baseline=args.baseline,
                           results=results), f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
