# The plain R18 twin of nl_r18_res5_1xb32-20e_cinc2017-rhythms-whole.py: the
# same whole-record recipe (four rhythms, scored by the probability of AF)
# without the non-local block.
_base_ = [
    '../../_base_/models/r18.py',
    '../../_base_/datasets/cinc2017_whole.py',
    '../../_base_/schedules/adamw_cosine.py',
    '../../_base_/default_runtime.py'
]

# Blocks placed inside the backbone (`non_local`) get the res5 neck's
# settings, as in the non-local twin. Inert until a config sets `non_local`.
model = dict(
    backbone=dict(
        non_local_cfg=dict(
            _delete_=True,
            mode='embedded_gaussian',
            use_scale=True,
            std=0.1,
            norm_cfg=dict(type='BN1d', requires_grad=True))),
    cls_head=dict(num_classes=4))
train_dataloader = dict(dataset=dict(ann_file='train_4cls.txt', num_classes=4))
val_evaluator = [
    dict(type='AUCMetric', positive_class=1),
    dict(type='ThresholdMetric', positive_class=1)
]
test_evaluator = [
    dict(type='AUCMetric', n_bootstrap=1000, positive_class=1),
    dict(type='ThresholdMetric', frozen=True, n_bootstrap=1000,
         positive_class=1)
]

train_cfg = dict(max_epochs=20)
default_hooks = dict(
    checkpoint=dict(interval=5, max_keep_ckpts=1, save_best='auc/auroc'),
    logger=dict(interval=20))

# lr 1e-3 is for one process of 32 records.
auto_scale_lr = dict(enable=False, base_batch_size=32)
