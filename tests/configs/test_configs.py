# Copyright (c) nl1d contributors. All rights reserved.
"""The configs a user starts from: every one builds and runs its model,
inherits at most three levels by relative paths, takes its plain and
non-local models from independent base files, and every dataset folder has
its README and metafile listing configs that exist."""
import ast
import glob
import os.path as osp
import re

import pytest
import torch
import yaml
from mmaction.registry import MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope

import nl1d  # noqa: F401
from tests.tools.tiny_signal_utils import REPO


def _configs(*folders: str) -> list:
    return sorted(
        osp.relpath(p, REPO) for folder in folders
        for p in glob.glob(osp.join(REPO, folder, '**', '*.py'),
                           recursive=True))


#: What a user starts from, and every file of configs/ (bases included).
CONFIGS = _configs('configs/nl1d')
ALL_CONFIGS = _configs('configs')
BENCHMARK_CONFIGS = _configs('benchmarks/configs')
DATASETS = ('ucr', 'cinc2017', 'apnea_ecg', 'hypotension')


def _bases(path: str) -> list:
    """The ``_base_`` files of a config, resolved against its folder (read
    with ``ast``: nothing is executed)."""
    with open(path) as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                getattr(t, 'id', None) == '_base_' for t in node.targets):
            value = ast.literal_eval(node.value)
            bases = [value] if isinstance(value, str) else list(value)
            return [osp.normpath(osp.join(osp.dirname(path), b))
                    for b in bases]
    return []


def depth(path: str) -> int:
    """Inheritance depth: 1 for a config without ``_base_``, else one more
    than its deepest base."""
    return 1 + max((depth(b) for b in _bases(path)), default=0)


def test_depth_of_a_config_counts_its_deepest_base(tmp_path):
    (tmp_path / 'a.py').write_text('x = 1\n')
    (tmp_path / 'b.py').write_text("_base_ = ['a.py']\n")
    (tmp_path / 'c.py').write_text("_base_ = ['a.py', 'b.py']\n")
    assert [depth(str(tmp_path / f'{n}.py')) for n in 'abc'] == [1, 2, 3]


@pytest.mark.parametrize('config', ALL_CONFIGS)
def test_inheritance_is_at_most_three_levels_by_relative_paths(config):
    path = osp.join(REPO, config)
    assert depth(path) <= 3, config
    with open(path) as f:
        text = f.read()
    assert '::' not in text  # mmengine's pkg:: form needs pkg_resources
    for base in _bases(path):
        assert osp.isfile(base), base
        assert osp.commonpath([base, osp.join(REPO, 'configs')]) == \
            osp.join(REPO, 'configs'), f'{config} inherits {base}'


@pytest.mark.parametrize('config', _configs('configs/_base_'))
def test_base_files_inherit_nothing(config):
    """One model (dataset, schedule) per file, each independent: no plain
    model is a non-local one without its neck, no R18 an R50."""
    assert _bases(osp.join(REPO, config)) == []


def test_plain_and_non_local_models_are_independent_files():
    models = {osp.basename(p)[:-3]: Config.fromfile(p).model for p in
              glob.glob(osp.join(REPO, 'configs/_base_/models/*.py'))}
    assert set(models) == {'r18', 'r50', 'nl_r18_res5', 'nl_r50_res5'}
    for name, model in models.items():
        assert ('neck' in model) == name.startswith('nl_'), name
        depth = 18 if 'r18' in name else 50
        assert model.backbone.depth == depth
        assert model.cls_head.in_channels == (512 if depth == 18 else 2048)


@pytest.mark.parametrize('config', CONFIGS)
def test_config_builds_and_runs(config):
    cfg = Config.fromfile(osp.join(REPO, config))
    init_default_scope('mmaction')
    model = MODELS.build(cfg.model).eval()
    channels = cfg.model.backbone.get('in_channels', 1)
    with torch.no_grad():
        scores, _ = model.extract_feat(
            torch.randn(2, 1, channels, 256), stage='head')
    assert scores.shape == (2, cfg.model.cls_head.num_classes)
    # a plain model has no neck at all (never a deleted one), a non-local
    # one its block after res5 or inside the backbone
    name = osp.basename(config)
    assert cfg.model.get('neck', 'absent') is not None
    in_backbone = any(s != 0 for s in cfg.model.backbone.get(
        'non_local', (0, )))
    assert name.startswith('nl') == ('neck' in cfg.model or in_backbone)
    # batch size stated in the name (`1xb16`, `8xb32`) is the one the
    # dataloader runs and the one auto_scale_lr scales from
    found = re.search(r'_(\d+)xb(\d+)', name)
    if found:
        gpus, batch = int(found.group(1)), int(found.group(2))
        assert cfg.train_dataloader.batch_size == batch
        assert cfg.auto_scale_lr.base_batch_size == gpus * batch


