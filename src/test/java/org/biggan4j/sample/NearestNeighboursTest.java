package org.biggan4j.sample;

import org.biggan4j.tensor.ComputeDevice;
import org.biggan4j.tensor.NativeMemory;
import org.biggan4j.tensor.Seeds;
import org.biggan4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NearestNeighboursTest {

    /** Indices of the k nearest rows of {@code data} to {@code query} by brute force, earlier rows first on ties. */
    private static long[] bruteForce(double[][] data, double[] query, int k) {
        Integer[] order = new Integer[data.length];
        double[] d = new double[data.length];
        for (int i = 0; i < data.length; i++) {
            order[i] = i;
            for (int j = 0; j < query.length; j++) {
                d[i] += (data[i][j] - query[j]) * (data[i][j] - query[j]);
            }
        }
        Arrays.sort(order, (x, y) -> d[x] != d[y] ? Double.compare(d[x], d[y]) : Integer.compare(x, y));
        long[] out = new long[k];
        for (int i = 0; i < k; i++) {
            out[i] = order[i];
        }
        return out;
    }

    @Test
    void streamedNeighboursMatchBruteForceOverUnevenBatches() {
        NativeMemory.scoped(() -> {
            Seeds.seedTorch(21);
            int n = 47;
            int dim = 12;
            Tensor images = Tensors.randn(ComputeDevice.CPU, n, 3, 2, 2);
            Tensor data = images.reshape(n, dim);
            Tensor queries = Tensors.randn(ComputeDevice.CPU, 4, dim);
            try (NearestNeighbours nn = new NearestNeighbours(queries, 5)) {
                int[] batches = {3, 16, 1, 20, 7};
                int start = 0;
                for (int b : batches) {
                    nn.add(data.narrow(0, start, b), images.narrow(0, start, b));
                    start += b;
                }
                assertEquals(n, nn.seen());
                double[][] rows = new double[n][];
                for (int i = 0; i < n; i++) {
                    rows[i] = Tensors.toDoubles(data.select(0, i).to(torch.ScalarType.Double));
                }
                for (int q = 0; q < 4; q++) {
                    long[] expected = bruteForce(rows, Tensors.toDoubles(queries.select(0, q).to(torch.ScalarType.Double)), 5);
                    assertArrayEquals(expected, Tensors.toLongs(nn.indices().select(0, q)), "query " + q);
                    for (int r = 0; r < 5; r++) {
                        Tensor image = nn.images().select(0, q).select(0, r);
                        assertArrayEquals(new long[] {3, 2, 2}, Tensors.shape(image));
                        assertTrue(torch.equal(image, images.select(0, (int) expected[r])), "image of neighbour " + r);
                        double distance = data.select(0, (int) expected[r]).sub(queries.select(0, q))
                                .to(torch.ScalarType.Double).norm().item_double();
                        assertEquals(distance, nn.distances().select(0, q).select(0, r).item_double(), 1e-5);
                    }
                }
            }
        });
    }

    @Test
    void tiesKeepTheEarlierImageAndFewerImagesThanKGiveFewerColumns() {
        NativeMemory.scoped(() -> {
            Tensor query = Tensors.fromDoubles(new double[] {0, 0}, ComputeDevice.CPU, 1, 2);
            // Rows 1 and 2 are equally far; so are 0 and 3 (further).
            Tensor data = Tensors.fromDoubles(new double[] {3, 0, 1, 0, 0, 1, 0, 3}, ComputeDevice.CPU, 4, 2);
            try (NearestNeighbours nn = new NearestNeighbours(query, 3)) {
                nn.add(data.narrow(0, 0, 2), data.narrow(0, 0, 2));
                assertArrayEquals(new long[] {1, 2}, Tensors.shape(nn.indices()), "two images so far");
                nn.add(data.narrow(0, 2, 2), data.narrow(0, 2, 2));
                assertArrayEquals(new long[] {1, 2, 0}, Tensors.toLongs(nn.indices().reshape(-1)));
            }
            assertThrows(IllegalArgumentException.class, () -> new NearestNeighbours(query, 0));
            try (NearestNeighbours nn = new NearestNeighbours(query, 1)) {
                assertThrows(IllegalStateException.class, nn::indices);
                assertThrows(IllegalArgumentException.class, () -> nn.add(data.reshape(2, 4), data.reshape(2, 4)));
            }
        });
    }
}
