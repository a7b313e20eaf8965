"""tools/analysis/benchmark.py end to end on tiny shapes (CPU, seconds)."""
import json

import pytest

import benchmark


@pytest.fixture(scope='module')
def tiny_results(tmp_path_factory):
    out = tmp_path_factory.mktemp('bench') / 'results.json'
    results = benchmark.main([
        '--models', 'stgcn', 'stgcnpp', '--T', '8', '16', '--batch', '2',
        '--warmup', '1', '--repeats', '2', '--threads', '1', '--no-memory',
        '--json',
        str(out)
    ])
    return results, out


def test_every_measure_is_filled(tiny_results):
    results, out = tiny_results
    assert set(results['models']) == {'stgcn', 'stgcnpp'}
    for frames in ('8', '16'):
        entry = results['frames'][frames]
        assert entry['matmul_gflops'] > 0
        for key in ('stgcn', 'stgcnpp'):
            stats = entry[key]
            assert stats['flops'] > 0
            assert stats['train_sps'] > 0 and stats['infer_sps'] > 0
            assert len(stats['train_times']) == 2
            assert 0 < stats['train_share'] < 10  # a share, not a rate
    saved = json.loads(out.read_text())
    assert saved['meta']['batch'] == 2
    assert saved['models']['stgcn']['params'] == \
        results['models']['stgcn']['params']


def test_flops_are_per_sample_and_linear_in_frames(tiny_results):
    results, _ = tiny_results
    f8 = results['frames']['8']['stgcn']['flops']
    f16 = results['frames']['16']['stgcn']['flops']
    # Every STGCN layer is per-frame work: twice the frames, twice the FLOPs.
    assert f16 / f8 == pytest.approx(2, rel=0.02)
    # ST-GCN has ~2x the parameters and FLOPs of ST-GCN++ (1.39M, mstcn).
    stgcnpp = results['frames']['16']['stgcnpp']['flops']
    assert f16 > 1.5 * stgcnpp
    assert results['models']['stgcnpp']['params'] < \
        results['models']['stgcn']['params']


def test_tables_and_ratio_targets(tiny_results):
    results, _ = tiny_results
    text = benchmark.format_tables(results)
    assert '| ST-GCN |' in text and '| ST-GCN++ |' in text
    assert '### Ratios: ST-GCN / peer' in text
    checks = results['targets']
    # The reference (ST-GCN) has more FLOPs than ST-GCN++: target fails.
    flops = [c for c in checks if c['metric'] == 'flops']
    assert flops and not any(c['passed'] for c in flops)
    assert 'FAIL' in benchmark.format_targets(results, checks)


def test_check_targets_bounds():
    def entry(flops, train, memory):
        return dict(flops=flops, train_sps=train, infer_sps=train,
                    train_mem_mib=memory)
    results = dict(
        models=dict(ours={}, stgcnpp={}, stgcn={}),
        frames={
            '300': dict(
                ours=entry(1.0, 2.4, 100.0),
                stgcnpp=entry(2.0, 1.2, 200.0),  # train 2.0x, memory 0.5x
                stgcn=entry(2.0, 1.5, 100.0))  # flops ratio 0.5: on bound
        })
    checks = {(c['peer'], c['metric']): c['passed']
              for c in benchmark.check_targets(results)}
    assert checks[('stgcnpp', 'train_sps')] is True  # 2.0 >= 2.0
    assert checks[('stgcn', 'flops')] is True  # <= 0.5
    assert checks[('stgcn', 'train_sps')] is False  # 1.6 < 2
    assert checks[('stgcn', 'infer_sps')] is False  # 1.6 < 2.5
    assert checks[('stgcnpp', 'train_mem_mib')] is True  # 0.5 <= 0.5


def test_per_process_mode_takes_medians_of_fresh_processes(tmp_path):
    out = tmp_path / 'pp.json'
    results = benchmark.main([
        '--per-process', '2', '--models', 'stgcn', 'stgcnpp', '--T', '8',
        '--batch', '2', '--warmup', '1', '--repeats', '1', '--threads', '1',
        '--no-memory', '--json', str(out)
    ])
    assert 'fresh process' in results['meta']['mode']
    for key in ('stgcn', 'stgcnpp'):
        rounds = results['rounds']['8'][key]['train_sps']
        assert len(rounds) == 2 and all(v > 0 for v in rounds)
        assert results['frames']['8'][key]['train_sps'] == pytest.approx(
            sum(rounds) / 2)  # the median of two
        assert results['frames']['8'][key]['flops'] > 0
    assert 'fresh process' in benchmark.format_tables(results)
    assert json.loads(out.read_text())['rounds'] == results['rounds']


def test_memory_probe_in_child_process():
    args = benchmark.parse_args(
        ['--batch', '2', '--threads', '1', '--models', 'stgcn'])
    memory = benchmark.spawn_cpu_memory_probe('stgcn', 32, args)
    assert memory['train'] > 0
    assert memory['train'] >= memory['infer'] >= 0


def test_bad_model_names_are_explained():
    with pytest.raises(ValueError, match='unknown model'):
        benchmark.resolve_model('resnet')
    with pytest.raises(FileNotFoundError, match='no/such.py'):
        benchmark.resolve_model('mine=no/such.py')
    with pytest.raises(ValueError, match='--mmaction-src'):
        benchmark.setup_registry(None, ('msg3d', ))
    with pytest.raises(SystemExit):
        benchmark.parse_args(['--amp'])  # AMP needs CUDA
