package dev.vecrnn.cli;

import dev.vecrnn.nn.io.DType;
import dev.vecrnn.nn.io.Npy;
import dev.vecrnn.nn.io.TensorData;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Files for {@link ContractFuzzTest}: valid small .npy arrays (written by {@link Npy}), hostile variants
 * of them, FIFOs, and snapshots of a directory tree (type, size and SHA-256 of every entry, never
 * following links or opening FIFOs) to compare before and after a command.
 */
final class CliFuzzFiles {
    private CliFuzzFiles() {
    }

    /** Where {@link #npy} lets {@link Npy#write} put its file before the bytes are taken. */
    static Path scratch;

    /** Whether {@code mkfifo} works here; without it the FIFO cases are skipped. */
    static boolean fifos;

    /** Whether a file with mode 000 is unreadable here (not when the tests run as root). */
    static boolean permissionsEnforced;

    static void setUp(Path dir) throws IOException {
        scratch = Files.createDirectories(dir.resolve("scratch"));
        Path probe = scratch.resolve("fifo-probe");
        fifos = mkfifo(probe) && !Files.isRegularFile(probe) && Files.exists(probe, LinkOption.NOFOLLOW_LINKS);
        Files.deleteIfExists(probe);
        Path locked = Files.writeString(scratch.resolve("mode-000"), "x");
        try {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
            permissionsEnforced = !Files.isReadable(locked);
        } catch (UnsupportedOperationException | IOException e) {
            permissionsEnforced = false;
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rw-------"));
            Files.deleteIfExists(locked);
        }
    }

