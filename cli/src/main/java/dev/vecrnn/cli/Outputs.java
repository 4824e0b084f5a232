package dev.vecrnn.cli;

import dev.vecrnn.nn.io.internal.AtomicFiles;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The files one command writes, all or none. The convention, the same for every command:
 * <ul>
 *   <li>each output is {@linkplain #declare declared} before the work starts, and refused there if it
 *       is one of the command's inputs (even with {@code --overwrite}), a directory, or an existing file
 *       without {@code --overwrite};</li>
 *   <li>the command writes each output to a {@linkplain #stage staged} hidden file beside it, and
 *       {@link #commit} renames them all into place at the end; a failure before or during the commit
 *       leaves every target as it was (replaced files are restored) and removes the staged files and
 *       any directory this object created.</li>
 * </ul>
 * Every output is made as a new file, so all get the same mode (the umask's, usually 0644), and the
 * staged names follow the pattern of the library's atomic writer ({@code .<name>.vecrnn-<hex>.tmp}).
 */
final class Outputs implements AutoCloseable {
    private final boolean overwrite;
    private final List<Path> inputs = new ArrayList<>();
    private final Map<Path, String> declared = new LinkedHashMap<>();
    private final Map<Path, Path> staged = new LinkedHashMap<>();
    private final List<Path> createdDirs = new ArrayList<>();
    private boolean committed;

    Outputs(boolean overwrite) {
        this.overwrite = overwrite;
    }

    /** Marks the files no output may be (nulls are skipped). */
    Outputs inputs(Path... files) {
        for (Path f : files) if (f != null) inputs.add(f);
        return this;
    }

    /**
     * Checks {@code target} (named by {@code option} in errors) as an output before any work, and returns
     * it as an absolute path.
     */
    Path declare(String option, Path target) {
        String what = option + " " + target;
        Path abs = check(what, target, declared::get, false, existing -> {
            if (!Files.isRegularFile(existing)) {
                throw new IllegalArgumentException(what + ": exists and is not a regular file (a FIFO, socket or device), expected a file to write;"
                        + " outputs are files only, never written to a pipe or device");
            }
            if (!overwrite) throw new IllegalArgumentException(what + ": exists (pass --overwrite to replace it)");
        });
        declared.put(abs, what);
        return abs;
    }

    /** Names a file has, never a directory: a model's weights, arrays, configs, checkpoints, plots, text. */
    private static final Pattern FILE_NAME = Pattern.compile("(?i).+\\.(safetensors|npy|npz|json|pt|pth|bin|ckpt|h5|keras|onnx|pkl|png|csv|txt)");

    /**
     * Declares {@code name} in the directory {@code dir} (a model's directory, infer's outputs) as {@link #declare}
     * does. Refused where {@code dir} exists and is not a directory, or is named as a file is ({@code m.safetensors},
     * {@code out.npy}): the command would make a directory of that name.
     */
    Path declareIn(String option, Path dir, String name) {
        String expected = "expected a directory to write " + name + " in";
        if (Files.exists(dir) && !Files.isDirectory(dir)) throw new IllegalArgumentException(option + " " + dir + ": exists and is not a directory; " + expected);
        Path last = dir.getFileName();
        if (last != null && FILE_NAME.matcher(last.toString()).matches()) {
            String n = last.toString();
            throw new IllegalArgumentException(option + " " + dir + ": " + expected + ", got a name ending in " + n.substring(n.lastIndexOf('.')) + ", as a file's does");
        }
        return declare(option, dir.resolve(name));
    }

    /**
     * Checks, before any work, a file the command writes in place rather than staged (fit's checkpoint,
     * written atomically as training goes, so that it survives a crash): as {@link #declare} checks an
     * output, except that what is already there is checked after its directory. Missing directories are made
     * by {@link #makeDirectoriesFor} once nothing is left to refuse.
     *
     * @param sameAs   what the file must not be besides the inputs: a description of the other file, or null
     * @param existing what to check of a file (or link) already there: whether it may be replaced is the caller's
     */
    Path checkInPlace(String option, Path target, Function<Path, String> sameAs, Consumer<Path> existing) {
        return check(option + " " + target, target, sameAs, true, existing);
    }

    /**
     * Makes the missing directories of {@code file} (checked by {@link #checkInPlace}), as Keras's ModelCheckpoint
     * makes its file's: before the work, once nothing is left to refuse. As the staged outputs' directories, they are
     * removed again where the command fails or is stopped ({@link #removeMadeDirectories}), but for one that holds a
     * file by then (the checkpoint a failed fit keeps, for --resume).
     *
     * @throws IllegalArgumentException naming {@code option} where a directory cannot be made
     */
    void makeDirectoriesFor(String option, Path file) {
        // the parent as spelled (new/../c.ckpt makes new, as os.makedirs would, and the trainer then finds new/..)
        Path dir = file.toAbsolutePath().getParent();
        try {
            makeDirectories(dir);
        } catch (IOException e) {
            throw new IllegalArgumentException(option + " " + file + ": cannot make " + dir
                    + (e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? " (" + f.getReason() + ")" : ""), e);
        }
    }

    /**
     * The checks every file written passes, in this order: not one of the inputs, not {@code sameAs} (a
     * description of the file it would also be, or null), not the directory of an output declared before it,
     * not a directory, then {@code existing} for what is already at the path (a staged output: before its
     * directory; a file written in place, {@code inPlace}: after), and a directory it may write in: the nearest
     * existing one (the rest are made: by commit for a staged output, by {@link #makeDirectoriesFor} for a file
     * written in place).
     */
    private Path check(String what, Path target, Function<Path, String> sameAs, boolean inPlace, Consumer<Path> existing) {
        String stream = systemPath(target);
        if (stream != null) {
            throw new IllegalArgumentException(what + ": expected a file to write, got " + stream + ", where the system keeps devices and open"
                    + " streams (/dev/stdout is the command's own output); outputs are files only");
        }
        Path abs = located(target);
        for (Path in : inputs) {
            if (same(abs, in)) throw new IllegalArgumentException(what + ": is also an input (" + in + "); vecrnn never writes over its inputs");
        }
        String other = sameAs.apply(abs);
        if (other != null) throw new IllegalArgumentException(what + ": the same file as " + other);
        // a file where a declared output's directory is to be made (fit --out m --checkpoint m): written first, it
        // would leave the output nowhere to go, found only at the end of the work. Compared through the links of the
        // directories that exist, so that two spellings of one directory (real/m, alias/m) are one path.
        Path real = throughLinks(abs);
        for (Map.Entry<Path, String> d : declared.entrySet()) {
            Path declaredReal = throughLinks(d.getKey());
            if (declaredReal.equals(real) && !d.getKey().equals(abs)) {
                throw new IllegalArgumentException(what + ": the same file as " + d.getValue());
            }
            if (declaredReal.startsWith(real) && !declaredReal.equals(real)) {
                throw new IllegalArgumentException(what + ": is the directory of " + d.getValue() + ", expected a file of its own");
            }
            // the reverse (fit --out m --checkpoint m/model.safetensors/c.ckpt): a directory made where an output goes
            if (real.startsWith(declaredReal) && !declaredReal.equals(real)) {
                throw new IllegalArgumentException(what + ": is inside " + d.getValue() + ", which is a file, expected a file elsewhere");
            }
        }
        if (Files.isDirectory(abs)) {
            throw new IllegalArgumentException(what + ": is a directory, expected a file" + (inPlace ? "" : " to write"));
        }
        boolean exists = Files.exists(abs, LinkOption.NOFOLLOW_LINKS);
        if (!inPlace && exists) existing.accept(abs);
        Path dir = abs.getParent();
        while (dir != null && !Files.exists(dir)) {
            if (Files.isSymbolicLink(dir)) throw new IllegalArgumentException(what + ": " + dir + " is a link to nothing (a dangling link), expected a directory");
            dir = dir.getParent();
        }
        if (dir == null || !Files.isDirectory(dir)) throw new IllegalArgumentException(what + ": " + dir + " is not a directory");
        if (!Files.isWritable(dir)) throw new IllegalArgumentException(what + ": cannot write in " + dir + " (permission denied)");
        probe(what, dir);
        if (inPlace && exists) existing.accept(abs);
        return abs;
    }

    /**
     * Refuses a directory that its permission bits let one write in but that refuses files (/proc as root, a read-only
     * mount) now, before the work, where stage would find it only after it (fit and tune after their training, evaluate
     * after printing its figures; fit's first checkpoint after an epoch): a hidden file made there and deleted at once.
     */
    private static void probe(String what, Path dir) {
        try {
            Files.delete(Files.createTempFile(dir, ".vecrnn-probe-", ".tmp"));
        } catch (IOException e) {
            String reason = e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? " (" + f.getReason() + ")" : "";
            throw new IllegalArgumentException(what + ": cannot write in " + dir + reason, e);
        }
    }

    /**
     * Where {@code target}, or a link it leads through, is in /dev (other than the tmpfs /dev/shm) or among a process's open
     * files, /proc/PID/fd: the path there, after the links that lead to it ("/dev/stdout"; "out.json -> /dev/stdout"); null
     * for a path elsewhere. A write there would replace a device node or, through /proc/self/fd/1, the file stdout is
     * redirected to, the command then printing into the deleted copy; a pipe or terminal there is no file to rename into place.
     */
    static String systemPath(Path target) {
        Path p = target.toAbsolutePath();
        StringBuilder chain = new StringBuilder();
        for (int hop = 0; hop < 40 && p.getParent() != null && p.getFileName() != null; hop++) {
            Path q = throughLinks(p.getParent().normalize()).resolve(p.getFileName()).normalize();
            chain.append(hop == 0 ? "" : " -> ").append(q);
            if (q.startsWith("/dev") && !q.startsWith("/dev/shm") || q.startsWith("/proc") && openFiles(q)) return chain.toString();
            if (!Files.isSymbolicLink(q)) return null;
            try {
                p = q.getParent().resolve(Files.readSymbolicLink(q));
            } catch (IOException | SecurityException e) {
                return null;
            }
        }
        return null;
    }

    /** Whether a path in /proc is in a directory of open files, /proc/self/fd/1, /proc/PID/task/TID/fd/2 (the rest refuse files). */
    private static boolean openFiles(Path inProc) {
        for (Path name : inProc) if (name.toString().equals("fd")) return true;
        return false;
    }

    /**
     * {@code abs} (absolute) with its nearest existing ancestor resolved through symbolic links as the system walks it
     * (a link before a "..": followed first), and the rest, which does not exist yet, appended as written, normalized;
     * {@code abs} itself where no ancestor can be resolved.
     */
    private static Path throughLinks(Path abs) {
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        if (existing == null) return abs;
        try {
            return existing.toRealPath().resolve(existing.relativize(abs)).normalize();
        } catch (java.io.IOException | SecurityException e) {
            return abs;
        }
    }

    /**
     * {@code target} as an absolute path to the file the system opens for it: its directory's nearest existing ancestor
     * resolved through links, as open(2) walks it, and the rest, which does not exist yet, normalized; the last element
     * as given, but a link there to a regular file is that file ({@link AtomicFiles#writtenFile}: written through, the link
     * kept, as numpy.save writes; a link to a device or FIFO is left to the checks). Normalizing the whole spelling took w/lnk/../x.npy
     * as w/x.npy where the system, following lnk first, finds the x.npy beside lnk's target: an input passed the checks
     * and fit's checkpoint, written in place as spelled, replaced it.
     */
    static Path located(Path target) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent(), name = abs.getFileName();
        if (dir == null || name == null) return abs.normalize();
        return AtomicFiles.writtenFile(throughLinks(dir).resolve(name).normalize());
    }

    /** Where to write the declared {@code target}: a new hidden file beside it (directories made as needed). */
    Path stage(Path target) throws IOException {
        Path abs = located(target);
        if (!declared.containsKey(abs)) throw new IllegalStateException(target + " was not declared");
        if (staged.containsKey(abs)) return staged.get(abs);
        Path tmp;
        try {
            makeDirectories(abs.getParent());
            removeLeftovers(abs);
            tmp = sibling(abs, ".tmp");
            // a directory the permission bits let one write in may still refuse a file (/proc, a read-only mount, a full
            // disk): said here naming the option, not later by the writer naming a hidden staging file
            Files.deleteIfExists(Files.createFile(tmp));
        } catch (java.nio.file.FileSystemException e) {
            throw new IllegalArgumentException(declared.get(abs) + ": cannot write in " + abs.getParent()
                    + (e.getReason() == null ? "" : " (" + e.getReason() + ")"), e);
        }
        staged.put(abs, tmp);
        // a run stopped by a signal (Ctrl-C, SIGTERM) skips close(); the JVM's exit still removes this
        tmp.toFile().deleteOnExit();
        return tmp;
    }

    /**
     * Renames every staged file into place; on a failure, restores what it had replaced and rethrows. A stdout that has
     * failed already (a full disk; {@link Stdout#failure}) fails the commit: a run that will exit 2 for it leaves no output.
     */
    void commit() throws IOException {
        IOException stdout = Stdout.failure();
        if (stdout != null) throw new IOException(Main.stdoutFailed(stdout), stdout);
        for (Path target : declared.keySet()) {
            if (!staged.containsKey(target) || !Files.isRegularFile(staged.get(target), LinkOption.NOFOLLOW_LINKS)) {
                throw new IllegalStateException(target + " was declared but not written");
            }
        }
        List<Path[]> done = new ArrayList<>();  // {target, backup or null}
        try {
            for (Map.Entry<Path, Path> e : staged.entrySet()) {
                Path target = e.getKey(), backup = null;
                if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                    if (!overwrite) throw new FileAlreadyExistsException(target.toString(), null, "appeared while the command ran");
                    backup = sibling(target, ".bak");
                    Files.deleteIfExists(backup);
                    Files.createLink(backup, target);
                }
                done.add(new Path[] {target, backup});
                Files.move(e.getValue(), target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException e) {
            for (int i = done.size() - 1; i >= 0; i--) {
                Path target = done.get(i)[0], backup = done.get(i)[1];
                try {
                    if (backup != null) Files.move(backup, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    else Files.deleteIfExists(target);
                } catch (IOException ignored) {
                    // the first failure is the one to report
                }
            }
            throw e;
        }
        committed = true;
        for (Path[] d : done) if (d[1] != null) Files.deleteIfExists(d[1]);
    }

    /** Removes what was staged and the directories made for it, unless committed. */
    @Override
    public void close() {
        if (committed) return;
        for (Path tmp : staged.values()) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort: a hidden leftover, never a visible partial output
            }
        }
        removeMadeDirectories();
    }

    /**
     * Removes the directories made for the outputs, deepest first, but any that holds a file (a checkpoint kept, or
     * one something else put there meanwhile): for {@link #close}, and for a command stopped by a signal, which skips it.
     */
    synchronized void removeMadeDirectories() {
        for (int i = createdDirs.size() - 1; i >= 0; i--) {
            try {
                if (Files.deleteIfExists(createdDirs.get(i))) createdDirs.remove(i);
            } catch (IOException notEmpty) {
                // leave it
            }
        }
    }

    private synchronized void makeDirectories(Path dir) throws IOException {
        List<Path> missing = new ArrayList<>();
        for (Path d = dir; d != null && !Files.exists(d); d = d.getParent()) missing.add(0, d);
        for (Path d : missing) {
            try {
                Files.createDirectory(d);
                createdDirs.add(d);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (!Files.isDirectory(d)) throw e; // another process made it meanwhile (Keras's os.makedirs(exist_ok=True)): not ours to remove
            }
        }
    }

    /**
     * Deletes what an earlier run killed (SIGKILL, power loss) left beside {@code target}: its staged and backup
     * files, {@code .<name>.vecrnn-<hex>.tmp} and {@code .bak}. Never one of this command's inputs, even one so
     * named, and nothing without the mark (a user's {@code .p.npy.1a.bak} is not vecrnn's).
     */
    private void removeLeftovers(Path target) throws IOException {
        String prefix = "." + target.getFileName() + "." + AtomicFiles.MARK;
        try (var siblings = Files.newDirectoryStream(target.getParent(), p -> {
            String n = p.getFileName().toString();
            return n.startsWith(prefix) && n.substring(prefix.length()).matches("[0-9a-f]{1,16}\\.(tmp|bak)");
        })) {
            for (Path p : siblings) {
                if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) || inputs.stream().anyMatch(in -> same(p, in))) continue;
                Files.deleteIfExists(p);
            }
        }
    }

    private static Path sibling(Path target, String suffix) {
        return target.resolveSibling("." + target.getFileName() + "." + AtomicFiles.MARK
                + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1) + suffix);
    }

    /** Whether the output {@code abs} (absolute, normalized) is the file {@code input}: the same file where both exist, else the same path. */
    static boolean same(Path abs, Path input) {
        try {
            if (Files.exists(abs) && Files.exists(input)) return Files.isSameFile(abs, input);
        } catch (IOException e) {
            return false;
        }
        return abs.equals(located(input));
    }
}
