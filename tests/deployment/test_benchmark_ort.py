"""tools/deployment/benchmark_ort.py runs end to end (tiny sizes, one
repeat: a smoke test of the code, not a measurement)."""
import json
import os.path as osp

from deploy_utils import REPO_ROOT

BENCH = osp.join(REPO_ROOT, 'tools', 'deployment', 'benchmark_ort.py')


def test_benchmark_reports_both_backends(tiny_models, tmp_path, run_tool):
    config, ckpt = tiny_models['ntu']
    out = tmp_path / 'ort.json'
    code, text = run_tool(BENCH, [
        '--config', config, '--checkpoint', ckpt, '--frames', '20', '30',
        '--batch', '1', '2', '--repeats', '1', '--warmup', '0',
        '--online-windows', '16', '--online-updates', '2', '--threads', '1',
        '--out-json', str(out)
    ])
    assert code == 0, text
    record = json.loads(out.read_text())
    assert [(r['frames'], r['batch']) for r in record['throughput']] == [
        (20, 1), (20, 2), (30, 1), (30, 2)]
    assert all(r['torch'] > 0 and r['onnxruntime'] > 0
               for r in record['throughput'])
    (online, ) = record['online']
    assert online['window'] == 16
    assert online['onnxruntime']['p99_ms'] >= online['onnxruntime'][
        'median_ms'] > 0
    assert '| T | batch | torch samples/s | ORT samples/s |' in text