    /** Makes a FIFO with the system's mkfifo; false when there is none or it fails. */
    static boolean mkfifo(Path p) {
        try {
            Process pr = new ProcessBuilder("mkfifo", p.toString()).redirectErrorStream(true).start();
            pr.getInputStream().readAllBytes();
            return pr.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Opens {@code fifo} for writing and for reading on daemon threads, so that a command blocked
     * opening it at the other end gets an empty stream and goes on.
     */
    static void unblock(Path fifo) {
        for (boolean write : new boolean[] {true, false}) {
            Thread t = new Thread(() -> {
                try {
                    if (write) new FileOutputStream(fifo.toFile()).close();
                    else new FileInputStream(fifo.toFile()).close();
                } catch (IOException ignored) {
                    // nothing blocked on it
                }
            }, "fifo-unblock");
            t.setDaemon(true);
            t.start();
        }
    }

    // ---- arrays -------------------------------------------------------------------------------------------

    /** An array to write as .npy: a dtype, a shape and the values (as doubles, converted to the dtype). */
    record Arr(DType dtype, int[] shape, double[] v) {
        Arr {
            shape = shape.clone();
        }

        static Arr of(DType dtype, double[] v, int... shape) {
            return new Arr(dtype, shape, v);
        }

        Arr withDtype(DType d) {
            return new Arr(d, shape, v);
        }

        Arr withShape(int... s) {
            return new Arr(dtype, s, v);
        }

        Arr withValues(double[] values) {
            return new Arr(dtype, shape, values);
        }

        int dim(int i) {
            return shape[i];
        }

        int rank() {
            return shape.length;
        }

        TensorData data() {
            int n = v.length;
            return switch (dtype) {
                case F64 -> TensorData.doubles(v.clone(), shape);
                case F32 -> {
                    float[] f = new float[n];
                    for (int i = 0; i < n; i++) f[i] = (float) v[i];
                    yield TensorData.floats(f, shape);
                }
                case I64 -> {
                    long[] l = new long[n];
                    for (int i = 0; i < n; i++) l[i] = (long) v[i];
                    yield TensorData.longs(l, shape);
                }
                case I32 -> {
                    int[] l = new int[n];
                    for (int i = 0; i < n; i++) l[i] = (int) v[i];
                    yield TensorData.ints(l, shape);
                }
                default -> {
                    ByteBuffer b = ByteBuffer.allocate(n * dtype.size()).order(ByteOrder.LITTLE_ENDIAN);
                    for (double d : v) {
                        switch (dtype) {
                            case F16 -> b.putShort(Float.floatToFloat16((float) d));
                            case I16 -> b.putShort((short) d);
                            case I8, U8 -> b.put((byte) d);
                            case BOOL -> b.put((byte) (d != 0 ? 1 : 0));
                            default -> throw new IllegalArgumentException(dtype.toString());
                        }
                    }
                    yield TensorData.ofBytes(dtype, b.array(), shape);
                }
            };
        }

        /** The .npy file of this array, as {@link Npy#write} makes it. */
        byte[] npy() {
            return CliFuzzFiles.npy(data());
        }

        /** The bytes of the values alone, as the .npy data section holds them. */
        byte[] raw() {
            ByteBuffer b = data().bytes();
            byte[] out = new byte[b.remaining()];
            b.duplicate().get(out);
            return out;
        }

        @Override
        public String toString() {
            return dtype + " " + Arrays.toString(shape);
        }
    }

    static byte[] npy(TensorData d) {
        try {
            Path p = scratch.resolve("a.npy");
            Npy.write(p, d);
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The header dict of a .npy file, as NumPy writes it. */
    static String dict(String descr, boolean fortran, long... shape) {
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) s.append(i == 0 ? "" : ", ").append(shape[i]);
        if (shape.length == 1) s.append(',');
        s.append(')');
        return "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + s + ", }";
    }

    /** A .npy file with any header dict and data: version {@code major}.0, padded as NumPy pads. */
    static byte[] npyRaw(int major, String dict, byte[] data) {
        byte[] d = dict.getBytes(StandardCharsets.ISO_8859_1);
        int prefix = major == 1 ? 10 : 12;
        int headerLen = d.length + 1;
        headerLen += (64 - (prefix + headerLen) % 64) % 64;
        ByteBuffer b = ByteBuffer.allocate(prefix + headerLen + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) b.putShort((short) headerLen);
        else b.putInt(headerLen);
        b.put(d);
        while (b.position() < prefix + headerLen - 1) b.put((byte) ' ');
        b.put((byte) '\n');
        b.put(data);
        return b.array();
    }

    static long[] longs(int[] shape) {
        long[] l = new long[shape.length];
        for (int i = 0; i < shape.length; i++) l[i] = shape[i];
        return l;
    }

    // ---- byte edits ---------------------------------------------------------------------------------------

    /** 1 to 3 random edits: a byte set, a bit flipped, a byte inserted or deleted. */
    static byte[] byteEdit(Random r, byte[] in) {
        byte[] b = in.clone();
        for (int k = 1 + r.nextInt(3); k > 0; k--) {
            int op = b.length == 0 ? 2 : r.nextInt(4);
            int at = b.length == 0 ? 0 : r.nextInt(b.length);
            switch (op) {
                case 0 -> b[at] = (byte) r.nextInt(256);
                case 1 -> b[at] ^= (byte) (1 << r.nextInt(8));
                case 2 -> {
                    byte[] c = new byte[b.length + 1];
                    System.arraycopy(b, 0, c, 0, at);
                    c[at] = (byte) r.nextInt(256);
                    System.arraycopy(b, at, c, at + 1, b.length - at);
                    b = c;
                }
                default -> {
                    byte[] c = new byte[b.length - 1];
                    System.arraycopy(b, 0, c, 0, at);
                    System.arraycopy(b, at + 1, c, at, b.length - at - 1);
                    b = c;
                }
            }
        }
        return b;
    }

    static byte[] randomBytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    // ---- trees --------------------------------------------------------------------------------------------

    /**
     * Every entry under {@code root} (relative path to "dir", "link -> target", "file SIZE SHA" or
     * "other"), without following links or opening anything but regular files.
     */
    static Map<String, String> snapshot(Path root) {
        Map<String, String> m = new TreeMap<>();
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) return m;
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) m.put(root.relativize(p).toString(), entry(p));
        } catch (IOException | UncheckedIOException e) {
            m.put("?", "walk failed: " + e);
        }
        return m;
    }

    static String entry(Path p) {
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (a.isSymbolicLink()) return "link -> " + Files.readSymbolicLink(p);
            if (a.isDirectory()) return "dir";
            if (!a.isRegularFile()) return "other";
            if (a.size() > (1 << 20)) return "file " + a.size() + " (not hashed), modified " + a.lastModifiedTime().toMillis();
            try {
                return "file " + a.size() + " " + sha(Files.readAllBytes(p));
            } catch (IOException unreadable) {
                return "file " + a.size() + " unreadable, modified " + a.lastModifiedTime().toMillis();
            }
        } catch (IOException e) {
            return "gone: " + e.getClass().getSimpleName();
        }
    }

    /**
     * Every path under {@code dir} (with a tab and the size for a file), but for {@code target/} (for the
     * working directory, the module's, which no command may write to).
     */
    static TreeSet<String> names(Path dir) {
        TreeSet<String> s = new TreeSet<>();
        try (Stream<Path> l = Files.walk(dir)) {
            l.filter(p -> !p.startsWith(dir.resolve("target"))).forEach(p -> {
                String size = Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? "\t" + p.toFile().length() : "";
                s.add(dir.relativize(p) + size);
            });
        } catch (IOException | UncheckedIOException e) {
            s.add("? " + e);
        }
        return s;
    }

    static String sha(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Removes {@code root} and everything under it, restoring permissions first; links are not followed. */
    static void deleteTree(Path root) {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) return;
        List<Path> all = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root)) {
            s.forEach(all::add);
        } catch (IOException | UncheckedIOException e) {
            // best effort below
        }
        for (Path p : all) {
            try {
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
                }
            } catch (IOException | UnsupportedOperationException ignored) {
                // not ours to change
            }
        }
        all.sort(Comparator.comparingInt(Path::getNameCount).reversed());
        for (Path p : all) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // left for the OS to clean
            }
        }
    }
}