@pytest.mark.parametrize(
    'config', [c for c in BENCHMARK_CONFIGS if '/_base_/' not in c])
def test_benchmark_configs_parse(config):
    cfg = Config.fromfile(osp.join(REPO, config))
    assert cfg.model.type == 'Recognizer1D'


def test_user_configs_are_the_released_recipes():
    """About 14 recipes (and one 6-line file per UCR set); ablations,
    diagnostics and sweeps live in benchmarks/configs."""
    recipes = [c for c in CONFIGS if not re.search(r'_ucr-\w+\.py$', c)]
    # UCR 2, CinC 2017 6, Apnea-ECG 2, hypotension 3 (with the demo), and
    # the 16 of the non-local paper's recipe (8xb32) on the demo data
    assert len(recipes) == 13 + 16
    assert len(CONFIGS) - len(recipes) == 16  # 8 UCR sets x 2 models
    assert not glob.glob(osp.join(REPO, 'configs', 'nl1d', 'ablations'))


def _code_lines_of(text):
    return [line for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith('#')]


def _code_lines(path):
    with open(path) as f:
        return _code_lines_of(f.read())


@pytest.mark.parametrize(
    'config', [c for c in CONFIGS if re.match(r'configs/nl1d/ucr/.*_ucr-', c)])
def test_a_ucr_dataset_needs_at_most_ten_lines(config):
    assert len(_code_lines(osp.join(REPO, config))) <= 10


def test_the_readme_ucr_snippet_is_the_slicing_recipe(tmp_path):
    """configs/nl1d/ucr/README.md's "Adding a UCR set" config, written next
    to the UCR configs as a user would, inherits window slicing and reads
    the new set's data."""
    with open(osp.join(REPO, 'configs', 'nl1d', 'ucr', 'README.md')) as f:
        readme = f.read()
    section = readme[readme.index('## Adding a UCR set'):]
    snippet = re.search(r'```python\n# (configs/nl1d/ucr/\S+\.py)\n(.*?)```',
                        section, re.S)
    assert snippet is not None
    code = snippet.group(2)
    assert len(_code_lines_of(code)) <= 10
    # `_base_` is relative to the file: point it at the shipped folder
    code = code.replace("_base_ = ['", "_base_ = ['" + osp.join(
        REPO, 'configs', 'nl1d', 'ucr') + '/')
    path = tmp_path / osp.basename(snippet.group(1))
    path.write_text(code)
    cfg = Config.fromfile(str(path))
    train = cfg.train_dataloader.dataset
    test = cfg.test_dataloader.dataset
    assert train.data_root == test.data_root == 'data/ucr/FordA'
    assert train.pipeline[1] == dict(type='SampleWindows', clip_len=0.9)
    assert test.pipeline[1] == dict(type='SampleWindows', clip_len=0.9,
                                    num_clips=5, test_mode=True)
    assert cfg.model.cls_head.num_classes == 2
    assert cfg.model.neck is not None  # the non-local R18


def test_model_index_imports_a_metafile_per_folder():
    with open(osp.join(REPO, 'model-index.yml')) as f:
        imports = yaml.safe_load(f)['Import']
    folders = [osp.dirname(p) for p in imports]
    assert sorted(folders) == sorted(
        ['configs/nl1d'] + [f'configs/nl1d/{d}' for d in DATASETS])
    for folder in folders:
        assert osp.isfile(osp.join(REPO, folder, 'README.md')), folder


@pytest.mark.parametrize('folder', ['configs/nl1d'] + [
    f'configs/nl1d/{d}' for d in DATASETS])
def test_metafile_lists_configs_that_exist(folder):
    with open(osp.join(REPO, folder, 'metafile.yml')) as f:
        meta = yaml.safe_load(f)
    [collection] = meta['Collections']
    assert collection['README'] == f'{folder}/README.md'
    assert meta['Models'], folder
    for model in meta['Models']:
        assert model['In Collection'] == collection['Name']
        assert osp.dirname(model['Config']) == folder
        assert osp.isfile(osp.join(REPO, model['Config'])), model['Config']
        assert model['Results'][0]['Metrics'], model['Name']
        log = model.get('Training Log')
        assert log is None or osp.isfile(osp.join(REPO, log)), log
