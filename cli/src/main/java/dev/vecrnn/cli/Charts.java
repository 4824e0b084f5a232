package dev.vecrnn.cli;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Writes charts as PNG through a temporary file renamed into place, so no half-written plot is left. */
final class Charts {
    private Charts() {
    }

    static void savePng(XYChart chart, Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".chart", ".png");
        try {
            // XChart appends ".png" to the name it is given
            BitmapEncoder.saveBitmap(chart, tmp.toString().replaceAll("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
