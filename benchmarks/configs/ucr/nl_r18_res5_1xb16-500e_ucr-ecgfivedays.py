_base_ = ['nl_r18_res5_1xb16-500e_ucr.py']

data_root = 'data/ucr/ECGFiveDays'
train_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = dict(dataset=dict(data_root=data_root))
# 23 training series: no downsampling in res3-res5 either, as the published
# ResNet (ablation in benchmarks/README.md: TwoLeadECG 96.4 -> 100.0 %).
model = dict(
    backbone=dict(strides=(1, 1, 1, 1)), cls_head=dict(num_classes=2))
