package dev.vecrnn.cli;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Charts as PNG files, written to a command's staged output ({@link Outputs#stage}). */
final class Charts {
    private Charts() {
    }

    /** Writes {@code chart} as a PNG to {@code staged}, a file that must not exist yet. */
    static void savePng(XYChart chart, Path staged) throws IOException {
        byte[] png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        Files.write(staged, png, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }
}
