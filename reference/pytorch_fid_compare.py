# Compares the outputs of pytorch_fid_fixture.py runs (tags a, b, c, a1) with the fixture and with each other.
import numpy as np
import os
FIX = os.environ.get('FIXTURE', 'src/test/resources/fixtures/fid-inception') + '/'; O = os.environ.get('OUT', '.') + '/'
def ld(tag, name): return np.load(FIX + name + '.npy') if tag == 'fixture' else np.load(O + f'{tag}_{name}.npy')
pairs = [('a','fixture'),('b','fixture'),('c','fixture'),('a','c'),('b','c'),('a','a1'),('a1','fixture'),('a1','c'),('a','b')]
names = ['pool3','logits','pool3_299','logits_299']
print('%-16s' % 'pair' + ''.join('%14s' % n for n in names))
for x, y in pairs:
    row = []
    for n in names:
        d = np.abs(ld(x, n).astype(np.float64) - ld(y, n).astype(np.float64))
        row.append(d.max())
    print('%-16s' % f'{x} vs {y}' + ''.join('%14.3e' % v for v in row))
print('bit-identical a vs fixture:', [np.array_equal(ld('a', n), ld('fixture', n)) for n in names])
print('bit-identical a vs a1:', [np.array_equal(ld('a', n), ld('a1', n)) for n in names])
print('max|fixture|:', ['%s %.4f' % (n, np.abs(ld('fixture', n)).max()) for n in names])
# relative scale: ulp of float32 at max value
for n in names:
    m = np.abs(ld('fixture', n)).max(); print(n, 'float32 ulp at max', np.spacing(np.float32(m)))
# mean abs diff fixture vs f64 and count > 1e-4
for n in names:
    d = np.abs(ld('fixture', n).astype(np.float64) - ld('c', n))
    print(n, 'fixture-vs-f64: mean %.2e, #>1e-4: %d / %d, max rel %.2e' % (d.mean(), (d > 1e-4).sum(), d.size,
          (d / np.maximum(np.abs(ld('c', n)), 1e-12)).max()))
