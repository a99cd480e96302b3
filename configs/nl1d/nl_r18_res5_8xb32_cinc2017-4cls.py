_base_ = ['nl_r18_res5_8xb32_cinc2017-af.py']

# PhysioNet/CinC 2017, four classes: normal (0), AF (1), other rhythm (2),
# too noisy (3). Same converter output as the AF config (its *_4cls.txt).
# AUCMetric reports the macro one-vs-rest AUROC / AUPRC.
num_classes = 4

model = dict(cls_head=dict(num_classes=num_classes))

train_dataloader = dict(
    dataset=dict(
        ann_file='data/cinc2017/train_4cls.txt', num_classes=num_classes))
val_dataloader = dict(
    dataset=dict(
        ann_file='data/cinc2017/val_4cls.txt', num_classes=num_classes))
test_dataloader = dict(
    dataset=dict(
        ann_file='data/cinc2017/test_4cls.txt', num_classes=num_classes))
