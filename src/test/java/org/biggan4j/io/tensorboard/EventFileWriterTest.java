package org.biggan4j.io.tensorboard;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The event-file writer read back by the tests' own reader ({@link EventFiles}). */
class EventFileWriterTest {

    @TempDir
    Path dir;

    @Test
    void crc32cAndItsMaskMatchKnownVectors() {
        byte[] digits = "123456789".getBytes(StandardCharsets.US_ASCII);
        // The CRC-32C check value of the catalogue of CRC algorithms (Koopman, reveng), and RFC 3720 B.4's 32 zeros.
        assertEquals(0xE3069283, EventFiles.crc32c(digits, 0, 9));
        assertEquals(0x8A9136AA, EventFiles.crc32c(new byte[32], 0, 32));
        // Masked by hand: 0xE3069283 >>> 15 = 0x0001C60D; 0xE3069283 << 17 = 0x25060000 (low 15 bits 0x1283
        // moved up); OR = 0x2507C60D; + 0xA282EAD8 = 0xC78AB0E5 (mod 2^32).
        assertEquals(0xC78AB0E5, EventFiles.mask(0xE3069283));
        assertEquals(0xC78AB0E5, TfRecords.maskedCrc32c(digits, 0, 9));
        assertEquals(EventFiles.mask(0x8A9136AA), TfRecords.maskedCrc32c(new byte[32], 0, 32));
    }

    @Test
    void writesFramedEventsThatDecodeToTheValuesGiven() throws Exception {
        BufferedImage picture = new BufferedImage(5, 3, BufferedImage.TYPE_INT_RGB);
        picture.setRGB(2, 1, 0x12AB34);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(picture, "png", png);
        Path file;
        try (EventFileWriter writer = EventFileWriter.create(dir.resolve("tb"))) {
            file = writer.file();
            writer.sessionStart(7);
            Map<String, Double> scalars = new LinkedHashMap<>();
            scalars.put("loss_d", 1.25);
            scalars.put("loss_g", -0.1);
            writer.scalars(7, scalars);
            writer.png(8, "samples", png.toByteArray());
            writer.histogram(9, "singular_values/G", new double[] {1.0, 2.0, 2.0, 4.0, Double.NaN});
            writer.histogram(10, "flat", new double[] {3.0, 3.0});
        }
        assertTrue(file.getFileName().toString().matches("events\\.out\\.tfevents\\.\\d{10}\\..+"), file.toString());

        List<EventFiles.Event> events = EventFiles.read(file);
        assertEquals(6, events.size());
        assertEquals("brain.Event:2", events.get(0).fileVersion());
        assertTrue(Math.abs(events.get(0).wallTime() - System.currentTimeMillis() / 1000.0) < 600, "wall time in seconds");
        assertEquals(7, events.get(1).step());
        assertEquals(1L, events.get(1).sessionStatus(), "SessionLog.START");

        EventFiles.Event scalars = events.get(2);
        assertEquals(7, scalars.step());
        assertEquals(List.of("loss_d", "loss_g"), scalars.values().stream().map(EventFiles.Value::tag).toList());
        assertEquals(1.25f, scalars.values().get(0).simpleValue());
        assertEquals(-0.1f, scalars.values().get(1).simpleValue());
        assertNull(scalars.values().get(0).image());

        EventFiles.Image image = events.get(3).values().get(0).image();
        assertEquals(8, events.get(3).step());
        assertEquals(List.of(3L, 5L, 3L), List.of(image.height(), image.width(), image.colorspace()));
        BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(image.encoded()));
        assertEquals(0x12AB34, decoded.getRGB(2, 1) & 0xFFFFFF);

        EventFiles.Histogram h = events.get(4).values().get(0).histogram();
        assertEquals("singular_values/G", events.get(4).values().get(0).tag());
        assertEquals(1.0, h.min());
        assertEquals(4.0, h.max());
        assertEquals(4.0, h.num(), "NaN is left out");
        assertEquals(9.0, h.sum());
        assertEquals(25.0, h.sumSquares());
        assertEquals(EventFileWriter.HISTOGRAM_BUCKETS, h.bucketLimit().length);
        assertEquals(1.0 + 3.0 / EventFileWriter.HISTOGRAM_BUCKETS, h.bucketLimit()[0], 1e-12);
        assertEquals(4.0, h.bucketLimit()[h.bucketLimit().length - 1]);
        assertEquals(1.0, h.bucket()[0]);
        assertEquals(2.0, h.bucket()[(int) ((2.0 - 1.0) / (3.0 / EventFileWriter.HISTOGRAM_BUCKETS))]);
        assertEquals(1.0, h.bucket()[h.bucket().length - 1]);
        assertEquals(4.0, Arrays.stream(h.bucket()).sum());

        EventFiles.Histogram flat = events.get(5).values().get(0).histogram();
        assertArrayEquals(new double[] {3.0}, flat.bucketLimit());
        assertArrayEquals(new double[] {2.0}, flat.bucket());
    }

    @Test
    void theReaderRefusesADamagedRecord() throws Exception {
        Path file;
        try (EventFileWriter writer = EventFileWriter.create(dir)) {
            file = writer.file();
            writer.scalars(3, Map.of("x", 1.0));
        }
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 6] ^= 1; // inside the last record's data
        Files.write(file, bytes);
        AssertionError e = assertThrows(AssertionError.class, () -> EventFiles.read(file));
        assertTrue(e.getMessage().contains("record 1: the data's CRC is wrong"), e.getMessage());
    }

    @Test
    void aSecondFileInTheSameSecondSortsAfterTheFirst() throws Exception {
        try (EventFileWriter a = EventFileWriter.create(dir); EventFileWriter b = EventFileWriter.create(dir)) {
            assertTrue(a.file().getFileName().toString().compareTo(b.file().getFileName().toString()) < 0);
        }
    }
}
