package org.biggan4j.eval;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Plain-Java double reference computations the libtorch metrics are checked against. */
final class Brute {

    private Brute() {
    }

    static double[][] gaussian(SplittableRandom r, int n, int d, double offset) {
        double[][] x = new double[n][d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                x[i][j] = offset + gauss(r) * (1 + j * 0.3);
            }
            // correlate neighbouring coordinates
            for (int j = d - 1; j > 0; j--) {
                x[i][j] += 0.5 * x[i][j - 1];
            }
        }
        return x;
    }

    static double gauss(SplittableRandom r) {
        // Box-Muller; the test only needs some Gaussian-looking data.
        double u = r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
    }

    static double[] flatten(double[][] x) {
        return Arrays.stream(x).flatMapToDouble(Arrays::stream).toArray();
    }

    static float[] flattenFloats(double[][] x) {
        double[] d = flatten(x);
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    /** Two-pass mean and unbiased covariance. */
    static double[][] meanAndCovariance(double[][] x) {
        int n = x.length;
        int d = x[0].length;
        double[] mu = new double[d];
        for (double[] row : x) {
            for (int j = 0; j < d; j++) {
                mu[j] += row[j] / n;
            }
        }
        double[] cov = new double[d * d];
        for (double[] row : x) {
            for (int a = 0; a < d; a++) {
                for (int b = 0; b < d; b++) {
                    cov[a * d + b] += (row[a] - mu[a]) * (row[b] - mu[b]) / (n - 1);
                }
            }
        }
        return new double[][] {mu, cov};
    }

    static double[][] mul(double[][] a, double[][] b) {
        int n = a.length;
        int m = b[0].length;
        double[][] c = new double[n][m];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < b.length; k++) {
                for (int j = 0; j < m; j++) {
                    c[i][j] += a[i][k] * b[k][j];
                }
            }
        }
        return c;
    }

    static double[][] transpose(double[][] a) {
        double[][] t = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                t[j][i] = a[i][j];
            }
        }
        return t;
    }

    static double[][] identity(int n) {
        double[][] m = new double[n][n];
        for (int i = 0; i < n; i++) {
            m[i][i] = 1;
        }
        return m;
    }

    /** Gauss-Jordan inverse with partial pivoting. */
    static double[][] inverse(double[][] a) {
        int n = a.length;
        double[][] m = new double[n][2 * n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(a[i], 0, m[i], 0, n);
            m[i][n + i] = 1;
        }
        for (int col = 0; col < n; col++) {
            int pivot = col;
            for (int r = col + 1; r < n; r++) {
                if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) {
                    pivot = r;
                }
            }
            double[] tmp = m[col];
            m[col] = m[pivot];
            m[pivot] = tmp;
            double p = m[col][col];
            for (int j = 0; j < 2 * n; j++) {
                m[col][j] /= p;
            }
            for (int r = 0; r < n; r++) {
                if (r != col) {
                    double f = m[r][col];
                    for (int j = 0; j < 2 * n; j++) {
                        m[r][j] -= f * m[col][j];
                    }
                }
            }
        }
        double[][] inv = new double[n][n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(m[i], n, inv[i], 0, n);
        }
        return inv;
    }

    /**
     * Tr(A^(1/2)) of a general (non-symmetric) matrix with positive real eigenvalues by the
     * Denman-Beavers iteration: Y -> (Y + Z^-1) / 2, Z -> (Z + Y^-1) / 2, Y -> A^(1/2).
     */
    static double traceSqrtDenmanBeavers(double[][] a) {
        double[][] y = a;
        double[][] z = identity(a.length);
        for (int it = 0; it < 100; it++) {
            double[][] yi = inverse(y);
            double[][] zi = inverse(z);
            double[][] ny = new double[a.length][a.length];
            double[][] nz = new double[a.length][a.length];
            double change = 0;
            for (int i = 0; i < a.length; i++) {
                for (int j = 0; j < a.length; j++) {
                    ny[i][j] = (y[i][j] + zi[i][j]) / 2;
                    nz[i][j] = (z[i][j] + yi[i][j]) / 2;
                    change = Math.max(change, Math.abs(ny[i][j] - y[i][j]));
                }
            }
            y = ny;
            z = nz;
            if (change < 1e-15) {
                break;
            }
        }
        double t = 0;
        for (int i = 0; i < a.length; i++) {
            t += y[i][i];
        }
        return t;
    }

    /** A random orthogonal matrix by Gram-Schmidt on Gaussian columns. */
    static double[][] orthogonal(SplittableRandom r, int n) {
        double[][] q = new double[n][n];   // rows are the vectors
        for (int i = 0; i < n; i++) {
            double[] v = new double[n];
            for (int j = 0; j < n; j++) {
                v[j] = gauss(r);
            }
            for (int p = 0; p < i; p++) {
                double dot = 0;
                for (int j = 0; j < n; j++) {
                    dot += v[j] * q[p][j];
                }
                for (int j = 0; j < n; j++) {
                    v[j] -= dot * q[p][j];
                }
            }
            double norm = Math.sqrt(Arrays.stream(v).map(x -> x * x).sum());
            for (int j = 0; j < n; j++) {
                q[i][j] = v[j] / norm;
            }
        }
        return q;
    }

    /** Q^T diag(values) Q. */
    static double[][] withEigenvalues(double[][] q, double[] values) {
        int n = values.length;
        double[][] d = new double[n][n];
        for (int i = 0; i < n; i++) {
            d[i][i] = values[i];
        }
        return mul(transpose(q), mul(d, q));
    }

    static double[][] randomSpd(SplittableRandom r, int n) {
        double[][] g = new double[n][n + 3];
        for (double[] row : g) {
            for (int j = 0; j < row.length; j++) {
                row[j] = gauss(r);
            }
        }
        double[][] s = mul(g, transpose(g));
        for (int i = 0; i < n; i++) {
            s[i][i] += 0.1;
        }
        return s;
    }

    static double distance(double[] a, double[] b) {
        double s = 0;
        for (int j = 0; j < a.length; j++) {
            s += (a[j] - b[j]) * (a[j] - b[j]);
        }
        return Math.sqrt(s);
    }

    /** Distance from each point to its k-th nearest other point in the same set. */
    static double[] radii(double[][] x, int k) {
        double[] r = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double[] d = new double[x.length - 1];
            int c = 0;
            for (int j = 0; j < x.length; j++) {
                if (j != i) {
                    d[c++] = distance(x[i], x[j]);
                }
            }
            Arrays.sort(d);
            r[i] = d[k - 1];
        }
        return r;
    }

    /** Fraction of queries inside at least one ball. */
    static double coveredFraction(double[][] queries, double[][] centres, double[] radii) {
        int inside = 0;
        for (double[] q : queries) {
            for (int i = 0; i < centres.length; i++) {
                if (distance(q, centres[i]) <= radii[i]) {
                    inside++;
                    break;
                }
            }
        }
        return (double) inside / queries.length;
    }

    static double density(double[][] real, double[][] fake, int k) {
        double[] r = radii(real, k);
        long count = 0;
        for (double[] f : fake) {
            for (int i = 0; i < real.length; i++) {
                if (distance(f, real[i]) <= r[i]) {
                    count++;
                }
            }
        }
        return (double) count / ((double) k * fake.length);
    }

    static double coverage(double[][] real, double[][] fake, int k) {
        double[] r = radii(real, k);
        int covered = 0;
        for (int i = 0; i < real.length; i++) {
            double nearest = Double.POSITIVE_INFINITY;
            for (double[] f : fake) {
                nearest = Math.min(nearest, distance(real[i], f));
            }
            if (nearest <= r[i]) {
                covered++;
            }
        }
        return (double) covered / real.length;
    }
}
