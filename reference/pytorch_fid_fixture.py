# Usage: python3 run_fid.py MODE THREADS OUTTAG
#   MODE: f32 | f32nomkldnn | f64
# Builds pytorch-fid's InceptionV3([3]) (commit b9c18118, unmodified source) with the
# fixture state dict substituted for the download, runs both fixture inputs, saves outputs.
import os, sys, numpy as np, torch
# A checkout of github.com/mseitzer/pytorch-fid at b9c18118.
sys.path.insert(0, os.path.join(os.environ.get('PYTORCH_FID', 'pytorch-fid'), 'src'))
import pytorch_fid.inception as pi

FIX = os.environ.get('FIXTURE', 'src/test/resources/fixtures/fid-inception') + '/'
OUT = os.environ.get('OUT', '.') + '/'
mode, threads, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
torch.set_num_threads(threads)
if mode == 'f32nomkldnn':
    torch.backends.mkldnn.enabled = False

sd = torch.load(FIX + 'pt_inception-fixture.pth', map_location='cpu')
pi.load_state_dict_from_url = lambda *a, **k: sd      # no network: serve the fixture
_orig = pi.fid_inception_v3
holder = {}
def _cap():
    net = _orig(); holder['net'] = net; return net
pi.fid_inception_v3 = _cap

model = pi.InceptionV3([pi.InceptionV3.BLOCK_INDEX_BY_DIM[2048]])  # resize+normalize default
model.eval()
fc = holder['net'].fc
dt = torch.float64 if mode == 'f64' else torch.float32
if mode == 'f64':
    model.double(); fc.double()

print('torch', torch.__version__, 'threads', torch.get_num_threads(),
      'mkldnn', torch.backends.mkldnn.enabled, 'dtype', dt)
for inp, suf in (('images.npy', ''), ('images_299.npy', '_299')):
    x = torch.from_numpy(np.load(FIX + inp)).to(dt)
    with torch.no_grad():
        p = model(x)[0].squeeze(3).squeeze(2)
        l = fc(p)
    np.save(OUT + f'{tag}_pool3{suf}.npy', p.numpy())
    np.save(OUT + f'{tag}_logits{suf}.npy', l.numpy())
    print(suf or '_64x48', 'pool3 max', float(p.abs().max()), 'logits max', float(l.abs().max()))
