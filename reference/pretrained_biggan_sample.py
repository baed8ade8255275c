# Times pytorch-pretrained-BigGAN's generator (random weights; the weights do not change the work)
# in eval mode, no autograd, truncation 0.4: median seconds per batch of N runs after 2 warm-ups.
import sys, os, time, json, statistics, torch
# A checkout of github.com/huggingface/pytorch-pretrained-BigGAN (measured at commit 1e18aed).
sys.path.insert(0, os.environ.get('PRETRAINED_BIGGAN', 'pytorch-pretrained-BigGAN'))
# file_utils imports download helpers (boto3, requests) that are not needed for random weights.
import types
for name in ['boto3', 'botocore', 'botocore.exceptions', 'requests', 'tqdm', 'scipy', 'scipy.stats', 'nltk', 'nltk.corpus', 'PIL', 'PIL.Image']:
    mod = types.ModuleType(name); mod.ClientError = Exception; mod.tqdm = None; mod.truncnorm = None; mod.wordnet = None; mod.Image = None; sys.modules.setdefault(name, mod)
from pytorch_pretrained_biggan.model import BigGAN
from pytorch_pretrained_biggan.config import BigGANConfig
torch.set_num_threads(int(sys.argv[3]) if len(sys.argv) > 3 else 2)
res = int(sys.argv[1]); batches = [int(b) for b in sys.argv[2].split(',')]
layers128 = [(False,16,16),(True,16,16),(False,16,16),(True,16,8),(False,8,8),(True,8,4),(False,4,4),(True,4,2),(False,2,2),(True,2,1)]
layers256 = [(False,16,16),(True,16,16),(False,16,16),(True,16,8),(False,8,8),(True,8,8),(False,8,8),(True,8,4),(False,4,4),(True,4,2),(False,2,2),(True,2,1)]
cfg = BigGANConfig(output_dim=res, layers=layers128 if res == 128 else layers256)
torch.manual_seed(0)
m = BigGAN(cfg).eval()
out = []
for b in batches:
    z = torch.randn(b, 128) * 0.4
    y = torch.zeros(b, 1000); y[torch.arange(b), (torch.arange(b) * 97) % 1000] = 1
    times = []
    with torch.no_grad():
        for i in range(2 + int(sys.argv[4] if len(sys.argv) > 4 else 5)):
            t = time.perf_counter(); img = m(z, y, 0.4); t = time.perf_counter() - t
            if i >= 2: times.append(t)
    s = statistics.median(times)
    out.append(dict(resolution=res, batch=b, seconds_per_batch=s, images_per_second=b / s, shape=list(img.shape), torch=torch.__version__, threads=torch.get_num_threads()))
print(json.dumps(out))
