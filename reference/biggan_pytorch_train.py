# Times BigGAN-PyTorch's own training function (train_fns.GAN_training_function, unmodified) on
# random data: median seconds per iteration of RUNS after WARMUP, float32 or bf16 autocast.
# Usage: bench_bgp.py CONFIG [threads] [warmup] [runs] [bf16]; CONFIG in cifar, fmnist-demo, biggan128.
import sys, os, time, json, statistics, types, importlib.abc, importlib.machinery
# A checkout of github.com/ajbrock/BigGAN-PyTorch (measured at commit 9845943).
sys.path.insert(0, os.environ.get('BIGGAN_PYTORCH', 'BigGAN-PyTorch'))

class _Any(types.ModuleType):
    """Stands in for torchvision/PIL/h5py/tqdm, which only the data-loading code of utils uses."""
    def __getattr__(self, name):
        if name.startswith('__'):
            raise AttributeError(name)
        return type(name, (object,), {'__init__': lambda self, *a, **k: None})
class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    ROOTS = ('torchvision', 'PIL', 'h5py', 'tqdm')
    def find_spec(self, name, path, target=None):
        return importlib.machinery.ModuleSpec(name, self, is_package=True) if name.split('.')[0] in self.ROOTS else None
    def create_module(self, spec):
        m = _Any(spec.name); m.__path__ = []; return m
    def exec_module(self, module):
        pass
sys.meta_path.insert(0, _Finder())

import torch
import utils, train_fns, BigGAN

name = sys.argv[1]
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
warmup = int(sys.argv[3]) if len(sys.argv) > 3 else 2
runs = int(sys.argv[4]) if len(sys.argv) > 4 else 5
bf16 = len(sys.argv) > 5 and sys.argv[5] == 'bf16'
torch.set_num_threads(threads)
parser = utils.prepare_parser()
# The launch scripts' settings (scripts/launch_cifar_ema.sh; BigGAN 128 as in launch_BigGAN_bs256x8.sh
# at ch 32, batch 16, attention at 64), and fmnist-demo's settings for the small model.
args = {
    'cifar': ['--dataset', 'C10', '--batch_size', '50', '--num_D_steps', '4', '--G_lr', '2e-4', '--D_lr', '2e-4',
              '--G_ortho', '0.0', '--G_attn', '0', '--D_attn', '0', '--G_init', 'N02', '--D_init', 'N02',
              '--ema', '--use_ema', '--ema_start', '1000'],
    'fmnist-demo': ['--dataset', 'C10', '--batch_size', '32', '--num_D_steps', '1', '--G_lr', '2e-4', '--D_lr', '2e-4',
                    '--G_ch', '16', '--D_ch', '16', '--dim_z', '64', '--G_ortho', '0.0', '--G_attn', '0', '--D_attn', '0',
                    '--G_init', 'ortho', '--D_init', 'ortho', '--ema', '--use_ema', '--ema_start', '500',
                    '--ema_decay', '0.99'],
    'biggan128': ['--dataset', 'I128_hdf5', '--batch_size', '16', '--num_D_steps', '2', '--G_lr', '1e-4', '--D_lr', '4e-4',
                  '--G_ch', '32', '--D_ch', '32', '--G_attn', '64', '--D_attn', '64', '--G_shared', '--shared_dim', '128',
                  '--hier', '--dim_z', '120', '--G_ortho', '1e-4', '--G_init', 'ortho', '--D_init', 'ortho',
                  '--G_eval_mode', '--ema', '--use_ema', '--ema_start', '20000', '--adam_eps', '1e-6',
                  '--D_B2', '0.999', '--G_B2', '0.999'],
}[name]
config = vars(parser.parse_args(args))
config['resolution'] = utils.imsize_dict[config['dataset']]
config['n_classes'] = utils.nclass_dict[config['dataset']]
config['G_activation'] = utils.activation_dict[config['G_nl']]
config['D_activation'] = utils.activation_dict[config['D_nl']]
config['skip_init'] = False
config = utils.update_config_roots(config)
torch.manual_seed(0)
G = BigGAN.Generator(**config)
D = BigGAN.Discriminator(**config)
G_ema = BigGAN.Generator(**{**config, 'skip_init': True, 'no_optim': True})
ema = utils.ema(G, G_ema, config['ema_decay'], config['ema_start'])
GD = BigGAN.G_D(G, D)
z_, y_ = utils.prepare_z_y(config['batch_size'], G.dim_z, config['n_classes'], device='cpu')
state_dict = {'itr': 0}
train = train_fns.GAN_training_function(G, D, GD, z_, y_, ema, state_dict, config)
n = config['batch_size'] * config['num_D_steps'] * config['num_D_accumulations']
x = torch.rand(n, 3, config['resolution'], config['resolution']) * 2 - 1
y = torch.randint(0, config['n_classes'], (n,))
G.train(); D.train()
times = []
for i in range(warmup + runs):
    t = time.perf_counter()
    if bf16:
        with torch.autocast('cpu', dtype=torch.bfloat16):
            out = train(x, y)
    else:
        out = train(x, y)
    t = time.perf_counter() - t
    state_dict['itr'] += 1
    if i >= warmup:
        times.append(t)
print(json.dumps({'config': name, 'seconds_per_iteration': statistics.median(times), 'iteration_seconds': times,
                  'images_per_second': config['batch_size'] / statistics.median(times), 'threads': threads,
                  'bf16': bf16, 'torch': torch.__version__, 'losses': out,
                  'malloc': {k: v for k, v in os.environ.items() if k.startswith('MALLOC_')}}))
