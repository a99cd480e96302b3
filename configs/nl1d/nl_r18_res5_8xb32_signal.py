# The non-local paper's recipe on the demo data: R18 deflated to 1D, one
# non-local block after res5 (the quick start's model), SGD with step decay
# (mmaction2's non-local Kinetics configs, `8xb32`).
_base_ = [
    '../_base_/models/nl_r18_res5.py', '../_base_/datasets/demo.py',
    '../_base_/schedules/sgd_50e.py', '../_base_/default_runtime.py'
]

default_hooks = dict(
    checkpoint=dict(interval=1, max_keep_ckpts=3, save_best='auc/auroc'),
    logger=dict(interval=10))

# Default setting for scaling LR automatically
#   - `enable` means enable scaling LR automatically
#       or not by default.
#   - `base_batch_size` = (8 GPUs) x (32 samples per GPU).
auto_scale_lr = dict(enable=False, base_batch_size=256)
